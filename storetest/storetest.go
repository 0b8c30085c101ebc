// Package storetest is the conformance suite every store adapter must pass:
// one specification of the domain's store interfaces, run unchanged on
// SQLite and PostgreSQL (STYLE §4).
package storetest

import (
	"hash/fnv"
	"slices"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
)

// Stores is everything an adapter provides.
type Stores struct {
	Accounts  pinhole.AccountStore
	Graph     pinhole.GraphStore
	Posts     pinhole.PostStore
	Media     pinhole.MediaStore
	Timelines pinhole.TimelineStore
	Tokens    pinhole.TokenStore
	IDs       *pinhole.IDGenerator // the generator the stores mint with
	NumShards int
}

// Run runs every conformance test. open returns fresh, empty stores for one
// subtest and registers their cleanup with t.Cleanup. Subtests run in
// parallel, so open must be safe for concurrent use.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	areas := []struct {
		name  string
		tests []test
	}{
		{"Accounts", accountTests},
		{"Graph", graphTests},
		{"Posts", slices.Concat(postTests, likeTests)},
		{"Media", mediaTests},
		{"Timelines", timelineTests},
		{"Tokens", tokenTests},
	}
	for _, area := range areas {
		t.Run(area.name, func(t *testing.T) {
			for _, tt := range area.tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(t, open(t))
				})
			}
		})
	}
}

// test is one behaviour of a store, named after it.
type test struct {
	name string
	run  func(t *testing.T, s Stores)
}

// Now is the suite's fixed clock: every time the tests pass to a store.
// Whole seconds, so stores that keep milliseconds return it unchanged.
var Now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Shard returns the i-th logical shard of the suite, wrapped to the
// adapter's count: shards 1, 2, 3… are distinct whenever the adapter has
// that many.
func (s Stores) Shard(i int) int { return i % s.NumShards }

// shardOf places a username on a logical shard, deterministically but
// spread out, like a random choice that reproduces.
func (s Stores) shardOf(username string) int {
	h := fnv.New32a()
	h.Write([]byte(username))
	return int(h.Sum32() % uint32(s.NumShards))
}

// MustCreateAccount stores an account named username (e-mail
// username@example.com) on a logical shard chosen from its name.
func MustCreateAccount(t *testing.T, s Stores, username string) *pinhole.Account {
	t.Helper()
	return MustCreateAccountOn(t, s, s.shardOf(username), username)
}

// MustCreateAccountOn stores an account named username on a logical shard.
func MustCreateAccountOn(t *testing.T, s Stores, shard int, username string) *pinhole.Account {
	t.Helper()
	a := &pinhole.Account{
		ID:        s.IDs.Next(shard),
		Username:  username,
		Email:     username + "@example.com",
		CreatedAt: Now,
	}
	if err := s.Accounts.CreateAccount(t.Context(), a, "hash-of-"+username); err != nil {
		t.Fatalf("create account %q: %v", username, err)
	}
	return a
}

// MustFindAccount returns an account as stored now.
func MustFindAccount(t *testing.T, s Stores, id pinhole.ID) *pinhole.Account {
	t.Helper()
	a, err := s.Accounts.FindAccount(t.Context(), id)
	if err != nil {
		t.Fatalf("find account %s: %v", id, err)
	}
	return a
}

// MustCreateMedia stores a ready, unattached photo owned by owner, on the
// owner's shard.
func MustCreateMedia(t *testing.T, s Stores, owner pinhole.ID) *pinhole.Media {
	t.Helper()
	return mustCreateMediaState(t, s, owner, pinhole.MediaReady)
}

func mustCreateMediaState(t *testing.T, s Stores, owner pinhole.ID, state string) *pinhole.Media {
	t.Helper()
	id := s.IDs.Next(owner.Shard())
	m := &pinhole.Media{
		ID:       id,
		OwnerID:  owner,
		State:    state,
		Width:    1080,
		Height:   720,
		Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
		Variants: []pinhole.MediaVariant{
			{Name: "1080", Key: "k/" + id.String() + "-1080.jpg", Width: 1080, Height: 720, Size: 123456},
			{Name: "thumb", Key: "k/" + id.String() + "-thumb.jpg", Width: 150, Height: 150, Size: 4567},
		},
		CreatedAt: Now,
	}
	if err := s.Media.CreateMedia(t.Context(), m); err != nil {
		t.Fatalf("create media: %v", err)
	}
	return m
}

