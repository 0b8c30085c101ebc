package storetest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/pinhole/pinhole"
)

var postTests = []test{
	{"CreateWithMediaTagsMentionsThenFind", testPostCreateThenFind},
	{"CreateRefusesUnusableMediaAndWritesNothing", testPostRefusesUnusableMedia},
	{"CommentCountsAndNamesTheParentAuthor", testPostComment},
	{"ReplyToMissingPostIsNotFound", testPostReplyToMissing},
	{"CommentOffItsPostsShardIsRefused", testPostCommentOffShard},
	{"ListRepliesOldestFirst", testPostListReplies},
	{"FindPostsAcrossShardsReturnsOnlyExisting", testPostFindPosts},
	{"ListAccountPostsExcludesComments", testPostListAccountPostsExcludesComments},
	{"ListAccountPostsPaging", testPostListAccountPostsPaging},
	{"DeleteRemovesCommentsLikesAndMedia", testPostDelete},
	{"DeleteCommentMovesRepliesCount", testPostDeleteComment},
	{"DeleteCommentRemovesItsReplies", testPostDeleteCommentWithReplies},
	{"DeleteMissingIsNotFound", testPostDeleteMissing},
}

func mediaIDs(ms []*pinhole.Media) []pinhole.ID {
	var ids []pinhole.ID
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func sortedMentions(ms []pinhole.Mention) []pinhole.Mention {
	out := slices.Clone(ms)
	slices.SortFunc(out, func(a, b pinhole.Mention) int { return cmp.Compare(a.AccountID, b.AccountID) })
	return out
}

func mustPostsCount(t *testing.T, s Stores, id pinhole.ID) int64 {
	t.Helper()
	return MustFindAccount(t, s, id).PostsCount
}

func testPostCreateThenFind(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	carol := MustCreateAccountOn(t, s, s.Shard(3), "carol")
	photos := []*pinhole.Media{MustCreateMedia(t, s, alice.ID), MustCreateMedia(t, s, alice.ID), MustCreateMedia(t, s, alice.ID)}
	photos[0], photos[2] = photos[2], photos[0] // the order is the author's, not the IDs'
	p := &pinhole.Post{
		ID:        s.IDs.Next(alice.ID.Shard()),
		AuthorID:  alice.ID,
		Caption:   "Fog over the bay with @bob and @carol #sunset #film",
		Media:     photos,
		Tags:      []string{"sunset", "film"},
		Mentions:  []pinhole.Mention{{AccountID: bob.ID, Username: "bob"}, {AccountID: carol.ID, Username: "carol"}},
		CreatedAt: Now,
	}
	mustOK(t, "CreatePost", s.Posts.CreatePost(t.Context(), p))

	got := MustFindPost(t, s, p.ID)
	if got.ID != p.ID || got.AuthorID != alice.ID || got.Caption != p.Caption || got.InReplyToID != 0 || got.InReplyToAccountID != 0 ||
		!got.CreatedAt.Equal(Now) || got.LikesCount != 0 || got.RepliesCount != 0 {
		t.Errorf("FindPost: got %+v, want %+v", got, p)
	}
	if g, w := mediaIDs(got.Media), mediaIDs(photos); !slices.Equal(g, w) {
		t.Errorf("media in order: got %v, want %v", g, w)
	}
	for i, m := range got.Media {
		if m.PostID != p.ID || m.Position != i || m.OwnerID != alice.ID || m.State != pinhole.MediaReady {
			t.Errorf("media %d: got post %s position %d owner %s state %q, want post %s position %d owner %s state %q",
				i, m.PostID, m.Position, m.OwnerID, m.State, p.ID, i, alice.ID, pinhole.MediaReady)
		}
		if !reflect.DeepEqual(m.Variants, photos[i].Variants) {
			t.Errorf("media %d variants: got %+v, want %+v", i, m.Variants, photos[i].Variants)
		}
	}
	if g, w := slices.Sorted(slices.Values(got.Tags)), []string{"film", "sunset"}; !slices.Equal(g, w) {
		t.Errorf("tags: got %v, want %v", g, w)
	}
	if g, w := sortedMentions(got.Mentions), sortedMentions(p.Mentions); !slices.Equal(g, w) {
		t.Errorf("mentions: got %+v, want %+v", g, w)
	}
	a := MustFindAccount(t, s, alice.ID)
	if a.PostsCount != 1 || !a.LastPostAt.Equal(Now) {
		t.Errorf("author: got posts_count %d last_post_at %v, want 1 and %v", a.PostsCount, a.LastPostAt, Now)
	}
	m, err := s.Media.FindMedia(t.Context(), photos[1].ID)
	if err != nil || m.PostID != p.ID || m.Position != 1 {
		t.Errorf("FindMedia after attaching: got %+v, %v; want post %s position 1", m, err, p.ID)
	}
}

func testPostRefusesUnusableMedia(t *testing.T, s Stores) {
	cases := []struct {
		name string
		bad  func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID
	}{
		{"NotTheAuthors", func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID {
			return MustCreateMedia(t, s, other).ID
		}},
		{"NotReady", func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID {
			return mustCreateMediaState(t, s, author, pinhole.MediaProcessing).ID
		}},
		{"Failed", func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID {
			return mustCreateMediaState(t, s, author, pinhole.MediaFailed).ID
		}},
		{"AlreadyInAPost", func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID {
			return MustCreatePost(t, s, author, "earlier").Media[0].ID
		}},
		{"Missing", func(t *testing.T, s Stores, author, other pinhole.ID) pinhole.ID {
			return s.IDs.Next(author.Shard())
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case has its own accounts in the shared stores.
			author := MustCreateAccountOn(t, s, s.Shard(1), fmt.Sprintf("author%d", i))
			other := MustCreateAccountOn(t, s, s.Shard(2), fmt.Sprintf("other%d", i))
			bad := c.bad(t, s, author.ID, other.ID)
			good := MustCreateMedia(t, s, author.ID)
			before := mustPostsCount(t, s, author.ID)

			p := &pinhole.Post{
				ID:        s.IDs.Next(author.ID.Shard()),
				AuthorID:  author.ID,
				Caption:   "two photos #refused",
				Media:     []*pinhole.Media{good, {ID: bad}},
				Tags:      []string{"refused"},
				CreatedAt: Now,
			}
			wantCode(t, "CreatePost", s.Posts.CreatePost(t.Context(), p), pinhole.EINVALID)

			_, err := s.Posts.FindPost(t.Context(), p.ID)
			wantCode(t, "FindPost of the refused post", err, pinhole.ENOTFOUND)
			m, err := s.Media.FindMedia(t.Context(), good.ID)
			if err != nil || m.PostID != 0 {
				t.Errorf("the good photo: got %+v, %v; want it still unattached", m, err)
			}
			if got := mustPostsCount(t, s, author.ID); got != before {
				t.Errorf("posts_count: got %d, want %d", got, before)
			}
			ids, err := s.Posts.ListAccountPosts(t.Context(), author.ID, pinhole.Page{Limit: 40})
			if err != nil || slices.Contains(ids, p.ID) {
				t.Errorf("ListAccountPosts: got %v, %v; want it without %s", ids, err, p.ID)
			}
			// The good photo can still be used.
			p2 := &pinhole.Post{ID: s.IDs.Next(author.ID.Shard()), AuthorID: author.ID, Media: []*pinhole.Media{{ID: good.ID}}, CreatedAt: Now}
			mustOK(t, "post the good photo alone", s.Posts.CreatePost(t.Context(), p2))
		})
	}
}

func testPostComment(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	c := MustCreateComment(t, s, bob.ID, p.ID, "Lovely @alice")
	if c.InReplyToAccountID != alice.ID {
		t.Errorf("created comment: got InReplyToAccountID %s, want %s", c.InReplyToAccountID, alice.ID)
	}
	got := MustFindPost(t, s, c.ID)
	if got.InReplyToID != p.ID || got.InReplyToAccountID != alice.ID || got.AuthorID != bob.ID || got.Caption != "Lovely @alice" || len(got.Media) != 0 {
		t.Errorf("FindPost(comment): got %+v", got)
	}
	if got := MustFindPost(t, s, p.ID).RepliesCount; got != 1 {
		t.Errorf("parent replies_count: got %d, want 1", got)
	}
	MustCreateComment(t, s, alice.ID, p.ID, "Thanks!")
	if got := MustFindPost(t, s, p.ID).RepliesCount; got != 2 {
		t.Errorf("parent replies_count: got %d, want 2", got)
	}
	// Comments are not posts of their authors.
	if got := mustPostsCount(t, s, bob.ID); got != 0 {
		t.Errorf("commenter's posts_count: got %d, want 0", got)
	}
	if got := mustPostsCount(t, s, alice.ID); got != 1 {
		t.Errorf("author's posts_count: got %d, want 1", got)
	}
}

func testPostReplyToMissing(t *testing.T, s Stores) {
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	missing := s.IDs.Next(s.Shard(1))
	c := &pinhole.Post{ID: s.IDs.Next(missing.Shard()), AuthorID: bob.ID, Caption: "hello?", InReplyToID: missing, CreatedAt: Now}
	wantCode(t, "CreatePost", s.Posts.CreatePost(t.Context(), c), pinhole.ENOTFOUND)
	_, err := s.Posts.FindPost(t.Context(), c.ID)
	wantCode(t, "FindPost of the refused comment", err, pinhole.ENOTFOUND)
}

func testPostCommentOffShard(t *testing.T, s Stores) {
	if s.NumShards < 2 {
		t.Skip("needs two logical shards")
	}
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	wrong := (p.ID.Shard() + 1) % s.NumShards
	c := &pinhole.Post{ID: s.IDs.Next(wrong), AuthorID: alice.ID, Caption: "lost", InReplyToID: p.ID, CreatedAt: Now}
	if err := s.Posts.CreatePost(t.Context(), c); err == nil {
		t.Errorf("CreatePost of a comment minted on shard %d for a post on %d: got no error", wrong, p.ID.Shard())
	}
	if _, err := s.Posts.FindPost(t.Context(), c.ID); !pinhole.IsNotFound(err) {
		t.Errorf("FindPost of the refused comment: got %v, want ENOTFOUND", err)
	}
	if got := MustFindPost(t, s, p.ID).RepliesCount; got != 0 {
		t.Errorf("parent replies_count: got %d, want 0", got)
	}
}

func testPostListReplies(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	other := MustCreatePost(t, s, alice.ID, "another photo")
	MustCreateComment(t, s, bob.ID, other.ID, "elsewhere")
	var all []pinhole.ID
	for i := range 7 {
		all = append(all, MustCreateComment(t, s, bob.ID, p.ID, fmt.Sprintf("comment %d", i)).ID)
	}
	cases := []struct {
		name string
		page pinhole.Page
		want []pinhole.ID
	}{
		{"AllOldestFirst", pinhole.Page{Limit: 40}, all},
		{"FirstPageIsOldest", pinhole.Page{Limit: 3}, all[:3]},
		{"MinIDGivesThePageAfterIt", pinhole.Page{MinID: all[2], Limit: 3}, all[3:6]},
		{"SinceIDGivesThePageAfterIt", pinhole.Page{SinceID: all[2], Limit: 3}, all[3:6]},
		{"LastPageIsShort", pinhole.Page{MinID: all[5], Limit: 3}, all[6:]},
		{"MaxIDBoundsFromAbove", pinhole.Page{MaxID: all[4], Limit: 40}, all[:4]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Posts.ListReplies(t.Context(), p.ID, c.page)
			mustOK(t, "ListReplies", err)
			if !slices.Equal(got, c.want) {
				t.Errorf("page %+v: got %v, want %v", c.page, got, c.want)
			}
		})
	}
}

