package main

import (
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
	"github.com/pinhole/pinhole/redis"
	"github.com/pinhole/pinhole/sqlstore"
)

// writeClockKeep is how long the write clock remembers a member's write:
// longer than the web layer's FreshFor.
func (m *Main) writeClockKeep() time.Duration { return max(time.Minute, 2*m.Config.FreshFor) }

// readYourWrites sets up what makes a member read their own writes when a
// database has read replicas (DESIGN §3): the web layer's write
// clock, and event consumers that read from the primaries (an event names
// rows committed a moment ago). It returns the bus consumers subscribe
// through. Without replicas it changes nothing.
//
// With Redis the clock is shared by every node; without, it is in
// process, which is right only while one web process serves everyone.
func (m *Main) readYourWrites(bus pinhole.EventBus) pinhole.EventBus {
	if !m.Cluster.Replicated() {
		return bus
	}
	if m.Redis != nil {
		m.Services.WriteClock = redis.NewWriteClock(m.Redis, m.writeClockKeep())
	} else {
		m.Log.Warn("read replicas without Redis: a member's writes are remembered by the node that took them only; run one web process, or give every node --redis")
		m.Services.WriteClock = inmem.NewWriteClock(m.writeClockKeep(), m.Now)
	}
	return sqlstore.PrimaryConsumers(bus)
}
