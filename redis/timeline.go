package redis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/inmem"
)

var _ pinhole.TimelineStore = (*Timelines)(nil)

// Timelines keeps home timelines in Redis sorted sets (DESIGN §5).
//
// Layout, under the prefix:
//
//	tl:<owner>  sorted set, every score 0, so members sort as strings:
//	            "!" marks the timeline built (an empty built timeline is
//	            not a missing one); each entry is the post ID and the
//	            author ID in fixed-width hex, 32 characters. Post IDs do
//	            not fit a float64 score exactly; as strings they sort
//	            exactly, and pages are lexicographic ranges.
//	tlp:<post>  set of the owners whose timelines the post was written to,
//	            so RemovePost finds them.
//
// A timeline lives TimelineTTL from when it was built, whatever happens to
// it after; the next read rebuilds it from the graph. Every write of a
// post into a timeline sets the post's owner set to live TimelineTTL from
// then. A timeline holding the post was built before that write, so it
// expires before the owner set does: RemovePost always finds it.
//
// While Redis is down, reads answer from timelines rebuilt in process
// (the feed rebuilds a missing timeline from the graph, so members still
// get their feed from the database) and writes fail, so the event
// consumers that make them retry later.
type Timelines struct {
	c     *Client
	local *inmem.Cache[pinhole.ID, []pinhole.TimelineEntry] // rebuilt while Redis was down; newest first
}

// NewTimelines returns the store; now is the in-process fallback's clock.
func NewTimelines(c *Client, now func() time.Time) *Timelines {
	return &Timelines{c: c, local: inmem.NewCache[pinhole.ID, []pinhole.TimelineEntry](10_000, c.cfg.FallbackTTL, now)}
}

const builtMarker = "!" // sorts before every hex digit

func hex16(id pinhole.ID) string {
	s := strconv.FormatUint(uint64(id), 16)
	return "0000000000000000"[len(s):] + s
}

func member(e pinhole.TimelineEntry) string { return hex16(e.PostID) + hex16(e.AuthorID) }

func parseMember(m string) (pinhole.TimelineEntry, error) {
	if len(m) != 32 {
		return pinhole.TimelineEntry{}, fmt.Errorf("malformed timeline entry %.40q", m)
	}
	p, err1 := strconv.ParseUint(m[:16], 16, 63)
	a, err2 := strconv.ParseUint(m[16:], 16, 63)
	if err1 != nil || err2 != nil {
		return pinhole.TimelineEntry{}, fmt.Errorf("malformed timeline entry %.40q", m)
	}
	return pinhole.TimelineEntry{PostID: pinhole.ID(p), AuthorID: pinhole.ID(a)}, nil
}

func (t *Timelines) tlKey(owner pinhole.ID) string  { return t.c.key("tl", owner.String()) }
func (t *Timelines) postKey(post pinhole.ID) string { return t.c.key("tlp", post.String()) }

func checkCap(cap int) error {
	if cap < 1 {
		return fmt.Errorf("redis: timeline cap %d must be positive", cap)
	}
	return nil
}

// newest returns entries newest first, without repeats, at most cap.
func newest(entries []pinhole.TimelineEntry, cap int) []pinhole.TimelineEntry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b pinhole.TimelineEntry) int {
		if a.PostID != b.PostID {
			return cmp.Compare(b.PostID, a.PostID)
		}
		return cmp.Compare(b.AuthorID, a.AuthorID)
	})
	out = slices.CompactFunc(out, func(a, b pinhole.TimelineEntry) bool { return a.PostID == b.PostID })
	if len(out) > cap {
		out = out[:cap]
	}
	return out
}

func (t *Timelines) ttlMS() int64 { return t.c.cfg.TimelineTTL.Milliseconds() }

func (t *Timelines) TimelineExists(ctx context.Context, owner pinhole.ID) (bool, error) {
	var n int64
	err := t.c.do(ctx, "timeline exists", func(ctx context.Context) (err error) {
		n, err = t.c.rdb.Exists(ctx, t.tlKey(owner)).Result()
		return err
	})
	if err != nil {
		_, ok := t.local.Get(owner)
		return ok, nil
	}
	return n > 0, nil
}

