package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

// seedFeed creates a reader who follows authors, each with posts, and
// returns the reader's account. Every post carries one real, processed
// photo; its stored variants are shared (keys are content-addressed), so
// seeding does not re-encode the same image a thousand times.
func (m *Main) seedFeed(ctx context.Context, authors, postsPerAuthor int) (*pinhole.Account, error) {
	svc := m.Services
	reader, err := svc.Identity.Signup(ctx, identity.Signup{Username: "reader", Email: "reader@example.com", Password: "bench password", IP: "seed"})
	if err != nil {
		return nil, fmt.Errorf("seed reader: %w", err)
	}
	photo := seedJPEG(1600, 1200)
	var template *pinhole.Media
	for a := 0; a < authors; a++ {
		name := fmt.Sprintf("author%d", a)
		au, err := svc.Identity.Signup(ctx, identity.Signup{Username: name, Email: name + "@example.com", Password: "bench password", IP: fmt.Sprintf("seed-%d", a)})
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", name, err)
		}
		if _, err := svc.Graph.Follow(ctx, reader.ID, au.ID); err != nil {
			return nil, err
		}
		for p := 0; p < postsPerAuthor; p++ {
			var md *pinhole.Media
			if template == nil {
				if md, err = svc.Media.Upload(ctx, au.ID, bytes.NewReader(photo), "A seeded photo"); err != nil {
					return nil, fmt.Errorf("seed upload: %w", err)
				}
				template = md
			} else {
				c := *template
				c.ID, c.OwnerID, c.PostID = m.Cluster.IDs.Next(au.ID.Shard()), au.ID, 0
				if err := m.Store.CreateMedia(ctx, &c); err != nil {
					return nil, err
				}
				md = &c
			}
			caption := fmt.Sprintf("Photo %d by @%s #bench #day%d — golden hour over the harbour, shot on a phone.", p, name, p%7)
			if _, err := svc.Posts.Create(ctx, au, pinhole.NewPost{Caption: caption, MediaIDs: []pinhole.ID{md.ID}}); err != nil {
				return nil, fmt.Errorf("seed post: %w", err)
			}
		}
	}
	return reader, nil
}

func seedJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}
