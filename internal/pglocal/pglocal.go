// Package pglocal starts private PostgreSQL servers on this machine: a
// primary and hot standbys that stream from it (made with pg_basebackup),
// each in its own data directory and on its own 127.0.0.1 port. Tests use
// them to exercise real replication; the local cluster launcher uses them
// to run a scale-out layout on one box.
//
// PostgreSQL refuses to run as root, so when this process is root the
// server binaries run as the "postgres" OS user, which then owns the data
// directories.
package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// superuser is the database superuser initdb creates; connections from
// 127.0.0.1 need no password (trust), which is why servers listen only
// there.
const superuser = "postgres"

// Server is one running PostgreSQL server this process started.
type Server struct {
	dir     string
	port    int
	bin     string
	run     *runAs
	log     io.Writer
	replica bool

	cmd     *exec.Cmd
	tail    *tailBuffer
	exited  chan struct{} // closed when the postmaster has exited
	waitErr error         // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Available reports why local servers cannot be started (binaries
// missing, no postgres user to run them as when root), or nil.
func Available() error {
	if _, err := binDir(); err != nil {
		return err
	}
	_, err := currentRunAs()
	return err
}

// StartPrimary initialises dir as a new cluster when it is empty or
// absent (or reuses the cluster already in it) and starts a server on
// 127.0.0.1:port (0 picks a free port) ready for streaming replicas. The
// server's own log goes to log (nil discards it). ctx bounds the start-up
// only; the server runs until Stop.
func StartPrimary(ctx context.Context, dir string, port int, log io.Writer) (*Server, error) {
	bin, run, err := prepare(dir)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	has, err := hasCluster(dir)
	if err != nil {
		return nil, err
	}
	if !has {
		if err := initdb(ctx, bin, run, dir); err != nil {
			return nil, err
		}
	}
	return start(ctx, &Server{dir: dir, bin: bin, run: run, log: log}, port)
}

// StartReplica takes a base backup of s into dir (which must be empty or
// absent; a standby already in dir is started as it is) and starts it as a
// hot standby streaming from s on 127.0.0.1:port (0 picks a free port). It
// shares s's log writer.
func (s *Server) StartReplica(ctx context.Context, dir string, port int) (*Server, error) {
	bin, run, err := prepare(dir)
	if err != nil {
		return nil, err
	}
	has, err := hasCluster(dir)
	if err != nil {
		return nil, err
	}
	if has {
		if _, err := os.Stat(filepath.Join(dir, "standby.signal")); err != nil {
			return nil, fmt.Errorf("pglocal: %s holds a cluster that is not a standby", dir)
		}
	} else {
		// -R writes standby.signal and primary_conninfo; -X stream copies
		// the WAL written during the backup so the copy is consistent.
		out, err := run.command(ctx, filepath.Join(bin, "pg_basebackup"),
			"-D", dir, "-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", superuser,
			"-R", "-X", "stream", "-c", "fast", "--no-sync", "-w").CombinedOutput()
		if err != nil {
			_ = clearDir(dir)
			return nil, fmt.Errorf("pglocal: pg_basebackup from port %d: %w: %s", s.port, err, strings.TrimSpace(string(out)))
		}
	}
	return start(ctx, &Server{dir: dir, bin: bin, run: run, log: s.log, replica: true}, port)
}

// MkdirTemp makes a new directory under the system's temporary directory
// to hold data directories: searchable by the server's OS user (mode
// 0711), which a private directory such as testing's TempDir is not. The
// caller removes it.
func MkdirTemp(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("pglocal: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.Remove(dir)
		return "", fmt.Errorf("pglocal: %w", err)
	}
	return dir, nil
}

// Port is the TCP port the server listens on at 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Dir is the server's data directory.
func (s *Server) Dir() string { return s.dir }

// DSN is a connection URL for a database on this server as the superuser.
func (s *Server) DSN(database string) string {
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + database, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase creates an empty database on a primary. Its name must be
// a plain identifier (letters, digits, '_', not starting with a digit),
// which keeps it free of quoting and URL escaping.
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	if s.replica {
		return fmt.Errorf("pglocal: create database %s: a standby is read-only", name)
	}
	_, err := s.Exec(ctx, "CREATE DATABASE "+name)
	if err != nil {
		return fmt.Errorf("pglocal: create database %s: %w", name, err)
	}
	return nil
}

// WaitCaughtUp waits until replica has replayed everything s (its primary)
// had written when the call began.
func (s *Server) WaitCaughtUp(ctx context.Context, replica *Server) error {
	// The insert position: it covers every commit made so far, even one
	// whose WAL is not yet written out.
	res, err := s.Exec(ctx, "SELECT pg_current_wal_insert_lsn()")
	if err != nil {
		return fmt.Errorf("pglocal: primary position: %w", err)
	}
	lsn := res
	if !lsnPattern(lsn) {
		return fmt.Errorf("pglocal: primary position: unexpected %q", lsn)
	}
	q := "SELECT coalesce(pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn, false)"
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		v, err := replica.Exec(ctx, q)
		if err != nil {
			return fmt.Errorf("pglocal: replica on port %d: %w", replica.port, err)
		}
		if v == "t" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pglocal: replica on port %d has not replayed up to %s: %w", replica.port, lsn, ctx.Err())
		case <-replica.exited:
			return fmt.Errorf("pglocal: replica on port %d exited", replica.port)
		case <-tick.C:
		}
	}
}

