package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

// Discovery through the API and the pages: hashtags, places and nearby,
// search, explore and trends. The search index is fed by events, so what
// it shows is waited for (eventually), as a member would see it appear.

// tagIDs returns the IDs on a hashtag timeline.
func (s *testServer) tagIDs(tag, token, query string) []string {
	s.t.Helper()
	return ids(s.mustList(s.do("GET", "/api/v1/timelines/tag/"+url.PathEscape(tag)+query, token, nil), 200))
}

// MustCreatePlace creates a place and returns its ID.
func (s *testServer) MustCreatePlace(m member, name string, lat, lon float64) string {
	s.t.Helper()
	v := s.mustJSON(s.do("POST", "/api/pinhole/v1/places", m.Token, form("name", name, "lat", fmt.Sprint(lat), "lon", fmt.Sprint(lon))), 200)
	return v["id"].(string)
}

// MustPostAt publishes a one-photo post at a place.
func (s *testServer) MustPostAt(m member, caption, placeID string) map[string]any {
	s.t.Helper()
	mid := s.MustUpload(m, "a test photo")
	return s.mustJSON(s.do("POST", "/api/v1/statuses", m.Token, jsonBody(map[string]any{"status": caption, "media_ids": []string{mid}, "place_id": placeID})), 200)
}

func (s *testServer) search(token, query string) map[string]any {
	s.t.Helper()
	return s.mustJSON(s.do("GET", "/api/v2/search?"+query, token, nil), 200)
}

func names(list []any, key string) []string {
	var out []string
	for _, v := range list {
		out = append(out, fmt.Sprint(v.(map[string]any)[key]))
	}
	return out
}

