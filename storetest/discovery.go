package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
)

// DiscoveryStores is what an adapter provides for the search context: its
// index, hashtags and places, beside the core stores for fixtures.
type DiscoveryStores struct {
	Stores
	Search pinhole.SearchStore
	Tags   pinhole.TagStore
	Places pinhole.PlaceStore
}

// RunDiscovery runs the search context's conformance tests; open works as
// for Run.
func RunDiscovery(t *testing.T, open func(t *testing.T) DiscoveryStores) {
	areas := []struct {
		name  string
		tests []discoveryTest
	}{
		{"AccountIndex", accountIndexTests},
		{"PostIndex", postIndexTests},
		{"Tags", tagTests},
		{"Places", placeTests},
	}
	for _, area := range areas {
		t.Run(area.name, func(t *testing.T) {
			for _, tt := range area.tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(t, open(t))
				})
			}
		})
	}
}

type discoveryTest struct {
	name string
	run  func(t *testing.T, s DiscoveryStores)
}

var accountIndexTests = []discoveryTest{
	{"ExactUsernameAndPrefix", testIndexUsernamePrefix},
	{"WordsOfDisplayNameAndUsernameLastAsPrefix", testIndexWords},
	{"TypoKeysFindNamesSharingAKey", testIndexTypos},
	{"ReindexingReplacesWhatWasIndexed", testIndexReplaces},
	{"QueryTextIsNeverSyntax", testIndexHostileQueries},
	{"CompactingKeepsEverythingFindable", testIndexCompact},
}

// deletions returns s and its one-deletion variants, as the search
// context computes typo keys.
func deletions(s string) []string {
	out := []string{s}
	for i := range s {
		out = append(out, s[:i]+s[i+1:])
	}
	return out
}

// mustIndexAccount indexes an account entry under a fresh ID.
func mustIndexAccount(t *testing.T, s DiscoveryStores, username, display string) pinhole.ID {
	t.Helper()
	id := s.IDs.Next(s.shardOf(username))
	e := pinhole.AccountEntry{ID: id, Username: username, DisplayName: display, TypoKeys: deletions(username)}
	mustOK(t, "IndexAccount "+username, s.Search.IndexAccount(t.Context(), e))
	return id
}

// hitsOf runs a query and returns the matches by ID.
func hitsOf(t *testing.T, s DiscoveryStores, q pinhole.AccountQuery) map[pinhole.ID]pinhole.AccountHit {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 20
	}
	hits, err := s.Search.SearchAccounts(t.Context(), q)
	mustOK(t, "SearchAccounts", err)
	out := map[pinhole.ID]pinhole.AccountHit{}
	for _, h := range hits {
		out[h.ID] = h
	}
	return out
}

func testIndexUsernamePrefix(t *testing.T, s DiscoveryStores) {
	alice := mustIndexAccount(t, s, "alice", "Alice Liddell")
	alicia := mustIndexAccount(t, s, "alicia_keys", "")
	mustIndexAccount(t, s, "bob", "")
	mustIndexAccount(t, s, "a_b", "")

	got := hitsOf(t, s, pinhole.AccountQuery{Username: "alice"})
	if h := got[alice]; h.Match != pinhole.MatchExact|pinhole.MatchPrefix || h.Username != "alice" || h.DisplayName != "Alice Liddell" {
		t.Errorf("exact: got %+v, want alice matched exactly and by prefix, with her names", h)
	}
	if len(got) != 1 {
		t.Errorf("exact: got %d hits, want only alice: %v", len(got), got)
	}
	got = hitsOf(t, s, pinhole.AccountQuery{Username: "ali"})
	if got[alice].Match != pinhole.MatchPrefix || got[alicia].Match != pinhole.MatchPrefix || len(got) != 2 {
		t.Errorf("prefix ali: got %v, want alice and alicia_keys by prefix", got)
	}
	// Underscore and percent are characters, not wildcards.
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "a_"}); len(got) != 1 {
		t.Errorf("prefix a_: got %v, want only a_b", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "a%"}); len(got) != 0 {
		t.Errorf("prefix a%%: got %v, want nothing", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "ali", Limit: 1}); len(got) != 1 || got[alice].ID != alice {
		t.Errorf("limit 1: got %v, want alice alone (the shortest name first)", got)
	}
}

func testIndexWords(t *testing.T, s DiscoveryStores) {
	jose := mustIndexAccount(t, s, "jg", "José García")
	wonder := mustIndexAccount(t, s, "alice_wonder", "")
	mustIndexAccount(t, s, "joseph", "Joseph Conrad")

	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"jose", "gar"}}); len(got) != 1 || got[jose].Match != pinhole.MatchWords {
		t.Errorf("jose gar: got %v, want José García by words (accents folded, last word a prefix)", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"garcía"}}); len(got) != 1 || got[jose].ID != jose {
		t.Errorf("garcía: got %v, want José García", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"won"}}); len(got) != 1 || got[wonder].ID != wonder {
		t.Errorf("won: got %v, want alice_wonder by a word of her username", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"jose", "conrad"}}); len(got) != 0 {
		t.Errorf("jose conrad: got %v, want nothing: every word must match", got)
	}
}

