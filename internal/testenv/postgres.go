package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultPostgresAdmin is the PostgreSQL the tests use unless
// PINHOLE_TEST_POSTGRES names another: a role that may create databases.
const DefaultPostgresAdmin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// PostgresAdminDSN returns the DSN tests connect to as administrator:
// PINHOLE_TEST_POSTGRES, or DefaultPostgresAdmin.
func PostgresAdminDSN() string {
	if v := os.Getenv("PINHOLE_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultPostgresAdmin
}

// PostgresDB creates a fresh, empty PostgreSQL database for one test and
// returns its DSN (the admin DSN with the new database's name). The
// database is named pinhole_t_<name>_<random> and dropped, with any
// connections still open to it, when the test ends. When PostgreSQL is not
// reachable the test is skipped (or failed under PINHOLE_REQUIRE_ALL=1)
// through Missing. name is only a readable hint: it is lowercased and cut
// to letters, digits and '_'.
func PostgresDB(t testing.TB, name string) string {
	t.Helper()
	admin := PostgresAdminDSN()
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("PINHOLE_TEST_POSTGRES: %q is not a postgres:// URL", admin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, admin)
	if err != nil {
		Missing(t, "PostgreSQL tests need a server at %s (set PINHOLE_TEST_POSTGRES to another admin DSN; apt-get install postgresql): %v", u.Redacted(), err)
		return ""
	}
	defer conn.Close(context.Background())

	db := "pinhole_t_" + cleanName(name) + "_" + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db).ReadAll(); err != nil {
		t.Fatalf("create database %s: %v", db, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(admin, db); err != nil {
			t.Error(err)
		}
	})
	return withDatabase(u, db)
}

// withDatabase returns the DSN u with another database name.
func withDatabase(u *url.URL, db string) string {
	v := *u
	v.Path = "/" + db
	v.RawPath = ""
	return v.String()
}

// dropDatabase drops db, closing any connection still open to it.
func dropDatabase(admin, db string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)").ReadAll(); err != nil {
		return fmt.Errorf("drop database %s: %w", db, err)
	}
	return nil
}

// PostgresTemplate is a PostgreSQL database set up once per test binary
// (say, migrated) and copied for each test that needs one, which is much
// faster than setting up a fresh database every time. Declare one per kind
// of database at package level, and drop them from TestMain:
//
//	var shards = testenv.NewPostgresTemplate("shard", migrateShard)
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		shards.Drop()
//		os.Exit(code)
//	}
type PostgresTemplate struct {
	name  string
	setup func(ctx context.Context, dsn string) error

	once    sync.Once
	admin   string
	u       *url.URL
	db      string // the template's name, once made
	missing error  // PostgreSQL unreachable
	err     error  // setup failed
}

// NewPostgresTemplate declares a template named after name whose database
// setup prepares, connecting to dsn, on first use. setup must close every
// connection it opened before it returns: a database with open
// connections cannot be copied.
func NewPostgresTemplate(name string, setup func(ctx context.Context, dsn string) error) *PostgresTemplate {
	return &PostgresTemplate{name: name, setup: setup}
}

// DB returns the DSN of a fresh copy of the template for t, dropped when t
// ends. The first call makes the template; when PostgreSQL is not
// reachable, the test is handed to Missing.
func (p *PostgresTemplate) DB(t testing.TB, name string) string {
	t.Helper()
	p.once.Do(p.make)
	if p.missing != nil {
		Missing(t, "PostgreSQL tests need a server at %s (set PINHOLE_TEST_POSTGRES to another admin DSN; apt-get install postgresql): %v", p.u.Redacted(), p.missing)
		return ""
	}
	if p.err != nil {
		t.Fatalf("PostgreSQL template %s: %v", p.name, p.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, p.admin)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	db := "pinhole_t_" + cleanName(name) + "_" + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db+" TEMPLATE "+p.db).ReadAll(); err != nil {
		t.Fatalf("create database %s from %s: %v", db, p.db, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(p.admin, db); err != nil {
			t.Error(err)
		}
	})
	return withDatabase(p.u, db)
}

func (p *PostgresTemplate) make() {
	p.admin = PostgresAdminDSN()
	u, err := url.Parse(p.admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		p.u, p.err = &url.URL{}, fmt.Errorf("PINHOLE_TEST_POSTGRES: %q is not a postgres:// URL", p.admin)
		return
	}
	p.u = u
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgconn.Connect(ctx, p.admin)
	if err != nil {
		p.missing = err
		return
	}
	defer conn.Close(context.Background())
	db := "pinhole_tpl_" + cleanName(p.name) + "_" + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db).ReadAll(); err != nil {
		p.err = fmt.Errorf("create database %s: %w", db, err)
		return
	}
	p.db = db
	if err := p.setup(ctx, withDatabase(u, db)); err != nil {
		p.err = fmt.Errorf("set up %s: %w", db, err)
	}
}

// Drop drops the template, if it was made.
func (p *PostgresTemplate) Drop() error {
	if p.db == "" {
		return nil
	}
	return dropDatabase(p.admin, p.db)
}

// cleanName keeps a database name hint to what needs no quoting, short
// enough that the whole name fits PostgreSQL's 63 bytes.
func cleanName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == '/' || r == '-' || r == ' ' || r == '.':
			b.WriteByte('_')
		}
		if b.Len() >= 36 {
			break
		}
	}
	if b.Len() == 0 {
		return "db"
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