func testPostFindPosts(t *testing.T, s Stores) {
	var want []*pinhole.Post
	for i := range 4 {
		a := MustCreateAccountOn(t, s, s.Shard(1+i), fmt.Sprintf("author%d", i))
		want = append(want, MustCreatePost(t, s, a.ID, fmt.Sprintf("post %d", i)))
	}
	comment := MustCreateComment(t, s, want[1].AuthorID, want[0].ID, "a comment")
	want = append(want, comment)
	ids := []pinhole.ID{s.IDs.Next(s.Shard(5))} // a post that does not exist
	for _, p := range want {
		ids = append(ids, p.ID)
	}
	got, err := s.Posts.FindPosts(t.Context(), ids)
	mustOK(t, "FindPosts", err)
	if g, w := keys(got), sortedIDs(ids[1:]); !slices.Equal(g, w) {
		t.Fatalf("FindPosts: got IDs %v, want %v", g, w)
	}
	for _, p := range want {
		g := got[p.ID]
		if g.AuthorID != p.AuthorID || g.Caption != p.Caption || g.InReplyToID != p.InReplyToID {
			t.Errorf("post %s: got %+v, want %+v", p.ID, g, p)
		}
		if gm, wm := mediaIDs(g.Media), mediaIDs(p.Media); !slices.Equal(gm, wm) {
			t.Errorf("post %s media: got %v, want %v", p.ID, gm, wm)
		}
	}
	got, err = s.Posts.FindPosts(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("FindPosts(nil): got %v, %v; want an empty map", got, err)
	}
	_, err = s.Posts.FindPost(t.Context(), ids[0])
	wantCode(t, "FindPost(missing)", err, pinhole.ENOTFOUND)
}