func TestHashtags(t *testing.T) {
	s := MustStart(t)
	alice, bob, carol, dave := s.MustSignup("alice"), s.MustSignup("bob"), s.MustSignup("carol"), s.MustSignup("dave")
	p1 := s.MustPost(alice, "Golden hour #Sunset #café")
	p2 := s.MustPost(bob, "Again #sunset")
	c1 := s.mustJSON(s.do("POST", "/api/v1/statuses", carol.Token, form("status", "Lovely #SUNSET!", "in_reply_to_id", p1)), 200)["id"].(string)
	s.eventually("the tag timeline has both posts and the comment", func() bool { return len(s.tagIDs("sunset", "", "")) == 3 })

	t.Run("TimelineIsNewestFirstAndCaseInsensitive", func(t *testing.T) {
		want := []string{c1, p2, p1}
		for _, tag := range []string{"sunset", "SunSet", "#sunset"} {
			if got := s.tagIDs(tag, "", ""); !slices.Equal(got, want) {
				t.Errorf("timeline of %q: got %v, want %v", tag, got, want)
			}
		}
		if got := s.tagIDs("sunset", "", "?only_media=true"); !slices.Equal(got, []string{p2, p1}) {
			t.Errorf("only_media: got %v, want the two posts", got)
		}
		if got := s.tagIDs("sunset", "", "?limit=1&max_id="+p2); !slices.Equal(got, []string{p1}) {
			t.Errorf("max_id page: got %v, want [%s]", got, p1)
		}
		res := s.do("GET", "/api/v1/timelines/tag/sunset?limit=1", "", nil)
		if link := res.Header.Get("Link"); !strings.Contains(link, "max_id="+c1) {
			t.Errorf("Link: got %q, want a next page after %s", link, c1)
		}
	})

	t.Run("UnicodeTags", func(t *testing.T) {
		if got := s.tagIDs("Café", "", ""); !slices.Equal(got, []string{p1}) {
			t.Errorf("#café timeline: got %v, want [%s]", got, p1)
		}
		tag := s.mustJSON(s.do("GET", "/api/v1/tags/"+url.PathEscape("CAFÉ"), "", nil), 200)
		if tag["name"] != "café" || !strings.HasSuffix(tag["url"].(string), "/tags/caf%C3%A9") {
			t.Errorf("tag café: got %v", tag)
		}
	})

	t.Run("TagEntityHasHistory", func(t *testing.T) {
		tag := s.mustJSON(s.do("GET", "/api/v1/tags/Sunset", "", nil), 200)
		hist := tag["history"].([]any)
		if tag["name"] != "sunset" || len(hist) != 7 {
			t.Fatalf("tag: got %v, want sunset with 7 days of history", tag)
		}
		today := hist[0].(map[string]any)
		if today["uses"] != "3" || today["accounts"] != "3" {
			t.Errorf("today: got %v, want 3 uses by 3 accounts", today)
		}
		if _, ok := tag["following"]; ok {
			t.Errorf("following shown to a logged-out client: %v", tag)
		}
		if got := s.mustJSON(s.do("GET", "/api/v1/tags/sunset", dave.Token, nil), 200)["following"]; got != false {
			t.Errorf("following for dave: got %v, want false", got)
		}
		never := s.mustJSON(s.do("GET", "/api/v1/tags/neverused", "", nil), 200)
		if never["name"] != "neverused" || never["history"].([]any)[0].(map[string]any)["uses"] != "0" {
			t.Errorf("an unused tag: got %v", never)
		}
	})

	t.Run("WhatCannotBeATagIsNotFound", func(t *testing.T) {
		for _, name := range []string{"no-dash", "123", url.PathEscape("a b"), strings.Repeat("x", 101)} {
			msg := s.mustError(s.do("GET", "/api/v1/tags/"+name, "", nil), 404)
			if !strings.Contains(msg, "hashtag") {
				t.Errorf("tag %q: message %q does not say why", name, msg)
			}
		}
		s.mustError(s.do("GET", "/api/v1/timelines/tag/no-dash", "", nil), 404)
		s.mustError(s.do("GET", "/api/v1/timelines/tag/sunset?any[]=x", "", nil), 422)
	})

	t.Run("FollowedTagsFillTheHomeFeed", func(t *testing.T) {
		s.mustError(s.do("POST", "/api/v1/tags/sunset/follow", "", nil), 401)
		tag := s.mustJSON(s.do("POST", "/api/v1/tags/SunSet/follow", dave.Token, nil), 200)
		if tag["name"] != "sunset" || tag["following"] != true {
			t.Fatalf("follow: got %v", tag)
		}
		s.mustJSON(s.do("POST", "/api/v1/tags/sunset/follow", dave.Token, nil), 200) // again: no change
		followed := s.mustList(s.do("GET", "/api/v1/followed_tags", dave.Token, nil), 200)
		if len(followed) != 1 || followed[0]["name"] != "sunset" || followed[0]["following"] != true {
			t.Fatalf("followed_tags: got %v", followed)
		}
		// Dave follows no one, yet the tagged posts (not the comment) show.
		if home := s.homeIDs(dave); !slices.Equal(home, []string{p2, p1}) {
			t.Errorf("dave's home: got %v, want [%s %s]", home, p2, p1)
		}
		later := s.MustPost(alice, "More #sunset")
		s.eventually("a new tagged post reaches dave's home", func() bool { return contains(s.homeIDs(dave), later) })

		// Blocks still hide posts.
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/block", dave.Token, nil), 200)
		if home := s.homeIDs(dave); contains(home, p2) {
			t.Errorf("dave's home after blocking bob: %v still has %s", home, p2)
		}
		s.mustJSON(s.do("POST", "/api/v1/tags/sunset/unfollow", dave.Token, nil), 200)
		if home := s.homeIDs(dave); len(home) != 0 {
			t.Errorf("dave's home after unfollowing: got %v, want empty", home)
		}
		if followed := s.mustList(s.do("GET", "/api/v1/followed_tags", dave.Token, nil), 200); len(followed) != 0 {
			t.Errorf("followed_tags after unfollowing: %v", followed)
		}
	})

	t.Run("PrivatePostsShowOnlyToFollowers", func(t *testing.T) {
		priv, fan := s.MustSignup("private"), s.MustSignup("fan")
		s.mustJSON(s.do("PATCH", "/api/v1/accounts/update_credentials", priv.Token, form("locked", "true")), 200)
		secret := s.MustPost(priv, "Just for friends #secretspot")
		s.eventually("the private post is indexed", func() bool {
			return s.mustJSON(s.do("GET", "/api/v1/tags/secretspot", "", nil), 200)["history"].([]any)[0].(map[string]any)["uses"] == "1"
		})
		if got := s.tagIDs("secretspot", "", ""); len(got) != 0 {
			t.Errorf("logged out: got %v, want nothing", got)
		}
		if got := s.tagIDs("secretspot", fan.Token, ""); len(got) != 0 {
			t.Errorf("a stranger: got %v, want nothing", got)
		}
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+priv.ID+"/follow", fan.Token, nil), 200)
		s.mustJSON(s.do("POST", "/api/v1/follow_requests/"+fan.ID+"/authorize", priv.Token, nil), 200)
		if got := s.tagIDs("secretspot", fan.Token, ""); !slices.Equal(got, []string{secret}) {
			t.Errorf("an approved follower: got %v, want [%s]", got, secret)
		}
	})

	t.Run("DeletedPostsLeaveTheTag", func(t *testing.T) {
		s.mustJSON(s.do("DELETE", "/api/v1/statuses/"+p1, alice.Token, nil), 200)
		s.eventually("the deleted post and its comment leave #sunset", func() bool {
			got := s.tagIDs("sunset", "", "")
			return !contains(got, p1) && !contains(got, c1)
		})
		s.eventually("#café counts no use", func() bool {
			return s.mustJSON(s.do("GET", "/api/v1/tags/caf%C3%A9", "", nil), 200)["history"].([]any)[0].(map[string]any)["uses"] == "0"
		})
	})
}

