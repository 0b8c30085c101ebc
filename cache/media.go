package cache

import (
	"context"

	"github.com/pinhole/pinhole"
)

// Media passes media writes to the store and drops the post a changed
// photo belongs to from the post cache: a cached post carries its media
// (alt text, variants).
type Media struct {
	pinhole.MediaStore
	posts *Posts
}

var _ pinhole.MediaStore = (*Media)(nil)

// NewMedia wraps a media store; posts is the cache to keep in step.
func NewMedia(s pinhole.MediaStore, posts *Posts) *Media {
	return &Media{MediaStore: s, posts: posts}
}

func (m *Media) UpdateMediaDescription(ctx context.Context, id pinhole.ID, description string) error {
	if err := m.MediaStore.UpdateMediaDescription(ctx, id, description); err != nil {
		return err
	}
	if v, err := m.MediaStore.FindMedia(ctx, id); err == nil && v.PostID != 0 {
		m.posts.changed(ctx, KindPost, v.PostID)
	}
	return nil
}

func (m *Media) UpdateMedia(ctx context.Context, v *pinhole.Media, from ...string) error {
	if err := m.MediaStore.UpdateMedia(ctx, v, from...); err != nil {
		return err
	}
	if v.PostID != 0 {
		m.posts.changed(ctx, KindPost, v.PostID)
	}
	return nil
}
