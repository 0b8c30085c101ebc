//go:build !linux

package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// runAs is the OS user the server binaries run as: this process's own.
// Only on Linux can a root process run them as the postgres user.
type runAs struct{}

func currentRunAs() (*runAs, error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("pglocal: PostgreSQL refuses to run as root: run as another user")
	}
	return &runAs{}, nil
}

// command returns a command for a server binary (serverCommand).
func (r *runAs) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return serverCommand(ctx, name, args...)
}

// own gives dir mode 0700, as PostgreSQL insists.
func (r *runAs) own(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	return nil
}
