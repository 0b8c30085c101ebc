package storetest

import (
	"reflect"
	"testing"

	"github.com/pinhole/pinhole"
)

var mediaTests = []test{
	{"CreateThenFind", testMediaCreateThenFind},
	{"UpdateDescription", testMediaUpdateDescription},
	{"DeleteUnattached", testMediaDeleteUnattached},
	{"DeleteRefusesAttached", testMediaDeleteRefusesAttached},
	{"UnknownIDIsNotFound", testMediaUnknownID},
}

func testMediaCreateThenFind(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	want := MustCreateMedia(t, s, alice.ID)
	got, err := s.Media.FindMedia(t.Context(), want.ID)
	mustOK(t, "FindMedia", err)
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("FindMedia:\n got %+v\nwant %+v", g, w)
	}

	processing := mustCreateMediaState(t, s, alice.ID, pinhole.MediaProcessing)
	got, err = s.Media.FindMedia(t.Context(), processing.ID)
	if err != nil || got.State != pinhole.MediaProcessing || got.PostID != 0 {
		t.Errorf("FindMedia(processing): got %+v, %v; want state %q, unattached", got, err, pinhole.MediaProcessing)
	}
}

func testMediaUpdateDescription(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	m := MustCreateMedia(t, s, alice.ID)
	other := MustCreateMedia(t, s, alice.ID)
	mustOK(t, "UpdateMediaDescription", s.Media.UpdateMediaDescription(t.Context(), m.ID, "A heron at dawn."))
	for _, c := range []struct {
		id   pinhole.ID
		want string
	}{{m.ID, "A heron at dawn."}, {other.ID, ""}} {
		got, err := s.Media.FindMedia(t.Context(), c.id)
		if err != nil || got.Description != c.want {
			t.Errorf("media %s: got description %q, %v; want %q", c.id, got.Description, err, c.want)
		}
	}
	// Attached photos keep their alt text editable.
	p := MustCreatePost(t, s, alice.ID, "a photo")
	mustOK(t, "UpdateMediaDescription(attached)", s.Media.UpdateMediaDescription(t.Context(), p.Media[0].ID, "Fog."))
	if got := MustFindPost(t, s, p.ID).Media[0].Description; got != "Fog." {
		t.Errorf("attached photo: got description %q, want %q", got, "Fog.")
	}
}

func testMediaDeleteUnattached(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	m := MustCreateMedia(t, s, alice.ID)
	kept := MustCreateMedia(t, s, alice.ID)
	mustOK(t, "DeleteMedia", s.Media.DeleteMedia(t.Context(), m.ID))
	_, err := s.Media.FindMedia(t.Context(), m.ID)
	wantCode(t, "FindMedia after delete", err, pinhole.ENOTFOUND)
	if _, err := s.Media.FindMedia(t.Context(), kept.ID); err != nil {
		t.Errorf("FindMedia of another photo: %v", err)
	}
}

func testMediaDeleteRefusesAttached(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	m := p.Media[0]
	if err := s.Media.DeleteMedia(t.Context(), m.ID); err == nil {
		t.Errorf("DeleteMedia of an attached photo: got no error")
	}
	got, err := s.Media.FindMedia(t.Context(), m.ID)
	if err != nil || got.PostID != p.ID {
		t.Errorf("FindMedia after refused delete: got %+v, %v; want it attached to %s", got, err, p.ID)
	}
	if got := MustFindPost(t, s, p.ID).Media; len(got) != 1 {
		t.Errorf("post media after refused delete: got %d photos, want 1", len(got))
	}
}

func testMediaUnknownID(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	MustCreateMedia(t, s, alice.ID)
	id := s.IDs.Next(alice.ID.Shard())
	got, err := s.Media.FindMedia(t.Context(), id)
	wantCode(t, "FindMedia", err, pinhole.ENOTFOUND)
	if got != nil {
		t.Errorf("FindMedia: got %+v with the error, want nil", got)
	}
	wantCode(t, "UpdateMediaDescription", s.Media.UpdateMediaDescription(t.Context(), id, "x"), pinhole.ENOTFOUND)
	wantCode(t, "DeleteMedia", s.Media.DeleteMedia(t.Context(), id), pinhole.ENOTFOUND)
}
