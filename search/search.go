package search

import (
	"context"
	"net/url"
	"strings"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/posts"
)

// maxOffset bounds how deep a search may page: past it, a narrower query
// serves better than more reading.
const maxOffset = 200

// Results answers a search, per kind.
type Results struct {
	Accounts []*pinhole.Account
	Statuses []*posts.View
	Hashtags []*TagView
	Places   []*pinhole.Place
}

// Search runs a query over one kind of result, or every kind when kind is
// "". The query is plain text whatever it holds.
func (s *Service) Search(ctx context.Context, viewer pinhole.ID, raw, kind string, limit, offset int) (*Results, error) {
	switch kind {
	case "", pinhole.SearchAccounts, pinhole.SearchHashtags, pinhole.SearchStatuses, pinhole.SearchPlaces:
	default:
		return nil, pinhole.Errorf(pinhole.EINVALID, "type must be accounts, hashtags, statuses or places, not %.30q.", kind)
	}
	if parseQuery(raw).text == "" {
		return nil, pinhole.Errorf(pinhole.EINVALID, "q is required: type what to search for.")
	}
	if limit <= 0 {
		limit = pinhole.DefaultPageLimit
	}
	limit = min(limit, pinhole.MaxSearchResults)
	if offset < 0 || offset > maxOffset {
		return nil, pinhole.Errorf(pinhole.EINVALID, "offset must be between 0 and %d; narrow the search instead.", maxOffset)
	}
	var r Results
	var err error
	want := func(k string) bool { return kind == "" || kind == k }
	if want(pinhole.SearchAccounts) {
		if r.Accounts, err = s.Accounts(ctx, viewer, raw, limit, offset); err != nil {
			return nil, err
		}
	}
	if want(pinhole.SearchHashtags) {
		if r.Hashtags, err = s.Hashtags(ctx, viewer, raw, limit, offset); err != nil {
			return nil, err
		}
	}
	if want(pinhole.SearchStatuses) {
		if r.Statuses, err = s.Statuses(ctx, viewer, raw, limit, offset); err != nil {
			return nil, err
		}
	}
	if want(pinhole.SearchPlaces) {
		if r.Places, err = s.SearchPlaces(ctx, raw, limit, offset); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// Statuses finds posts: the post a link points at, or what carries the
// hashtag the query names. Captions are not searched as free text: that
// would show private words to strangers, as Mastodon avoids too.
func (s *Service) Statuses(ctx context.Context, viewer pinhole.ID, raw string, limit, offset int) ([]*posts.View, error) {
	q := parseQuery(raw)
	if id := linkedPost(q.text); id != 0 {
		v, err := s.posts.Get(ctx, viewer, id)
		if pinhole.IsNotFound(err) || offset > 0 {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return []*posts.View{v}, nil
	}
	tag := q.tag
	if tag == "" {
		tag, _ = pinhole.NormalizeTag(strings.Join(q.words, ""))
	}
	if tag == "" || limit <= 0 {
		return nil, nil
	}
	ids, err := s.store.TagPostIDs(ctx, tag, false, pinhole.Page{Limit: limit + offset})
	if err != nil {
		return nil, err
	}
	return s.posts.Hydrate(ctx, viewer, page(ids, limit, offset))
}

// linkedPost returns the post a pasted link names (…/p/ID), or 0.
func linkedPost(text string) pinhole.ID {
	if !strings.HasPrefix(text, "https://") && !strings.HasPrefix(text, "http://") {
		return 0
	}
	u, err := url.Parse(text)
	if err != nil {
		return 0
	}
	rest, ok := strings.CutPrefix(u.Path, "/p/")
	if !ok {
		return 0
	}
	id, err := pinhole.ParseID(strings.TrimSuffix(rest, "/"))
	if err != nil {
		return 0
	}
	return id
}
