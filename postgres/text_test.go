package postgres

import (
	"slices"
	"strings"
	"testing"
)

func TestLexemes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"José García", []string{"jose", "garcia"}},
		{"alice.wonder_42 Alice", []string{"alice", "wonder", "42"}},
		{"Ωμέγα Привёт", []string{"ωμεγα", "привет"}},
		{"Café Kitsuné ☕ café", []string{"cafe", "kitsune"}},
		{"नमस्ते दुनिया", []string{"नमस्ते", "दुनिया"}}, // marks that are part of the letter stay
		{`Robert'); DROP TABLE accounts;-- "the" * NEAR`, []string{"robert", "drop", "table", "accounts", "the", "near"}},
		{"", []string{}},
		{strings.Repeat("é", 300), []string{strings.Repeat("e", maxLexeme)}},
	} {
		if got := lexemes(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("lexemes(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCutKeepsWholeCharacters(t *testing.T) {
	w := strings.Repeat("ж", 200) // 400 bytes, 2 a character
	got := cut(w)
	if len(got) > maxLexeme || !strings.HasPrefix(w, got) || len(got) != maxLexeme-1 {
		t.Errorf("cut: got %d bytes, want the %d bytes of whole characters that fit", len(got), maxLexeme-1)
	}
}

func TestAllWordsQuotesEveryLexeme(t *testing.T) {
	for _, tt := range []struct {
		words []string
		want  string
	}{
		{[]string{"jose", "gar"}, `'jose' & 'gar':*`},
		{[]string{"garcía"}, `'garcia':*`},
		{[]string{`a" OR "b`}, `'a' & 'or' & 'b':*`},
		{[]string{`'); DROP TABLE x;--`, "ok"}, `'drop' & 'table' & 'x' & 'ok':*`},
		{[]string{"NEAR(a b)", "*"}, `'near' & 'a' & 'b'`},
		{[]string{`"`, `!`, `&`, `:*`}, ``},
		{nil, ``},
	} {
		if got := allWords(tt.words); got != tt.want {
			t.Errorf("allWords(%q): got %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestTypoKeys(t *testing.T) {
	got := typoKeys([]string{"alice", "Alice", "al.ce", "a_ice", "ali ce", "x'y", ""})
	want := []string{"alice", "al.ce", "a_ice", "ali", "ce", "x", "y"}
	if !slices.Equal(got, want) {
		t.Errorf("typoKeys: got %q, want %q", got, want)
	}
	if got := typoKeys(nil); got == nil || len(got) != 0 {
		t.Errorf("typoKeys(nil): got %#v, want an empty, non-nil list (an empty array, not NULL)", got)
	}
}
