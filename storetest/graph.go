package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
)

var graphTests = []test{
	{"FollowMovesBothCounters", testGraphFollowMovesCounters},
	{"FollowTwiceIsIdempotent", testGraphFollowIdempotent},
	{"UnfollowMovesCountersBack", testGraphUnfollow},
	{"RelationshipsFromTheViewersSide", testGraphRelationships},
	{"FollowRequestCreateListDelete", testGraphFollowRequests},
	{"ListFollowRequestsPaging", testGraphFollowRequestPaging},
	{"AcceptFollowRequestBecomesFollow", testGraphAcceptFollowRequest},
	{"AcceptMissingFollowRequestIsNotFound", testGraphAcceptMissing},
	{"BlockRemovesFollowsAndRequestsBothWays", testGraphBlock},
	{"UnblockLiftsTheBlock", testGraphUnblock},
	{"BlockedEitherSeesBothDirections", testGraphBlockedEither},
	{"ListFollowersPaging", testGraphListFollowers},
	{"ListFollowingPaging", testGraphListFollowing},
	{"FollowerIDsInBatches", testGraphFollowerIDs},
	{"FollowingIDs", testGraphFollowingIDs},
}

// counts is an account's follow counters.
type counts struct{ Followers, Following int64 }

func mustCounts(t *testing.T, s Stores, id pinhole.ID) counts {
	t.Helper()
	a := MustFindAccount(t, s, id)
	return counts{a.FollowersCount, a.FollowingCount}
}

func checkCounts(t *testing.T, what string, s Stores, a *pinhole.Account, want counts) {
	t.Helper()
	if got := mustCounts(t, s, a.ID); got != want {
		t.Errorf("%s: %s's counters: got %+v, want %+v", what, a.Username, got, want)
	}
}

// rel is the part of a Relationship the graph store answers for.
type rel struct {
	Following, FollowedBy, Requested, RequestedBy, Blocking, BlockedBy bool
}

func mustRelationship(t *testing.T, s Stores, viewer, other pinhole.ID) rel {
	t.Helper()
	m, err := s.Graph.Relationships(t.Context(), viewer, []pinhole.ID{other})
	mustOK(t, "Relationships", err)
	r := m[other]
	if r == nil {
		t.Fatalf("Relationships(%s, [%s]): no entry for %s", viewer, other, other)
	}
	return rel{r.Following, r.FollowedBy, r.Requested, r.RequestedBy, r.Blocking, r.BlockedBy}
}

func mustFollow(t *testing.T, s Stores, follower, followee pinhole.ID) {
	t.Helper()
	if _, err := s.Graph.Follow(t.Context(), follower, followee, Now); err != nil {
		t.Fatalf("follow %s->%s: %v", follower, followee, err)
	}
}

func mustRequest(t *testing.T, s Stores, from, to pinhole.ID) *pinhole.FollowRequest {
	t.Helper()
	r := &pinhole.FollowRequest{ID: s.IDs.Next(to.Shard()), From: from, To: to, CreatedAt: Now}
	if err := s.Graph.CreateFollowRequest(t.Context(), r); err != nil {
		t.Fatalf("request %s->%s: %v", from, to, err)
	}
	return r
}

func testGraphFollowMovesCounters(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	created, err := s.Graph.Follow(t.Context(), a.ID, b.ID, Now)
	if err != nil || !created {
		t.Fatalf("Follow: got %v, %v; want true, nil", created, err)
	}
	checkCounts(t, "after follow", s, a, counts{Following: 1})
	checkCounts(t, "after follow", s, b, counts{Followers: 1})
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{Following: true}); got != want {
		t.Errorf("alice to bob: got %+v, want %+v", got, want)
	}
	if got, want := mustRelationship(t, s, b.ID, a.ID), (rel{FollowedBy: true}); got != want {
		t.Errorf("bob to alice: got %+v, want %+v", got, want)
	}
}

func testGraphFollowIdempotent(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	mustFollow(t, s, a.ID, b.ID)
	created, err := s.Graph.Follow(t.Context(), a.ID, b.ID, Now)
	if err != nil || created {
		t.Errorf("second Follow: got %v, %v; want false, nil", created, err)
	}
	checkCounts(t, "after second follow", s, a, counts{Following: 1})
	checkCounts(t, "after second follow", s, b, counts{Followers: 1})
	edges, err := s.Graph.ListFollowers(t.Context(), b.ID, pinhole.Page{Limit: 40})
	mustOK(t, "ListFollowers", err)
	if len(edges) != 1 {
		t.Errorf("bob's followers: got %d edges %v, want 1", len(edges), edges)
	}
}

