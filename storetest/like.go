package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pinhole/pinhole"
)

// likeTests run with the post tests: likes live with their post.
var likeTests = []test{
	{"LikeIsIdempotentAndCounted", testPostLike},
	{"UnlikeMovesTheCountBack", testPostUnlike},
	{"LikedReportsWhichPosts", testPostLiked},
	{"ListLikersPaging", testPostListLikers},
	{"LikeMissingPostIsNotFound", testPostLikeMissing},
	{"ConcurrentLikesCountEachOnce", testPostConcurrentLikes},
}

func mustLike(t *testing.T, s Stores, post, account pinhole.ID) {
	t.Helper()
	if _, err := s.Posts.Like(t.Context(), post, account, Now); err != nil {
		t.Fatalf("like %s by %s: %v", post, account, err)
	}
}

func testPostLike(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	carol := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	p := MustCreatePost(t, s, alice.ID, "a photo")

	steps := []struct {
		who         *pinhole.Account
		wantCreated bool
		wantCount   int64
	}{
		{bob, true, 1},
		{bob, false, 1},
		{carol, true, 2},
		{carol, false, 2},
	}
	for _, st := range steps {
		created, err := s.Posts.Like(t.Context(), p.ID, st.who.ID, Now)
		if err != nil || created != st.wantCreated {
			t.Errorf("Like by %s: got %v, %v; want %v, nil", st.who.Username, created, err, st.wantCreated)
		}
		if got := MustFindPost(t, s, p.ID).LikesCount; got != st.wantCount {
			t.Errorf("after like by %s: got likes_count %d, want %d", st.who.Username, got, st.wantCount)
		}
	}
}

func testPostUnlike(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	carol := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	mustLike(t, s, p.ID, bob.ID)
	mustLike(t, s, p.ID, carol.ID)

	removed, err := s.Posts.Unlike(t.Context(), p.ID, bob.ID)
	if err != nil || !removed {
		t.Errorf("Unlike: got %v, %v; want true, nil", removed, err)
	}
	if got := MustFindPost(t, s, p.ID).LikesCount; got != 1 {
		t.Errorf("likes_count after unlike: got %d, want 1", got)
	}
	removed, err = s.Posts.Unlike(t.Context(), p.ID, bob.ID)
	if err != nil || removed {
		t.Errorf("second Unlike: got %v, %v; want false, nil", removed, err)
	}
	if got := MustFindPost(t, s, p.ID).LikesCount; got != 1 {
		t.Errorf("likes_count after second unlike: got %d, want 1", got)
	}
	liked, err := s.Posts.Liked(t.Context(), bob.ID, []pinhole.ID{p.ID})
	if err != nil || liked[p.ID] {
		t.Errorf("Liked after unlike: got %v, %v; want not liked", liked, err)
	}
}

func testPostLiked(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	carol := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	p1 := MustCreatePost(t, s, alice.ID, "one")
	p2 := MustCreatePost(t, s, bob.ID, "two")
	p3 := MustCreatePost(t, s, carol.ID, "three")
	mustLike(t, s, p1.ID, carol.ID)
	mustLike(t, s, p2.ID, carol.ID)
	mustLike(t, s, p3.ID, alice.ID) // someone else's like

	got, err := s.Posts.Liked(t.Context(), carol.ID, []pinhole.ID{p1.ID, p2.ID, p3.ID, s.IDs.Next(s.Shard(4))})
	mustOK(t, "Liked", err)
	var liked []pinhole.ID
	for id, ok := range got {
		if ok {
			liked = append(liked, id)
		}
	}
	if g, w := sortedIDs(liked), sortedIDs([]pinhole.ID{p1.ID, p2.ID}); !slices.Equal(g, w) {
		t.Errorf("Liked: got %v, want %v", g, w)
	}
}

func testPostListLikers(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	var likers []pinhole.ID
	for i := range 8 {
		a := MustCreateAccountOn(t, s, s.Shard(2+i), fmt.Sprintf("liker%d", i))
		mustLike(t, s, p.ID, a.ID)
		likers = append(likers, a.ID)
	}
	other := MustCreatePost(t, s, alice.ID, "another")
	mustLike(t, s, other.ID, likers[0])

	edges, err := s.Posts.ListLikers(t.Context(), p.ID, pinhole.Page{Limit: 40})
	mustOK(t, "ListLikers", err)
	all := edgeCursors(t, edges, reversed(likers))
	checkNewestFirstPaging(t, all, func(t *testing.T, pg pinhole.Page) []pinhole.ID {
		edges, err := s.Posts.ListLikers(t.Context(), p.ID, pg)
		mustOK(t, "ListLikers", err)
		return cursorsOf(edges)
	})
}

func testPostLikeMissing(t *testing.T, s Stores) {
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	missing := s.IDs.Next(s.Shard(1))
	created, err := s.Posts.Like(t.Context(), missing, bob.ID, Now)
	wantCode(t, "Like", err, pinhole.ENOTFOUND)
	if created {
		t.Errorf("Like: got created with the error")
	}
	liked, err := s.Posts.Liked(t.Context(), bob.ID, []pinhole.ID{missing})
	if err != nil || liked[missing] {
		t.Errorf("Liked(missing): got %v, %v; want not liked", liked, err)
	}
}

func testPostConcurrentLikes(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	var likers []pinhole.ID
	for i := range 8 {
		likers = append(likers, MustCreateAccountOn(t, s, s.Shard(2+i), fmt.Sprintf("liker%d", i)).ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for _, id := range likers {
		for range 3 { // each liker three times at once
			wg.Go(func() {
				ok, err := s.Posts.Like(t.Context(), p.ID, id, Now)
				if err != nil {
					t.Errorf("Like by %s: %v", id, err)
				}
				if ok {
					mu.Lock()
					created++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if created != len(likers) {
		t.Errorf("Like reported %d new likes, want %d", created, len(likers))
	}
	if got := MustFindPost(t, s, p.ID).LikesCount; got != int64(len(likers)) {
		t.Errorf("likes_count: got %d, want %d", got, len(likers))
	}
}