// Stop shuts the server down (fast: open sessions are ended) and waits for
// it to exit. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{
		{syscall.SIGINT, 30 * time.Second},  // fast shutdown
		{syscall.SIGQUIT, 10 * time.Second}, // immediate shutdown
		{syscall.SIGKILL, 10 * time.Second},
	}
	for i, st := range steps {
		select {
		case <-s.exited:
			return s.exitError(i > 0)
		default:
		}
		_ = s.cmd.Process.Signal(st.sig)
		select {
		case <-s.exited:
			return s.exitError(i > 0)
		case <-time.After(st.wait):
		}
	}
	return fmt.Errorf("pglocal: server on port %d did not exit", s.port)
}

// exitError is nil for a clean fast shutdown.
func (s *Server) exitError(forced bool) error {
	if forced {
		return fmt.Errorf("pglocal: server on port %d did not shut down in time and was killed", s.port)
	}
	if s.waitErr != nil {
		return fmt.Errorf("pglocal: server on port %d: %w: %s", s.port, s.waitErr, s.tail.String())
	}
	return nil
}

// start runs the postmaster for s.dir on port and waits until it accepts
// connections. A port of 0 is picked here; if another process takes it
// first the start is retried on another.
func start(ctx context.Context, s *Server, port int) (*Server, error) {
	pick := port == 0
	for attempt := 0; ; attempt++ {
		p := port
		if pick {
			var err error
			if p, err = freePort(); err != nil {
				return nil, err
			}
		}
		err := s.launch(ctx, p)
		if err == nil {
			return s, nil
		}
		if !pick || attempt == 2 || !strings.Contains(s.tail.String(), "could not bind") {
			return nil, err
		}
	}
}

func (s *Server) launch(ctx context.Context, port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("pglocal: port %d out of range", port)
	}
	s.port = port
	s.tail = &tailBuffer{max: 4096}
	s.exited = make(chan struct{})
	s.waitErr = nil
	// Settings on the command line win over the configuration files, which
	// a replica copies from its primary.
	sock := s.dir
	if len(sock)+len("/.s.PGSQL.65535") >= 100 {
		sock = "" // too long for a unix socket path: TCP only
	}
	// Not bound to a context: the server outlives the call that starts it.
	cmd := s.run.command(context.Background(), filepath.Join(s.bin, "postgres"), "-D", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port),
		"-c", "unix_socket_directories="+sock)
	cmd.Stdout = io.MultiWriter(s.log, s.tail)
	cmd.Stderr = cmd.Stdout
	// Backends inherit the output pipe; do not wait on them forever.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pglocal: start postgres: %w", err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		_ = s.stop()
		return err
	}
	return nil
}

