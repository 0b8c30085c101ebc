// Package posts is the posts context: photo posts, comments and likes.
package posts

import (
	"context"
	"log/slog"
	"time"

	"github.com/pinhole/pinhole"
)

// Accounts is what posts need of the identity context.
type Accounts interface {
	Account(ctx context.Context, id pinhole.ID) (*pinhole.Account, error)
	Accounts(ctx context.Context, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Account, error)
	ByUsername(ctx context.Context, username string) (*pinhole.Account, error)
	Forget(ids ...pinhole.ID)
}

// Graph is what posts need of the graph context.
type Graph interface {
	CanSee(ctx context.Context, viewer pinhole.ID, author *pinhole.Account) (bool, error)
	Relationships(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]*pinhole.Relationship, error)
	BlockedEither(ctx context.Context, viewer pinhole.ID, ids []pinhole.ID) (map[pinhole.ID]bool, error)
}

// Media is what posts need of the media context.
type Media interface {
	Find(ctx context.Context, id pinhole.ID) (*pinhole.Media, error)
}

// View is a post as one viewer sees it.
type View struct {
	Post      *pinhole.Post
	Author    *pinhole.Account
	Liked     bool
	Mentioned map[string]*pinhole.Account // username → account, for links
	Place     *pinhole.Place              // nil when the post has none
}

// Service is the posts context's logic.
type Service struct {
	store    pinhole.PostStore
	accounts Accounts
	graph    Graph
	media    Media
	places   Places // optional; see place.go
	ids      *pinhole.IDGenerator
	now      func() time.Time
	log      *slog.Logger
}

// New returns the service.
func New(store pinhole.PostStore, accounts Accounts, graph Graph, media Media, ids *pinhole.IDGenerator, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: store, accounts: accounts, graph: graph, media: media, ids: ids, now: now, log: log}
}

// Create publishes a post or a comment.
func (s *Service) Create(ctx context.Context, author *pinhole.Account, in pinhole.NewPost) (*View, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	p := &pinhole.Post{AuthorID: author.ID, Caption: in.Caption, InReplyToID: in.InReplyToID, PlaceID: in.PlaceID, CreatedAt: s.now().UTC()}
	if err := s.checkPlace(ctx, in.PlaceID); err != nil {
		return nil, err
	}
	if in.InReplyToID != 0 {
		// A comment lives on its post's shard, beside the post's likes.
		if _, err := s.Get(ctx, author.ID, in.InReplyToID); err != nil {
			return nil, err
		}
		p.ID = s.ids.Next(in.InReplyToID.Shard())
	} else {
		p.ID = s.ids.Next(author.ID.Shard())
		for _, id := range in.MediaIDs {
			m, err := s.media.Find(ctx, id)
			if pinhole.IsNotFound(err) || (err == nil && m.OwnerID != author.ID) {
				return nil, pinhole.Errorf(pinhole.EINVALID, "media_ids: photo %s does not exist or is not yours; upload it with POST /api/v2/media first.", id)
			} else if err != nil {
				return nil, err
			}
			if m.State != pinhole.MediaReady {
				return nil, pinhole.Errorf(pinhole.EINVALID, "media_ids: photo %s is still %s; wait until it is ready.", id, m.State)
			}
			if m.PostID != 0 {
				return nil, pinhole.Errorf(pinhole.EINVALID, "media_ids: photo %s is already in another post.", id)
			}
			p.Media = append(p.Media, m)
		}
	}
	p.Tags = pinhole.CaptionTags(p.Caption)
	for _, name := range pinhole.CaptionMentions(p.Caption) {
		if a, err := s.accounts.ByUsername(ctx, name); err == nil {
			p.Mentions = append(p.Mentions, pinhole.Mention{AccountID: a.ID, Username: a.Username})
		} else if !pinhole.IsNotFound(err) {
			return nil, err
		}
	}
	e := pinhole.Event{ID: s.ids.Next(p.ID.Shard()), Type: pinhole.EventPostCreated, ActorID: author.ID, PostID: p.ID, ParentID: p.InReplyToID, At: p.CreatedAt}
	for _, m := range p.Mentions {
		e.Mentions = append(e.Mentions, m.AccountID)
	}
	if err := s.store.CreatePost(ctx, p, e); err != nil {
		return nil, err
	}
	s.accounts.Forget(author.ID)
	return s.Get(ctx, author.ID, p.ID)
}

// Get returns a post the viewer may see; ENOTFOUND otherwise, so that
// private posts do not leak their existence.
func (s *Service) Get(ctx context.Context, viewer, id pinhole.ID) (*View, error) {
	views, err := s.Hydrate(ctx, viewer, []pinhole.ID{id})
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, pinhole.Errorf(pinhole.ENOTFOUND, "Post %s not found.", id)
	}
	return views[0], nil
}

