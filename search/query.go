package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pinhole/pinhole"
)

// maxQueryWords bounds the words of a query that are matched.
const maxQueryWords = 8

// query is member text made safe to search for: every part is plain data
// (tokens, a name), never search-engine syntax.
type query struct {
	text     string   // trimmed, valid UTF-8, at most MaxSearchQueryLen runes
	username string   // the text as a username, when it can be one
	words    []string // lower-case words: letters and digits only
	tag      string   // the text as a hashtag name, when it can be one
}

// parseQuery reads a query as typed. Anything goes in: quotes, operators,
// SQL fragments and megabytes of text come out as a few plain tokens.
func parseQuery(raw string) query {
	raw = strings.ToValidUTF8(raw, " ")
	raw = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, raw)
	raw = strings.TrimSpace(raw)
	if utf8.RuneCountInString(raw) > pinhole.MaxSearchQueryLen {
		raw = strings.TrimSpace(string([]rune(raw)[:pinhole.MaxSearchQueryLen]))
	}
	q := query{text: raw}
	// "@alice" and "@alice@this.instance" name the username alice.
	name := strings.TrimPrefix(raw, "@")
	if i := strings.IndexByte(name, '@'); i > 0 {
		name = name[:i]
	}
	name = strings.ToLower(name)
	if name != "" && len(name) <= pinhole.MaxUsernameLen && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") == "" {
		q.username = name
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(q.words) == maxQueryWords {
			break
		}
		q.words = append(q.words, w)
	}
	if t, err := pinhole.NormalizeTag(raw); err == nil {
		q.tag = t
	}
	return q
}

// indexWords returns the words worth looking up in a word index: those
// of two characters or more. A one-letter prefix would read a large part
// of the index and narrows nothing down (the username prefix covers it).
func (q query) indexWords() []string {
	var out []string
	for _, w := range q.words {
		if runes(w) >= 2 {
			out = append(out, w)
		}
	}
	return out
}

// runes counts the characters of s.
func runes(s string) int { return utf8.RuneCountInString(s) }
