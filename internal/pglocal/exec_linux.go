package pglocal

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runAs is the OS user the server binaries run as: this process's own,
// or the postgres user when this process is root.
type runAs struct {
	cred *syscall.Credential // nil: as this process
	name string
}

func currentRunAs() (*runAs, error) {
	if os.Geteuid() != 0 {
		return &runAs{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pglocal: running as root, and PostgreSQL refuses root: need a \"postgres\" OS user to run the servers as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pglocal: postgres user has ids %q/%q", u.Uid, u.Gid)
	}
	return &runAs{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, name: u.Username}, nil
}

// command returns a command for a server binary run as r
// (serverCommand).
func (r *runAs) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := serverCommand(ctx, name, args...)
	// If this process dies without stopping the server, the server is
	// told to shut down instead of lingering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGINT, Credential: r.cred}
	return cmd
}

// own gives dir to the server's user with mode 0700 (PostgreSQL insists)
// and checks that the user can reach it through its parents.
func (r *runAs) own(dir string) error {
	if r.cred != nil {
		if err := os.Chown(dir, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
			return fmt.Errorf("pglocal: give %s to %s: %w", dir, r.name, err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	if r.cred == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pglocal: %w", err)
		}
		sys, _ := st.Sys().(*syscall.Stat_t)
		mode := st.Mode().Perm()
		ok := mode&0o001 != 0
		if sys != nil && sys.Uid == r.cred.Uid {
			ok = mode&0o100 != 0
		} else if sys != nil && sys.Gid == r.cred.Gid {
			ok = mode&0o010 != 0
		}
		if !ok {
			return fmt.Errorf("pglocal: the %s user cannot reach %s: %s (mode %v) is not searchable by it; use a parent directory with o+x (e.g. chmod 0711)", r.name, dir, p, mode)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