// Delete removes the viewer's own post, or a comment on the viewer's post.
func (s *Service) Delete(ctx context.Context, viewer, id pinhole.ID) (*View, error) {
	v, err := s.Get(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	allowed := v.Post.AuthorID == viewer
	if !allowed && v.Post.IsComment() {
		parent, err := s.store.FindPost(ctx, v.Post.InReplyToID)
		if err != nil && !pinhole.IsNotFound(err) {
			return nil, err
		}
		root := parent
		for root != nil && root.IsComment() {
			if root, err = s.store.FindPost(ctx, root.InReplyToID); pinhole.IsNotFound(err) {
				root = nil
			} else if err != nil {
				return nil, err
			}
		}
		allowed = root != nil && root.AuthorID == viewer
	}
	if !allowed {
		return nil, pinhole.Errorf(pinhole.EFORBIDDEN, "You can only delete your own posts and comments on your posts.")
	}
	// The files go once the deletion has committed: the event names them.
	e := pinhole.Event{ID: s.ids.Next(id.Shard()), Type: pinhole.EventPostDeleted, ActorID: v.Post.AuthorID, PostID: id, ParentID: v.Post.InReplyToID, At: s.now().UTC()}
	if _, err := s.store.DeletePost(ctx, id, e); err != nil {
		return nil, err
	}
	s.accounts.Forget(v.Post.AuthorID)
	return v, nil
}

// Like likes a post the viewer can see.
func (s *Service) Like(ctx context.Context, viewer, id pinhole.ID) (*View, error) {
	v, err := s.Get(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	e := pinhole.Event{ID: s.ids.Next(id.Shard()), Type: pinhole.EventLiked, ActorID: viewer, TargetID: v.Post.AuthorID, PostID: id, At: s.now().UTC()}
	if _, err := s.store.Like(ctx, id, viewer, s.now().UTC(), e); err != nil {
		return nil, err
	}
	return s.Get(ctx, viewer, id)
}

// Unlike removes the viewer's like.
func (s *Service) Unlike(ctx context.Context, viewer, id pinhole.ID) (*View, error) {
	if _, err := s.Get(ctx, viewer, id); err != nil {
		return nil, err
	}
	if _, err := s.store.Unlike(ctx, id, viewer); err != nil {
		return nil, err
	}
	return s.Get(ctx, viewer, id)
}

// Likers lists who liked a post.
func (s *Service) Likers(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page) ([]pinhole.Edge, error) {
	if _, err := s.Get(ctx, viewer, id); err != nil {
		return nil, err
	}
	return s.store.ListLikers(ctx, id, page.Normalize(80))
}

// Comments lists a post's thread, oldest first.
func (s *Service) Comments(ctx context.Context, viewer, id pinhole.ID, page pinhole.Page) ([]*View, error) {
	v, err := s.Get(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	root := id
	if v.Post.IsComment() {
		return nil, nil
	}
	ids, err := s.store.ListReplies(ctx, root, page.Normalize(pinhole.MaxPageLimit))
	if err != nil {
		return nil, err
	}
	return s.Hydrate(ctx, viewer, ids)
}

// Context returns a post's ancestors (for a comment) and descendants.
func (s *Service) Context(ctx context.Context, viewer, id pinhole.ID) (ancestors, descendants []*View, err error) {
	v, err := s.Get(ctx, viewer, id)
	if err != nil {
		return nil, nil, err
	}
	if v.Post.IsComment() {
		var chain []pinhole.ID
		for p := v.Post; p.IsComment() && len(chain) < 40; {
			chain = append([]pinhole.ID{p.InReplyToID}, chain...)
			if p, err = s.store.FindPost(ctx, p.InReplyToID); err != nil {
				break
			}
		}
		ancestors, err = s.Hydrate(ctx, viewer, chain)
		return ancestors, nil, err
	}
	ids, err := s.store.ListReplies(ctx, id, pinhole.Page{Limit: 200})
	if err != nil {
		return nil, nil, err
	}
	descendants, err = s.Hydrate(ctx, viewer, ids)
	return nil, descendants, err
}

// AccountPosts lists an author's posts as the viewer may see them.
func (s *Service) AccountPosts(ctx context.Context, viewer, author pinhole.ID, page pinhole.Page) ([]*View, error) {
	a, err := s.accounts.Account(ctx, author)
	if err != nil {
		return nil, err
	}
	if ok, err := s.graph.CanSee(ctx, viewer, a); err != nil || !ok {
		return nil, err
	}
	ids, err := s.store.ListAccountPosts(ctx, author, page.Normalize(pinhole.MaxPageLimit))
	if err != nil {
		return nil, err
	}
	return s.Hydrate(ctx, viewer, ids)
}

// RecentPostIDs returns an author's newest post IDs within page, for the
// feed (no visibility check: the feed only asks for accounts the member
// follows).
func (s *Service) RecentPostIDs(ctx context.Context, author pinhole.ID, page pinhole.Page) ([]pinhole.ID, error) {
	return s.store.ListAccountPosts(ctx, author, page)
}