func TestPlaces(t *testing.T) {
	s := MustStart(t)
	alice, bob := s.MustSignup("alice"), s.MustSignup("bob")
	flore := s.MustCreatePlace(alice, "Café de Flore", 48.8540, 2.3325)
	louvre := s.MustCreatePlace(alice, "Louvre", 48.8606, 2.3376)
	notre := s.MustCreatePlace(bob, "Notre-Dame", 48.8530, 2.3499)
	s.MustCreatePlace(bob, "Trafalgar Square", 51.5080, -0.1281)

	t.Run("CreateRefusesImpossibleInput", func(t *testing.T) {
		cases := []struct {
			body *body
			want string
		}{
			{form("name", "Nowhere", "lat", "91", "lon", "0"), "lat must be a latitude"},
			{form("name", "Nowhere", "lat", "0", "lon", "-180.01"), "lon must be a longitude"},
			{form("name", "Nowhere", "lat", "NaN", "lon", "0"), "lat must be a number"},
			{form("name", "Nowhere", "lat", "north", "lon", "0"), "lat must be a number"},
			{form("name", "Nowhere", "lat", "1"), "lon is required"},
			{form("lat", "1", "lon", "1"), "name is required"},
			{form("name", strings.Repeat("x", 101), "lat", "1", "lon", "1"), "at most 100"},
		}
		for _, c := range cases {
			if msg := s.mustError(s.do("POST", "/api/pinhole/v1/places", alice.Token, c.body), 422); !strings.Contains(msg, c.want) {
				t.Errorf("%s: got %q, want it to say %q", c.body.data, msg, c.want)
			}
		}
		s.mustError(s.do("POST", "/api/pinhole/v1/places", "", form("name", "x", "lat", "1", "lon", "1")), 401)
	})

	t.Run("TheSamePlaceTwiceIsOnePlace", func(t *testing.T) {
		if again := s.MustCreatePlace(bob, "café de flore", 48.8541, 2.3326); again != flore {
			t.Errorf("got place %s, want the existing %s", again, flore)
		}
	})

	t.Run("PostsCarryAPlace", func(t *testing.T) {
		st := s.MustPostAt(alice, "Coffee", flore)
		place := st["place"].(map[string]any)
		if place["id"] != flore || place["name"] != "Café de Flore" || !strings.HasSuffix(place["url"].(string), "/places/"+flore) {
			t.Errorf("status place: got %v", place)
		}
		got := s.mustJSON(s.do("GET", "/api/v1/statuses/"+st["id"].(string), bob.Token, nil), 200)
		if got["place"].(map[string]any)["id"] != flore {
			t.Errorf("status read back: place %v", got["place"])
		}
		s.eventually("the place counts the post", func() bool {
			return s.mustJSON(s.do("GET", "/api/pinhole/v1/places/"+flore, "", nil), 200)["posts_count"].(float64) == 1
		})
		tl := ids(s.mustList(s.do("GET", "/api/pinhole/v1/timelines/place/"+flore, "", nil), 200))
		if !slices.Equal(tl, []string{st["id"].(string)}) {
			t.Errorf("place timeline: got %v", tl)
		}
		plain := s.mustJSON(s.do("GET", "/api/v1/statuses/"+s.MustPost(alice, "no place"), "", nil), 200)
		if _, ok := plain["place"]; ok {
			t.Errorf("a post without a place renders one: %v", plain["place"])
		}
	})

	t.Run("StatusesRefuseABadPlace", func(t *testing.T) {
		mid := s.MustUpload(alice, "x")
		msg := s.mustError(s.do("POST", "/api/v1/statuses", alice.Token, jsonBody(map[string]any{"status": "x", "media_ids": []string{mid}, "place_id": "123456789"})), 422)
		if !strings.Contains(msg, "place_id") {
			t.Errorf("unknown place: %q", msg)
		}
		s.mustError(s.do("POST", "/api/v1/statuses", alice.Token, jsonBody(map[string]any{"status": "x", "media_ids": []string{mid}, "place_id": "here"})), 422)
		post := s.MustPost(alice, "p")
		msg = s.mustError(s.do("POST", "/api/v1/statuses", bob.Token, form("status", "nice", "in_reply_to_id", post, "place_id", flore)), 422)
		if !strings.Contains(msg, "Comments cannot have a place") {
			t.Errorf("comment with a place: %q", msg)
		}
	})

	t.Run("NearbyIsNearestFirstWithinTheRadius", func(t *testing.T) {
		list := s.mustList(s.do("GET", "/api/pinhole/v1/places/nearby?lat=48.8566&lon=2.3522&radius_km=5", "", nil), 200)
		if got := ids(list); !slices.Equal(got, []string{notre, louvre, flore}) {
			t.Fatalf("nearby: got %v, want [%s %s %s], nearest first and not London", got, notre, louvre, flore)
		}
		d0, d2 := list[0]["distance_km"].(float64), list[2]["distance_km"].(float64)
		if d0 <= 0 || d0 > d2 || d2 > 5 {
			t.Errorf("distances: got %v … %v", d0, d2)
		}
		if got := ids(s.mustList(s.do("GET", "/api/pinhole/v1/places/nearby?lat=48.8566&lon=2.3522&radius_km=0.5", "", nil), 200)); len(got) != 1 || got[0] != notre {
			t.Errorf("within 500 m: got %v, want [%s]", got, notre)
		}
		if got := ids(s.mustList(s.do("GET", "/api/pinhole/v1/places/nearby?lat=48.8566&lon=2.3522&radius_km=500&limit=1", "", nil), 200)); len(got) != 1 {
			t.Errorf("limit 1: got %v", got)
		}
	})

	t.Run("NearbyRefusesImpossibleInput", func(t *testing.T) {
		for _, q := range []string{"lon=2", "lat=48", "lat=100&lon=2", "lat=48&lon=2&radius_km=0", "lat=48&lon=2&radius_km=501", "lat=48&lon=2&radius_km=far", "lat=48&lon=2&limit=0"} {
			s.mustError(s.do("GET", "/api/pinhole/v1/places/nearby?"+q, "", nil), 422)
		}
	})

	t.Run("UnknownPlacesAreNotFound", func(t *testing.T) {
		s.mustError(s.do("GET", "/api/pinhole/v1/places/123456789", "", nil), 404)
		s.mustError(s.do("GET", "/api/pinhole/v1/places/abc", "", nil), 404)
		s.mustError(s.do("GET", "/api/pinhole/v1/timelines/place/123456789", "", nil), 404)
	})
}

