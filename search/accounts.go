package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"

	"github.com/pinhole/pinhole"
)

// accountCandidates is how many candidates each kind of match brings.
const accountCandidates = 50

// Scores of the kinds of match; popularity only breaks near-ties.
const (
	scoreExact  = 1000.0
	scorePrefix = 400.0
	scoreWords  = 300.0
	scoreTypo   = 200.0
	scoreFame   = 25.0 // per tenfold followers
)

// Accounts finds accounts by username (exact, prefix, or one typo away)
// and by the words of their display name and username, best first. Those
// blocking the viewer, or blocked by them, are left out.
func (s *Service) Accounts(ctx context.Context, viewer pinhole.ID, raw string, limit, offset int) ([]*pinhole.Account, error) {
	q := parseQuery(raw)
	if q.text == "" || limit <= 0 {
		return nil, nil
	}
	aq := pinhole.AccountQuery{Username: q.username, Limit: max(accountCandidates, limit+offset)}
	aq.Words = q.indexWords()
	if runes(q.username) >= minTypoQuery {
		aq.TypoKeys = TypoKeys(q.username)
	}
	hits, err := s.store.SearchAccounts(ctx, aq)
	if err != nil {
		return nil, err
	}
	scores := make(map[pinhole.ID]float64, len(hits))
	ids := make([]pinhole.ID, 0, len(hits))
	for _, h := range hits {
		if sc := matchScore(q, h); sc > 0 {
			scores[h.ID] = sc
			ids = append(ids, h.ID)
		}
	}
	found, err := s.accounts.Accounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*pinhole.Account, 0, len(found))
	for _, id := range ids {
		if a := found[id]; a != nil {
			scores[id] += scoreFame * math.Log10(1+float64(max(a.FollowersCount, 0)))
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b *pinhole.Account) int {
		if c := cmp.Compare(scores[b.ID], scores[a.ID]); c != 0 {
			return c
		}
		return strings.Compare(a.Username, b.Username)
	})
	if list, err = s.visibleAccounts(ctx, viewer, list); err != nil {
		return nil, err
	}
	return page(list, limit, offset), nil
}

// matchScore rates how well a candidate answers the query; 0 drops it (a
// typo candidate further than the query's length allows).
func matchScore(q query, h pinhole.AccountHit) float64 {
	best := 0.0
	if h.Match&pinhole.MatchExact != 0 {
		best = scoreExact
	}
	if h.Match&pinhole.MatchPrefix != 0 && q.username != "" {
		// The more of the name the query covers, the better.
		best = max(best, scorePrefix+100*float64(runes(q.username))/float64(max(runes(h.Username), 1)))
	}
	if h.Match&pinhole.MatchWords != 0 {
		sc := scoreWords
		if strings.HasPrefix(strings.ToLower(h.DisplayName), strings.ToLower(q.text)) {
			sc += 50
		}
		best = max(best, sc)
	}
	if h.Match&pinhole.MatchTypo != 0 && q.username != "" {
		limit := 1
		if runes(q.username) >= 8 {
			limit = 2 // longer names tolerate a second slip
		}
		if d := editDistance(q.username, h.Username, limit); d <= limit {
			best = max(best, scoreTypo-50*float64(d))
		}
	}
	return best
}

// page returns the slice of list after offset, at most limit long.
func page[T any](list []T, limit, offset int) []T {
	if offset >= len(list) {
		return nil
	}
	list = list[offset:]
	if len(list) > limit {
		list = list[:limit]
	}
	return list
}
