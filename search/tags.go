package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// TagView is a hashtag as one member sees it.
type TagView struct {
	pinhole.Tag
	History   []pinhole.TagDay // TagHistoryDays days, today first
	Following bool
}

// Tag returns a hashtag, used or not (a member may follow a tag before
// anyone uses it). A name that cannot be a hashtag names nothing.
func (s *Service) Tag(ctx context.Context, viewer pinhole.ID, name string) (*TagView, error) {
	n, err := pinhole.NormalizeTag(name)
	if err != nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "%s", pinhole.ErrorMessage(err))
	}
	views, err := s.TagViews(ctx, viewer, []string{n})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// TagViews returns views of the named (normalized) tags, in order.
func (s *Service) TagViews(ctx context.Context, viewer pinhole.ID, names []string) ([]*TagView, error) {
	if len(names) == 0 {
		return nil, nil
	}
	found, err := s.store.FindTags(ctx, names)
	if err != nil {
		return nil, err
	}
	following := map[string]bool{}
	if viewer != 0 {
		mine, err := s.followedTags(ctx, viewer)
		if err != nil {
			return nil, err
		}
		for _, t := range mine {
			following[t] = true
		}
	}
	out := make([]*TagView, len(names))
	for i, n := range names {
		v := &TagView{Tag: pinhole.Tag{Name: n}, Following: following[n]}
		if t := found[n]; t != nil {
			v.Tag = *t
		}
		if v.History, err = s.tagHistory(ctx, n, v.Uses > 0); err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// tagHistory returns a tag's last TagHistoryDays days, today first, with
// the days without use filled in.
func (s *Service) tagHistory(ctx context.Context, tag string, used bool) ([]pinhole.TagDay, error) {
	today := s.now().UTC().Truncate(24 * time.Hour)
	days := make([]pinhole.TagDay, pinhole.TagHistoryDays)
	for i := range days {
		days[i].Day = today.AddDate(0, 0, -i)
	}
	if !used {
		return days, nil
	}
	got, ok := s.history.Get(tag)
	if !ok {
		var err error
		if got, err = s.store.TagHistory(ctx, tag, days[len(days)-1].Day); err != nil {
			return nil, err
		}
		s.history.Set(tag, got)
	}
	for _, d := range got {
		if i := int(today.Sub(d.Day) / (24 * time.Hour)); i >= 0 && i < len(days) {
			days[i].Uses, days[i].Accounts = d.Uses, d.Accounts
		}
	}
	return days, nil
}

// followedTags returns the tags a member follows, from a short-lived
// cache that the member's own follows and unfollows drop.
func (s *Service) followedTags(ctx context.Context, viewer pinhole.ID) ([]string, error) {
	if v, ok := s.followed.Get(viewer); ok && !pinhole.FreshReads(ctx) {
		return v, nil
	}
	read := s.followed.Begin(ctx)
	v, err := s.store.FollowedTagNames(ctx, viewer)
	if err != nil {
		return nil, err
	}
	s.followed.Fill(viewer, v, read)
	return v, nil
}

// OnFollowedTagsChange calls fn after a member followed or unfollowed a
// tag here, so other nodes drop their copy (ForgetFollowedTags).
func (s *Service) OnFollowedTagsChange(fn func(ctx context.Context, viewer pinhole.ID)) {
	s.onFollowed = fn
}

// ForgetFollowedTags drops what this node holds about the tags members
// follow.
func (s *Service) ForgetFollowedTags(viewers ...pinhole.ID) {
	for _, v := range viewers {
		s.followed.Delete(v)
	}
}

func (s *Service) followedChanged(ctx context.Context, viewer pinhole.ID) {
	s.ForgetFollowedTags(viewer)
	if s.onFollowed != nil {
		s.onFollowed(ctx, viewer)
	}
}

// FollowTag makes the viewer follow a hashtag.
func (s *Service) FollowTag(ctx context.Context, viewer pinhole.ID, name string) (*TagView, error) {
	n, err := pinhole.NormalizeTag(name)
	if err != nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "%s", pinhole.ErrorMessage(err))
	}
	if _, err := s.store.FollowTag(ctx, viewer, n, pinhole.MaxFollowedTags, s.now().UTC()); err != nil {
		return nil, err
	}
	s.followedChanged(ctx, viewer)
	return s.Tag(ctx, viewer, n)
}

// UnfollowTag stops the viewer following a hashtag.
func (s *Service) UnfollowTag(ctx context.Context, viewer pinhole.ID, name string) (*TagView, error) {
	n, err := pinhole.NormalizeTag(name)
	if err != nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "%s", pinhole.ErrorMessage(err))
	}
	if _, err := s.store.UnfollowTag(ctx, viewer, n); err != nil {
		return nil, err
	}
	s.followedChanged(ctx, viewer)
	return s.Tag(ctx, viewer, n)
}

// FollowedTags pages through the tags the viewer follows, newest follow
// first; the follows carry the cursor IDs.
func (s *Service) FollowedTags(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]pinhole.TagFollow, []*TagView, error) {
	follows, err := s.store.ListFollowedTags(ctx, viewer, page.Normalize(pinhole.MaxFollowedTags))
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(follows))
	for i, f := range follows {
		names[i] = f.Tag
	}
	views, err := s.TagViews(ctx, viewer, names)
	return follows, views, err
}

// TagTimeline lists what carries a hashtag as the viewer may see it,
// newest first: posts and comments, or posts only.
func (s *Service) TagTimeline(ctx context.Context, viewer pinhole.ID, name string, postsOnly bool, page pinhole.Page) ([]*posts.View, error) {
	n, err := pinhole.NormalizeTag(name)
	if err != nil {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "%s", pinhole.ErrorMessage(err))
	}
	ids, err := s.store.TagPostIDs(ctx, n, postsOnly, page.Normalize(pinhole.MaxPageLimit))
	if err != nil {
		return nil, err
	}
	return s.posts.Hydrate(ctx, viewer, ids)
}

// FollowedTagPostIDs returns a page of the posts (not comments) carrying
// any hashtag the viewer follows, newest first, for the home feed to merge
// at read time. Each tag is read with the page's own bounds and limit, so
// the merge costs one index range per followed tag.
func (s *Service) FollowedTagPostIDs(ctx context.Context, viewer pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	tags, err := s.followedTags(ctx, viewer)
	if err != nil || len(tags) == 0 {
		return nil, err
	}
	page = page.Normalize(pinhole.MaxPageLimit)
	var ids []pinhole.ID
	for _, t := range tags {
		more, err := s.store.TagPostIDs(ctx, t, true, page)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	slices.SortFunc(ids, func(a, b pinhole.ID) int { return cmp.Compare(b, a) })
	return slices.Compact(ids), nil
}

// Hashtags finds used hashtags starting with the query, most used first.
func (s *Service) Hashtags(ctx context.Context, viewer pinhole.ID, raw string, limit, offset int) ([]*TagView, error) {
	q := parseQuery(raw)
	prefix := q.tag
	if prefix == "" {
		// "golden hour" finds #goldenhour.
		prefix, _ = pinhole.NormalizeTag(strings.Join(q.words, ""))
	}
	if prefix == "" || limit <= 0 {
		return nil, nil
	}
	tags, err := s.store.SearchTags(ctx, prefix, limit+offset)
	if err != nil {
		return nil, err
	}
	tags = page(tags, limit, offset)
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return s.TagViews(ctx, viewer, names)
}
