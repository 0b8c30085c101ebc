package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// TestSearchesCanUseTheirIndexes checks that each kind of name search has
// an index to answer it: with sequential scans priced out, the plan must
// read the index, not every row.
func TestSearchesCanUseTheirIndexes(t *testing.T) {
	c := mustOpen(t, layouts[0].config(t))
	s := sqlstore.New(c)
	for i := range 50 {
		name := fmt.Sprintf("member%02d", i)
		e := pinhole.AccountEntry{ID: c.IDs.Next(i % 16), Username: name, DisplayName: "Member Número " + name, TypoKeys: []string{name, name[1:]}}
		if err := s.IndexAccount(t.Context(), e); err != nil {
			t.Fatalf("index %s: %v", name, err)
		}
	}
	p := &pinhole.Place{ID: c.IDs.Next(0), Name: "Café de Flore", Lat: 48.854, Lon: 2.3325, Geohash: "u09tgyyeng3d", CreatedAt: storetest.Now}
	if err := s.CreatePlace(t.Context(), p); err != nil {
		t.Fatalf("create place: %v", err)
	}

	text := postgres.Dialect().(sqlstore.TextIndex)
	words, wordArgs, _ := text.AccountsWithWords([]string{"numero", "memb"})
	typos, typoArgs, _ := text.AccountsWithTypoKeys([]string{"member07", "ember07"})
	places, placeArgs, _ := text.PlacesWithWords([]string{"cafe", "fl"})
	for _, tt := range []struct {
		name, query string
		args        []any
		index       string
	}{
		{"Words", words, wordArgs, "account_words_words"},
		{"TypoKeys", typos, typoArgs, "account_typos_keys"},
		{"PlaceNames", places, placeArgs, "place_names_name"},
		{"UsernamePrefix", `SELECT id FROM search_accounts WHERE username >= ? AND username < ? ORDER BY username LIMIT 5`, []any{"mem", "mem\U0010FFFF"}, "search_accounts_username"},
		{"GeohashCell", `SELECT id, lat, lon FROM places WHERE geohash >= ? AND geohash < ?`, []any{"u09t", "u09t\U0010FFFF"}, "places_geohash"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			plan := explain(t, c.Directory.Write, postgres.Rebind(tt.query), tt.args...)
			if !strings.Contains(plan, tt.index) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("plan does not read %s:\n%s", tt.index, plan)
			}
		})
	}
	// And the searches find what they should through those plans.
	hits, err := s.SearchAccounts(t.Context(), pinhole.AccountQuery{Username: "member0", Words: []string{"numero", "member07"}, TypoKeys: []string{"membr07"}, Limit: 20})
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if len(hits) != 10 {
		t.Errorf("search member0 / numero member07 / membr07: got %d hits, want member00..member09", len(hits))
	}
}

// explain returns the plan of a query with sequential scans disabled.
func explain(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `RESET enable_seqscan`)
	rows, err := conn.QueryContext(t.Context(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}
