package search

import (
	"slices"
	"strings"
	"testing"
)

func TestParseQueryMakesAnyTextPlain(t *testing.T) {
	cases := []struct {
		name, raw string
		text      string
		username  string
		words     []string
		tag       string
	}{
		{"Username", "alice", "alice", "alice", []string{"alice"}, "alice"},
		{"Mention", "@Alice", "@Alice", "alice", []string{"alice"}, ""},
		{"Acct", "@alice@pinhole.example", "@alice@pinhole.example", "alice", []string{"alice", "pinhole", "example"}, ""},
		{"Hashtag", "#Sunset", "#Sunset", "", []string{"sunset"}, "sunset"},
		{"UnicodeHashtag", "#Café", "#Café", "", []string{"café"}, "café"},
		{"Words", "  José  García ", "José  García", "", []string{"josé", "garcía"}, ""},
		{"Quotes", `"alice" OR bob*`, `"alice" OR bob*`, "", []string{"alice", "or", "bob"}, ""},
		{"SQL", `'; DROP TABLE accounts;--`, `'; DROP TABLE accounts;--`, "", []string{"drop", "table", "accounts"}, ""},
		{"FTSSyntax", `NEAR(a b) col:x ^y`, `NEAR(a b) col:x ^y`, "", []string{"near", "a", "b", "col", "x", "y"}, ""},
		{"ControlCharacters", "ali\x00ce\n", "ali ce", "", []string{"ali", "ce"}, ""},
		{"InvalidUTF8", "ali\xffce", "ali ce", "", []string{"ali", "ce"}, ""},
		{"Empty", "   ", "", "", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := parseQuery(c.raw)
			if q.text != c.text || q.username != c.username || !slices.Equal(q.words, c.words) || q.tag != c.tag {
				t.Errorf("got text %q username %q words %q tag %q; want %q %q %q %q", q.text, q.username, q.words, q.tag, c.text, c.username, c.words, c.tag)
			}
		})
	}
}

func TestParseQueryBoundsLongText(t *testing.T) {
	q := parseQuery(strings.Repeat("word ", 100_000))
	if n := runes(q.text); n > 100 {
		t.Errorf("text of %d runes kept, want at most 100", n)
	}
	if len(q.words) > maxQueryWords {
		t.Errorf("%d words kept, want at most %d", len(q.words), maxQueryWords)
	}
}
