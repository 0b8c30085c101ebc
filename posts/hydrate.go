package posts

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Hydrate loads posts by ID with their authors and the viewer's likes, in
// the order given, dropping those that are gone or that the viewer may not
// see (blocked either way; private authors the viewer does not follow).
func (s *Service) Hydrate(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) ([]*View, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	posts, err := s.store.FindPosts(ctx, ids)
	if err != nil {
		return nil, err
	}
	var authorIDs, postIDs []pinhole.ID
	seen := map[pinhole.ID]bool{}
	for _, id := range ids {
		p := posts[id]
		if p == nil {
			continue
		}
		postIDs = append(postIDs, id)
		for _, a := range append([]pinhole.ID{p.AuthorID}, mentionIDs(p)...) {
			if !seen[a] {
				seen[a] = true
				authorIDs = append(authorIDs, a)
			}
		}
	}
	accounts, err := s.accounts.Accounts(ctx, authorIDs)
	if err != nil {
		return nil, err
	}
	hidden := map[pinhole.ID]bool{}
	if viewer != 0 {
		var others, locked []pinhole.ID
		for _, id := range authorIDs {
			if id == viewer {
				continue
			}
			others = append(others, id)
			if a := accounts[id]; a != nil && a.Locked {
				locked = append(locked, id)
			}
		}
		if hidden, err = s.graph.BlockedEither(ctx, viewer, others); err != nil {
			return nil, err
		}
		if len(locked) > 0 {
			rels, err := s.graph.Relationships(ctx, viewer, locked)
			if err != nil {
				return nil, err
			}
			for id, r := range rels {
				if !r.Following {
					hidden[id] = true
				}
			}
		}
	}
	var liked map[pinhole.ID]bool
	if viewer != 0 && len(postIDs) > 0 {
		if liked, err = s.store.Liked(ctx, viewer, postIDs); err != nil {
			return nil, err
		}
	}
	out := make([]*View, 0, len(postIDs))
	for _, id := range postIDs {
		p := posts[id]
		a := accounts[p.AuthorID]
		if a == nil || hidden[p.AuthorID] || (viewer == 0 && a.Locked) {
			continue
		}
		v := &View{Post: p, Author: a, Liked: liked[id]}
		for _, m := range p.Mentions {
			if ma := accounts[m.AccountID]; ma != nil {
				if v.Mentioned == nil {
					v.Mentioned = map[string]*pinhole.Account{}
				}
				v.Mentioned[ma.Username] = ma
			}
		}
		out = append(out, v)
	}
	return out, s.attachPlaces(ctx, out)
}

func mentionIDs(p *pinhole.Post) []pinhole.ID {
	out := make([]pinhole.ID, len(p.Mentions))
	for i, m := range p.Mentions {
		out[i] = m.AccountID
	}
	return out
}