// waitReady polls until the server answers a query.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		var err error
		if _, err = s.Exec(ctx, "SELECT 1"); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pglocal: postgres on port %d exited during start-up: %s", s.port, s.tail.String())
		case <-ctx.Done():
			return fmt.Errorf("pglocal: postgres on port %d not ready: %w (last: %v)", s.port, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// Stats are one database's counters from PostgreSQL's statistics views.
type Stats struct {
	Rows         int64 // live rows in its tables
	Transactions int64 // committed and rolled back
	RowsRead     int64 // returned and fetched
	RowsWritten  int64 // inserted, updated and deleted
}

// Stats reads database's counters on this server.
func (s *Server) Stats(ctx context.Context, database string) (Stats, error) {
	if err := validName(database); err != nil {
		return Stats{}, err
	}
	row, err := s.firstRow(ctx, database, `SELECT (SELECT COALESCE(SUM(n_live_tup), 0) FROM pg_stat_user_tables),
		xact_commit + xact_rollback, tup_returned + tup_fetched, tup_inserted + tup_updated + tup_deleted
		FROM pg_stat_database WHERE datname = current_database()`)
	if err == nil && len(row) != 4 {
		err = errors.New("no row")
	}
	if err != nil {
		return Stats{}, fmt.Errorf("pglocal: statistics of %s: %w", database, err)
	}
	var v [4]int64
	for i, col := range row {
		if v[i], err = strconv.ParseInt(string(col), 10, 64); err != nil {
			return Stats{}, fmt.Errorf("pglocal: statistics of %s: %w", database, err)
		}
	}
	return Stats{Rows: v[0], Transactions: v[1], RowsRead: v[2], RowsWritten: v[3]}, nil
}

// Exec runs one statement on the server's postgres database and returns
// the first column of the first row, if any.
func (s *Server) Exec(ctx context.Context, sql string) (string, error) {
	row, err := s.firstRow(ctx, "postgres", sql)
	if err != nil || len(row) == 0 {
		return "", err
	}
	return string(row[0]), nil
}

// firstRow runs one statement on database and returns its first row's
// columns as text; none when it returns no rows.
func (s *Server) firstRow(ctx context.Context, database, sql string) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, s.DSN(database))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	res, err := conn.Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(res) > 0 && len(res[0].Rows) > 0 {
		return res[0].Rows[0], nil
	}
	return nil, nil
}

// initdb creates a cluster tuned to start fast and to serve streaming
// replicas. Durability is traded away (fsync off): these servers hold
// test and development data.
func initdb(ctx context.Context, bin string, run *runAs, dir string) error {
	out, err := run.command(ctx, filepath.Join(bin, "initdb"), "-D", dir, "-U", superuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		_ = clearDir(dir)
		return fmt.Errorf("pglocal: initdb %s: %w: %s", dir, err, strings.TrimSpace(string(out)))
	}
	conf := `
# pglocal: a private server for tests and local clusters
wal_level = replica
max_wal_senders = 10
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
fsync = off
shared_buffers = 16MB
max_connections = 100
dynamic_shared_memory_type = posix
logging_collector = off
log_min_messages = warning
log_checkpoints = off
`
	f, err := os.OpenFile(filepath.Join(dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pglocal: configure %s: %w", dir, err)
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return fmt.Errorf("pglocal: configure %s: %w", dir, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pglocal: configure %s: %w", dir, err)
	}
	return nil
}

// prepare finds the binaries and makes dir a directory the server's user
// owns, can reach and alone can read.
func prepare(dir string) (bin string, run *runAs, err error) {
	if dir == "" {
		return "", nil, errors.New("pglocal: a data directory is required")
	}
	if bin, err = binDir(); err != nil {
		return "", nil, err
	}
	if run, err = currentRunAs(); err != nil {
		return "", nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, fmt.Errorf("pglocal: %w", err)
	}
	if abs != dir {
		return "", nil, fmt.Errorf("pglocal: data directory %q must be an absolute, clean path", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("pglocal: %w", err)
	}
	if err := run.own(dir); err != nil {
		return "", nil, err
	}
	return bin, run, nil
}

// hasCluster reports whether dir holds a cluster (PG_VERSION), refusing a
// directory that holds something else.
func hasCluster(dir string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		return true, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("pglocal: %w", err)
	}
	if len(ents) > 0 {
		return false, fmt.Errorf("pglocal: %s is neither empty nor a PostgreSQL data directory", dir)
	}
	return false, nil
}

// clearDir empties dir after a failed initdb or backup, keeping dir.
func clearDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pglocal: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func validName(name string) error {
	if name == "" || len(name) > 63 {
		return fmt.Errorf("pglocal: database name %q must be 1 to 63 characters", name)
	}
	for i, r := range name {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return fmt.Errorf("pglocal: database name %q: only letters, digits and '_', not starting with a digit", name)
		}
	}
	return nil
}

// lsnPattern reports whether v looks like a WAL position (hex/hex), so it
// is safe to put in a query.
func lsnPattern(v string) bool {
	hi, lo, ok := strings.Cut(v, "/")
	if !ok || hi == "" || lo == "" || len(v) > 17 {
		return false
	}
	for _, r := range hi + lo {
		if !strings.ContainsRune("0123456789ABCDEFabcdef", r) {
			return false
		}
	}
	return true
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
