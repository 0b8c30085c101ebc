package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/pinhole/pinhole"
)

var placeTests = []discoveryTest{
	{"CreateThenFind", testPlaceCreateThenFind},
	{"PointsInCellsReadOnlyThoseCells", testPlacePointsInCells},
	{"SearchByNameWordsMostUsedFirst", testSearchPlaces},
	{"PostsAtAPlaceNewestFirstAndCounted", testPlacePosts},
}

// Geohashes (12 characters) of a few real points.
const (
	ghNotreDame   = "u09tvw0f64r7" // 48.8566, 2.3522
	ghEiffelTower = "u09tunquc9zh" // 48.8584, 2.2945
	ghLondon      = "gcpvj0duq533" // 51.5074, -0.1278
)

func mustCreatePlace(t *testing.T, s DiscoveryStores, name string, lat, lon float64, geohash string) *pinhole.Place {
	t.Helper()
	p := &pinhole.Place{ID: s.IDs.Next(0), Name: name, Lat: lat, Lon: lon, Geohash: geohash, CreatedBy: s.IDs.Next(s.Shard(1)), CreatedAt: Now}
	mustOK(t, "CreatePlace "+name, s.Places.CreatePlace(t.Context(), p))
	return p
}

func testPlaceCreateThenFind(t *testing.T, s DiscoveryStores) {
	p := mustCreatePlace(t, s, "Notre-Dame de Paris", 48.8566, 2.3522, ghNotreDame)
	found, err := s.Places.FindPlaces(t.Context(), []pinhole.ID{p.ID, s.IDs.Next(0)})
	mustOK(t, "FindPlaces", err)
	got := found[p.ID]
	if len(found) != 1 || got == nil || *got != *p {
		t.Errorf("FindPlaces: got %+v, want only %+v", found, p)
	}
	if found, err := s.Places.FindPlaces(t.Context(), nil); err != nil || len(found) != 0 {
		t.Errorf("FindPlaces of nothing: got %v, %v", found, err)
	}
}

func testPlacePointsInCells(t *testing.T, s DiscoveryStores) {
	nd := mustCreatePlace(t, s, "Notre-Dame", 48.8566, 2.3522, ghNotreDame)
	et := mustCreatePlace(t, s, "Eiffel Tower", 48.8584, 2.2945, ghEiffelTower)
	tr := mustCreatePlace(t, s, "Trafalgar Square", 51.5074, -0.1278, ghLondon)
	ids := func(cells string, limit int) []pinhole.ID {
		list, err := s.Places.PlacePointsInCells(t.Context(), strings.Fields(cells), limit)
		mustOK(t, "PlacePointsInCells "+cells, err)
		var out []pinhole.ID
		for _, p := range list {
			if p.ID == nd.ID && (p.Lat != nd.Lat || p.Lon != nd.Lon) {
				t.Errorf("point of %s: got %v, %v; want %v, %v", p.ID, p.Lat, p.Lon, nd.Lat, nd.Lon)
			}
			out = append(out, p.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, want := ids("u09t", 10), sortedIDs([]pinhole.ID{nd.ID, et.ID}); !slices.Equal(got, want) {
		t.Errorf("cell u09t (Paris): got %v, want %v", got, want)
	}
	if got, want := ids("u09tv", 10), []pinhole.ID{nd.ID}; !slices.Equal(got, want) {
		t.Errorf("cell u09tv: got %v, want %v", got, want)
	}
	if got := ids("u09t", 1); len(got) != 1 {
		t.Errorf("cell u09t, limit 1: got %v", got)
	}
	if got := ids("zzzz", 10); len(got) != 0 {
		t.Errorf("cell zzzz: got %v, want none", got)
	}
	if got, want := ids("u09tv gcpv zzzz", 10), sortedIDs([]pinhole.ID{nd.ID, tr.ID}); !slices.Equal(got, want) {
		t.Errorf("cells u09tv, gcpv and zzzz: got %v, want %v", got, want)
	}
	if got := ids("", 10); len(got) != 0 {
		t.Errorf("no cells: got %v, want none", got)
	}
}

func testSearchPlaces(t *testing.T, s DiscoveryStores) {
	cafe := mustCreatePlace(t, s, "Café de Flore", 48.854, 2.3325, "u09tgyyeng3d")
	busy := mustCreatePlace(t, s, "Café Kitsuné", 48.8634, 2.3397, "u09tvmqy71t0")
	mustCreatePlace(t, s, "Louvre", 48.8606, 2.3376, "u09tvmm4zp1f")
	author := s.IDs.Next(s.Shard(1))
	for i := 0; i < 2; i++ {
		mustOK(t, "IndexPost", s.Search.IndexPost(t.Context(), pinhole.IndexedPost{PostID: s.IDs.Next(s.Shard(1)), AuthorID: author, PlaceID: busy.ID, CreatedAt: Now}))
	}
	names := func(words ...string) []string {
		list, err := s.Places.SearchPlaces(t.Context(), words, 10)
		mustOK(t, "SearchPlaces", err)
		var out []string
		for _, p := range list {
			out = append(out, p.Name)
		}
		return out
	}
	if got, want := names("cafe"), []string{busy.Name, cafe.Name}; !slices.Equal(got, want) {
		t.Errorf("cafe: got %v, want %v (accents folded, most used first)", got, want)
	}
	if got, want := names("café", "fl"), []string{cafe.Name}; !slices.Equal(got, want) {
		t.Errorf("café fl: got %v, want %v", got, want)
	}
	if got := names(`"`, `*`, `NEAR(a b)`); len(got) != 0 {
		t.Errorf("hostile words: got %v, want nothing", got)
	}
}

func testPlacePosts(t *testing.T, s DiscoveryStores) {
	p := mustCreatePlace(t, s, "Pier", 1, 1, "s00twy01mtw0")
	author := s.IDs.Next(s.Shard(1))
	var all []pinhole.ID
	for i := 0; i < 9; i++ {
		ip := pinhole.IndexedPost{PostID: s.IDs.Next(s.Shard(i)), AuthorID: author, PlaceID: p.ID, CreatedAt: Now}
		mustOK(t, "IndexPost", s.Search.IndexPost(t.Context(), ip))
		mustOK(t, "IndexPost again", s.Search.IndexPost(t.Context(), ip))
		all = append(all, ip.PostID)
	}
	slices.Sort(all)
	found, err := s.Places.FindPlaces(t.Context(), []pinhole.ID{p.ID})
	mustOK(t, "FindPlaces", err)
	if got := found[p.ID].PostsCount; got != 9 {
		t.Errorf("posts count: got %d, want 9", got)
	}
	checkNewestFirstPaging(t, all, func(t *testing.T, pg pinhole.Page) []pinhole.ID {
		ids, err := s.Places.PlacePostIDs(t.Context(), p.ID, pg)
		mustOK(t, "PlacePostIDs", err)
		return ids
	})
}
