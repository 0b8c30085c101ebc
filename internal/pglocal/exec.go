package pglocal

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// binDir finds the directory holding initdb, pg_ctl, pg_basebackup and
// postgres: where pg_config (or initdb) on PATH says, else the newest
// /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH).
func binDir() (string, error) {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	vers, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(vers, func(i, j int) bool { return pgVersion(vers[i]) > pgVersion(vers[j]) })
	candidates = append(candidates, vers...)
	for _, dir := range candidates {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", errors.New("pglocal: PostgreSQL server binaries (initdb, pg_basebackup, postgres) not found on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
}

func hasBinaries(dir string) bool {
	for _, b := range []string{"initdb", "pg_basebackup", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, b))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// pgVersion reads the major version from /usr/lib/postgresql/<v>/bin.
func pgVersion(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

// serverCommand returns a command for a server binary in a parent-free
// environment: PG* variables of this process (PGHOST, PGDATA, …) could
// point the tools elsewhere, so they are dropped.
func serverCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	env := []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || k == "LC_ALL" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	// The tools look up their current directory; the test's may not be
	// readable by the server's user.
	cmd.Dir = os.TempDir()
	return cmd
}
