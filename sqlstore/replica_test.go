package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/pglocal/pgtest"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
	"github.com/pinhole/pinhole/storetest"
)

// TestReadRouting runs the store on a PostgreSQL primary with a real
// streaming replica whose replay is paused, so the replica is stale by
// construction, and checks where each kind of read goes.
func TestReadRouting(t *testing.T) {
	primary, replica := pgtest.Pair(t)
	ctx := t.Context()
	if err := primary.CreateDatabase(ctx, "pinhole"); err != nil {
		t.Fatal(err)
	}
	cfg := postgres.NewDefaultConfig()
	cfg.NumShards = 4
	cfg.Shards = []postgres.Shard{{Primary: primary.DSN("pinhole"), Replicas: []string{replica.DSN("pinhole")}}}
	if err := postgres.Migrate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	// The replica must have the database and its tables before the
	// store connects to it.
	if err := primary.WaitCaughtUp(ctx, replica); err != nil {
		t.Fatal(err)
	}
	cluster, err := postgres.Open(ctx, cfg, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { postgres.Close(cluster) })
	st := sqlstore.New(cluster)
	s := storetest.Stores{Accounts: st, Graph: st, Posts: st, Media: st, Timelines: st, Tokens: st, IDs: cluster.IDs, NumShards: len(cluster.ShardMap)}
	db := cluster.Physical[0]
	if !db.Replicated() {
		t.Fatal("the shard database has no replica")
	}

	alice := storetest.MustCreateAccount(t, s, "alice")
	old := storetest.MustCreatePost(t, s, alice.ID, "before")
	token := &pinhole.Token{Hash: []byte("a token revoked during the lag"), AccountID: alice.ID, Scopes: "read", CreatedAt: storetest.Now}
	if err := st.CreateToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := primary.WaitCaughtUp(ctx, replica); err != nil {
		t.Fatal(err)
	}
	pgtest.PauseReplay(t, replica)

	name := "Alice Fresh"
	if _, err := st.UpdateAccount(ctx, alice.ID, pinhole.AccountUpdate{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	post := storetest.MustCreatePost(t, s, alice.ID, "after")
	bob := storetest.MustCreateAccount(t, s, "bob")

	fresh := sqlstore.WithPrimary(ctx)
	t.Run("PlainReadsGoToTheStaleReplica", func(t *testing.T) {
		a, err := st.FindAccount(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.DisplayName == name {
			t.Errorf("display name %q read while the replica is paused: the read went to the primary", a.DisplayName)
		}
		ids := recent(t, st, ctx, alice.ID)
		if slices.Contains(ids, post.ID) || !slices.Contains(ids, old.ID) {
			t.Errorf("recent posts from the replica = %v; want the old post %s without the new %s", ids, old.ID, post.ID)
		}
	})
	t.Run("WithPrimarySeesEveryWrite", func(t *testing.T) {
		if !sqlstore.PrimaryOnly(fresh) || sqlstore.PrimaryOnly(ctx) {
			t.Fatal("PrimaryOnly does not reflect WithPrimary")
		}
		a, err := st.FindAccount(fresh, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.DisplayName != name {
			t.Errorf("display name = %q, want %q", a.DisplayName, name)
		}
		if ids := recent(t, st, fresh, alice.ID); !slices.Contains(ids, post.ID) {
			t.Errorf("recent posts from the primary = %v; want the new post %s", ids, post.ID)
		}
	})
	t.Run("LookupMissingOnTheReplicaAsksThePrimary", func(t *testing.T) {
		a, err := st.FindAccount(ctx, bob.ID)
		if err != nil {
			t.Fatalf("an account created while the replica is paused: %v", err)
		}
		if a.Username != "bob" {
			t.Errorf("username = %q, want bob", a.Username)
		}
		byName, err := st.FindAccountByUsername(ctx, "bob")
		if err != nil || byName.ID != bob.ID {
			t.Errorf("by username: %v, %v; want bob", byName, err)
		}
		got, err := st.FindPosts(ctx, []pinhole.ID{old.ID, post.ID})
		if err != nil || got[old.ID] == nil || got[post.ID] == nil || got[post.ID].Caption != "after" {
			t.Errorf("FindPosts(old, new) = %v, %v; want both", got, err)
		}
		if _, err := st.FindAccount(ctx, s.IDs.Next(0)); !pinhole.IsNotFound(err) {
			t.Errorf("an account that exists nowhere: err = %v, want not found", err)
		}
	})
	t.Run("ARevokedTokenIsRefusedAtOnce", func(t *testing.T) {
		// The replica still has the token; a sign-in must not.
		if err := st.DeleteToken(ctx, token.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := st.FindToken(ctx, token.Hash, storetest.Now); !pinhole.IsNotFound(err) {
			t.Errorf("a token revoked while the replica lags: err = %v, want not found", err)
		}
	})
	t.Run("ResumedReplicaCatchesUp", func(t *testing.T) {
		pgtest.ResumeReplay(t, replica)
		if err := primary.WaitCaughtUp(ctx, replica); err != nil {
			t.Fatal(err)
		}
		if ids := recent(t, st, ctx, alice.ID); !slices.Contains(ids, post.ID) {
			t.Errorf("recent posts from the caught-up replica = %v; want the new post %s", ids, post.ID)
		}
	})
}

func recent(t *testing.T, st *sqlstore.Store, ctx context.Context, author pinhole.ID) []pinhole.ID {
	t.Helper()
	ids, err := st.ListAccountPosts(ctx, author, pinhole.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