// ReplaceTimeline writes the timeline whole, in one transaction. While
// Redis is down the timeline is kept in process instead.
func (t *Timelines) ReplaceTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	if err := checkCap(cap); err != nil {
		return err
	}
	kept := newest(entries, cap)
	err := t.c.do(ctx, "timeline replace", func(ctx context.Context) error {
		_, err := t.c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			key := t.tlKey(owner)
			members := make([]goredis.Z, 0, len(kept)+1)
			members = append(members, goredis.Z{Member: builtMarker})
			for _, e := range kept {
				members = append(members, goredis.Z{Member: member(e)})
			}
			p.Del(ctx, key)
			p.ZAdd(ctx, key, members...)
			p.PExpire(ctx, key, t.c.cfg.TimelineTTL)
			for _, e := range kept {
				pk := t.postKey(e.PostID)
				p.SAdd(ctx, pk, owner.String())
				p.PExpire(ctx, pk, t.c.cfg.TimelineTTL)
			}
			return nil
		})
		return err
	})
	if err != nil {
		t.local.Set(owner, kept)
		return nil
	}
	t.local.Delete(owner)
	return nil
}

// push adds one entry to each built timeline among KEYS (all but the last)
// and trims it; the last key is the post's owner set, which learns the
// owners written to. ARGV: the member, the cap, the TTL in milliseconds,
// then the owner of each timeline key.
var push = goredis.NewScript(`
local n = #KEYS - 1
local cap = tonumber(ARGV[2])
local pushed = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('ZADD', KEYS[i], 0, ARGV[1])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 1, -(cap + 1))
    pushed[#pushed + 1] = ARGV[3 + i]
  end
end
if #pushed > 0 then
  redis.call('SADD', KEYS[n + 1], unpack(pushed))
  redis.call('PEXPIRE', KEYS[n + 1], ARGV[3])
end
return #pushed
`)

// pushBatch is how many timelines one script call writes: large enough to
// save round trips, small enough not to hold Redis up.
const pushBatch = 500

// PushTimelines adds e to each built timeline among owners, in batches
// sent in one pipeline. Every push trims: a timeline never holds more
// than cap entries.
func (t *Timelines) PushTimelines(ctx context.Context, owners []pinhole.ID, e pinhole.TimelineEntry, cap int) error {
	if err := checkCap(cap); err != nil {
		return err
	}
	if len(owners) == 0 {
		return nil
	}
	m, pk, ttl := member(e), t.postKey(e.PostID), t.ttlMS()
	return t.c.do(ctx, "timeline push", func(ctx context.Context) error {
		_, err := t.c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for batch := range slices.Chunk(owners, pushBatch) {
				keys := make([]string, 0, len(batch)+1)
				args := make([]any, 0, len(batch)+3)
				args = append(args, m, cap, ttl)
				for _, o := range batch {
					keys = append(keys, t.tlKey(o))
					args = append(args, o.String())
				}
				keys = append(keys, pk)
				push.Eval(ctx, p, keys, args...) // the script's text rides along: no NOSCRIPT in a pipeline
			}
			return nil
		})
		return err
	})
}

// add merges entries into a built timeline KEYS[1] and trims it; KEYS[2…]
// are the entries' owner sets. ARGV: the owner, the cap, the TTL in
// milliseconds, then each entry's member.
var add = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[1], 0, ARGV[2 + i])
  redis.call('SADD', KEYS[i], ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[2]) + 1))
