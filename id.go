package pinhole

import (
	"strconv"
	"sync"
	"time"
)

// ID layout (the Instagram scheme): 41 bits of milliseconds since Epoch,
// 13 bits of logical shard, 10 bits of per-shard sequence. IDs sort by
// time and name the shard that holds the row, so no lookup is needed to
// route a read.
const (
	ShardBits = 13
	SeqBits   = 10
	MaxShards = 1 << ShardBits
	maxSeq    = 1<<SeqBits - 1
)

// Epoch is the zero of the ID clock.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// ID identifies every row Pinhole stores. It is rendered as a decimal
// string in JSON, as the Mastodon API does.
type ID int64

// Shard returns the logical shard the ID was minted on.
func (id ID) Shard() int { return int(id>>SeqBits) & (MaxShards - 1) }

// Time returns when the ID was minted, to the millisecond.
func (id ID) Time() time.Time {
	return Epoch.Add(time.Duration(int64(id)>>(ShardBits+SeqBits)) * time.Millisecond)
}

func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// MarshalText renders the ID as a JSON string.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText accepts the decimal form.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID parses a decimal ID. Anything else is ENOTFOUND: an ID that cannot
// exist names nothing.
func ParseID(s string) (ID, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, Errorf(ENOTFOUND, "No record with ID %.40q.", s)
	}
	return ID(v), nil
}

// IDAt returns the smallest ID minted at t, for time-bounded queries.
func IDAt(t time.Time) ID {
	ms := t.Sub(Epoch).Milliseconds()
	if ms < 0 {
		ms = 0
	}
	return ID(ms << (ShardBits + SeqBits))
}

// IDGenerator mints IDs for any logical shard. It is safe for concurrent
// use. Two processes must not mint on the same shard with separate
// generators unless their clocks and sequences are kept apart, which the
// store's ID source does at scale.
type IDGenerator struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[int]int64 // shard -> last (ms<<SeqBits | seq)
}

// NewIDGenerator returns a generator reading time from now.
func NewIDGenerator(now func() time.Time) *IDGenerator {
	return &IDGenerator{now: now, last: make(map[int]int64)}
}

// Next mints a new ID on the given logical shard. Within one millisecond it
// counts up the sequence; past 1,024 IDs it borrows the next millisecond, so
// IDs stay unique and increasing even if the clock stalls or steps back.
func (g *IDGenerator) Next(shard int) ID {
	ms := g.now().Sub(Epoch).Milliseconds()
	if ms < 0 {
		ms = 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := ms << SeqBits
	if last, ok := g.last[shard]; ok && cur <= last {
		cur = last + 1 // same or earlier millisecond: next sequence number
	}
	g.last[shard] = cur
	ms, seq := cur>>SeqBits, cur&maxSeq
	return ID(ms<<(ShardBits+SeqBits) | int64(shard&(MaxShards-1))<<SeqBits | seq)
}