func TestSearch(t *testing.T) {
	s := MustStart(t)
	alice, alicia, bob := s.MustSignup("alice"), s.MustSignup("alicia"), s.MustSignup("bob")
	s.mustJSON(s.do("PATCH", "/api/v1/accounts/update_credentials", bob.Token, form("display_name", "Robert Smith")), 200)
	post := s.MustPost(alice, "Evening #sunset")
	s.MustPost(alicia, "Morning #sunrise")
	s.MustCreatePlace(bob, "Café de Flore", 48.8540, 2.3325)
	s.eventually("bob's new display name is searchable", func() bool {
		return slices.Contains(names(s.search("", "q=robert&type=accounts")["accounts"].([]any), "id"), bob.ID)
	})
	s.eventually("the tags are indexed", func() bool { return len(s.search("", "q=sun&type=hashtags")["hashtags"].([]any)) == 2 })

	t.Run("Accounts", func(t *testing.T) {
		cases := []struct{ q, want string }{
			{"alice", alice.ID}, {"@alice", alice.ID}, {"alcie", alice.ID}, {"ALICIA", alicia.ID}, {"rob", bob.ID}, {"smith", bob.ID},
		}
		for _, c := range cases {
			got := names(s.search(alice.Token, "type=accounts&q="+url.QueryEscape(c.q))["accounts"].([]any), "id")
			if len(got) == 0 || got[0] != c.want {
				t.Errorf("q=%q: got %v, want %s first", c.q, got, c.want)
			}
		}
		got := names(s.search("", "type=accounts&q=ali")["accounts"].([]any), "username")
		if !slices.Contains(got, "alice") || !slices.Contains(got, "alicia") || slices.Contains(got, "bob") {
			t.Errorf("q=ali: got %v, want alice and alicia", got)
		}
		v1 := s.mustList(s.do("GET", "/api/v1/accounts/search?q=alice&limit=1", "", nil), 200)
		if len(v1) != 1 || v1[0]["id"] != alice.ID {
			t.Errorf("v1 account search: got %v", ids(v1))
		}
	})

	t.Run("AllKindsAtOnce", func(t *testing.T) {
		res := s.search("", "q=sun")
		for _, k := range []string{"accounts", "statuses", "hashtags", "places"} {
			if _, ok := res[k].([]any); !ok {
				t.Errorf("%s: got %v, want an array", k, res[k])
			}
		}
		if got := names(res["hashtags"].([]any), "name"); !slices.Equal(got, []string{"sunrise", "sunset"}) && !slices.Equal(got, []string{"sunset", "sunrise"}) {
			t.Errorf("hashtags: got %v", got)
		}
		if got := names(s.search("", "q=flore")["places"].([]any), "name"); !slices.Equal(got, []string{"Café de Flore"}) {
			t.Errorf("places: got %v", got)
		}
		if got := names(s.search("", "q=%23sunset&type=statuses")["statuses"].([]any), "id"); !slices.Equal(got, []string{post}) {
			t.Errorf("statuses by hashtag: got %v, want [%s]", got, post)
		}
		if got := names(s.search("", "type=statuses&q="+url.QueryEscape(s.URL+"/p/"+post))["statuses"].([]any), "id"); !slices.Equal(got, []string{post}) {
			t.Errorf("status by link: got %v, want [%s]", got, post)
		}
	})

	t.Run("HostileQueriesAreText", func(t *testing.T) {
		for _, q := range []string{`"`, `'; DROP TABLE accounts;--`, `alice" OR "1"="1`, `NEAR(alice bob)`, `*`, `username:alice`, `%`, `_`, `\`, `((((`, strings.Repeat("long ", 5000), "ali\x00ce", "ali\xffce"} {
			res := s.search(alice.Token, "q="+url.QueryEscape(q))
			if _, ok := res["accounts"].([]any); !ok {
				t.Errorf("q=%.30q: got %v", q, res)
			}
		}
		if got := names(s.search("", "type=accounts&q=alice")["accounts"].([]any), "id"); len(got) == 0 || got[0] != alice.ID {
			t.Errorf("after hostile queries, alice: got %v", got)
		}
	})

	t.Run("BadParametersSayWhatToFix", func(t *testing.T) {
		for q, want := range map[string]string{
			"":                      "q is required",
			"q=%20":                 "q is required",
			"q=a&type=people":       "type must be",
			"q=a&limit=0":           "limit must be",
			"q=a&limit=lots":        "limit must be",
			"q=a&offset=100000":     "offset must be",
			"q=a&following=perhaps": "following must be",
		} {
			if msg := s.mustError(s.do("GET", "/api/v2/search?"+q, "", nil), 422); !strings.Contains(msg, want) {
				t.Errorf("%q: got %q, want %q", q, msg, want)
			}
		}
	})

	t.Run("FollowingOnly", func(t *testing.T) {
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+alicia.ID+"/follow", bob.Token, nil), 200)
		got := names(s.search(bob.Token, "type=accounts&following=true&q=ali")["accounts"].([]any), "id")
		if !slices.Equal(got, []string{alicia.ID}) {
			t.Errorf("following=true: got %v, want [%s]", got, alicia.ID)
		}
	})
}

func TestTrendsAndExplore(t *testing.T) {
	s := MustStart(t)
	alice, bob, carol := s.MustSignup("alice"), s.MustSignup("bob"), s.MustSignup("carol")
	quiet := s.MustPost(alice, "Quiet #trendy")
	loud := s.MustPost(bob, "Loud #trendy #solo")
	s.mustJSON(s.do("POST", "/api/v1/statuses/"+loud+"/favourite", carol.Token, nil), 200)
	s.mustJSON(s.do("POST", "/api/v1/statuses/"+loud+"/favourite", alice.Token, nil), 200)
	s.mustJSON(s.do("POST", "/api/v1/statuses", carol.Token, form("status", "wow", "in_reply_to_id", loud)), 200)
	s.eventually("the posts and the likes are indexed", func() bool {
		if err := s.m.Services.Search.ComputeTrends(t.Context()); err != nil {
			t.Fatal(err)
		}
		return len(s.mustList(s.do("GET", "/api/v1/trends/statuses", "", nil), 200)) > 0 &&
			len(s.mustList(s.do("GET", "/api/v1/trends/tags", "", nil), 200)) > 0
	})

	t.Run("TrendingTagsNeedSeveralAuthors", func(t *testing.T) {
		tags := s.mustList(s.do("GET", "/api/v1/trends/tags", "", nil), 200)
		if len(tags) != 1 || tags[0]["name"] != "trendy" || len(tags[0]["history"].([]any)) != 7 {
			t.Errorf("trends/tags: got %v, want only #trendy (#solo has one author)", tags)
		}
		if legacy := s.mustList(s.do("GET", "/api/v1/trends", "", nil), 200); len(legacy) != 1 {
			t.Errorf("/api/v1/trends: got %v", legacy)
		}
	})

	t.Run("PopularPostsByEngagement", func(t *testing.T) {
		got := ids(s.mustList(s.do("GET", "/api/v1/trends/statuses", "", nil), 200))
		if !slices.Equal(got, []string{loud}) {
			t.Errorf("trends/statuses: got %v, want [%s] (not %s, which nobody engaged with)", got, loud, quiet)
		}
		s.mustError(s.do("GET", "/api/v1/trends/statuses?limit=100", "", nil), 422)
	})

	t.Run("TrendsHideWhatTheViewerMayNotSee", func(t *testing.T) {
		s.mustJSON(s.do("POST", "/api/v1/accounts/"+bob.ID+"/block", carol.Token, nil), 200)
		if got := ids(s.mustList(s.do("GET", "/api/v1/trends/statuses", carol.Token, nil), 200)); len(got) != 0 {
			t.Errorf("carol after blocking bob: got %v, want nothing", got)
		}
	})

	t.Run("ExplorePage", func(t *testing.T) {
		code, body := page(t, s.browser(), s.URL+"/explore")
		if code != 200 || !strings.Contains(body, `href="/tags/trendy"`) || !strings.Contains(body, `href="/p/`+loud+`"`) {
			t.Errorf("explore: %d; want the trending tag and the popular post", code)
		}
	})
}

// webLogin signs a browser in as a member made with MustSignup.
func webLogin(t *testing.T, s *testServer, username string) *http.Client {
	t.Helper()
	c := s.browser()
	csrf := csrfFrom(t, c, s.URL+"/login")
	res, _ := postForm(t, c, s.URL+"/login", url.Values{"csrf": {csrf}, "login": {username}, "password": {"correct horse battery"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: got %d", username, res.StatusCode)
	}
	return c
}

func TestDiscoveryPages(t *testing.T) {
	s := MustStart(t)
	alice := s.MustSignup("alice")
	flore := s.MustCreatePlace(alice, "Café de Flore", 48.8540, 2.3325)
	s.MustCreatePlace(alice, "Louvre", 48.8606, 2.3376)
	post := s.MustPostAt(alice, "Coffee #Paris", flore)["id"].(string)
	s.eventually("the post is indexed", func() bool { return len(s.tagIDs("paris", "", "")) == 1 })
	c := webLogin(t, s, "alice")

	t.Run("TagPageWithGridAndFollow", func(t *testing.T) {
		code, body := page(t, c, s.URL+"/tags/paris")
		if code != 200 || !strings.Contains(body, "#paris") || !strings.Contains(body, `href="/p/`+post+`"`) || !strings.Contains(body, ">Follow<") {
			t.Fatalf("tag page: %d; want the tag, its grid and a follow button", code)
		}
		res, err := c.Get(s.URL + "/tags/Paris")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/tags/paris" {
			t.Errorf("/tags/Paris: got %d to %q, want a redirect to /tags/paris", res.StatusCode, res.Header.Get("Location"))
		}
		csrf := csrfFrom(t, c, s.URL+"/tags/paris")
		resp, _ := postForm(t, c, s.URL+"/tags/paris/follow", url.Values{"csrf": {csrf}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("follow form: got %d", resp.StatusCode)
		}
		if _, body := page(t, c, s.URL+"/tags/paris"); !strings.Contains(body, ">Following<") {
			t.Errorf("after following: no Following button")
		}
		if resp, _ := postForm(t, c, s.URL+"/tags/paris/unfollow", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unfollow without a CSRF token: got %d, want 403", resp.StatusCode)
		}
	})

	t.Run("PlacePageWithMap", func(t *testing.T) {
		code, body := page(t, c, s.URL+"/places/"+flore)
		if code != 200 || !strings.Contains(body, "Café de Flore") || !strings.Contains(body, "<svg viewBox") || !strings.Contains(body, `href="/p/`+post+`"`) {
			t.Fatalf("place page: %d; want the name, a map and the grid", code)
		}
		if code, _ := page(t, c, s.URL+"/places/123456789"); code != 404 {
			t.Errorf("unknown place page: got %d", code)
		}
	})

	t.Run("NearbyPage", func(t *testing.T) {
		code, body := page(t, c, s.URL+"/places/nearby?lat=48.8566&lon=2.3522&radius_km=5")
		if code != 200 || !strings.Contains(body, "Louvre") || !strings.Contains(body, "Café de Flore") || !strings.Contains(body, "km") {
			t.Fatalf("nearby page: %d; want both places with distances", code)
		}
		code, body = page(t, c, s.URL+"/places/nearby?lat=north&lon=2")
		if code != 422 || !strings.Contains(body, "lat must be a number") {
			t.Errorf("nearby with a bad latitude: got %d", code)
		}
	})

	t.Run("SearchPageAndTypeahead", func(t *testing.T) {
		code, body := page(t, c, s.URL+"/search?q=ali")
		if code != 200 || !strings.Contains(body, `href="/@alice"`) {
			t.Fatalf("search page: %d; want alice", code)
		}
		code, body = page(t, c, s.URL+"/search?q="+url.QueryEscape(`<script>alert(1)</script>`))
		if code != 200 || strings.Contains(body, "<script>alert(1)") {
			t.Errorf("search page with markup: %d; want it escaped", code)
		}
		req, _ := http.NewRequest("GET", s.URL+"/search/suggest?q=caf", nil)
		req.Header.Set("Accept", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got struct {
			Items []struct{ Kind, Label, URL string } `json:"items"`
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil || len(got.Items) == 0 || got.Items[0].URL != "/places/"+flore {
			t.Errorf("suggestions for caf: got %+v, %v; want Café de Flore", got, err)
		}
	})
}

func TestReindexCatchesUpWithoutCountingTwice(t *testing.T) {
	s := MustStart(t)
	alice := s.MustSignup("alice")
	s.MustPost(alice, "Before #reindex")
	uses := func() string {
		return s.mustJSON(s.do("GET", "/api/v1/tags/reindex", "", nil), 200)["history"].([]any)[0].(map[string]any)["uses"].(string)
	}
	s.eventually("the post is indexed", func() bool { return uses() == "1" })
	// An account written without its event, as before the index existed.
	old := &pinhole.Account{ID: s.m.Cluster.IDs.Next(3), Username: "oldtimer", Email: "old@example.com", CreatedAt: time.Now()}
	if err := s.m.Store.CreateAccount(t.Context(), old, "not a hash"); err != nil {
		t.Fatal(err)
	}
	if got := s.search("", "type=accounts&q=oldtimer")["accounts"].([]any); len(got) != 0 {
		t.Fatalf("before reindexing: got %v", got)
	}
	var accounts, posts int
	if err := s.m.Services.Search.Reindex(t.Context(), s.m.Store, func(a, p int) { accounts, posts = a, p }); err != nil {
		t.Fatal(err)
	}
	if accounts != 2 || posts != 1 {
		t.Errorf("reindexed %d accounts and %d posts, want 2 and 1", accounts, posts)
	}
	if got := names(s.search("", "type=accounts&q=oldtimer")["accounts"].([]any), "id"); !slices.Equal(got, []string{old.ID.String()}) {
		t.Errorf("after reindexing: got %v, want the old account", got)
	}
	if got := uses(); got != "1" {
		t.Errorf("#reindex uses after reindexing: got %s, want still 1", got)
	}
}
