package main

import (
	"bytes"
	"context"
	"testing"

	mastodon "github.com/mattn/go-mastodon"
)

// TestMastodonClientLibrary drives Pinhole with an existing Mastodon client
// library: register an app, sign in, post with a photo, read the home
// timeline, like, follow.
func TestMastodonClientLibrary(t *testing.T) {
	s := MustStart(t)
	s.MustSignup("libuser")
	friend := s.MustSignup("libfriend")
	ctx := context.Background()

	app, err := mastodon.RegisterApp(ctx, &mastodon.AppConfig{Server: s.URL, ClientName: "go-mastodon", Scopes: "read write follow", RedirectURIs: "urn:ietf:wg:oauth:2.0:oob"})
	if err != nil {
		t.Fatalf("RegisterApp: %v", err)
	}
	c := mastodon.NewClient(&mastodon.Config{Server: s.URL, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	if err := c.Authenticate(ctx, "libuser", "correct horse battery"); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	me, err := c.GetAccountCurrentUser(ctx)
	if err != nil || me.Username != "libuser" {
		t.Fatalf("GetAccountCurrentUser: %v %+v", err, me)
	}
	att, err := c.UploadMediaFromMedia(ctx, &mastodon.Media{File: bytes.NewReader(testJPEG(t, 640, 480)), Description: "a gradient"})
	if err != nil {
		t.Fatalf("UploadMedia: %v", err)
	}
	if att.Type != "image" || att.Meta.Original.Width != 640 || att.BlurHash == "" {
		t.Errorf("attachment: %+v", att)
	}
	st, err := c.PostStatus(ctx, &mastodon.Toot{Status: "Hello from a Mastodon client #pinhole", MediaIDs: []mastodon.ID{att.ID}})
	if err != nil {
		t.Fatalf("PostStatus: %v", err)
	}
	if len(st.MediaAttachments) != 1 || st.Account.Username != "libuser" {
		t.Errorf("status: %+v", st)
	}
	if _, err := c.PostStatus(ctx, &mastodon.Toot{Status: "no photo"}); err == nil {
		t.Error("a status without a photo was accepted")
	}
	home, err := c.GetTimelineHome(ctx, &mastodon.Pagination{Limit: 20})
	if err != nil {
		t.Fatalf("GetTimelineHome: %v", err)
	}
	if len(home) != 1 || home[0].ID != st.ID {
		t.Fatalf("home: got %d statuses, want the one posted", len(home))
	}
	if _, err := c.Favourite(ctx, st.ID); err != nil {
		t.Fatalf("Favourite: %v", err)
	}
	rel, err := c.AccountFollow(ctx, mastodon.ID(friend.ID))
	if err != nil || !rel.Following {
		t.Fatalf("AccountFollow: %v %+v", err, rel)
	}
	got, err := c.GetStatus(ctx, st.ID)
	if err != nil || !got.Favourited.(bool) || got.FavouritesCount != 1 {
		t.Fatalf("GetStatus after favourite: %v %+v", err, got)
	}
}