func testIndexTypos(t *testing.T, s DiscoveryStores) {
	alice := mustIndexAccount(t, s, "alice", "")
	mustIndexAccount(t, s, "bob", "")
	got := hitsOf(t, s, pinhole.AccountQuery{TypoKeys: deletions("alcie")})
	if len(got) != 1 || got[alice].Match != pinhole.MatchTypo {
		t.Errorf("alcie: got %v, want alice by a shared key", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{TypoKeys: deletions("zzzzz")}); len(got) != 0 {
		t.Errorf("zzzzz: got %v, want nothing", got)
	}
}

func testIndexReplaces(t *testing.T, s DiscoveryStores) {
	id := mustIndexAccount(t, s, "carol", "Carol Danvers")
	e := pinhole.AccountEntry{ID: id, Username: "carol", DisplayName: "Captain Marvel", TypoKeys: deletions("carol")}
	mustOK(t, "IndexAccount again", s.Search.IndexAccount(t.Context(), e))
	mustOK(t, "IndexAccount a third time", s.Search.IndexAccount(t.Context(), e))
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"danvers"}}); len(got) != 0 {
		t.Errorf("danvers after the rename: got %v, want nothing", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"marvel"}}); len(got) != 1 || got[id].DisplayName != "Captain Marvel" {
		t.Errorf("marvel: got %v, want carol with her new name", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "carol", TypoKeys: deletions("carol")}); len(got) != 1 {
		t.Errorf("carol: got %v, want one entry however often she was indexed", got)
	}
	// A username held by a stale entry moves to the account indexed last.
	other := s.IDs.Next(s.Shard(3))
	mustOK(t, "IndexAccount reused name", s.Search.IndexAccount(t.Context(), pinhole.AccountEntry{ID: other, Username: "carol", TypoKeys: deletions("carol")}))
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "carol", Words: []string{"carol"}, TypoKeys: deletions("carol")}); len(got) != 1 || got[other].ID != other {
		t.Errorf("after reuse: got %v, want only the new holder %s", got, other)
	}
}

func testIndexHostileQueries(t *testing.T, s DiscoveryStores) {
	bobby := mustIndexAccount(t, s, "bobby", `Robert'); DROP TABLE accounts;-- "the" * NEAR`)
	for _, words := range [][]string{
		{`"`}, {`a" OR "b`}, {`*`}, {`NEAR(a b)`}, {`words:bobby`}, {`'); DROP TABLE search_accounts;--`},
		{`^bobby`}, {`AND`}, {`OR`, `NOT`}, {`(`}, {""},
	} {
		if _, err := s.Search.SearchAccounts(t.Context(), pinhole.AccountQuery{Words: words, TypoKeys: words, Limit: 10}); err != nil {
			t.Errorf("words %q: got error %v, want them searched as text", words, err)
		}
	}
	if _, err := s.Search.SearchAccounts(t.Context(), pinhole.AccountQuery{Username: `' OR 1=1 --`, Limit: 10}); err != nil {
		t.Errorf("username fragment: got error %v", err)
	}
	// The words of the odd display name are still found as words.
	got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"drop", "table"}})
	if ids := keys(got); !slices.Equal(ids, []pinhole.ID{bobby}) {
		t.Errorf("drop table: got %v, want bobby", ids)
	}
	// And the index is intact.
	if got := hitsOf(t, s, pinhole.AccountQuery{Username: "bobby"}); len(got) != 1 {
		t.Errorf("bobby after hostile queries: got %v", got)
	}
}

func testIndexCompact(t *testing.T, s DiscoveryStores) {
	var ids []pinhole.ID
	for i := 0; i < 30; i++ {
		ids = append(ids, mustIndexAccount(t, s, fmt.Sprintf("member%02d", i), fmt.Sprintf("Member Number%02d", i)))
	}
	mustCreatePlace(t, s, "Café de Flore", 48.854, 2.3325, "u09tgyyeng3d")
	mustOK(t, "CompactIndex step", s.Search.CompactIndex(t.Context(), 10))
	mustOK(t, "CompactIndex whole", s.Search.CompactIndex(t.Context(), 0))
	if got := hitsOf(t, s, pinhole.AccountQuery{Words: []string{"number07"}}); len(got) != 1 || got[ids[7]].ID != ids[7] {
		t.Errorf("number07 after compacting: got %v", got)
	}
	if got := hitsOf(t, s, pinhole.AccountQuery{TypoKeys: deletions("membre07")}); got[ids[7]].ID != ids[7] {
		t.Errorf("membre07 after compacting: got %v, want member07 among them", got)
	}
	if got, err := s.Places.SearchPlaces(t.Context(), []string{"flore"}, 5); err != nil || len(got) != 1 {
		t.Errorf("flore after compacting: got %v, %v", got, err)
	}
}
