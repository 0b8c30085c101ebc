package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pinhole/pinhole/internal/pglocal"
	"github.com/pinhole/pinhole/internal/pglocal/pgtest"
)

// TestReadYourWritesOnAReplica runs Pinhole on a PostgreSQL primary with a
// real streaming replica whose replay is paused: the replica is stale for
// as long as the test wants. A member who has just posted sees the post at
// once (their requests read from the primary); another member, reading
// the replica, does not until it catches up, and what they read meanwhile
// is not kept in the caches once it has.
func TestReadYourWritesOnAReplica(t *testing.T) {
	primary, replica := pgtest.Pair(t)
	ctx := t.Context()
	s := mustStartOn(t, primary, replica)
	if !s.m.Cluster.Physical[0].Replicated() {
		t.Fatal("the shard database has no replica")
	}
	alice, bob, carol, dave := s.MustSignup("alice"), s.MustSignup("bob"), s.MustSignup("carol"), s.MustSignup("dave")
	photo := s.MustUpload(alice, "a photo")
	older := s.MustPost(alice, "an older post")
	if err := primary.WaitCaughtUp(ctx, replica); err != nil {
		t.Fatal(err)
	}
	pgtest.PauseReplay(t, replica)

	post := s.mustJSON(s.do("POST", "/api/v1/statuses", alice.Token, jsonBody(map[string]any{"status": "fresh off the press", "media_ids": []string{photo}})), 200)["id"].(string)
	profile := "/api/v1/accounts/" + alice.ID + "/statuses"
	s.mustJSON(s.do("POST", "/api/v1/statuses/"+older+"/favourite", alice.Token, nil), 200)
	s.mustJSON(s.do("POST", "/api/v1/accounts/"+dave.ID+"/block", alice.Token, nil), 200)
	likes := func(who member) any {
		return s.mustJSON(s.do("GET", "/api/v1/statuses/"+older, who.Token, nil), 200)["favourites_count"]
	}

	t.Run("OthersReadTheStaleReplica", func(t *testing.T) {
		if got := ids(s.mustList(s.do("GET", profile, bob.Token, nil), 200)); contains(got, post) {
			t.Errorf("bob sees the post while the replica is paused (%v): his read did not go to the replica", got)
		}
		// The block has not reached the replica either.
		s.mustJSON(s.do("GET", "/api/v1/statuses/"+older, dave.Token, nil), 200)
	})
	t.Run("TheAuthorSeesTheirPostAtOnce", func(t *testing.T) {
		if got := ids(s.mustList(s.do("GET", profile, alice.Token, nil), 200)); !contains(got, post) {
			t.Errorf("alice's profile = %v; want her new post %s", got, post)
		}
		if got := s.homeIDs(alice); !contains(got, post) {
			t.Errorf("alice's home timeline = %v; want her new post %s", got, post)
		}
		me := s.mustJSON(s.do("GET", "/api/v1/accounts/verify_credentials", alice.Token, nil), 200)
		if me["statuses_count"] != float64(2) {
			t.Errorf("alice's statuses_count = %v, want 2", me["statuses_count"])
		}
	})
	t.Run("PagesOfASessionStartedDuringTheLag", func(t *testing.T) {
		// The session is made on the primary and is not on the replica
		// yet: its lookup falls back to the primary.
		b := s.browser()
		csrf := csrfFrom(t, b, s.URL+"/login")
		if res, _ := postForm(t, b, s.URL+"/login", url.Values{"csrf": {csrf}, "login": {"alice"}, "password": {"correct horse battery"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: status %d, want 303", res.StatusCode)
		}
		for _, path := range []string{"/@alice", "/"} {
			code, body := page(t, b, s.URL+path)
			if code != 200 || !strings.Contains(body, "/p/"+post) {
				t.Errorf("GET %s: status %d; want 200 with a link to /p/%s", path, code, post)
			}
		}
	})
	t.Run("ALinkToTheNewPostWorksForEveryone", func(t *testing.T) {
		// A lookup by ID that misses on the replica asks the primary.
		s.mustJSON(s.do("GET", "/api/v1/statuses/"+post, bob.Token, nil), 200)
	})
	t.Run("OthersReadTheReplicaAgainAfterTheAuthor", func(t *testing.T) {
		// Alice's reads went to the primary and refilled the caches with
		// what is current; these come after hers, and dave's still reads
		// the replica, which has not seen the block.
		ids(s.mustList(s.do("GET", profile, bob.Token, nil), 200))
		s.mustJSON(s.do("GET", "/api/v1/statuses/"+older, dave.Token, nil), 200)
		likes(carol)
	})
	t.Run("OthersSeeItOnceTheReplicaCatchesUp", func(t *testing.T) {
		pgtest.Exec(t, replica, "SELECT pg_wal_replay_resume()")
		if err := primary.WaitCaughtUp(ctx, replica); err != nil {
			t.Fatal(err)
		}
		// The same reads as during the lag: none of what they returned
		// was cached.
		if got := ids(s.mustList(s.do("GET", profile, bob.Token, nil), 200)); !contains(got, post) {
			t.Errorf("bob's view of alice's profile after catch-up = %v; want the post %s", got, post)
		}
		if n := likes(carol); n != float64(1) {
			t.Errorf("carol sees %v likes after catch-up, want 1", n)
		}
		s.mustError(s.do("GET", "/api/v1/statuses/"+older, dave.Token, nil), 404)
	})
}

// mustStartOn makes and migrates a database on primary and starts Pinhole
// on it and its copy on replica.
func mustStartOn(t *testing.T, primary, replica *pglocal.Server) *testServer {
	t.Helper()
	ctx := context.Background()
	if err := primary.CreateDatabase(ctx, "pinhole"); err != nil {
		t.Fatal(err)
	}
	dsn, replicaDSN := primary.DSN("pinhole"), replica.DSN("pinhole")
	return MustStart(t, func(cfg *Config) {
		cfg.DirectoryDB, cfg.ShardDBs = dsn, []ShardDB{{Primary: dsn, Replicas: []string{replicaDSN}}}
		cfg.MediaURLKeys = strings.Repeat("ab", 32)
		if _, err := migrateDatabases(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if err := primary.WaitCaughtUp(ctx, replica); err != nil {
			t.Fatal(err)
		}
	})
}

// A replica that stops answering slows its shard's reads, never stops
// them: the node stays ready and reads go to the primary.
func TestReplicaDownReadsFromThePrimary(t *testing.T) {
	primary, replica := pgtest.Pair(t)
	s := mustStartOn(t, primary, replica)
	alice := s.MustSignup("alice")
	post := s.MustPost(alice, "before the replica went down")
	if err := primary.WaitCaughtUp(t.Context(), replica); err != nil {
		t.Fatal(err)
	}
	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	s.eventually("the node is ready and serves the post without its replica", func() bool {
		ready := s.do("GET", "/readyz", "", nil)
		st := s.do("GET", "/api/v1/statuses/"+post, "", nil)
		return ready.StatusCode == 200 && st.StatusCode == 200
	})
	s.mustJSON(s.do("GET", "/api/v1/accounts/"+alice.ID, "", nil), 200)
}
