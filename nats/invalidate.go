package nats

import (
	"encoding/binary"
	"fmt"

	natsgo "github.com/nats-io/nats.go"

	"github.com/pinhole/pinhole"
)

// Cache invalidations travel over core NATS (not JetStream) on
// <prefix>.invalidate: when a node writes, every node drops the entries
// the write made stale from its in-process cache. Delivery is best effort;
// a node that misses one (it was disconnected) serves the entry until its
// TTL ends, which is what the TTL bounds.
//
// A message is one byte of kind length, the kind, then the IDs as
// big-endian 64-bit integers. Every node receives its own messages too:
// dropping an entry twice is harmless.

// maxInvalidateIDs is how many IDs one message carries (64 KiB of them).
const maxInvalidateIDs = 8192

func (c *Conn) invalidateSubject() string { return c.cfg.Prefix + ".invalidate" }

// Broadcast tells every node that the entries of a kind with these IDs
// changed. An empty ids is allowed (a kind that means "everything").
func (c *Conn) Broadcast(kind string, ids []pinhole.ID) error {
	if kind == "" || len(kind) > 255 {
		return fmt.Errorf("nats: invalidation kind %.40q must be 1 to 255 bytes", kind)
	}
	for {
		n := min(len(ids), maxInvalidateIDs)
		msg := make([]byte, 0, 1+len(kind)+8*n)
		msg = append(msg, byte(len(kind)))
		msg = append(msg, kind...)
		for _, id := range ids[:n] {
			msg = binary.BigEndian.AppendUint64(msg, uint64(id))
		}
		if err := c.nc.Publish(c.invalidateSubject(), msg); err != nil {
			return fmt.Errorf("nats: broadcast %s invalidation: %w", kind, err)
		}
		if ids = ids[n:]; len(ids) == 0 {
			return nil
		}
	}
}

// OnInvalidate calls fn for every invalidation broadcast by any node,
// this one included, one at a time, until the returned function is
// called. Malformed messages are logged and dropped.
func (c *Conn) OnInvalidate(fn func(kind string, ids []pinhole.ID)) (func(), error) {
	sub, err := c.nc.Subscribe(c.invalidateSubject(), func(m *natsgo.Msg) {
		kind, ids, err := decodeInvalidation(m.Data)
		if err != nil {
			c.log.Warn("nats: dropped an invalidation", "err", err)
			return
		}
		fn(kind, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("nats: subscribe to invalidations: %w", err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

func decodeInvalidation(b []byte) (string, []pinhole.ID, error) {
	if len(b) < 2 || int(b[0]) == 0 || len(b) < 1+int(b[0]) {
		return "", nil, fmt.Errorf("malformed message of %d bytes", len(b))
	}
	kind, rest := string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	if len(rest)%8 != 0 || len(rest)/8 > maxInvalidateIDs {
		return "", nil, fmt.Errorf("malformed %.40q message: %d bytes of IDs", kind, len(rest))
	}
	ids := make([]pinhole.ID, len(rest)/8)
	for i := range ids {
		ids[i] = pinhole.ID(binary.BigEndian.Uint64(rest[8*i:]))
		if ids[i] <= 0 {
			return "", nil, fmt.Errorf("malformed %.40q message: ID %d", kind, ids[i])
		}
	}
	return kind, ids, nil
}
