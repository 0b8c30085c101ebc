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
// use. Processes that mint at the same time each hold a distinct node
// number (leased from the directory database): the node number takes the
// high bits of the sequence, so two processes never mint the same ID.
type IDGenerator struct {
	now       func() time.Time
	mu        sync.Mutex
	node      int64
	localBits uint
	last      map[int]int64 // shard -> last (ms<<localBits | local sequence)
}

// NodeBits is how many of the sequence bits name the minting process: up
// to 32 processes mint at once, each up to 32 IDs per millisecond per
// logical shard (beyond that it borrows the next millisecond).
const NodeBits = 5

// MaxNodes is the number of distinct node numbers.
const MaxNodes = 1 << NodeBits

// NewIDGenerator returns a generator reading time from now, owning the
// whole sequence (one minting process).
func NewIDGenerator(now func() time.Time) *IDGenerator {
	return &IDGenerator{now: now, localBits: SeqBits, last: make(map[int]int64)}
}

// SetNode makes the generator mint as node n of MaxNodes. IDs it mints
// afterwards never equal IDs minted by another node number.
func (g *IDGenerator) SetNode(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.localBits
	g.node, g.localBits = int64(n&(MaxNodes-1)), SeqBits-NodeBits
	// Restart the sequences past the last millisecond minted so far, so
	// the switch cannot repeat an ID this process already handed out.
	for shard, last := range g.last {
		g.last[shard] = (last>>old + 1) << g.localBits
	}
}

// Next mints a new ID on the given logical shard. Within one millisecond it
// counts up the sequence; when the sequence is used up it borrows the next
// millisecond, so IDs stay unique and increasing even if the clock stalls
// or steps back.
func (g *IDGenerator) Next(shard int) ID {
	ms := g.now().Sub(Epoch).Milliseconds()
	if ms < 0 {
		ms = 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := ms << g.localBits
	if last, ok := g.last[shard]; ok && cur <= last {
		cur = last + 1 // same or earlier millisecond: next sequence number
	}
	g.last[shard] = cur
	ms, local := cur>>g.localBits, cur&(1<<g.localBits-1)
	seq := g.node<<g.localBits | local
	return ID(ms<<(ShardBits+SeqBits) | int64(shard&(MaxShards-1))<<SeqBits | seq)
}
