package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

var postIndexTests = []discoveryTest{
	{"IndexingTwiceCountsOnce", testIndexPostIdempotent},
	{"TagTimelineNewestFirstWithOrWithoutComments", testTagTimeline},
	{"TagTimelinePaging", testTagTimelinePaging},
	{"UnindexRemovesThePostAndItsComments", testUnindexPost},
	{"HistoryCountsUsesAndAuthorsPerDay", testTagHistory},
	{"SignalsCountLikesOncePerEventAndCommentsOnce", testSignals},
	{"RecentTagUsesSinceACursor", testRecentTagUses},
	{"PruneForgetsOldSignals", testPruneIndex},
	{"TrendListsAreReplacedWhole", testTrends},
}

// indexPost indexes a post (or a comment when parent is set) by author
// with tags, minted at the given ID.
func indexPost(t *testing.T, s DiscoveryStores, id, author, parent pinhole.ID, tags ...string) pinhole.IndexedPost {
	t.Helper()
	p := pinhole.IndexedPost{PostID: id, AuthorID: author, ParentID: parent, Tags: tags, CreatedAt: id.Time()}
	mustOK(t, "IndexPost", s.Search.IndexPost(t.Context(), p))
	return p
}

func mustTag(t *testing.T, s DiscoveryStores, name string) *pinhole.Tag {
	t.Helper()
	found, err := s.Tags.FindTags(t.Context(), []string{name})
	mustOK(t, "FindTags", err)
	if found[name] == nil {
		return &pinhole.Tag{Name: name}
	}
	return found[name]
}

func testIndexPostIdempotent(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	p := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0, "sunset", "café")
	mustOK(t, "IndexPost again", s.Search.IndexPost(t.Context(), p))
	for _, name := range []string{"sunset", "café"} {
		if got := mustTag(t, s, name); got.Uses != 1 || !got.LastUsedAt.Equal(p.CreatedAt.Truncate(time.Millisecond)) {
			t.Errorf("%s: got %+v, want 1 use last at %v", name, got, p.CreatedAt)
		}
	}
	c := indexPost(t, s, s.IDs.Next(s.Shard(1)), s.IDs.Next(s.Shard(2)), p.PostID, "sunset")
	mustOK(t, "IndexPost comment again", s.Search.IndexPost(t.Context(), c))
	if got := mustTag(t, s, "sunset"); got.Uses != 2 {
		t.Errorf("sunset after a comment: got %d uses, want 2", got.Uses)
	}
	if got, err := s.Tags.FindTags(t.Context(), []string{"never", "sunset"}); err != nil || len(got) != 1 {
		t.Errorf("FindTags of a never-used tag: got %v, %v; want only sunset", got, err)
	}
}

func testTagTimeline(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	p1 := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0, "film")
	p2 := indexPost(t, s, s.IDs.Next(s.Shard(2)), author, 0, "film", "other")
	c := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, p1.PostID, "film")
	indexPost(t, s, s.IDs.Next(s.Shard(3)), author, 0, "other")

	all, err := s.Tags.TagPostIDs(t.Context(), "film", false, pinhole.Page{Limit: 10})
	mustOK(t, "TagPostIDs", err)
	if want := reversed(sortedIDs([]pinhole.ID{c.PostID, p2.PostID, p1.PostID})); !slices.Equal(all, want) {
		t.Errorf("film with comments: got %v, want %v", all, want)
	}
	only, err := s.Tags.TagPostIDs(t.Context(), "film", true, pinhole.Page{Limit: 10})
	mustOK(t, "TagPostIDs posts only", err)
	if want := reversed(sortedIDs([]pinhole.ID{p2.PostID, p1.PostID})); !slices.Equal(only, want) {
		t.Errorf("film posts only: got %v, want %v", only, want)
	}
}

func testTagTimelinePaging(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	var all []pinhole.ID
	for i := 0; i < 9; i++ {
		all = append(all, indexPost(t, s, s.IDs.Next(s.Shard(i)), author, 0, "paged").PostID)
	}
	slices.Sort(all)
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		ids, err := s.Tags.TagPostIDs(t.Context(), "paged", true, p)
		mustOK(t, "TagPostIDs", err)
		return ids
	})
}

