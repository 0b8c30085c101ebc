package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

var mediaTests = []test{
	{"CreateThenFind", testMediaCreateThenFind},
	{"UpdateDescription", testMediaUpdateDescription},
	{"DeleteUnattached", testMediaDeleteUnattached},
	{"DeleteRefusesAttached", testMediaDeleteRefusesAttached},
	{"UnknownIDIsNotFound", testMediaUnknownID},
	{"EditAndVariantsRoundTrip", testMediaEditRoundTrip},
	{"UpdateMovesThroughStates", testMediaUpdateStates},
	{"ListFindsWhatCleanUpNeeds", testMediaList},
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

func testMediaEditRoundTrip(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	m := mustCreateMediaState(t, s, alice.ID, pinhole.MediaReceived)
	m.Filter, m.FilterIntensity = "noir", 70
	m.Focus, m.Crop = [2]float64{-0.5, 0.25}, [4]float64{0.1, 0, 0.8, 1}
	m.Variants = append(m.Variants, pinhole.MediaVariant{Name: pinhole.MediaSource, Key: "src/" + m.ID.String(), Size: 4242})
	m.Variants[0].WebPSize = 99999
	m.State, m.UpdatedAt = pinhole.MediaReady, Now.Add(time.Minute)
	mustOK(t, "UpdateMedia", s.Media.UpdateMedia(t.Context(), m))
	got, err := s.Media.FindMedia(t.Context(), m.ID)
	mustOK(t, "FindMedia", err)
	g, w := *got, *m
	g.CreatedAt, w.CreatedAt, g.UpdatedAt, w.UpdatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC(), g.UpdatedAt.UTC(), w.UpdatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("after UpdateMedia:\n got %+v\nwant %+v", g, w)
	}
	if src, ok := got.Source(); !ok || src.Size != 4242 {
		t.Errorf("Source() = %+v, %v; want the kept upload", src, ok)
	}
}

func testMediaUpdateStates(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	m := mustCreateMediaState(t, s, alice.ID, pinhole.MediaReceived)
	m.State = pinhole.MediaProcessing
	mustOK(t, "received → processing", s.Media.UpdateMedia(t.Context(), m, pinhole.MediaReceived))
	// A second worker picking up the same photo loses the race.
	wantCode(t, "received → processing again", s.Media.UpdateMedia(t.Context(), m, pinhole.MediaReceived), pinhole.ECONFLICT)
	m.State, m.Error = pinhole.MediaFailed, "The image could not be decoded."
	mustOK(t, "processing → failed", s.Media.UpdateMedia(t.Context(), m, pinhole.MediaProcessing))
	if got, _ := s.Media.FindMedia(t.Context(), m.ID); got.State != pinhole.MediaFailed || got.Error != m.Error {
		t.Errorf("got state %q error %q, want failed with the reason", got.State, got.Error)
	}
	mustOK(t, "DeleteMedia", s.Media.DeleteMedia(t.Context(), m.ID))
	wantCode(t, "UpdateMedia of a deleted photo", s.Media.UpdateMedia(t.Context(), m, pinhole.MediaFailed), pinhole.ENOTFOUND)
}

func testMediaList(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	old := Now.Add(-48 * time.Hour)
	withSource := func(m *pinhole.Media) *pinhole.Media {
		m.Variants = append(m.Variants, pinhole.MediaVariant{Name: pinhole.MediaSource, Key: "src/" + m.ID.String()})
		mustOK(t, "UpdateMedia", s.Media.UpdateMedia(t.Context(), m))
		return m
	}
	oldOrphan := mustCreateMediaAt(t, s, alice.ID, pinhole.MediaReady, old)
	oldOrphanBob := withSource(mustCreateMediaAt(t, s, bob.ID, pinhole.MediaFailed, old))
	mustCreateMediaAt(t, s, alice.ID, pinhole.MediaReady, Now) // a fresh upload: no list above finds it
	stuck := mustCreateMediaAt(t, s, bob.ID, pinhole.MediaProcessing, old)
	posted := MustCreatePost(t, s, alice.ID, "posted").Media[0]
	posted = withSource(posted)
	ids := func(ms []*pinhole.Media) []pinhole.ID {
		var out []pinhole.ID
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    pinhole.MediaFilter
		want []pinhole.ID
	}{
		{"UnattachedOlderThanADay", pinhole.MediaFilter{Unattached: true, CreatedBefore: Now.Add(-24 * time.Hour)}, []pinhole.ID{oldOrphan.ID, oldOrphanBob.ID, stuck.ID}},
		{"PostedStillKeepingTheUpload", pinhole.MediaFilter{Attached: true, WithSource: true}, []pinhole.ID{posted.ID}},
		{"Stuck", pinhole.MediaFilter{States: []string{pinhole.MediaReceived, pinhole.MediaProcessing}, UpdatedBefore: Now.Add(-time.Hour)}, []pinhole.ID{stuck.ID}},
		{"Limit", pinhole.MediaFilter{Unattached: true, Limit: 1}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Media.ListMedia(t.Context(), tt.f)
			mustOK(t, "ListMedia", err)
			if tt.name == "Limit" {
				// One per physical database: fewer than the five there are.
				if len(got) < 1 || len(got) >= 5 {
					t.Errorf("got %d rows with limit 1", len(got))
				}
				return
			}
			gotIDs := ids(got)
			if len(gotIDs) != len(tt.want) {
				t.Fatalf("got %v, want %v", gotIDs, tt.want)
			}
			for _, id := range tt.want {
				found := false
				for _, g := range gotIDs {
					found = found || g == id
				}
				if !found {
					t.Errorf("got %v, want %v among them", gotIDs, id)
				}
			}
		})
	}
}

func mustCreateMediaAt(t *testing.T, s Stores, owner pinhole.ID, state string, at time.Time) *pinhole.Media {
	t.Helper()
	m := &pinhole.Media{ID: s.IDs.Next(owner.Shard()), OwnerID: owner, State: state, Width: 10, Height: 10, CreatedAt: at, UpdatedAt: at,
		Variants: []pinhole.MediaVariant{}}
	mustOK(t, "CreateMedia", s.Media.CreateMedia(t.Context(), m))
	return m
}