return 1
`)

// AddToTimeline merges entries into owner's timeline if it is built.
func (t *Timelines) AddToTimeline(ctx context.Context, owner pinhole.ID, entries []pinhole.TimelineEntry, cap int) error {
	if err := checkCap(cap); err != nil {
		return err
	}
	kept := newest(entries, cap) // older ones could not outlive the trim
	if len(kept) == 0 {
		return nil
	}
	keys := []string{t.tlKey(owner)}
	args := []any{owner.String(), cap, t.ttlMS()}
	for _, e := range kept {
		keys = append(keys, t.postKey(e.PostID))
		args = append(args, member(e))
	}
	return t.c.do(ctx, "timeline add", func(ctx context.Context) error {
		return add.Run(ctx, t.c.rdb, keys, args...).Err()
	})
}

// ReadTimeline returns a page, newest first. The bounds are lexicographic:
// "(" + hex(MaxID) is below every entry of MaxID, "[" + hex(SinceID+1) at
// or below every entry after SinceID, and "[0" above the built marker.
func (t *Timelines) ReadTimeline(ctx context.Context, owner pinhole.ID, page pinhole.Page) ([]pinhole.TimelineEntry, error) {
	if page.Limit <= 0 {
		page.Limit = pinhole.DefaultPageLimit
	}
	lower := max(page.SinceID, page.MinID)
	if lower < 0 || int64(lower) == math.MaxInt64 || page.MaxID < 0 {
		return nil, nil
	}
	rng := &goredis.ZRangeBy{Min: "[0", Max: "+", Count: int64(page.Limit)}
	if page.MaxID > 0 {
		rng.Max = "(" + hex16(page.MaxID)
	}
	if lower > 0 {
		rng.Min = "[" + hex16(lower+1)
	}
	var members []string
	err := t.c.do(ctx, "timeline read", func(ctx context.Context) (err error) {
		z := goredis.ZRangeArgs{Key: t.tlKey(owner), Start: rng.Min, Stop: rng.Max, ByLex: true, Count: rng.Count}
		if page.MinID == 0 {
			// Newest first: ZRANGE key max min BYLEX REV.
			z.Start, z.Stop, z.Rev = rng.Max, rng.Min, true
		}
		members, err = t.c.rdb.ZRangeArgs(ctx, z).Result()
		return err
	})
	if err != nil {
		return t.readLocal(owner, page), nil
	}
	out := make([]pinhole.TimelineEntry, 0, len(members))
	for _, m := range members {
		e, err := parseMember(m)
		if err != nil {
			return nil, fmt.Errorf("redis: read timeline of %d: %w", owner, err)
		}
		out = append(out, e)
	}
	if page.MinID != 0 {
		slices.Reverse(out)
	}
	return out, nil
}

// readLocal pages a timeline rebuilt in process while Redis was down.
func (t *Timelines) readLocal(owner pinhole.ID, page pinhole.Page) []pinhole.TimelineEntry {
	all, _ := t.local.Get(owner) // newest first
	var out []pinhole.TimelineEntry
	for _, e := range all {
		if page.Contains(e.PostID) {
			out = append(out, e)
		}
	}
	if len(out) > page.Limit {
		if page.MinID != 0 {
			out = out[len(out)-page.Limit:] // the page right after MinID
		} else {
			out = out[:page.Limit]
		}
	}
	return out
}

// removeAuthor drops from KEYS[1] every entry whose author is ARGV[1] (in
// hex). A timeline is at most a few hundred entries.
var removeAuthor = goredis.NewScript(`
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 1, -1)) do
  if string.sub(m, 17) == ARGV[1] then
    redis.call('ZREM', KEYS[1], m)
    n = n + 1
  end
end
return n
`)

func (t *Timelines) RemoveAuthor(ctx context.Context, owner, author pinhole.ID) error {
	t.local.Delete(owner)
	return t.c.do(ctx, "timeline remove author", func(ctx context.Context) error {
		return removeAuthor.Run(ctx, t.c.rdb, []string{t.tlKey(owner)}, hex16(author)).Err()
	})
}

// RemovePost drops a post from every timeline it was written to: the
// owners in its owner set. Entries of a post are the members starting with
// its hex ID, a lexicographic range.
func (t *Timelines) RemovePost(ctx context.Context, postID pinhole.ID) error {
	pk, from, to := t.postKey(postID), "["+hex16(postID), "("+hex16(postID)+"g" // 'g' follows every hex digit
	return t.c.do(ctx, "timeline remove post", func(ctx context.Context) error {
		var cursor uint64
		for {
			owners, next, err := t.c.rdb.SScan(ctx, pk, cursor, "", 1000).Result()
			if err != nil {
				return err
			}
			if len(owners) > 0 {
				_, err = t.c.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
					for _, o := range owners {
						p.ZRemRangeByLex(ctx, t.c.key("tl", o), from, to)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				// The set is left to expire: deleting it could lose an
				// owner a concurrent push just added.
				return nil
			}
		}
	})
}

func (t *Timelines) DropTimeline(ctx context.Context, owner pinhole.ID) error {
	t.local.Delete(owner)
	return t.c.do(ctx, "timeline drop", func(ctx context.Context) error {
		return t.c.rdb.Del(ctx, t.tlKey(owner)).Err()
	})
}