func testUnindexPost(t *testing.T, s DiscoveryStores) {
	author, fan := s.IDs.Next(s.Shard(1)), s.IDs.Next(s.Shard(2))
	place := &pinhole.Place{ID: s.IDs.Next(0), Name: "Pier", Lat: 1, Lon: 1, Geohash: "s00twy01mtw0", CreatedBy: author, CreatedAt: Now}
	mustOK(t, "CreatePlace", s.Places.CreatePlace(t.Context(), place))
	p := pinhole.IndexedPost{PostID: s.IDs.Next(s.Shard(1)), AuthorID: author, PlaceID: place.ID, Tags: []string{"gone", "kept"}, CreatedAt: Now}
	mustOK(t, "IndexPost", s.Search.IndexPost(t.Context(), p))
	c := indexPost(t, s, s.IDs.Next(s.Shard(1)), fan, p.PostID, "gone")
	other := indexPost(t, s, s.IDs.Next(s.Shard(2)), fan, 0, "kept")

	mustOK(t, "UnindexPost", s.Search.UnindexPost(t.Context(), p.PostID))
	mustOK(t, "UnindexPost again", s.Search.UnindexPost(t.Context(), p.PostID))
	if got := mustTag(t, s, "gone"); got.Uses != 0 {
		t.Errorf("gone: got %d uses, want 0 (the post and its comment went)", got.Uses)
	}
	if got := mustTag(t, s, "kept"); got.Uses != 1 {
		t.Errorf("kept: got %d uses, want 1", got.Uses)
	}
	ids, err := s.Tags.TagPostIDs(t.Context(), "gone", false, pinhole.Page{Limit: 10})
	mustOK(t, "TagPostIDs", err)
	if len(ids) != 0 {
		t.Errorf("gone timeline: got %v, want empty (comment %s too)", ids, c.PostID)
	}
	ids, err = s.Places.PlacePostIDs(t.Context(), place.ID, pinhole.Page{Limit: 10})
	mustOK(t, "PlacePostIDs", err)
	found, err := s.Places.FindPlaces(t.Context(), []pinhole.ID{place.ID})
	mustOK(t, "FindPlaces", err)
	if len(ids) != 0 || found[place.ID].PostsCount != 0 {
		t.Errorf("place after unindex: posts %v, count %d; want none", ids, found[place.ID].PostsCount)
	}
	if ids, _ := s.Tags.TagPostIDs(t.Context(), "kept", false, pinhole.Page{Limit: 10}); !slices.Equal(ids, []pinhole.ID{other.PostID}) {
		t.Errorf("kept timeline: got %v, want [%s]", ids, other.PostID)
	}
}

func testTagHistory(t *testing.T, s DiscoveryStores) {
	ann, ben := s.IDs.Next(s.Shard(1)), s.IDs.Next(s.Shard(2))
	today := Now.Truncate(24 * time.Hour)
	at := func(d time.Time, n int) pinhole.ID { return pinhole.IDAt(d) + pinhole.ID(n) }
	indexPost(t, s, at(today.Add(time.Hour), 1), ann, 0, "daily")
	indexPost(t, s, at(today.Add(2*time.Hour), 2), ann, 0, "daily")
	indexPost(t, s, at(today.Add(3*time.Hour), 3), ben, 0, "daily")
	indexPost(t, s, at(today.Add(-20*time.Hour), 4), ben, 0, "daily")
	indexPost(t, s, at(today.Add(-9*24*time.Hour), 5), ben, 0, "daily") // before the range asked for

	got, err := s.Tags.TagHistory(t.Context(), "daily", today.AddDate(0, 0, -6))
	mustOK(t, "TagHistory", err)
	want := []pinhole.TagDay{
		{Day: today, Uses: 3, Accounts: 2},
		{Day: today.AddDate(0, 0, -1), Uses: 1, Accounts: 1},
	}
	if !slices.EqualFunc(got, want, func(a, b pinhole.TagDay) bool {
		return a.Day.Equal(b.Day) && a.Uses == b.Uses && a.Accounts == b.Accounts
	}) {
		t.Errorf("history: got %+v, want %+v", got, want)
	}
}