func testGraphUnfollow(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	c := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	mustFollow(t, s, a.ID, b.ID)
	mustFollow(t, s, c.ID, b.ID)

	removed, err := s.Graph.Unfollow(t.Context(), a.ID, b.ID)
	if err != nil || !removed {
		t.Fatalf("Unfollow: got %v, %v; want true, nil", removed, err)
	}
	checkCounts(t, "after unfollow", s, a, counts{})
	checkCounts(t, "after unfollow", s, b, counts{Followers: 1})
	if got := mustRelationship(t, s, a.ID, b.ID); got != (rel{}) {
		t.Errorf("alice to bob after unfollow: got %+v, want none", got)
	}

	removed, err = s.Graph.Unfollow(t.Context(), a.ID, b.ID)
	if err != nil || removed {
		t.Errorf("second Unfollow: got %v, %v; want false, nil", removed, err)
	}
	checkCounts(t, "after second unfollow", s, a, counts{})
	checkCounts(t, "after second unfollow", s, b, counts{Followers: 1})
}

func testGraphRelationships(t *testing.T, s Stores) {
	viewer := MustCreateAccountOn(t, s, s.Shard(1), "viewer")
	others := map[string]*pinhole.Account{}
	for i, name := range []string{"followee", "follower", "mutual", "asked", "asker", "blockee", "blocker", "stranger"} {
		others[name] = MustCreateAccountOn(t, s, s.Shard(2+i), name)
	}
	v := viewer.ID
	mustFollow(t, s, v, others["followee"].ID)
	mustFollow(t, s, others["follower"].ID, v)
	mustFollow(t, s, v, others["mutual"].ID)
	mustFollow(t, s, others["mutual"].ID, v)
	mustRequest(t, s, v, others["asked"].ID)
	mustRequest(t, s, others["asker"].ID, v)
	mustOK(t, "block", s.Graph.Block(t.Context(), v, others["blockee"].ID, Now))
	mustOK(t, "block", s.Graph.Block(t.Context(), others["blocker"].ID, v, Now))

	want := map[string]rel{
		"followee": {Following: true},
		"follower": {FollowedBy: true},
		"mutual":   {Following: true, FollowedBy: true},
		"asked":    {Requested: true},
		"asker":    {RequestedBy: true},
		"blockee":  {Blocking: true},
		"blocker":  {BlockedBy: true},
		"stranger": {},
	}
	ids := []pinhole.ID{}
	for _, a := range others {
		ids = append(ids, a.ID)
	}
	got, err := s.Graph.Relationships(t.Context(), v, ids)
	mustOK(t, "Relationships", err)
	if len(got) != len(want) {
		t.Errorf("Relationships: got %d entries, want %d", len(got), len(want))
	}
	for name, w := range want {
		id := others[name].ID
		r := got[id]
		if r == nil {
			t.Errorf("%s: no relationship returned", name)
			continue
		}
		if r.ID != id {
			t.Errorf("%s: got ID %s, want %s", name, r.ID, id)
		}
		if g := (rel{r.Following, r.FollowedBy, r.Requested, r.RequestedBy, r.Blocking, r.BlockedBy}); g != w {
			t.Errorf("%s: got %+v, want %+v", name, g, w)
		}
	}
}

