package search

import "unicode/utf8"

// Typo tolerance for usernames, by deletion neighbourhoods (the SymSpell
// idea): a name and every string one deletion away are its keys. Two names
// within one edit (insertion, deletion, substitution or swap of neighbours)
// share a key, so a typo is found with one lookup of the query's few keys
// instead of a comparison with every name.

// minTypoKey is the shortest key worth indexing: shorter ones are shared
// by too many names to narrow anything down.
const minTypoKey = 3

// minTypoQuery is the shortest query looked up for typos.
const minTypoQuery = 4

// TypoKeys returns s and its one-deletion variants of at least minTypoKey
// runes, each once.
func TypoKeys(s string) []string {
	rs := []rune(s)
	out := make([]string, 0, len(rs)+1)
	seen := make(map[string]bool, len(rs)+1)
	add := func(k string) {
		if utf8.RuneCountInString(k) >= minTypoKey && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	add(s)
	for i := range rs {
		add(string(rs[:i]) + string(rs[i+1:]))
	}
	return out
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours), or
// limit+1 once it is certain to exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}
