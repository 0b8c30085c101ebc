// Package pgtest gives tests a private PostgreSQL primary with a streaming
// replica, and the means to hold the replica back.
package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pinhole/pinhole/internal/pglocal"
	"github.com/pinhole/pinhole/internal/testenv"
)

// Pair starts a private primary and a streaming replica of it, stopped and
// their files removed when the test ends.
func Pair(t *testing.T) (primary, replica *pglocal.Server) {
	t.Helper()
	if err := pglocal.Available(); err != nil {
		testenv.Missing(t, "this test starts its own PostgreSQL primary and streaming replica: %v (apt-get install postgresql)", err)
	}
	base, err := pglocal.MkdirTemp("pinhole-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if primary, err = pglocal.StartPrimary(ctx, filepath.Join(base, "primary"), 0, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := primary.Stop(); err != nil {
			t.Error(err)
		}
	})
	if replica, err = primary.StartReplica(ctx, filepath.Join(base, "replica"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := replica.Stop(); err != nil {
			t.Error(err)
		}
	})
	return primary, replica
}

// PauseReplay stops the replica applying WAL until ResumeReplay (or the
// end of the test), and waits until it has stopped.
func PauseReplay(t *testing.T, replica *pglocal.Server) {
	t.Helper()
	Exec(t, replica, "SELECT pg_wal_replay_pause()")
	t.Cleanup(func() { Exec(t, replica, "SELECT pg_wal_replay_resume()") })
	for range 200 {
		if Exec(t, replica, "SELECT pg_get_wal_replay_pause_state()") == "paused" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the replica did not pause its replay")
}

// ResumeReplay lets the replica catch up again.
func ResumeReplay(t *testing.T, replica *pglocal.Server) {
	t.Helper()
	Exec(t, replica, "SELECT pg_wal_replay_resume()")
}

// Exec runs one statement on the server's postgres database and returns
// the first column of its first row, if any (pglocal.Server.Exec).
func Exec(t *testing.T, s *pglocal.Server, sql string) string {
	t.Helper()
	v, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}
