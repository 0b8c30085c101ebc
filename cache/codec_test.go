package cache

import (
	"reflect"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

// TestPostCodecKeepsEveryField round-trips a post with every field set:
// a field added to Post or Media and not to the codec fails it.
func TestPostCodecKeepsEveryField(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)
	p := &pinhole.Post{
		ID: 1 << 40, AuthorID: 2, Caption: "sunset #sky @bob", InReplyToID: 3, InReplyToAccountID: 4,
		Media: []*pinhole.Media{{
			ID: 5, OwnerID: 2, PostID: 1 << 40, Position: 1, State: pinhole.MediaReady, Description: "the sky",
			Width: 1080, Height: 720, Blurhash: "LEHV6nWB2yk8", Filter: "clarendon", FilterIntensity: 70,
			Focus: [2]float64{0.5, -0.25}, Crop: [4]float64{0.1, 0.2, 0.7, 0.6}, Error: "none",
			Variants:  []pinhole.MediaVariant{{Name: "1080", Key: "k/1.jpg", Width: 1080, Height: 720, Size: 1234, WebPSize: 999}},
			CreatedAt: at, UpdatedAt: at.Add(time.Second),
		}},
		Tags: []string{"sky"}, Mentions: []pinhole.Mention{{AccountID: 6, Username: "bob"}}, PlaceID: 7,
		CreatedAt: at, LikesCount: 8, RepliesCount: 9,
	}
	for _, v := range []any{*p, *p.Media[0], p.Media[0].Variants[0], p.Mentions[0]} {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if rv.Field(i).IsZero() {
				t.Fatalf("the sample leaves %s.%s unset: set it, and encode it", rv.Type().Name(), rv.Type().Field(i).Name)
			}
		}
	}
	b, err := encodePost(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodePost(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
	}
	zero, err := decodePost(must(encodePost(&pinhole.Post{ID: 1, AuthorID: 2})))
	if err != nil || zero.InReplyToID != 0 || zero.PlaceID != 0 || zero.Media != nil {
		t.Errorf("a post with zero IDs: got %+v, %v", zero, err)
	}
	if _, err := decodePost([]byte("{not json")); err == nil {
		t.Error("decode of garbage: got no error")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
