package storetest

import (
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
)

var timelineTests = []test{
	{"NewAccountHasABuiltTimeline", testTimelineNewAccount},
	{"PushOnlyIntoBuiltTimelines", testTimelinePushOnlyBuilt},
	{"PushKeepsNewestAndBoundsSize", testTimelinePushTrims},
	{"ReadTimelinePaging", testTimelinePaging},
	{"ReplaceTimelineReplacesAndTrims", testTimelineReplace},
	{"AddToTimelineMergesAndTrims", testTimelineAdd},
	{"AddToUnbuiltTimelineIsSkipped", testTimelineAddUnbuilt},
	{"RemoveAuthor", testTimelineRemoveAuthor},
	{"RemovePostFromEveryTimeline", testTimelineRemovePost},
	{"DropTimeline", testTimelineDrop},
}

// entries mints n timeline entries by author, oldest first. Post IDs are
// minted on one shard, so they sort in the order they were made.
func entries(s Stores, author pinhole.ID, n int) []pinhole.TimelineEntry {
	out := make([]pinhole.TimelineEntry, n)
	for i := range out {
		out[i] = pinhole.TimelineEntry{PostID: s.IDs.Next(s.Shard(7)), AuthorID: author}
	}
	return out
}

func postIDs(es []pinhole.TimelineEntry) []pinhole.ID {
	var ids []pinhole.ID
	for _, e := range es {
		ids = append(ids, e.PostID)
	}
	return ids
}

func newestFirst(es []pinhole.TimelineEntry) []pinhole.TimelineEntry {
	out := slices.Clone(es)
	slices.Reverse(out)
	return out
}

func mustReadAll(t *testing.T, s Stores, owner pinhole.ID) []pinhole.TimelineEntry {
	t.Helper()
	es, err := s.Timelines.ReadTimeline(t.Context(), owner, pinhole.Page{Limit: pinhole.MaxPageLimit})
	mustOK(t, "ReadTimeline", err)
	return es
}

func checkTimeline(t *testing.T, what string, s Stores, owner pinhole.ID, want []pinhole.TimelineEntry) {
	t.Helper()
	got := mustReadAll(t, s, owner)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func mustExists(t *testing.T, s Stores, owner pinhole.ID) bool {
	t.Helper()
	ok, err := s.Timelines.TimelineExists(t.Context(), owner)
	mustOK(t, "TimelineExists", err)
	return ok
}

func testTimelineNewAccount(t *testing.T, s Stores) {
	a := MustCreateAccount(t, s, "alice")
	if !mustExists(t, s, a.ID) {
		t.Errorf("TimelineExists(new account): got false, want true")
	}
	checkTimeline(t, "new account's timeline", s, a.ID, nil)
	if mustExists(t, s, s.IDs.Next(s.Shard(1))) {
		t.Errorf("TimelineExists(unknown owner): got true, want false")
	}
}

func testTimelinePushOnlyBuilt(t *testing.T, s Stores) {
	built := MustCreateAccountOn(t, s, s.Shard(1), "built")
	dropped := MustCreateAccountOn(t, s, s.Shard(2), "dropped")
	mustOK(t, "DropTimeline", s.Timelines.DropTimeline(t.Context(), dropped.ID))
	never := s.IDs.Next(s.Shard(3)) // no account, never built
	e := entries(s, s.IDs.Next(s.Shard(4)), 1)[0]

	mustOK(t, "PushTimelines", s.Timelines.PushTimelines(t.Context(), []pinhole.ID{built.ID, dropped.ID, never}, e, 100))
	checkTimeline(t, "built timeline", s, built.ID, []pinhole.TimelineEntry{e})
	checkTimeline(t, "dropped timeline", s, dropped.ID, nil)
	checkTimeline(t, "never built timeline", s, never, nil)
	for _, id := range []pinhole.ID{dropped.ID, never} {
		if mustExists(t, s, id) {
			t.Errorf("TimelineExists(%s) after push: got true, want false", id)
		}
	}
	// Pushing the same entry again changes nothing.
	mustOK(t, "PushTimelines again", s.Timelines.PushTimelines(t.Context(), []pinhole.ID{built.ID}, e, 100))
	checkTimeline(t, "built timeline after second push", s, built.ID, []pinhole.TimelineEntry{e})
}

func testTimelinePushTrims(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	es := entries(s, s.IDs.Next(s.Shard(4)), 30)
	for _, e := range es {
		mustOK(t, "PushTimelines", s.Timelines.PushTimelines(t.Context(), []pinhole.ID{a.ID, b.ID}, e, 5))
	}
	for _, owner := range []*pinhole.Account{a, b} {
		got := mustReadAll(t, s, owner.ID)
		if len(got) < 5 || len(got) > 5+pinhole.TimelineTrimEvery {
			t.Errorf("%s's timeline holds %d entries; want 5 to %d (cap 5, trimmed every %d pushes)", owner.Username, len(got), 5+pinhole.TimelineTrimEvery, pinhole.TimelineTrimEvery)
			continue
		}
		want := newestFirst(es)[:len(got)]
		if !slices.Equal(got, want) {
			t.Errorf("%s's timeline: got %v, want the %d newest %v", owner.Username, got, len(got), want)
		}
	}
}

func testTimelinePaging(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	es := entries(s, s.IDs.Next(s.Shard(4)), 10)
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), a.ID, es, 100))
	checkNewestFirstPaging(t, postIDs(es), func(t *testing.T, p pinhole.Page) []pinhole.ID {
		got, err := s.Timelines.ReadTimeline(t.Context(), a.ID, p)
		mustOK(t, "ReadTimeline", err)
		return postIDs(got)
	})
}

