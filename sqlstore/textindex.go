package sqlstore

import (
	"context"
	"database/sql"
	"strings"
)

// TextIndex is how an engine indexes and matches words: account names,
// their typo keys and place names. It is the one place where the engines
// differ in more than spelling (FTS5 tables on SQLite, GIN-indexed
// tsvector and array columns on PostgreSQL). A Dialect that implements
// TextIndex is used for it; otherwise the FTS5 tables are.
//
// Every statement uses '?' placeholders and goes through Rebind. Words and
// keys arrive as plain tokens; implementations build their engine's query
// syntax from them and never pass member text through as syntax.
type TextIndex interface {
	// PutAccountText returns the statements that replace what is indexed
	// for account id: words (free text: the display name and a username of
	// several parts) and typo keys (tokens of [a-z0-9_.]).
	PutAccountText(id int64, words string, typoKeys []string) []Stmt
	// DeleteAccountText returns the statements that forget account id.
	DeleteAccountText(id int64) []Stmt
	// PutPlaceName returns the statements that index a new place's name.
	PutPlaceName(id int64, name string) []Stmt
	// AccountsWithWords returns a query selecting the IDs of accounts whose
	// words hold every one of words, the last as a prefix, accents folded;
	// ok is false when nothing is left to match. Callers append " LIMIT ?".
	AccountsWithWords(words []string) (query string, args []any, ok bool)
	// AccountsWithTypoKeys returns a query selecting the IDs of accounts
	// holding any of keys; ok is false when keys is empty.
	AccountsWithTypoKeys(keys []string) (query string, args []any, ok bool)
	// PlacesWithWords is AccountsWithWords for place names.
	PlacesWithWords(words []string) (query string, args []any, ok bool)
	// CompactText returns the statements that merge the pieces the text
	// indexes grow in: a bounded step of about pages pages each, or all
	// of it when pages is 0. They run outside any transaction.
	CompactText(pages int) []Stmt
}

// Stmt is one SQL statement with its arguments.
type Stmt struct {
	Query string
	Args  []any
}

// text returns the engine's text index.
func (s *Store) text() TextIndex {
	if t, ok := s.d.(TextIndex); ok {
		return t
	}
	return fts5Index{}
}

// execAll runs statements in tx.
func (s *Store) execAll(ctx context.Context, tx *sql.Tx, stmts []Stmt) error {
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, s.q(st.Query), st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// fts5Index keeps the text index in SQLite's FTS5 tables account_words,
// account_typos and place_names, keyed by rowid.
type fts5Index struct{}

// ftsString quotes one token as an FTS5 string. Member text only ever
// reaches FTS5 this way, so quotes, operators (AND, NEAR, *, ^, :) and SQL
// fragments are searched for as plain text, never obeyed.
func ftsString(tok string) string { return `"` + strings.ReplaceAll(tok, `"`, `""`) + `"` }

// ftsAllWords matches rows holding every word, the last one as a prefix.
func ftsAllWords(words []string) string {
	parts := make([]string, 0, len(words))
	for i, w := range words {
		if w == "" {
			continue
		}
		p := ftsString(w)
		if i == len(words)-1 {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// ftsAnyWord matches rows holding at least one of the tokens.
func ftsAnyWord(toks []string) string {
	parts := make([]string, 0, len(toks))
	for _, t := range toks {
		if t != "" {
			parts = append(parts, ftsString(t))
		}
	}
	return strings.Join(parts, " OR ")
}

func (fts5Index) PutAccountText(id int64, words string, typoKeys []string) []Stmt {
	return []Stmt{
		{`INSERT OR REPLACE INTO account_words (rowid, words) VALUES (?, ?)`, []any{id, words}},
		{`INSERT OR REPLACE INTO account_typos (rowid, keys) VALUES (?, ?)`, []any{id, strings.Join(typoKeys, " ")}},
	}
}

func (fts5Index) DeleteAccountText(id int64) []Stmt {
	return []Stmt{
		{`DELETE FROM account_words WHERE rowid = ?`, []any{id}},
		{`DELETE FROM account_typos WHERE rowid = ?`, []any{id}},
	}
}

func (fts5Index) PutPlaceName(id int64, name string) []Stmt {
	return []Stmt{{`INSERT INTO place_names (rowid, name) VALUES (?, ?)`, []any{id, name}}}
}

func (fts5Index) AccountsWithWords(words []string) (string, []any, bool) {
	m := ftsAllWords(words)
	return `SELECT rowid FROM account_words WHERE account_words MATCH ?`, []any{m}, m != ""
}

func (fts5Index) AccountsWithTypoKeys(keys []string) (string, []any, bool) {
	m := ftsAnyWord(keys)
	return `SELECT rowid FROM account_typos WHERE account_typos MATCH ?`, []any{m}, m != ""
}

func (fts5Index) PlacesWithWords(words []string) (string, []any, bool) {
	m := ftsAllWords(words)
	return `SELECT rowid FROM place_names WHERE place_names MATCH ?`, []any{m}, m != ""
}

// fts5Tables are the FTS5 tables of the index.
var fts5Tables = []string{"account_words", "account_typos", "place_names"}

func (fts5Index) CompactText(pages int) []Stmt {
	out := make([]Stmt, 0, len(fts5Tables))
	for _, t := range fts5Tables {
		// FTS5 commands: 'optimize' merges every segment into one; 'merge'
		// with a negative count does a bounded share of that work.
		if pages > 0 {
			out = append(out, Stmt{`INSERT INTO ` + t + `(` + t + `, rank) VALUES ('merge', ?)`, []any{-pages}})
		} else {
			out = append(out, Stmt{`INSERT INTO ` + t + `(` + t + `) VALUES ('optimize')`, nil})
		}
	}
	return out
}
