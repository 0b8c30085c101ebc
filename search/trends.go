package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// Trends: hashtags and recent posts scored by engagement with time decay.
// The scheduler computes them every TrendInterval from the index's
// signals and saves the lists; every node serves them from memory,
// rereading the saved lists after TrendsCacheTTL.

// Bounds on what one computation reads.
const (
	maxTrendSignals = 50_000
	maxTrendTagUses = 200_000
	trendCandidates = 4 // × TrendingPosts posts re-scored with their true counts
)

// trendSnapshot is the trend lists one node serves.
type trendSnapshot struct {
	tags, posts []pinhole.Trend
	loaded      time.Time
}

// Run recomputes the trends now and then every TrendInterval until ctx
// ends (the scheduler role).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.TrendInterval)
	defer t.Stop()
	for {
		if err := s.ComputeTrends(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("trends: compute", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// decay weighs engagement by the age of the post it happened on.
func (s *Service) decay(now time.Time, id pinhole.ID) float64 {
	age := max(now.Sub(id.Time()), 0)
	return math.Exp2(-age.Hours() / s.cfg.TrendHalfLife.Hours())
}

// engagement is what a post's likes and comments are worth.
func engagement(likes, replies int64) float64 { return float64(likes) + 2*float64(replies) }

// ComputeTrends recomputes and saves both trend lists.
func (s *Service) ComputeTrends(ctx context.Context) error {
	now := s.now().UTC()
	since := pinhole.IDAt(now.Add(-s.cfg.TrendWindow))
	signals, err := s.store.RecentSignals(ctx, since, maxTrendSignals)
	if err != nil {
		return err
	}
	postTrends, err := s.trendingPosts(ctx, now, signals)
	if err != nil {
		return err
	}
	uses, err := s.store.RecentTagUses(ctx, since, maxTrendTagUses)
	if err != nil {
		return err
	}
	tagTrends, err := s.trendingTags(ctx, now, signals, uses)
	if err != nil {
		return err
	}
	if err := s.store.SaveTrends(ctx, pinhole.TrendStatuses, postTrends, now); err != nil {
		return err
	}
	if err := s.store.SaveTrends(ctx, pinhole.TrendTags, tagTrends, now); err != nil {
		return err
	}
	s.trends.Store(&trendSnapshot{tags: tagTrends, posts: postTrends, loaded: s.now()})
	// Redeliveries of events older than a week are not expected; the
	// signals of posts that can no longer trend are not needed.
	return s.store.PruneIndex(ctx, pinhole.IDAt(now.Add(-max(7*24*time.Hour, 2*s.cfg.TrendWindow))))
}

// trendingPosts scores recent public posts by decayed engagement. The
// index's signals pick the candidates; their current counts (an unlike
// sends no event) decide.
func (s *Service) trendingPosts(ctx context.Context, now time.Time, signals []pinhole.PostSignal) ([]pinhole.Trend, error) {
	type cand struct {
		id    pinhole.ID
		score float64
	}
	cands := make([]cand, 0, len(signals))
	for _, sg := range signals {
		cands = append(cands, cand{sg.PostID, engagement(sg.Likes, sg.Replies) * s.decay(now, sg.PostID)})
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(b.score, a.score) })
	cands = page(cands, trendCandidates*s.cfg.TrendingPosts, 0)
	ids := make([]pinhole.ID, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	views, err := s.posts.Hydrate(ctx, 0, ids) // public posts that still exist
	if err != nil {
		return nil, err
	}
	var out []pinhole.Trend
	for _, v := range views {
		if sc := engagement(v.Post.LikesCount, v.Post.RepliesCount) * s.decay(now, v.Post.ID); sc > 0 && !v.Post.IsComment() {
			out = append(out, pinhole.Trend{Key: v.Post.ID.String(), Score: sc})
		}
	}
	slices.SortStableFunc(out, func(a, b pinhole.Trend) int { return cmp.Compare(b.Score, a.Score) })
	return page(out, s.cfg.TrendingPosts, 0), nil
}

// trendingTags scores each tag by the distinct public accounts using it
// lately: each author counts once, by their best recent use (decayed,
// and more for a use that drew likes and comments), so one account
// posting a tag a hundred times does not make it trend.
func (s *Service) trendingTags(ctx context.Context, now time.Time, signals []pinhole.PostSignal, uses []pinhole.TagUse) ([]pinhole.Trend, error) {
	eng := make(map[pinhole.ID]float64, len(signals))
	for _, sg := range signals {
		eng[sg.PostID] = engagement(sg.Likes, sg.Replies)
	}
	var authors []pinhole.ID
	seen := map[pinhole.ID]bool{}
	for _, u := range uses {
		if !seen[u.AuthorID] {
			seen[u.AuthorID] = true
			authors = append(authors, u.AuthorID)
		}
	}
	public := make(map[pinhole.ID]bool, len(authors))
	for len(authors) > 0 {
		n := min(len(authors), 500)
		found, err := s.accounts.Accounts(ctx, authors[:n])
		if err != nil {
			return nil, err
		}
		for id, a := range found {
			public[id] = !a.Locked
		}
		authors = authors[n:]
	}
	best := map[string]map[pinhole.ID]float64{}
	for _, u := range uses {
		if !public[u.AuthorID] {
			continue
		}
		w := s.decay(now, u.PostID) * (1 + math.Log1p(eng[u.PostID]))
		if best[u.Tag] == nil {
			best[u.Tag] = map[pinhole.ID]float64{}
		}
		best[u.Tag][u.AuthorID] = max(best[u.Tag][u.AuthorID], w)
	}
	var out []pinhole.Trend
	for tag, by := range best {
		if len(by) < s.cfg.MinTagAuthors {
			continue
		}
		sum := 0.0
		for _, w := range by {
			sum += w
		}
		out = append(out, pinhole.Trend{Key: tag, Score: sum})
	}
	slices.SortFunc(out, func(a, b pinhole.Trend) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return page(out, s.cfg.TrendingTags, 0), nil
}

// snapshot returns the trend lists this node serves, rereading the saved
// ones once they are older than TrendsCacheTTL. When the store cannot be
// read, the lists held are served on.
func (s *Service) snapshot(ctx context.Context) (*trendSnapshot, error) {
	cur := s.trends.Load()
	if cur != nil && s.now().Sub(cur.loaded) < s.cfg.TrendsCacheTTL {
		return cur, nil
	}
	tags, _, err := s.store.LoadTrends(ctx, pinhole.TrendTags)
	if err == nil {
		var postList []pinhole.Trend
		if postList, _, err = s.store.LoadTrends(ctx, pinhole.TrendStatuses); err == nil {
			next := &trendSnapshot{tags: tags, posts: postList, loaded: s.now()}
			s.trends.Store(next)
			return next, nil
		}
	}
	if cur != nil {
		s.log.WarnContext(ctx, "trends: serving the lists held", "err", err)
		return cur, nil
	}
	return nil, err
}

// TrendingTags returns the trending hashtags.
func (s *Service) TrendingTags(ctx context.Context, viewer pinhole.ID, limit, offset int) ([]*TagView, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	list := page(snap.tags, limit, offset)
	names := make([]string, len(list))
	for i, t := range list {
		names[i] = t.Key
	}
	return s.TagViews(ctx, viewer, names)
}

// TrendingPosts returns the popular recent posts the viewer may see.
func (s *Service) TrendingPosts(ctx context.Context, viewer pinhole.ID, limit, offset int) ([]*posts.View, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	list := page(snap.posts, limit, offset)
	ids := make([]pinhole.ID, 0, len(list))
	for _, t := range list {
		if id, err := strconv.ParseInt(t.Key, 10, 64); err == nil {
			ids = append(ids, pinhole.ID(id))
		}
	}
	return s.posts.Hydrate(ctx, viewer, ids)
}
