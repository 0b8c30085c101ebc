package pglocal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pinhole/pinhole/internal/pglocal"
	"github.com/pinhole/pinhole/internal/testenv"
)

// TestPrimaryAndReplica starts a primary and a streaming replica, writes
// on the primary, reads it on the replica, and stops both.
func TestPrimaryAndReplica(t *testing.T) {
	base := mustBaseDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	log := &syncBuffer{}
	defer func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	}()

	primary, err := pglocal.StartPrimary(ctx, filepath.Join(base, "primary"), 0, log)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Stop()
	replica, err := primary.StartReplica(ctx, filepath.Join(base, "replica"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Stop()
	if primary.Port() == replica.Port() || primary.Port() == 0 {
		t.Fatalf("ports: primary %d, replica %d", primary.Port(), replica.Port())
	}

	if err := primary.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, primary.DSN("app"), "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'hello')")

	t.Run("ReplicaSeesPrimaryWrites", func(t *testing.T) {
		if err := primary.WaitCaughtUp(ctx, replica); err != nil {
			t.Fatal(err)
		}
		if got := mustQuery(t, replica.DSN("app"), "SELECT body FROM notes WHERE id = 1"); got != "hello" {
			t.Errorf("replica row = %q, want hello", got)
		}
		if got := mustQuery(t, replica.DSN("app"), "SELECT pg_is_in_recovery()"); got != "t" {
			t.Errorf("replica pg_is_in_recovery = %q, want t", got)
		}
	})

	t.Run("Stats", func(t *testing.T) {
		st, err := primary.Stats(ctx, "app")
		if err != nil {
			t.Fatal(err)
		}
		if st.Transactions == 0 || st.RowsWritten == 0 {
			t.Errorf("stats of app after a table and a row: %+v; want transactions and rows written", st)
		}
		if _, err := primary.Stats(ctx, "no such; db"); err == nil {
			t.Error("stats of a malformed database name: no error")
		}
	})

	t.Run("ReplicaRefusesWrites", func(t *testing.T) {
		err := exec(ctx, replica.DSN("app"), "INSERT INTO notes VALUES (2, 'nope')")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "25006" { // read_only_sql_transaction
			t.Errorf("insert on the replica: err = %v, want SQLSTATE 25006", err)
		}
		if err := replica.CreateDatabase(ctx, "other"); err == nil {
			t.Error("CreateDatabase on a replica succeeded")
		}
	})

	t.Run("RejectsBadDatabaseNames", func(t *testing.T) {
		for _, name := range []string{"", "a b", "x;DROP", "1abc", strings.Repeat("a", 64), `q"`} {
			if err := primary.CreateDatabase(ctx, name); err == nil {
				t.Errorf("CreateDatabase(%q) succeeded", name)
			}
		}
	})

	t.Run("StopsCleanly", func(t *testing.T) {
		for _, s := range []*pglocal.Server{replica, primary} {
			if pids := processesIn(t, s.Dir()); len(pids) == 0 {
				t.Fatalf("no processes found working in %s while the server runs", s.Dir())
			}
			if err := s.Stop(); err != nil {
				t.Errorf("stop port %d: %v", s.Port(), err)
			}
			if err := s.Stop(); err != nil {
				t.Errorf("second stop port %d: %v", s.Port(), err)
			}
			if pids := processesIn(t, s.Dir()); len(pids) > 0 {
				t.Errorf("processes still running in %s after Stop: %v", s.Dir(), pids)
			}
			if _, err := os.Stat(filepath.Join(s.Dir(), "postmaster.pid")); !os.IsNotExist(err) {
				t.Errorf("postmaster.pid left in %s (err %v)", s.Dir(), err)
			}
		}
	})

	t.Run("RestartsOnItsData", func(t *testing.T) {
		again, err := pglocal.StartPrimary(ctx, primary.Dir(), 0, log)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Stop()
		if got := mustQuery(t, again.DSN("app"), "SELECT body FROM notes WHERE id = 1"); got != "hello" {
			t.Errorf("row after restart = %q, want hello", got)
		}
		if err := again.Stop(); err != nil {
			t.Error(err)
		}
	})
}

func TestRefusesForeignDirectory(t *testing.T) {
	base := mustBaseDir(t)
	dir := filepath.Join(base, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pglocal.StartPrimary(t.Context(), dir, 0, nil)
	if err == nil || !strings.Contains(err.Error(), "neither empty") {
		t.Fatalf("StartPrimary on a directory of other files: err = %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the directory's file was touched: %q, %v", b, err)
	}
	if _, err := pglocal.StartPrimary(t.Context(), "relative/dir", 0, nil); err == nil {
		t.Error("StartPrimary with a relative directory succeeded")
	}
}

// mustBaseDir returns a fresh directory the server's OS user can reach.
func mustBaseDir(t *testing.T) string {
	t.Helper()
	if err := pglocal.Available(); err != nil {
		testenv.Missing(t, "local PostgreSQL servers: %v", err)
	}
	dir, err := pglocal.MkdirTemp("pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql).ReadAll()
	return err
}

func mustExec(t *testing.T, dsn, sql string) {
	t.Helper()
	if err := exec(t.Context(), dsn, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mustQuery(t *testing.T, dsn, sql string) string {
	t.Helper()
	conn, err := pgconn.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	res, err := conn.Exec(t.Context(), sql).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(res) == 0 || len(res[0].Rows) == 0 {
		t.Fatalf("%s: no rows", sql)
	}
	return string(res[0].Rows[0][0])
}

// processesIn lists processes whose working directory is dir: a
// postmaster and its backends all work in their data directory.
func processesIn(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to look for processes: %v", err)
	}
	var out []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dir {
			out = append(out, e.Name())
		}
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
