package testenv_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pinhole/pinhole/internal/testenv"
)

// TestPostgresDBCreatesAndDrops checks that a test gets a database of its
// own that is gone once the test has ended.
func TestPostgresDBCreatesAndDrops(t *testing.T) {
	var dsn string
	t.Run("Uses", func(t *testing.T) {
		dsn = testenv.PostgresDB(t, "Testenv/Uses It")
		conn, err := pgconn.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatalf("connect to the new database: %v", err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(t.Context(), "CREATE TABLE t (x INT)").ReadAll(); err != nil {
			t.Fatalf("create a table: %v", err)
		}
	})
	if dsn == "" {
		return // skipped: no PostgreSQL
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "pinhole_t_testenv_uses_it_") {
		t.Errorf("database name %q: want the cleaned hint after pinhole_t_", name)
	}
	conn, err := pgconn.Connect(t.Context(), testenv.PostgresAdminDSN())
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	defer conn.Close(context.Background())
	res, err := conn.Exec(t.Context(), "SELECT 1 FROM pg_database WHERE datname = '"+name+"'").ReadAll()
	if err != nil {
		t.Fatalf("look for %s: %v", name, err)
	}
	if n := len(res[0].Rows); n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

// TestPostgresTemplateCopiesItsSetup checks that each copy of a template
// starts with what the setup made, and is a database of its own.
func TestPostgresTemplateCopiesItsSetup(t *testing.T) {
	setups := 0
	tpl := testenv.NewPostgresTemplate("testenv", func(ctx context.Context, dsn string) error {
		setups++
		conn, err := pgconn.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, "CREATE TABLE made (x INT); INSERT INTO made VALUES (1)").ReadAll()
		return err
	})
	t.Cleanup(func() {
		if err := tpl.Drop(); err != nil {
			t.Errorf("drop the template: %v", err)
		}
	})
	var dsns []string
	for range 2 {
		dsn := tpl.DB(t, "copy")
		dsns = append(dsns, dsn)
		conn, err := pgconn.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatalf("connect to a copy: %v", err)
		}
		res, err := conn.Exec(t.Context(), "INSERT INTO made VALUES (2); SELECT count(*) FROM made").ReadAll()
		conn.Close(context.Background())
		if err != nil {
			t.Fatalf("use a copy: %v", err)
		}
		if got := string(res[1].Rows[0][0]); got != "2" {
			t.Errorf("rows in a fresh copy after one insert: got %s, want 2 (the template's and this one)", got)
		}
	}
	if dsns[0] == dsns[1] {
		t.Errorf("two copies share a database: %s", dsns[0])
	}
	if setups != 1 {
		t.Errorf("setup ran %d times, want once", setups)
	}
}