func testPostListAccountPostsExcludesComments(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p1 := MustCreatePost(t, s, alice.ID, "one")
	MustCreateComment(t, s, alice.ID, p1.ID, "my own comment")
	bobs := MustCreatePost(t, s, bob.ID, "bob's")
	MustCreateComment(t, s, alice.ID, bobs.ID, "a comment on bob's")
	p2 := MustCreatePost(t, s, alice.ID, "two")

	got, err := s.Posts.ListAccountPosts(t.Context(), alice.ID, pinhole.Page{Limit: 40})
	mustOK(t, "ListAccountPosts", err)
	if want := []pinhole.ID{p2.ID, p1.ID}; !slices.Equal(got, want) {
		t.Errorf("alice's posts: got %v, want %v", got, want)
	}
}

func testPostListAccountPostsPaging(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	var all []pinhole.ID
	for i := range 8 {
		all = append(all, MustCreatePost(t, s, alice.ID, fmt.Sprintf("post %d", i)).ID)
	}
	MustCreatePost(t, s, MustCreateAccountOn(t, s, s.Shard(1), "bob").ID, "bob's")
	checkNewestFirstPaging(t, all, func(t *testing.T, p pinhole.Page) []pinhole.ID {
		ids, err := s.Posts.ListAccountPosts(t.Context(), alice.ID, p)
		mustOK(t, "ListAccountPosts", err)
		return ids
	})
}

