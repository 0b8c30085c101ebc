package storetest

import (
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
)

var tagTests = []discoveryTest{
	{"SearchByPrefixMostUsedFirst", testSearchTags},
	{"FollowIsIdempotentAndCapped", testFollowTag},
	{"UnfollowReportsWhetherItFollowed", testUnfollowTag},
	{"FollowedTagsPaging", testFollowedTagsPaging},
}

func testSearchTags(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	for _, tags := range [][]string{{"sunset", "sun"}, {"sunset"}, {"sunset", "sunflower"}, {"sun"}, {"café"}, {"cafés"}, {"moon"}} {
		indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0, tags...)
	}
	names := func(prefix string, limit int) []string {
		got, err := s.Tags.SearchTags(t.Context(), prefix, limit)
		mustOK(t, "SearchTags "+prefix, err)
		var out []string
		for _, tg := range got {
			out = append(out, tg.Name)
		}
		return out
	}
	if got, want := names("sun", 10), []string{"sunset", "sun", "sunflower"}; !slices.Equal(got, want) {
		t.Errorf("sun: got %v, want %v (most used first)", got, want)
	}
	if got, want := names("sun", 1), []string{"sunset"}; !slices.Equal(got, want) {
		t.Errorf("sun, limit 1: got %v, want %v", got, want)
	}
	if got, want := names("caf", 10), []string{"café", "cafés"}; !slices.Equal(got, want) {
		t.Errorf("caf: got %v, want %v", got, want)
	}
	if got := names("sunz", 10); len(got) != 0 {
		t.Errorf("sunz: got %v, want nothing", got)
	}
}

func testFollowTag(t *testing.T, s DiscoveryStores) {
	a := MustCreateAccount(t, s.Stores, "tagfan")
	created, err := s.Tags.FollowTag(t.Context(), a.ID, "sunset", 2, Now)
	if err != nil || !created {
		t.Fatalf("first follow: got %v, %v; want created", created, err)
	}
	if created, err := s.Tags.FollowTag(t.Context(), a.ID, "sunset", 2, Now); err != nil || created {
		t.Errorf("second follow: got %v, %v; want no change", created, err)
	}
	mustOK(t, "follow film", func() error { _, err := s.Tags.FollowTag(t.Context(), a.ID, "film", 2, Now); return err }())
	_, err = s.Tags.FollowTag(t.Context(), a.ID, "third", 2, Now)
	wantCode(t, "follow past the cap", err, pinhole.ECONFLICT)
	// At the cap, following a tag already followed is still fine.
	if _, err := s.Tags.FollowTag(t.Context(), a.ID, "film", 2, Now); err != nil {
		t.Errorf("refollow at the cap: %v", err)
	}
	names, err := s.Tags.FollowedTagNames(t.Context(), a.ID)
	mustOK(t, "FollowedTagNames", err)
	if want := []string{"film", "sunset"}; !slices.Equal(names, want) {
		t.Errorf("followed: got %v, want %v", names, want)
	}
	other := MustCreateAccount(t, s.Stores, "other")
	if names, _ := s.Tags.FollowedTagNames(t.Context(), other.ID); len(names) != 0 {
		t.Errorf("someone else's follows: got %v, want none", names)
	}
}

func testUnfollowTag(t *testing.T, s DiscoveryStores) {
	a := MustCreateAccount(t, s.Stores, "tagfan")
	_, err := s.Tags.FollowTag(t.Context(), a.ID, "sunset", 10, Now)
	mustOK(t, "FollowTag", err)
	if removed, err := s.Tags.UnfollowTag(t.Context(), a.ID, "sunset"); err != nil || !removed {
		t.Errorf("unfollow: got %v, %v; want removed", removed, err)
	}
	if removed, err := s.Tags.UnfollowTag(t.Context(), a.ID, "sunset"); err != nil || removed {
		t.Errorf("unfollow again: got %v, %v; want nothing to remove", removed, err)
	}
	if names, _ := s.Tags.FollowedTagNames(t.Context(), a.ID); len(names) != 0 {
		t.Errorf("after unfollow: got %v", names)
	}
}

func testFollowedTagsPaging(t *testing.T, s DiscoveryStores) {
	a := MustCreateAccount(t, s.Stores, "tagfan")
	for _, tag := range []string{"a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9"} {
		_, err := s.Tags.FollowTag(t.Context(), a.ID, tag, 100, Now)
		mustOK(t, "FollowTag "+tag, err)
	}
	first, err := s.Tags.ListFollowedTags(t.Context(), a.ID, pinhole.Page{Limit: 100})
	mustOK(t, "ListFollowedTags", err)
	if len(first) != 9 || first[0].Tag != "i9" || first[8].Tag != "a1" || !first[0].CreatedAt.Equal(Now) {
		t.Fatalf("all follows: got %+v, want 9, newest first", first)
	}
	var all []pinhole.ID
	for _, f := range first {
		all = append(all, f.ID)
	}
	slices.Reverse(all)
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		got, err := s.Tags.ListFollowedTags(t.Context(), a.ID, p)
		mustOK(t, "ListFollowedTags", err)
		var ids []pinhole.ID
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		return ids
	})
}
