package cache

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/pinhole/pinhole"
)

// Kinds of cached entries a write invalidates on every node.
const (
	KindPost      = "post"      // a post by ID; also kept in the remote tier
	KindAccount   = "account"   // an account by ID (its counters moved)
	KindLiked     = "liked"     // "did this member like this post": IDs in pairs, member then post
	KindPostsOf   = "posts-of"  // the cached lists of an author's posts
	KindTimeline  = "timeline"  // cached pages of these owners' home timelines
	KindTimelines = "timelines" // every cached timeline page (a post left every timeline); no IDs
	KindBlock     = "block"     // a block between two accounts began or ended: IDs in pairs
	KindFollowing = "following" // whom these members follow changed
	KindTagsOf    = "tags-of"   // the hashtags these members follow changed
)

// remoteKinds are the kinds whose entries live in the remote tier too.
// Accounts do not: they hold e-mail addresses, which stay in the database.
var remoteKinds = map[string]bool{KindPost: true}

// Remote is the second tier (DESIGN §7), shared by every node: Redis at
// scale (redis.Client implements it). A failed call is a miss, or a
// delete left to the TTL; implementations report their own outages
// (redis.Client logs them, rate-limited), so the decorators do not log
// them again.
type Remote interface {
	// GetMulti returns the values found among keys.
	GetMulti(ctx context.Context, keys []string) (map[string][]byte, error)
	// SetMulti stores values for ttl under keys that hold nothing, not
	// even a recent Delete: a fill that raced a write must not bring the
	// old value back.
	SetMulti(ctx context.Context, items map[string][]byte, ttl time.Duration) error
	// Delete drops keys after a write.
	Delete(ctx context.Context, keys ...string) error
}

// Invalidator tells every node which entries a write made stale: NATS at
// scale (nats.Conn implements it). Each node hands what it hears to
// Shared.Apply.
type Invalidator interface {
	Broadcast(kind string, ids []pinhole.ID) error
}

// Shared is what one node's cache decorators share beyond the process:
// the remote tier and the invalidation broadcast, either of which may be
// absent. Without a Shared the decorators are in-process only (the
// embedded one-box mode).
type Shared struct {
	remote Remote      // nil: no second tier
	inv    Invalidator // nil: no other nodes to tell
	ttl    time.Duration
	log    *slog.Logger

	mu        sync.RWMutex
	listeners map[string][]func(ids []pinhole.ID)

	logMu  sync.Mutex
	logged map[string]time.Time
}

// logEvery bounds failure logging: an outage fails every call alike.
const logEvery = 30 * time.Second

// NewShared returns a Shared; remote entries live for ttl. remote and inv
// may be nil (pass a nil interface, not a nil pointer).
func NewShared(remote Remote, inv Invalidator, ttl time.Duration, log *slog.Logger) *Shared {
	return &Shared{remote: remote, inv: inv, ttl: ttl, log: log, listeners: map[string][]func([]pinhole.ID){}, logged: map[string]time.Time{}}
}

// Listen calls fn with the IDs of every invalidation of kind, this node's
// own included. The decorators listen for their kinds; other in-process
// caches may too (e.g. an account cache in a service).
func (s *Shared) Listen(kind string, fn func(ids []pinhole.ID)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners[kind] = append(s.listeners[kind], fn)
}

// Apply drops entries on this node: it is what a node does with an
// invalidation it hears from the others.
func (s *Shared) Apply(kind string, ids []pinhole.ID) {
	s.mu.RLock()
	fns := s.listeners[kind]
	s.mu.RUnlock()
	for _, fn := range fns {
		fn(ids)
	}
}

// Invalidate drops entries a write made stale: first from the remote tier
// (so a node refilling its own cache cannot read the old value there),
// then on this node, then on the others. Failures are not returned: the
// write is done, and the TTLs bound what a failure leaves stale.
func (s *Shared) Invalidate(ctx context.Context, kind string, ids ...pinhole.ID) {
	if s.remote != nil && remoteKinds[kind] && len(ids) > 0 {
		_ = s.remote.Delete(ctx, remoteKeys(kind, ids)...)
	}
	s.Apply(kind, ids)
	if s.inv != nil {
		if err := s.inv.Broadcast(kind, ids); err != nil {
			s.warn(ctx, "broadcast", err)
		}
	}
}

func remoteKey(kind string, id pinhole.ID) string {
	return kind + ":" + strconv.FormatInt(int64(id), 10)
}

func remoteKeys(kind string, ids []pinhole.ID) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = remoteKey(kind, id)
	}
	return keys
}

// getRemote returns the encoded entries the remote tier holds among ids.
func (s *Shared) getRemote(ctx context.Context, kind string, ids []pinhole.ID) map[pinhole.ID][]byte {
	if s.remote == nil || !remoteKinds[kind] {
		return nil
	}
	found, err := s.remote.GetMulti(ctx, remoteKeys(kind, ids))
	if err != nil {
		return nil
	}
	out := make(map[pinhole.ID][]byte, len(found))
	for _, id := range ids {
		if b, ok := found[remoteKey(kind, id)]; ok {
			out[id] = b
		}
	}
	return out
}

// setRemote fills the remote tier.
func (s *Shared) setRemote(ctx context.Context, kind string, items map[pinhole.ID][]byte) {
	if s.remote == nil || !remoteKinds[kind] || len(items) == 0 {
		return
	}
	m := make(map[string][]byte, len(items))
	for id, b := range items {
		m[remoteKey(kind, id)] = b
	}
	_ = s.remote.SetMulti(ctx, m, s.ttl)
}

func (s *Shared) warn(ctx context.Context, what string, err error) {
	now := time.Now()
	s.logMu.Lock()
	last, ok := s.logged[what]
	if ok && now.Sub(last) < logEvery {
		s.logMu.Unlock()
		return
	}
	s.logged[what] = now
	s.logMu.Unlock()
	s.log.WarnContext(ctx, "cache: invalidation not sent; other nodes serve the old entry until its TTL", "op", what, "err", err)
}
