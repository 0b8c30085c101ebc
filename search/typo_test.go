package search

import "testing"

func shareKey(a, b string) bool {
	keys := map[string]bool{}
	for _, k := range TypoKeys(a) {
		keys[k] = true
	}
	for _, k := range TypoKeys(b) {
		if keys[k] {
			return true
		}
	}
	return false
}

func TestTypoKeysShareAKeyWithinOneEdit(t *testing.T) {
	cases := []struct {
		name, query, username string
		share                 bool
	}{
		{"Same", "alice", "alice", true},
		{"SwappedNeighbours", "alcie", "alice", true},
		{"Substitution", "alise", "alice", true},
		{"MissingLetter", "alce", "alice", true},
		{"ExtraLetter", "allice", "alice", true},
		{"ShortNameExtraLetter", "bobb", "bob", true},
		{"Unrelated", "zebra", "alice", false},
		{"TwoApart", "axxce", "alice", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := shareKey(c.query, c.username); got != c.share {
				t.Errorf("%q and %q share a key: got %v, want %v", c.query, c.username, got, c.share)
			}
		})
	}
}

func TestTypoKeysLeaveOutShortKeys(t *testing.T) {
	for _, k := range TypoKeys("bob") {
		if len(k) < minTypoKey {
			t.Errorf("key %q is shorter than %d", k, minTypoKey)
		}
	}
	if got := TypoKeys("aaaa"); len(got) != 2 {
		t.Errorf("aaaa: got keys %q, want aaaa and aaa once each", got)
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"alice", "alice", 1, 0},
		{"alcie", "alice", 1, 1},
		{"alise", "alice", 1, 1},
		{"alce", "alice", 1, 1},
		{"allice", "alice", 1, 1},
		{"axxce", "alice", 1, 2}, // beyond the limit: limit+1
		{"axxce", "alice", 2, 2},
		{"café", "cafe", 1, 1}, // runes, not bytes
		{"", "abc", 3, 3},
		{"abcdef", "ab", 1, 2},
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b, c.limit); got != c.want {
			t.Errorf("editDistance(%q, %q, %d): got %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}