func testSignals(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	since := s.IDs.Next(s.Shard(1))
	p := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0)
	quiet := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0)
	like1, like2 := s.IDs.Next(s.Shard(5)), s.IDs.Next(s.Shard(6))
	for _, e := range []pinhole.ID{like1, like2, like1} { // like1 delivered twice
		mustOK(t, "RecordLike", s.Search.RecordLike(t.Context(), e, p.PostID))
	}
	c := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, p.PostID)
	mustOK(t, "IndexPost comment again", s.Search.IndexPost(t.Context(), c))

	got, err := s.Search.RecentSignals(t.Context(), since, 100)
	mustOK(t, "RecentSignals", err)
	want := []pinhole.PostSignal{{PostID: p.PostID, AuthorID: author, Likes: 2, Replies: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("signals: got %+v, want %+v (the quiet post %s and the comment are left out)", got, want, quiet.PostID)
	}
	mustOK(t, "UnindexPost comment", s.Search.UnindexPost(t.Context(), c.PostID))
	got, _ = s.Search.RecentSignals(t.Context(), since, 100)
	if len(got) != 1 || got[0].Replies != 0 {
		t.Errorf("signals after the comment went: got %+v, want 0 replies", got)
	}
	if got, _ := s.Search.RecentSignals(t.Context(), c.PostID+1, 100); len(got) != 0 {
		t.Errorf("signals since later: got %+v, want none", got)
	}
}

func testRecentTagUses(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	old := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0, "a")
	since := s.IDs.Next(s.Shard(1))
	p := indexPost(t, s, s.IDs.Next(s.Shard(2)), author, 0, "a", "b")
	got, err := s.Search.RecentTagUses(t.Context(), since, 100)
	mustOK(t, "RecentTagUses", err)
	slices.SortFunc(got, func(x, y pinhole.TagUse) int { return stringsCompare(x.Tag, y.Tag) })
	want := []pinhole.TagUse{{Tag: "a", PostID: p.PostID, AuthorID: author}, {Tag: "b", PostID: p.PostID, AuthorID: author}}
	if !slices.Equal(got, want) {
		t.Errorf("uses since %s: got %+v, want %+v (not the older %s)", since, got, want, old.PostID)
	}
}

func testPruneIndex(t *testing.T, s DiscoveryStores) {
	author := s.IDs.Next(s.Shard(1))
	old := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0)
	mustOK(t, "RecordLike", s.Search.RecordLike(t.Context(), s.IDs.Next(s.Shard(1)), old.PostID))
	cut := s.IDs.Next(s.Shard(1))
	recent := indexPost(t, s, s.IDs.Next(s.Shard(1)), author, 0)
	mustOK(t, "RecordLike", s.Search.RecordLike(t.Context(), s.IDs.Next(s.Shard(1)), recent.PostID))
	mustOK(t, "PruneIndex", s.Search.PruneIndex(t.Context(), cut))
	got, err := s.Search.RecentSignals(t.Context(), 0, 100)
	mustOK(t, "RecentSignals", err)
	if len(got) != 1 || got[0].PostID != recent.PostID {
		t.Errorf("after prune: got %+v, want only %s", got, recent.PostID)
	}
}

func testTrends(t *testing.T, s DiscoveryStores) {
	if got, at, err := s.Search.LoadTrends(t.Context(), pinhole.TrendTags); err != nil || len(got) != 0 || !at.IsZero() {
		t.Errorf("before any: got %v at %v, %v; want nothing", got, at, err)
	}
	first := []pinhole.Trend{{Key: "a", Score: 3}, {Key: "b", Score: 2.5}, {Key: "c", Score: 1}}
	mustOK(t, "SaveTrends", s.Search.SaveTrends(t.Context(), pinhole.TrendTags, first, Now))
	mustOK(t, "SaveTrends statuses", s.Search.SaveTrends(t.Context(), pinhole.TrendStatuses, []pinhole.Trend{{Key: "42", Score: 9}}, Now))
	second := []pinhole.Trend{{Key: "z", Score: 5}}
	later := Now.Add(5 * time.Minute)
	mustOK(t, "SaveTrends again", s.Search.SaveTrends(t.Context(), pinhole.TrendTags, second, later))
	got, at, err := s.Search.LoadTrends(t.Context(), pinhole.TrendTags)
	mustOK(t, "LoadTrends", err)
	if !slices.Equal(got, second) || !at.Equal(later) {
		t.Errorf("tags: got %v at %v, want %v at %v", got, at, second, later)
	}
	if got, _, _ := s.Search.LoadTrends(t.Context(), pinhole.TrendStatuses); len(got) != 1 || got[0].Key != "42" {
		t.Errorf("statuses: got %v, want [42]", got)
	}
}

func stringsCompare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