func testTimelineReplace(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	old := entries(s, s.IDs.Next(s.Shard(4)), 3)
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), a.ID, old, 100))
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), b.ID, old, 100))

	fresh := entries(s, s.IDs.Next(s.Shard(5)), 6)
	shuffled := []pinhole.TimelineEntry{fresh[3], fresh[0], fresh[5], fresh[1], fresh[4], fresh[2]}
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), a.ID, shuffled, 4))
	checkTimeline(t, "replaced timeline, 4 newest kept", s, a.ID, newestFirst(fresh[2:]))
	checkTimeline(t, "another owner's timeline", s, b.ID, newestFirst(old))

	// Replacing builds a timeline that was not there.
	c := s.IDs.Next(s.Shard(3))
	mustOK(t, "ReplaceTimeline(unbuilt)", s.Timelines.ReplaceTimeline(t.Context(), c, nil, 100))
	if !mustExists(t, s, c) {
		t.Errorf("TimelineExists after replacing with nothing: got false, want true")
	}
	mustOK(t, "PushTimelines", s.Timelines.PushTimelines(t.Context(), []pinhole.ID{c}, fresh[0], 100))
	checkTimeline(t, "pushed into the rebuilt timeline", s, c, fresh[:1])
}

func testTimelineAdd(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	es := entries(s, s.IDs.Next(s.Shard(4)), 7)
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), a.ID, []pinhole.TimelineEntry{es[1], es[5]}, 100))
	mustOK(t, "AddToTimeline", s.Timelines.AddToTimeline(t.Context(), a.ID, []pinhole.TimelineEntry{es[0], es[2], es[5], es[6], es[3]}, 4))
	checkTimeline(t, "merged, 4 newest kept", s, a.ID, []pinhole.TimelineEntry{es[6], es[5], es[3], es[2]})
}

func testTimelineAddUnbuilt(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	mustOK(t, "DropTimeline", s.Timelines.DropTimeline(t.Context(), a.ID))
	mustOK(t, "AddToTimeline", s.Timelines.AddToTimeline(t.Context(), a.ID, entries(s, s.IDs.Next(s.Shard(4)), 2), 100))
	if mustExists(t, s, a.ID) {
		t.Errorf("TimelineExists after adding to an unbuilt timeline: got true, want false")
	}
	checkTimeline(t, "unbuilt timeline", s, a.ID, nil)
}

func testTimelineRemoveAuthor(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	x, y := s.IDs.Next(s.Shard(4)), s.IDs.Next(s.Shard(5))
	var es []pinhole.TimelineEntry
	for i := range 6 {
		author := x
		if i%2 == 1 {
			author = y
		}
		es = append(es, pinhole.TimelineEntry{PostID: s.IDs.Next(s.Shard(7)), AuthorID: author})
	}
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), a.ID, es, 100))
	mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), b.ID, es, 100))

	mustOK(t, "RemoveAuthor", s.Timelines.RemoveAuthor(t.Context(), a.ID, x))
	checkTimeline(t, "alice's timeline without x", s, a.ID, []pinhole.TimelineEntry{es[5], es[3], es[1]})
	checkTimeline(t, "bob's timeline", s, b.ID, newestFirst(es))
}

func testTimelineRemovePost(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	es := entries(s, s.IDs.Next(s.Shard(4)), 3)
	for _, owner := range []pinhole.ID{a.ID, b.ID} {
		mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), owner, es, 100))
	}
	mustOK(t, "RemovePost", s.Timelines.RemovePost(t.Context(), es[1].PostID))
	for _, owner := range []*pinhole.Account{a, b} {
		checkTimeline(t, owner.Username+"'s timeline", s, owner.ID, []pinhole.TimelineEntry{es[2], es[0]})
	}
	mustOK(t, "RemovePost(not on any timeline)", s.Timelines.RemovePost(t.Context(), s.IDs.Next(s.Shard(4))))
}

func testTimelineDrop(t *testing.T, s Stores) {
	a := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	b := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	es := entries(s, s.IDs.Next(s.Shard(4)), 3)
	for _, owner := range []pinhole.ID{a.ID, b.ID} {
		mustOK(t, "ReplaceTimeline", s.Timelines.ReplaceTimeline(t.Context(), owner, es, 100))
	}
	mustOK(t, "DropTimeline", s.Timelines.DropTimeline(t.Context(), a.ID))
	if mustExists(t, s, a.ID) {
		t.Errorf("TimelineExists after drop: got true, want false")
	}
	checkTimeline(t, "dropped timeline", s, a.ID, nil)
	if !mustExists(t, s, b.ID) {
		t.Errorf("TimelineExists(another owner) after drop: got false, want true")
	}
	checkTimeline(t, "another owner's timeline", s, b.ID, newestFirst(es))
	mustOK(t, "DropTimeline again", s.Timelines.DropTimeline(t.Context(), a.ID))
}
