package main

import (
	"context"
	"testing"

	"github.com/pinhole/pinhole"
)

func TestFeed(t *testing.T) {
	t.Run("CelebrityPostsAreMergedAtRead", func(t *testing.T) {
		s := MustStart(t, func(c *Config) { c.CelebrityThreshold = 2 })
		star, fan1, fan2 := s.MustSignup("star"), s.MustSignup("fan1"), s.MustSignup("fan2")
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+star.ID+"/follow", fan1.Token, nil), 200)
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+star.ID+"/follow", fan2.Token, nil), 200)
		post := s.MustPost(star, "for my fans")
		id, _ := pinhole.ParseID(fan1.ID)
		stored, err := s.m.Store.ReadTimeline(context.Background(), id, pinhole.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 0 {
			t.Fatalf("a celebrity's post was fanned out: %v", stored)
		}
		home := s.mustList(s.do("GET", "/api/v1/timelines/home", fan1.Token, nil), 200)
		if len(home) != 1 || home[0]["id"] != post {
			t.Fatalf("fan's home: got %v, want [%s] merged at read", ids(home), post)
		}
	})

	t.Run("MissingTimelineIsRebuilt", func(t *testing.T) {
		s := MustStart(t)
		a, b := s.MustSignup("writer"), s.MustSignup("reader")
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+a.ID+"/follow", b.Token, nil), 200)
		p1, p2 := s.MustPost(a, "one"), s.MustPost(b, "mine")
		id, _ := pinhole.ParseID(b.ID)
		if err := s.m.Services.Feed.Drop(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		home := s.mustList(s.do("GET", "/api/v1/timelines/home", b.Token, nil), 200)
		if got := ids(home); len(got) != 2 || got[0] != p2 || got[1] != p1 {
			t.Fatalf("rebuilt home: got %v, want [%s %s]", got, p2, p1)
		}
	})

	t.Run("CursorPagination", func(t *testing.T) {
		s := MustStart(t)
		m := s.MustSignup("pager")
		var posted []string
		for i := 0; i < 5; i++ {
			posted = append(posted, s.MustPost(m, "post"))
		}
		// posted[4] is newest.
		page := s.mustList(s.do("GET", "/api/v1/timelines/home?limit=2", m.Token, nil), 200)
		if got := ids(page); len(got) != 2 || got[0] != posted[4] || got[1] != posted[3] {
			t.Fatalf("first page: got %v", got)
		}
		page = s.mustList(s.do("GET", "/api/v1/timelines/home?limit=2&max_id="+posted[3], m.Token, nil), 200)
		if got := ids(page); len(got) != 2 || got[0] != posted[2] || got[1] != posted[1] {
			t.Fatalf("max_id page: got %v", got)
		}
		page = s.mustList(s.do("GET", "/api/v1/timelines/home?limit=2&min_id="+posted[0], m.Token, nil), 200)
		if got := ids(page); len(got) != 2 || got[0] != posted[2] || got[1] != posted[1] {
			t.Fatalf("min_id page: got %v, want the two right after %s, newest first", got, posted[0])
		}
		page = s.mustList(s.do("GET", "/api/v1/timelines/home?since_id="+posted[2], m.Token, nil), 200)
		if got := ids(page); len(got) != 2 || got[0] != posted[4] || got[1] != posted[3] {
			t.Fatalf("since_id page: got %v", got)
		}
	})
}
