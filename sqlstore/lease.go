package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/pinhole/pinhole"
)

// AcquireLease takes the named lease for owner for ttl if it is free,
// expired or already owner's, and reports whether owner holds it now.
// Leases live in the directory database, which every process shares, and
// expire by its clock: processes whose clocks disagree still agree on
// who holds a lease.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := s.c.Dialect.NowMillis()
	res, err := s.c.Directory.Write.ExecContext(ctx, s.q(`INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, `+now+` + ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE leases.expires_at < `+now+` OR leases.owner = excluded.owner`), name, owner, ttl.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return n == 1, nil
}

// RenewLease extends owner's lease; false means owner lost it (it expired
// and another process took it).
func (s *Store) RenewLease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	res, err := s.c.Directory.Write.ExecContext(ctx, s.q(`UPDATE leases SET expires_at = `+s.c.Dialect.NowMillis()+` + ?
		WHERE name = ? AND owner = ?`), ttl.Milliseconds(), name, owner)
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives the lease up if owner holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	_, err := s.c.Directory.Write.ExecContext(ctx, s.q(`DELETE FROM leases WHERE name = ? AND owner = ?`), name, owner)
	if err != nil {
		return fmt.Errorf("lease %s: %w", name, err)
	}
	return nil
}

// AcquireIDNode leases a free ID node number for owner (see
// pinhole.IDGenerator.SetNode) and returns it.
func (s *Store) AcquireIDNode(ctx context.Context, owner string, ttl time.Duration) (int, error) {
	for n := 0; n < idNodes; n++ {
		ok, err := s.AcquireLease(ctx, IDNodeLease(n), owner, ttl)
		if err != nil {
			return 0, err
		}
		if ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("lease: all %d ID node numbers are taken: too many Pinhole processes share these databases", idNodes)
}

// IDNodeLease names the lease of ID node number n.
func IDNodeLease(n int) string { return fmt.Sprintf("id-node-%d", n) }

const idNodes = pinhole.MaxNodes
