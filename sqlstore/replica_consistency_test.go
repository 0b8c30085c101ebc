package sqlstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// TestAPostIsReadFromOneReplica: a post and its tags are read from the
// same replica, however the reads take turns among replicas that lag by
// different amounts. Two SQLite files stand in for three replicas, one
// with the post's tags and two without.
func TestAPostIsReadFromOneReplica(t *testing.T) {
	var clusters []*sqlstore.Cluster
	author := pinhole.ID(1 << 30)
	id := author + 1
	for i, tags := range [][]string{{"alpha"}, nil} {
		c, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "pinhole.db"), NumShards: 1}, func() time.Time { return storetest.Now })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sqlite.Close(c) })
		s := sqlstore.New(c)
		a := &pinhole.Account{ID: author, Username: "ann", Email: "ann@example.com", CreatedAt: storetest.Now}
		if err := s.CreateAccount(t.Context(), a, "hash"); err != nil {
			t.Fatal(err)
		}
		p := &pinhole.Post{ID: id, AuthorID: author, Caption: []string{"with tags", "without"}[i], Tags: tags, CreatedAt: storetest.Now}
		if err := s.CreatePost(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		clusters = append(clusters, c)
	}
	withTags, without := clusters[0].Physical[0], clusters[1].Physical[0]
	db := &sqlstore.DB{Write: withTags.Write, Primary: withTags.Primary, Name: "primary",
		Replicas: []*sqlstore.Replica{sqlstore.NewReplica(withTags.Primary, "a", true), sqlstore.NewReplica(without.Primary, "b", true),
			sqlstore.NewReplica(without.Primary, "c", true)}}
	c := *clusters[0]
	c.Directory, c.Physical = db, []*sqlstore.DB{db}
	s := sqlstore.New(&c)
	for range 6 {
		got, err := s.FindPosts(t.Context(), []pinhole.ID{id})
		if err != nil || got[id] == nil {
			t.Fatalf("find: %v, %v", got, err)
		}
		if p := got[id]; (p.Caption == "with tags") != (len(p.Tags) == 1) {
			t.Fatalf("post %q with tags %v: read from two replicas", p.Caption, p.Tags)
		}
	}
}