func testPostDelete(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p := &pinhole.Post{
		ID:        s.IDs.Next(alice.ID.Shard()),
		AuthorID:  alice.ID,
		Caption:   "to delete #gone @bob",
		Media:     []*pinhole.Media{MustCreateMedia(t, s, alice.ID), MustCreateMedia(t, s, alice.ID)},
		Tags:      []string{"gone"},
		Mentions:  []pinhole.Mention{{AccountID: bob.ID, Username: "bob"}},
		CreatedAt: Now,
	}
	mustOK(t, "CreatePost", s.Posts.CreatePost(t.Context(), p))
	kept := MustCreatePost(t, s, alice.ID, "kept")
	c1 := MustCreateComment(t, s, bob.ID, p.ID, "first")
	c2 := MustCreateComment(t, s, alice.ID, p.ID, "second")
	keptComment := MustCreateComment(t, s, bob.ID, kept.ID, "on the kept one")
	mustLike(t, s, p.ID, bob.ID)
	mustLike(t, s, c1.ID, alice.ID)
	mustLike(t, s, kept.ID, bob.ID)

	deleted, err := s.Posts.DeletePost(t.Context(), p.ID)
	mustOK(t, "DeletePost", err)
	if g, w := sortedIDs(mediaIDs(deleted)), sortedIDs(mediaIDs(p.Media)); !slices.Equal(g, w) {
		t.Errorf("deleted media: got %v, want %v", g, w)
	}
	for _, m := range deleted {
		if len(m.Variants) == 0 {
			t.Errorf("deleted media %s: no variants, so its blobs cannot be removed", m.ID)
		}
	}

	got, err := s.Posts.FindPosts(t.Context(), []pinhole.ID{p.ID, c1.ID, c2.ID, kept.ID, keptComment.ID})
	mustOK(t, "FindPosts", err)
	if g, w := keys(got), sortedIDs([]pinhole.ID{kept.ID, keptComment.ID}); !slices.Equal(g, w) {
		t.Errorf("posts left: got %v, want %v", g, w)
	}
	for _, m := range p.Media {
		_, err := s.Media.FindMedia(t.Context(), m.ID)
		wantCode(t, "FindMedia of a deleted post's photo", err, pinhole.ENOTFOUND)
	}
	liked, err := s.Posts.Liked(t.Context(), bob.ID, []pinhole.ID{p.ID, kept.ID})
	if err != nil || liked[p.ID] || !liked[kept.ID] {
		t.Errorf("bob's likes: got %v, %v; want only the kept post", liked, err)
	}
	liked, err = s.Posts.Liked(t.Context(), alice.ID, []pinhole.ID{c1.ID})
	if err != nil || liked[c1.ID] {
		t.Errorf("alice's like of a deleted comment: got %v, %v; want none", liked, err)
	}
	likers, err := s.Posts.ListLikers(t.Context(), p.ID, pinhole.Page{Limit: 40})
	if err != nil || len(likers) != 0 {
		t.Errorf("ListLikers of the deleted post: got %v, %v; want none", likers, err)
	}
	replies, err := s.Posts.ListReplies(t.Context(), p.ID, pinhole.Page{Limit: 40})
	if err != nil || len(replies) != 0 {
		t.Errorf("ListReplies of the deleted post: got %v, %v; want none", replies, err)
	}
	posts, err := s.Posts.ListAccountPosts(t.Context(), alice.ID, pinhole.Page{Limit: 40})
	if err != nil || !slices.Equal(posts, []pinhole.ID{kept.ID}) {
		t.Errorf("alice's posts: got %v, %v; want %v", posts, err, []pinhole.ID{kept.ID})
	}
	if got := mustPostsCount(t, s, alice.ID); got != 1 {
		t.Errorf("alice's posts_count: got %d, want 1", got)
	}
	if got := MustFindPost(t, s, kept.ID); got.LikesCount != 1 || got.RepliesCount != 1 {
		t.Errorf("kept post: got likes %d replies %d, want 1 and 1", got.LikesCount, got.RepliesCount)
	}
}