func testGraphFollowRequests(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	c := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	rb := mustRequest(t, s, b.ID, a.ID)
	rc := mustRequest(t, s, c.ID, a.ID)
	// Asking twice is idempotent.
	again := &pinhole.FollowRequest{ID: s.IDs.Next(a.ID.Shard()), From: b.ID, To: a.ID, CreatedAt: Now}
	mustOK(t, "request again", s.Graph.CreateFollowRequest(t.Context(), again))

	list := func() []pinhole.ID {
		t.Helper()
		rs, err := s.Graph.ListFollowRequests(t.Context(), a.ID, pinhole.Page{Limit: 40})
		mustOK(t, "ListFollowRequests", err)
		var from []pinhole.ID
		for _, r := range rs {
			if r.To != a.ID {
				t.Errorf("request %s: got To %s, want %s", r.ID, r.To, a.ID)
			}
			if !r.CreatedAt.Equal(Now) {
				t.Errorf("request %s: got CreatedAt %v, want %v", r.ID, r.CreatedAt, Now)
			}
			from = append(from, r.From)
		}
		return from
	}
	if got, want := list(), []pinhole.ID{c.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("requests to alice, newest first: got from %v, want %v (ids %s, %s)", got, want, rc.ID, rb.ID)
	}
	checkCounts(t, "a request is not a follow", s, a, counts{})

	removed, err := s.Graph.DeleteFollowRequest(t.Context(), b.ID, a.ID)
	if err != nil || !removed {
		t.Errorf("DeleteFollowRequest: got %v, %v; want true, nil", removed, err)
	}
	if got, want := list(), []pinhole.ID{c.ID}; !slices.Equal(got, want) {
		t.Errorf("requests after delete: got from %v, want %v", got, want)
	}
	if got := mustRelationship(t, s, b.ID, a.ID); got != (rel{}) {
		t.Errorf("bob to alice after delete: got %+v, want none", got)
	}
	removed, err = s.Graph.DeleteFollowRequest(t.Context(), b.ID, a.ID)
	if err != nil || removed {
		t.Errorf("second DeleteFollowRequest: got %v, %v; want false, nil", removed, err)
	}
}

func testGraphFollowRequestPaging(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	var all []pinhole.ID
	for i := range 8 {
		from := MustCreateAccountOn(t, s, s.Shard(2+i), fmt.Sprintf("asker%d", i))
		all = append(all, mustRequest(t, s, from.ID, a.ID).ID)
	}
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		rs, err := s.Graph.ListFollowRequests(t.Context(), a.ID, p)
		mustOK(t, "ListFollowRequests", err)
		var ids []pinhole.ID
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return ids
	})
}

func testGraphAcceptFollowRequest(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	mustRequest(t, s, b.ID, a.ID)
	if got, want := mustRelationship(t, s, b.ID, a.ID), (rel{Requested: true}); got != want {
		t.Errorf("bob to alice before accept: got %+v, want %+v", got, want)
	}
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{RequestedBy: true}); got != want {
		t.Errorf("alice to bob before accept: got %+v, want %+v", got, want)
	}

	mustOK(t, "AcceptFollowRequest", s.Graph.AcceptFollowRequest(t.Context(), b.ID, a.ID, Now))
	if got, want := mustRelationship(t, s, b.ID, a.ID), (rel{Following: true}); got != want {
		t.Errorf("bob to alice after accept: got %+v, want %+v", got, want)
	}
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{FollowedBy: true}); got != want {
		t.Errorf("alice to bob after accept: got %+v, want %+v", got, want)
	}
	checkCounts(t, "after accept", s, a, counts{Followers: 1})
	checkCounts(t, "after accept", s, b, counts{Following: 1})
	rs, err := s.Graph.ListFollowRequests(t.Context(), a.ID, pinhole.Page{Limit: 40})
	if err != nil || len(rs) != 0 {
		t.Errorf("requests after accept: got %v, %v; want none", rs, err)
	}
	// The request is used up.
	wantCode(t, "accept again", s.Graph.AcceptFollowRequest(t.Context(), b.ID, a.ID, Now), pinhole.ENOTFOUND)
	checkCounts(t, "after accepting again", s, a, counts{Followers: 1})
}

func testGraphAcceptMissing(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	c := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	mustRequest(t, s, c.ID, a.ID) // a request from someone else

	wantCode(t, "AcceptFollowRequest", s.Graph.AcceptFollowRequest(t.Context(), b.ID, a.ID, Now), pinhole.ENOTFOUND)
	if got := mustRelationship(t, s, b.ID, a.ID); got != (rel{}) {
		t.Errorf("bob to alice: got %+v, want none", got)
	}
	checkCounts(t, "after refused accept", s, a, counts{})
	checkCounts(t, "after refused accept", s, b, counts{})
}

