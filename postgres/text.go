package postgres

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pinhole/pinhole/sqlstore"
	"golang.org/x/text/unicode/norm"
)

// The text index on PostgreSQL: account words and place names are
// tsvector columns with GIN indexes, typo keys a text[] column with a GIN
// index. Pinhole splits and folds the words itself, as SQLite's unicode61
// tokenizer with remove_diacritics does (runs of letters and digits, lower
// case, accents off), and hands PostgreSQL finished lexemes: no
// text-search parser or dictionary (whose rules vary with configuration
// and would read "alice.wonder" as a host name) and no extension
// (unaccent) is needed. Queries are built from the same lexemes, each
// quoted, so member text is never tsquery syntax.

var _ sqlstore.TextIndex = dialect{}

const (
	// maxLexeme bounds a lexeme in bytes, far below PostgreSQL's 2047; a
	// longer word is indexed and looked up by its first maxLexeme bytes.
	maxLexeme = 255
	// maxLexemes bounds the distinct words indexed for one row.
	maxLexemes = 256
)

// foldsMarks names the scripts whose combining marks are accents that a
// search ignores ("José" is found by "jose"); elsewhere marks are part of
// the letter and kept.
var foldsMarks = []*unicode.RangeTable{unicode.Latin, unicode.Greek, unicode.Cyrillic}

// fold lower-cases s and removes accents from Latin, Greek and Cyrillic
// letters.
func fold(s string) string {
	d := norm.NFD.String(strings.ToLower(s))
	var b strings.Builder
	b.Grow(len(d))
	var base rune
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if unicode.IsOneOf(foldsMarks, base) {
				continue
			}
		} else {
			base = r
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// isWordRune reports whether r belongs to a word: letters, numbers, the
// marks kept on them, and private-use characters (as unicode61 has it).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Co)
}

// lexemes splits text into its distinct folded words, in order of first
// appearance.
func lexemes(text string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(fold(text), func(r rune) bool { return !isWordRune(r) }) {
		w = cut(w)
		if seen[w] {
			continue
		}
		if len(out) == maxLexemes {
			break
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// cut shortens a word to maxLexeme bytes on a character boundary.
func cut(w string) string {
	if len(w) <= maxLexeme {
		return w
	}
	i := maxLexeme
	for i > 0 && !utf8.RuneStart(w[i]) {
		i--
	}
	return w[:i]
}

// tsLexeme quotes a lexeme for tsquery input.
func tsLexeme(w string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
}

// allWords returns a tsquery matching text holding every word, the last as
// a prefix; "" when no word is left. A word that splits into several
// (member text may hold anything) needs all its parts.
func allWords(words []string) string {
	var parts []string
	for i, w := range words {
		lx := lexemes(w)
		for j, l := range lx {
			p := tsLexeme(l)
			if i == len(words)-1 && j == len(lx)-1 {
				p += ":*"
			}
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " & ")
}

// typoKeys keeps keys as SQLite's ascii tokenizer with tokenchars '_.'
// would index them: ASCII lower case, split at other ASCII punctuation.
func typoKeys(keys []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, k := range keys {
		for _, t := range strings.FieldsFunc(asciiLower(k), func(r rune) bool {
			return r < 0x80 && !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.')
		}) {
			t = cut(t)
			if t != "" && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

func (dialect) PutAccountText(id int64, words string, keys []string) []sqlstore.Stmt {
	return []sqlstore.Stmt{
		{Query: `INSERT INTO account_words (id, words) VALUES (?, array_to_tsvector(?::text[]))
			ON CONFLICT (id) DO UPDATE SET words = excluded.words`, Args: []any{id, lexemes(words)}},
		{Query: `INSERT INTO account_typos (id, keys) VALUES (?, ?::text[])
			ON CONFLICT (id) DO UPDATE SET keys = excluded.keys`, Args: []any{id, typoKeys(keys)}},
	}
}

func (dialect) DeleteAccountText(id int64) []sqlstore.Stmt {
	return []sqlstore.Stmt{
		{Query: `DELETE FROM account_words WHERE id = ?`, Args: []any{id}},
		{Query: `DELETE FROM account_typos WHERE id = ?`, Args: []any{id}},
	}
}

func (dialect) PutPlaceName(id int64, name string) []sqlstore.Stmt {
	return []sqlstore.Stmt{{Query: `INSERT INTO place_names (id, name) VALUES (?, array_to_tsvector(?::text[]))`, Args: []any{id, lexemes(name)}}}
}

func (dialect) AccountsWithWords(words []string) (string, []any, bool) {
	q := allWords(words)
	return `SELECT id FROM account_words WHERE words @@ ?::tsquery`, []any{q}, q != ""
}

func (dialect) AccountsWithTypoKeys(keys []string) (string, []any, bool) {
	k := typoKeys(keys)
	return `SELECT id FROM account_typos WHERE keys && ?::text[]`, []any{k}, len(k) > 0
}

func (dialect) PlacesWithWords(words []string) (string, []any, bool) {
	q := allWords(words)
	return `SELECT id FROM place_names WHERE name @@ ?::tsquery`, []any{q}, q != ""
}

// ginIndexes are the text index's GIN indexes.
var ginIndexes = []string{"account_words_words", "account_typos_keys", "place_names_name"}

// CompactText moves what GIN indexes hold in their pending lists (fast
// inserts, scanned on every search) into the indexes proper. A pending
// list is bounded (gin_pending_list_limit), so every step is too, whatever
// pages asks. Only the indexes' owner may do it; for another role it is
// left to autovacuum, which does the same. The whole compaction, after a
// bulk load, also refreshes the planner's statistics so searches use the
// indexes.
func (dialect) CompactText(pages int) []sqlstore.Stmt {
	var out []sqlstore.Stmt
	for _, ix := range ginIndexes {
		out = append(out, sqlstore.Stmt{Query: `SELECT gin_clean_pending_list(c.oid) FROM pg_class c
			WHERE c.oid = to_regclass(?) AND pg_has_role(c.relowner, 'USAGE')`, Args: []any{ix}})
	}
	if pages == 0 {
		out = append(out, sqlstore.Stmt{Query: `ANALYZE search_accounts, account_words, account_typos, places, place_names`})
	}
	return out
}