func testPostDeleteComment(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	c1 := MustCreateComment(t, s, bob.ID, p.ID, "first")
	c2 := MustCreateComment(t, s, bob.ID, p.ID, "second")
	mustLike(t, s, c1.ID, alice.ID)

	deleted, err := s.Posts.DeletePost(t.Context(), c1.ID)
	if err != nil || len(deleted) != 0 {
		t.Fatalf("DeletePost(comment): got media %v, %v; want none, nil", deleted, err)
	}
	_, err = s.Posts.FindPost(t.Context(), c1.ID)
	wantCode(t, "FindPost of the deleted comment", err, pinhole.ENOTFOUND)
	parent := MustFindPost(t, s, p.ID)
	if parent.RepliesCount != 1 {
		t.Errorf("parent replies_count: got %d, want 1", parent.RepliesCount)
	}
	if len(parent.Media) != 1 {
		t.Errorf("parent media: got %d photos, want 1", len(parent.Media))
	}
	liked, err := s.Posts.Liked(t.Context(), alice.ID, []pinhole.ID{c1.ID})
	if err != nil || liked[c1.ID] {
		t.Errorf("alice's like of the deleted comment: got %v, %v; want none", liked, err)
	}
	replies, err := s.Posts.ListReplies(t.Context(), p.ID, pinhole.Page{Limit: 40})
	if err != nil || !slices.Equal(replies, []pinhole.ID{c2.ID}) {
		t.Errorf("ListReplies: got %v, %v; want %v", replies, err, []pinhole.ID{c2.ID})
	}
	if got := mustPostsCount(t, s, alice.ID); got != 1 {
		t.Errorf("alice's posts_count: got %d, want 1", got)
	}
}

func testPostDeleteCommentWithReplies(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	bob := MustCreateAccountOn(t, s, s.Shard(2), "bob")
	p := MustCreatePost(t, s, alice.ID, "a photo")
	c := MustCreateComment(t, s, bob.ID, p.ID, "a comment")
	reply := MustCreateComment(t, s, alice.ID, c.ID, "a reply to the comment")
	if reply.InReplyToAccountID != bob.ID {
		t.Errorf("reply: got InReplyToAccountID %s, want %s", reply.InReplyToAccountID, bob.ID)
	}
	if got := MustFindPost(t, s, c.ID).RepliesCount; got != 1 {
		t.Errorf("comment replies_count: got %d, want 1", got)
	}

	_, err := s.Posts.DeletePost(t.Context(), c.ID)
	mustOK(t, "DeletePost(comment)", err)
	// "DeletePost removes a post with its comments": a reply to a deleted
	// comment must not stay behind pointing at nothing.
	if got, err := s.Posts.FindPost(t.Context(), reply.ID); !pinhole.IsNotFound(err) {
		t.Errorf("FindPost of the reply to the deleted comment: got %+v, %v; want ENOTFOUND", got, err)
	}
	replies, err := s.Posts.ListReplies(t.Context(), p.ID, pinhole.Page{Limit: 40})
	if err != nil || len(replies) != 0 {
		t.Errorf("ListReplies of the post: got %v, %v; want none", replies, err)
	}
}

func testPostDeleteMissing(t *testing.T, s Stores) {
	alice := MustCreateAccountOn(t, s, s.Shard(1), "alice")
	MustCreatePost(t, s, alice.ID, "a photo")
	deleted, err := s.Posts.DeletePost(t.Context(), s.IDs.Next(s.Shard(1)))
	wantCode(t, "DeletePost", err, pinhole.ENOTFOUND)
	if deleted != nil {
		t.Errorf("DeletePost: got media %v with the error", deleted)
	}
	if got := mustPostsCount(t, s, alice.ID); got != 1 {
		t.Errorf("posts_count: got %d, want 1", got)
	}
}
