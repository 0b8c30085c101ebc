package cache

import (
	"encoding/json"
	"time"

	"github.com/pinhole/pinhole"
)

// Posts in the remote tier are JSON with short names. The domain types
// are not encoded as they are: an ID's text form refuses 0 ("no parent",
// "no place"), and the names would take most of the bytes. Every field
// of Post and Media is here; TestPostCodecKeepsEveryField fails when one
// is added and not.

type postWire struct {
	ID           int64         `json:"i"`
	AuthorID     int64         `json:"a"`
	Caption      string        `json:"c,omitempty"`
	InReplyTo    int64         `json:"r,omitempty"`
	InReplyToAcc int64         `json:"ra,omitempty"`
	Media        []mediaWire   `json:"m,omitempty"`
	Tags         []string      `json:"t,omitempty"`
	Mentions     []mentionWire `json:"n,omitempty"`
	PlaceID      int64         `json:"p,omitempty"`
	CreatedAt    time.Time     `json:"at"`
	Likes        int64         `json:"l,omitempty"`
	Replies      int64         `json:"rc,omitempty"`
}

type mentionWire struct {
	AccountID int64  `json:"a"`
	Username  string `json:"u"`
}

type mediaWire struct {
	ID              int64                  `json:"i"`
	OwnerID         int64                  `json:"o"`
	PostID          int64                  `json:"p,omitempty"`
	Position        int                    `json:"n,omitempty"`
	State           string                 `json:"s"`
	Description     string                 `json:"d,omitempty"`
	Width           int                    `json:"w"`
	Height          int                    `json:"h"`
	Blurhash        string                 `json:"b,omitempty"`
	Filter          string                 `json:"f,omitempty"`
	FilterIntensity int                    `json:"fi,omitempty"`
	Focus           [2]float64             `json:"fo"`
	Crop            [4]float64             `json:"cr"`
	Error           string                 `json:"e,omitempty"`
	Variants        []pinhole.MediaVariant `json:"v,omitempty"`
	CreatedAt       time.Time              `json:"at"`
	UpdatedAt       time.Time              `json:"up"`
}

func encodePost(p *pinhole.Post) ([]byte, error) {
	w := postWire{
		ID: int64(p.ID), AuthorID: int64(p.AuthorID), Caption: p.Caption, InReplyTo: int64(p.InReplyToID), InReplyToAcc: int64(p.InReplyToAccountID),
		Tags: p.Tags, PlaceID: int64(p.PlaceID), CreatedAt: p.CreatedAt, Likes: p.LikesCount, Replies: p.RepliesCount,
	}
	for _, m := range p.Mentions {
		w.Mentions = append(w.Mentions, mentionWire{int64(m.AccountID), m.Username})
	}
	for _, m := range p.Media {
		w.Media = append(w.Media, mediaWire{
			ID: int64(m.ID), OwnerID: int64(m.OwnerID), PostID: int64(m.PostID), Position: m.Position, State: m.State, Description: m.Description,
			Width: m.Width, Height: m.Height, Blurhash: m.Blurhash, Filter: m.Filter, FilterIntensity: m.FilterIntensity, Focus: m.Focus, Crop: m.Crop,
			Error: m.Error, Variants: m.Variants, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		})
	}
	return json.Marshal(w)
}

func decodePost(b []byte) (*pinhole.Post, error) {
	var w postWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	p := &pinhole.Post{
		ID: pinhole.ID(w.ID), AuthorID: pinhole.ID(w.AuthorID), Caption: w.Caption, InReplyToID: pinhole.ID(w.InReplyTo), InReplyToAccountID: pinhole.ID(w.InReplyToAcc),
		Tags: w.Tags, PlaceID: pinhole.ID(w.PlaceID), CreatedAt: w.CreatedAt, LikesCount: w.Likes, RepliesCount: w.Replies,
	}
	for _, m := range w.Mentions {
		p.Mentions = append(p.Mentions, pinhole.Mention{AccountID: pinhole.ID(m.AccountID), Username: m.Username})
	}
	for _, m := range w.Media {
		p.Media = append(p.Media, &pinhole.Media{
			ID: pinhole.ID(m.ID), OwnerID: pinhole.ID(m.OwnerID), PostID: pinhole.ID(m.PostID), Position: m.Position, State: m.State, Description: m.Description,
			Width: m.Width, Height: m.Height, Blurhash: m.Blurhash, Filter: m.Filter, FilterIntensity: m.FilterIntensity, Focus: m.Focus, Crop: m.Crop,
			Error: m.Error, Variants: m.Variants, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		})
	}
	return p, nil
}