// MustCreatePost stores a post by author with one fresh ready photo, on the
// author's shard.
func MustCreatePost(t *testing.T, s Stores, author pinhole.ID, caption string) *pinhole.Post {
	t.Helper()
	p := &pinhole.Post{
		ID:        s.IDs.Next(author.Shard()),
		AuthorID:  author,
		Caption:   caption,
		Media:     []*pinhole.Media{MustCreateMedia(t, s, author)},
		CreatedAt: Now,
	}
	if err := s.Posts.CreatePost(t.Context(), p); err != nil {
		t.Fatalf("create post: %v", err)
	}
	return p
}

// MustCreateComment stores a comment by author on parent; comments are
// minted on their post's shard.
func MustCreateComment(t *testing.T, s Stores, author pinhole.ID, parent pinhole.ID, text string) *pinhole.Post {
	t.Helper()
	c := &pinhole.Post{
		ID:          s.IDs.Next(parent.Shard()),
		AuthorID:    author,
		Caption:     text,
		InReplyToID: parent,
		CreatedAt:   Now,
	}
	if err := s.Posts.CreatePost(t.Context(), c); err != nil {
		t.Fatalf("create comment: %v", err)
	}
	return c
}

// MustFindPost returns a post as stored now.
func MustFindPost(t *testing.T, s Stores, id pinhole.ID) *pinhole.Post {
	t.Helper()
	p, err := s.Posts.FindPost(t.Context(), id)
	if err != nil {
		t.Fatalf("find post %s: %v", id, err)
	}
	return p
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := pinhole.ErrorCode(err); got != code {
		t.Errorf("%s: got error code %q (%v), want %q", what, got, err, code)
	}
}

// mustOK stops the test on an unexpected error from a setup step.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sortedIDs returns ids in ascending order, for comparing sets.
func sortedIDs(ids []pinhole.ID) []pinhole.ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// keys returns a map's keys in ascending order.
func keys[V any](m map[pinhole.ID]V) []pinhole.ID {
	out := make([]pinhole.ID, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// reversed returns a copy of ids newest first when ids is oldest first.
func reversed(ids []pinhole.ID) []pinhole.ID {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// checkNewestFirstPaging checks, one subtest per cursor, a newest-first
// list against the cursors it holds, given oldest first in all (at least
// 8). list returns the cursor IDs of one page.
func checkNewestFirstPaging(t *testing.T, all []pinhole.ID, list func(t *testing.T, p pinhole.Page) []pinhole.ID) {
	t.Helper()
	n := len(all)
	if n < 8 {
		t.Fatalf("paging needs at least 8 entries, have %d", n)
	}
	cases := []struct {
		name string
		page pinhole.Page
		want []pinhole.ID
	}{
		{"FirstPageIsNewest", pinhole.Page{Limit: 3}, reversed(all[n-3:])},
		{"MaxIDContinuesBelowIt", pinhole.Page{MaxID: all[n-3], Limit: 3}, reversed(all[n-6 : n-3])},
		{"SinceIDGivesNewestAboveIt", pinhole.Page{SinceID: all[1], Limit: 3}, reversed(all[n-3:])},
		{"MinIDGivesThePageJustAfterItNewestFirst", pinhole.Page{MinID: all[1], Limit: 3}, reversed(all[2:5])},
		{"MaxIDAndSinceIDBoundARange", pinhole.Page{MaxID: all[5], SinceID: all[2], Limit: 40}, reversed(all[3:5])},
		{"LastPageIsShort", pinhole.Page{MaxID: all[2], Limit: 3}, reversed(all[:2])},
		{"PastTheOldestIsEmpty", pinhole.Page{MaxID: all[0], Limit: 3}, []pinhole.ID{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := list(t, c.page)
			if got == nil {
				got = []pinhole.ID{}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("page %+v: got %v, want %v", c.page, got, c.want)
			}
		})
	}
}
