package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/pinhole/pinhole"
)

// writeEvents adds events to the outbox inside the change's transaction.
func (s *Store) writeEvents(ctx context.Context, tx *sql.Tx, events []pinhole.Event) error {
	for _, e := range events {
		data, err := pinhole.EncodeEvent(e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO outbox (id, shard, payload, created_at) VALUES (?, ?, ?, ?)`),
			int64(e.ID), e.ID.Shard(), string(data), ms(e.At)); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// SetOutbox names what to wake after a commit that wrote events.
func (s *Store) SetOutbox(o pinhole.Outbox) { s.outbox = o }

// kick wakes the relay when events were written.
func (s *Store) kick(events []pinhole.Event) {
	if len(events) > 0 && s.outbox != nil {
		s.outbox.Kick()
	}
}

// Relay publishes the outbox of every physical database: committed events
// go to the bus, then are marked sent. A crash between the two publishes
// them again on restart; the bus drops the copy (the event ID is the
// message ID), so every event takes effect once.
type Relay struct {
	s        *Store
	pub      pinhole.EventBus
	log      *slog.Logger
	wake     chan struct{}
	Interval time.Duration // poll even when not woken
	Fault    func(point string)
}

// NewRelay returns a relay publishing to pub.
func (s *Store) NewRelay(pub pinhole.EventBus, log *slog.Logger) *Relay {
	return &Relay{s: s, pub: pub, log: log, wake: make(chan struct{}, 1), Interval: 250 * time.Millisecond}
}

// Kick wakes the relay now.
func (r *Relay) Kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// faults calls the drill hook at a point, and at the point named with
// each event type in the batch (so a drill can aim at one kind of event).
func (r *Relay) faults(point string, events []pinhole.Event) {
	if r.Fault == nil {
		return
	}
	r.Fault(point)
	for _, e := range events {
		r.Fault(point + ":" + e.Type)
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	lastPurge := time.Now()
	for {
		for _, db := range r.s.allDBs() {
			if err := r.drain(ctx, db); err != nil && ctx.Err() == nil {
				r.log.Warn("outbox relay", "db", db.Name, "err", err)
			}
		}
		if time.Since(lastPurge) > time.Minute {
			r.purge(ctx)
			lastPurge = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-t.C:
		}
	}
}

// RelayOnce publishes whatever is pending now (tests and tools).
func (r *Relay) RelayOnce(ctx context.Context) error {
	for _, db := range r.s.allDBs() {
		if err := r.drain(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

const relayBatch = 256

func (r *Relay) drain(ctx context.Context, db *DB) error {
	for {
		rows, err := db.Write.QueryContext(ctx, r.s.q(`SELECT id, payload FROM outbox WHERE sent_at = 0 ORDER BY id LIMIT ?`), relayBatch)
		if err != nil {
			return err
		}
		var ids []pinhole.ID
		var events []pinhole.Event
		for rows.Next() {
			var id pinhole.ID
			var payload string
			if err := rows.Scan(&id, &payload); err != nil {
				rows.Close()
				return err
			}
			e, err := pinhole.DecodeEvent([]byte(payload))
			if err != nil {
				r.log.Error("outbox: undecodable event skipped", "id", id, "err", err)
			} else {
				events = append(events, e)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		r.faults("relay-before-publish", events)
		if err := r.pub.Publish(ctx, events...); err != nil {
			return err
		}
		r.faults("relay-after-publish", events)
		in, args := inList(ids)
		if _, err := db.Write.ExecContext(ctx, r.s.q(`UPDATE outbox SET sent_at = ? WHERE id IN (`+in+`)`), append([]any{ms(r.s.c.Now())}, args...)...); err != nil {
			return err
		}
		if len(ids) < relayBatch {
			return nil
		}
	}
}

// purge forgets events sent more than an hour ago.
func (r *Relay) purge(ctx context.Context) {
	cut := ms(r.s.c.Now().Add(-time.Hour))
	for _, db := range r.s.allDBs() {
		if _, err := db.Write.ExecContext(ctx, r.s.q(`DELETE FROM outbox WHERE sent_at > 0 AND sent_at < ?`), cut); err != nil && ctx.Err() == nil {
			r.log.Warn("outbox purge", "db", db.Name, "err", err)
		}
	}
}

// PendingEvents counts unsent events (for readiness and tests).
func (s *Store) PendingEvents(ctx context.Context) (int, error) {
	total := 0
	for _, db := range s.allDBs() {
		var n int
		if err := db.Write.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE sent_at = 0`).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