func testGraphBlock(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	c := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	mustFollow(t, s, a.ID, b.ID)
	mustFollow(t, s, b.ID, a.ID)
	mustFollow(t, s, c.ID, a.ID)
	mustRequest(t, s, a.ID, b.ID)
	mustRequest(t, s, b.ID, a.ID)

	mustOK(t, "Block", s.Graph.Block(t.Context(), a.ID, b.ID, Now))
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{Blocking: true}); got != want {
		t.Errorf("alice to bob: got %+v, want %+v", got, want)
	}
	if got, want := mustRelationship(t, s, b.ID, a.ID), (rel{BlockedBy: true}); got != want {
		t.Errorf("bob to alice: got %+v, want %+v", got, want)
	}
	checkCounts(t, "after block", s, a, counts{Followers: 1}) // carol stays
	checkCounts(t, "after block", s, b, counts{})
	for _, id := range []pinhole.ID{a.ID, b.ID} {
		rs, err := s.Graph.ListFollowRequests(t.Context(), id, pinhole.Page{Limit: 40})
		if err != nil || len(rs) != 0 {
			t.Errorf("requests to %s after block: got %v, %v; want none", id, rs, err)
		}
	}
	// Blocking twice changes nothing.
	mustOK(t, "Block again", s.Graph.Block(t.Context(), a.ID, b.ID, Now))
	checkCounts(t, "after second block", s, a, counts{Followers: 1})
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{Blocking: true}); got != want {
		t.Errorf("alice to bob after second block: got %+v, want %+v", got, want)
	}
}

func testGraphUnblock(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	mustOK(t, "Block", s.Graph.Block(t.Context(), a.ID, b.ID, Now))
	mustOK(t, "Block back", s.Graph.Block(t.Context(), b.ID, a.ID, Now))
	mustOK(t, "Unblock", s.Graph.Unblock(t.Context(), a.ID, b.ID))
	if got, want := mustRelationship(t, s, a.ID, b.ID), (rel{BlockedBy: true}); got != want {
		t.Errorf("alice to bob after unblocking: got %+v, want %+v", got, want)
	}
	if got, want := mustRelationship(t, s, b.ID, a.ID), (rel{Blocking: true}); got != want {
		t.Errorf("bob to alice after alice unblocks: got %+v, want %+v", got, want)
	}
	mustOK(t, "Unblock what is not blocked", s.Graph.Unblock(t.Context(), a.ID, b.ID))
}

func testGraphBlockedEither(t *testing.T, s Stores) {
	v := MustCreateAccountOn(t, s, s.Shard(1), "viewer")
	blockee := MustCreateAccountOn(t, s, s.Shard(2), "blockee")
	blocker := MustCreateAccountOn(t, s, s.Shard(3), "blocker")
	friend := MustCreateAccountOn(t, s, s.Shard(4), "friend")
	mustFollow(t, s, v.ID, friend.ID)
	mustOK(t, "block", s.Graph.Block(t.Context(), v.ID, blockee.ID, Now))
	mustOK(t, "block", s.Graph.Block(t.Context(), blocker.ID, v.ID, Now))

	got, err := s.Graph.BlockedEither(t.Context(), v.ID, []pinhole.ID{blockee.ID, blocker.ID, friend.ID})
	mustOK(t, "BlockedEither", err)
	want := []pinhole.ID{blockee.ID, blocker.ID}
	var blocked []pinhole.ID
	for id, b := range got {
		if b {
			blocked = append(blocked, id)
		}
	}
	if g, w := sortedIDs(blocked), sortedIDs(want); !slices.Equal(g, w) {
		t.Errorf("BlockedEither: got %v, want %v", g, w)
	}
	got, err = s.Graph.BlockedEither(t.Context(), v.ID, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("BlockedEither(nil): got %v, %v; want none", got, err)
	}
}

// edgeCursors checks that a full edge list names want (newest first) and
// returns its cursors oldest first.
func edgeCursors(t *testing.T, edges []pinhole.Edge, want []pinhole.ID) []pinhole.ID {
	t.Helper()
	var accounts, cursors []pinhole.ID
	for _, e := range edges {
		accounts = append(accounts, e.AccountID)
		cursors = append(cursors, e.ID)
	}
	if !slices.Equal(accounts, want) {
		t.Fatalf("edges newest first: got accounts %v, want %v", accounts, want)
	}
	slices.Reverse(cursors)
	if !slices.IsSorted(cursors) || len(slices.Compact(slices.Clone(cursors))) != len(cursors) {
		t.Fatalf("edge IDs are not strictly newest first: %v", edges)
	}
	return cursors
}

