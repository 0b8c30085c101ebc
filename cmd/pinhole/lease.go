package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/pinhole/pinhole/sqlstore"
)

// Leases are renewed every leaseRenew and lapse after leaseTTL without a
// renewal (a process that died frees its lease within leaseTTL).
const (
	leaseTTL   = 30 * time.Second
	leaseRenew = 5 * time.Second
)

// leaseOwner names this process in the leases table.
func leaseOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// holdIDNode leases an ID node number so that IDs minted here never equal
// IDs minted by another process at the same instant, and keeps it
// renewed. A lost lease (the process stalled past leaseTTL and another
// took the number) is replaced by a fresh number.
func (m *Main) holdIDNode(ctx context.Context) error {
	n, err := m.Store.AcquireIDNode(ctx, m.owner, leaseTTL)
	if err != nil {
		return err
	}
	m.Cluster.IDs.SetNode(n)
	m.idNode.Store(int64(n))
	m.Log.Debug("ID node leased", "node", n)
	return nil
}

// renewLeases keeps the ID node and, for the scheduler role, the scheduler
// lease until ctx ends.
func (m *Main) renewLeases(ctx context.Context) {
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		m.tryScheduler(ctx)
		select {
		case <-ctx.Done():
			return // Close releases the leases once nothing mints IDs
		case <-t.C:
		}
		ok, err := m.Store.RenewLease(ctx, idNodeLease(m.idNode.Load()), m.owner, leaseTTL)
		switch {
		case err != nil:
			m.Log.Warn("renewing the ID node lease", "err", err)
		case !ok:
			m.Log.Error("the ID node lease was lost; leasing another", "node", m.idNode.Load())
			if err := m.holdIDNode(ctx); err != nil && ctx.Err() == nil {
				m.Log.Error("leasing an ID node", "err", err)
			}
		}
	}
}

// releaseLeases gives the leases up; Close calls it once the consumers and
// photo workers, which mint IDs too, have stopped.
func (m *Main) releaseLeases() {
	if m.owner == "" || m.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = m.Store.ReleaseLease(ctx, idNodeLease(m.idNode.Load()), m.owner)
	if m.leader.Load() {
		_ = m.Store.ReleaseLease(ctx, schedulerLease, m.owner)
	}
}

// schedulerLease is held by the one scheduler whose jobs run.
const schedulerLease = "scheduler"

// tryScheduler takes or renews the scheduler lease for a scheduler-role
// process; only the holder runs the periodic jobs.
func (m *Main) tryScheduler(ctx context.Context) {
	if !m.Config.HasRole("scheduler") || m.Config.tool {
		return
	}
	ok, err := m.Store.AcquireLease(ctx, schedulerLease, m.owner, leaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			m.Log.Warn("scheduler lease", "err", err)
		}
		ok = false
	}
	if was := m.leader.Swap(ok); was != ok {
		m.Log.Info("scheduler lease", "held", ok)
	}
}

func idNodeLease(n int64) string { return sqlstore.IDNodeLease(int(n)) }