func testGraphListFollowers(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	// Followers share a shard so that edges minted in order sort in order.
	var followers []pinhole.ID
	for i := range 8 {
		f := MustCreateAccountOn(t, s, s.Shard(2), fmt.Sprintf("follower%d", i))
		mustFollow(t, s, f.ID, a.ID)
		followers = append(followers, f.ID)
	}
	edges, err := s.Graph.ListFollowers(t.Context(), a.ID, pinhole.Page{Limit: 40})
	mustOK(t, "ListFollowers", err)
	all := edgeCursors(t, edges, reversed(followers))
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		edges, err := s.Graph.ListFollowers(t.Context(), a.ID, p)
		mustOK(t, "ListFollowers", err)
		return cursorsOf(edges)
	})
}

func testGraphListFollowing(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	var followees []pinhole.ID
	for i := range 8 {
		f := MustCreateAccountOn(t, s, s.Shard(2), fmt.Sprintf("followee%d", i))
		mustFollow(t, s, a.ID, f.ID)
		followees = append(followees, f.ID)
	}
	edges, err := s.Graph.ListFollowing(t.Context(), a.ID, pinhole.Page{Limit: 40})
	mustOK(t, "ListFollowing", err)
	all := edgeCursors(t, edges, reversed(followees))
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		edges, err := s.Graph.ListFollowing(t.Context(), a.ID, p)
		mustOK(t, "ListFollowing", err)
		return cursorsOf(edges)
	})
}

func cursorsOf(edges []pinhole.Edge) []pinhole.ID {
	var ids []pinhole.ID
	for _, e := range edges {
		ids = append(ids, e.ID)
	}
	return ids
}

func testGraphFollowerIDs(t *testing.T, s Stores) {
	const n = 1100 // more than one batch of the store's 1000
	star := MustCreateAccountOn(t, s, s.Shard(1), "star")
	want := make([]pinhole.ID, 0, n)
	for i := range n {
		f := MustCreateAccountOn(t, s, s.Shard(2+i), fmt.Sprintf("fan%d", i))
		mustFollow(t, s, f.ID, star.ID)
		want = append(want, f.ID)
	}
	var got []pinhole.ID
	var batches int
	err := s.Graph.FollowerIDs(t.Context(), star.ID, func(batch []pinhole.ID) error {
		batches++
		if len(batch) == 0 {
			t.Errorf("batch %d is empty", batches)
		}
		got = append(got, batch...)
		return nil
	})
	mustOK(t, "FollowerIDs", err)
	if batches < 2 {
		t.Errorf("got %d batch(es) for %d followers, want them split", batches, n)
	}
	if g, w := sortedIDs(got), sortedIDs(want); !slices.Equal(g, w) {
		t.Errorf("FollowerIDs: got %d IDs (%d distinct), want the %d followers", len(got), len(slices.Compact(g)), n)
	}
	checkCounts(t, "star", s, star, counts{Followers: n})

	t.Run("StopsOnCallbackError", func(t *testing.T) {
		stop := fmt.Errorf("stop")
		calls := 0
		err := s.Graph.FollowerIDs(t.Context(), star.ID, func([]pinhole.ID) error { calls++; return stop })
		if err == nil || calls != 1 {
			t.Errorf("got %v after %d call(s), want the callback's error after 1", err, calls)
		}
	})
	t.Run("NoFollowersNoBatch", func(t *testing.T) {
		calls := 0
		err := s.Graph.FollowerIDs(t.Context(), s.IDs.Next(s.Shard(1)), func(b []pinhole.ID) error { calls += len(b); return nil })
		if err != nil || calls != 0 {
			t.Errorf("got %d IDs, %v; want none", calls, err)
		}
	})
}

func testGraphFollowingIDs(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	var want []pinhole.ID
	for i := range 5 {
		f := MustCreateAccountOn(t, s, s.Shard(2+i), fmt.Sprintf("followee%d", i))
		mustFollow(t, s, a.ID, f.ID)
		want = append(want, f.ID)
	}
	other := MustCreateAccountOn(t, s, s.Shard(3), "other")
	mustFollow(t, s, other.ID, a.ID) // a follower, not a followee
	if _, err := s.Graph.Unfollow(t.Context(), a.ID, want[0]); err != nil {
		t.Fatalf("unfollow: %v", err)
	}
	want = want[1:]

	got, err := s.Graph.FollowingIDs(t.Context(), a.ID)
	mustOK(t, "FollowingIDs", err)
	if g, w := sortedIDs(got), sortedIDs(want); !slices.Equal(g, w) {
		t.Errorf("FollowingIDs: got %v, want %v", g, w)
	}
}
