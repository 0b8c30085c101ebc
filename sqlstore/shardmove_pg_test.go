package sqlstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/testenv"
	"github.com/pinhole/pinhole/postgres"
	"github.com/pinhole/pinhole/sqlstore"
)

// The shard moves are tested on PostgreSQL: a directory and two physical
// databases, and two stores over them playing two nodes of one cluster.
// Logical shards 0 and 2 start on database 0, shards 1 and 3 on database 1.
const (
	moved      = 0 // the logical shard that moves
	neighbour  = 2 // another shard on the same source database
	farShard   = 1 // a shard on the target database
	testShards = 4
)

// node is one process's view of the cluster.
type node struct {
	*sqlstore.Store
	c *sqlstore.Cluster
}

// mustNodes opens n nodes over fresh databases, each reloading the shard
// map every 100ms.
func mustNodes(t *testing.T, n int) []node {
	t.Helper()
	cfg := postgres.Config{
		Directory: testenv.PostgresDB(t, "move_dir"),
		Shards: []postgres.Shard{
			{Primary: testenv.PostgresDB(t, "move_db0")},
			{Primary: testenv.PostgresDB(t, "move_db1")},
		},
		NumShards: testShards, MaxConns: 6, AutoMigrate: true,
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var out []node
	for i := 0; i < n; i++ {
		c, err := postgres.Open(t.Context(), cfg, time.Now)
		if err != nil {
			t.Fatalf("open node %d: %v", i, err)
		}
		t.Cleanup(func() { _ = postgres.Close(c) })
		c.IDs.SetNode(i)
		s := sqlstore.New(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.RunShardMapWatcher(ctx, 100*time.Millisecond, slog.New(slog.DiscardHandler))
		}()
		out = append(out, node{s, c})
	}
	return out
}

// moveConfig is a quick move: nodes reload every 100ms, so half a second
// of grace is plenty; small batches so copying takes several.
func moveConfig() sqlstore.MoveConfig {
	cfg := sqlstore.NewDefaultMoveConfig()
	cfg.Batch, cfg.Grace = 50, 500*time.Millisecond
	return cfg
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// ledger is every write that returned success.
type ledger struct {
	mu      sync.Mutex
	posts   map[pinhole.ID]pinhole.ID // post → author
	likes   map[[2]pinhole.ID]bool    // (post, liker)
	follows map[[2]pinhole.ID]bool    // (follower, followee)
	notes   map[pinhole.ID]pinhole.ID // notification → recipient
}

func newLedger() *ledger {
	return &ledger{posts: map[pinhole.ID]pinhole.ID{}, likes: map[[2]pinhole.ID]bool{}, follows: map[[2]pinhole.ID]bool{}, notes: map[pinhole.ID]pinhole.ID{}}
}

func (l *ledger) postsOn(shards ...int) []pinhole.ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []pinhole.ID
	for p := range l.posts {
		if slices.Contains(shards, p.Shard()) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// world is the accounts the writers use, by logical shard.
type world struct {
	accounts map[int][]pinhole.ID
}

func mustWorld(t *testing.T, n node, l *ledger) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{accounts: map[int][]pinhole.ID{}}
	for shard := 0; shard < testShards; shard++ {
		for i := 0; i < 8; i++ {
			a := &pinhole.Account{ID: n.c.IDs.Next(shard), Username: fmt.Sprintf("m%d_%d", shard, i), Email: fmt.Sprintf("m%d_%d@example.com", shard, i), CreatedAt: time.Now()}
			if err := n.CreateAccount(ctx, a, "hash"); err != nil {
				t.Fatalf("create account: %v", err)
			}
			w.accounts[shard] = append(w.accounts[shard], a.ID)
		}
	}
	// Some rows to copy before any writer starts.
	for shard := 0; shard < testShards; shard++ {
		for i := 0; i < 40; i++ {
			author := w.accounts[shard][i%8]
			p := &pinhole.Post{ID: n.c.IDs.Next(shard), AuthorID: author, Caption: fmt.Sprintf("seed %d #moving", i), Tags: []string{"moving"}, CreatedAt: time.Now()}
			if err := n.CreatePost(ctx, p); err != nil {
				t.Fatalf("create post: %v", err)
			}
			l.posts[p.ID] = author
		}
	}
	return w
}

// writer writes to the given logical shards until stop closes: posts,
// likes and unlikes, follows (each half on its own account's shard) and
// notifications. Its likers and followers are its own, so the ledger's
// order of a pair's writes is the database's.
type writer struct {
	n      node
	shards []int
	own    []pinhole.ID // accounts only this writer likes and follows with
	w      *world
	l      *ledger
	rng    *rand.Rand
	ops    atomic.Int64
}

func (wr *writer) run(ctx context.Context, stop <-chan struct{}, errs chan<- error) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := wr.step(ctx); err != nil {
			errs <- err
			return
		}
		wr.ops.Add(1)
	}
}

func (wr *writer) pick(ids []pinhole.ID) pinhole.ID { return ids[wr.rng.IntN(len(ids))] }

func (wr *writer) step(ctx context.Context) error {
	shard := wr.shards[wr.rng.IntN(len(wr.shards))]
	l := wr.l
	switch wr.rng.IntN(5) {
	case 0:
		author := wr.pick(wr.w.accounts[shard])
		p := &pinhole.Post{ID: wr.n.c.IDs.Next(shard), AuthorID: author, Caption: "a photo", CreatedAt: time.Now()}
		if err := wr.n.CreatePost(ctx, p); err != nil {
			return fmt.Errorf("create post on shard %d: %w", shard, err)
		}
		l.mu.Lock()
		l.posts[p.ID] = author
		l.mu.Unlock()
	case 1, 2:
		posts := l.postsOn(shard)
		post, liker := wr.pick(posts), wr.pick(wr.own)
		key := [2]pinhole.ID{post, liker}
		l.mu.Lock()
		liked := l.likes[key]
		l.mu.Unlock()
		if liked {
			removed, err := wr.n.Unlike(ctx, post, liker)
			if err != nil || !removed {
				return fmt.Errorf("unlike %d on shard %d: removed %v, %w", post, shard, removed, err)
			}
			l.mu.Lock()
			delete(l.likes, key)
			l.mu.Unlock()
			return nil
		}
		created, err := wr.n.Like(ctx, post, liker, time.Now())
		if err != nil || !created {
			return fmt.Errorf("like %d on shard %d: created %v, %w", post, shard, created, err)
		}
		l.mu.Lock()
		l.likes[key] = true
		l.mu.Unlock()
	case 3:
		follower, followee := wr.pick(wr.own), wr.pick(wr.w.accounts[shard])
		key := [2]pinhole.ID{follower, followee}
		l.mu.Lock()
		follows := l.follows[key]
		l.mu.Unlock()
		if follows {
			return nil
		}
		created, err := wr.n.Follow(ctx, follower, followee, time.Now())
		if err != nil || !created {
			return fmt.Errorf("follow %d->%d: created %v, %w", follower, followee, created, err)
		}
		l.mu.Lock()
		l.follows[key] = true
		l.mu.Unlock()
	case 4:
		to := wr.pick(wr.w.accounts[shard])
		n := &pinhole.Notification{ID: wr.n.c.IDs.Next(shard), AccountID: to, Type: "mention", FromID: wr.pick(wr.own), EventID: wr.n.c.IDs.Next(shard), CreatedAt: time.Now()}
		created, err := wr.n.AddNotification(ctx, n)
		if err != nil || !created {
			return fmt.Errorf("notify %d: created %v, %w", to, created, err)
		}
		l.mu.Lock()
		l.notes[n.ID] = to
		l.mu.Unlock()
	}
	return nil
}

// count runs a one-number query on a database.
func count(t *testing.T, db *sqlstore.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Write.QueryRowContext(context.Background(), postgres.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// ids runs a one-column query on a database.
func ids(t *testing.T, db *sqlstore.DB, query string, args ...any) []pinhole.ID {
	t.Helper()
	rows, err := db.Write.QueryContext(context.Background(), postgres.Rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []pinhole.ID
	for rows.Next() {
		var id pinhole.ID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// shardTables are the tables that hold a logical shard's rows.
var shardTables = []string{"accounts", "following", "followers", "posts", "post_tags", "likes", "notifications", "timeline_state", "timelines"}

// checkConsistent checks that the ledger's writes are where the map says,
// each once, nothing of shard moved is anywhere else, and the counters
// agree with the rows. The reads go through n, so they check its routing
// too.
func checkConsistent(t *testing.T, n node, l *ledger, w *world, home int) {
	t.Helper()
	ctx := t.Context()
	l.mu.Lock()
	defer l.mu.Unlock()
	other := n.c.Physical[1-home]
	target := n.c.Physical[home]
	for _, table := range shardTables {
		if got := count(t, other, `SELECT COUNT(*) FROM `+table+` WHERE shard = ?`, moved); got != 0 {
			t.Errorf("%s: %d rows of shard %d left on %s", table, got, moved, other.Name)
		}
	}
	var want []pinhole.ID
	for p := range l.posts {
		if p.Shard() == moved {
			want = append(want, p)
		}
	}
	slices.Sort(want)
	if got := ids(t, target, `SELECT id FROM posts WHERE shard = ?`, moved); !slices.Equal(got, want) {
		t.Errorf("posts of shard %d on %s: %d rows, want the %d that were written", moved, target.Name, len(got), len(want))
	}
	var wantNotes []pinhole.ID
	for id, to := range l.notes {
		if to.Shard() == moved {
			wantNotes = append(wantNotes, id)
		}
	}
	slices.Sort(wantNotes)
	if got := ids(t, target, `SELECT id FROM notifications WHERE shard = ?`, moved); !slices.Equal(got, wantNotes) {
		t.Errorf("notifications of shard %d on %s: %d rows, want %d", moved, target.Name, len(got), len(wantNotes))
	}
	likes := map[pinhole.ID]int64{}
	wantLikes := 0
	for k := range l.likes {
		likes[k[0]]++
		if k[0].Shard() == moved {
			wantLikes++
		}
	}
	if got := count(t, target, `SELECT COUNT(*) FROM likes WHERE shard = ?`, moved); got != int64(wantLikes) {
		t.Errorf("likes of shard %d on %s: %d, want %d", moved, target.Name, got, wantLikes)
	}
	var all []pinhole.ID
	for p := range l.posts {
		all = append(all, p)
	}
	posts, err := n.FindPosts(ctx, all)
	if err != nil {
		t.Fatalf("find posts: %v", err)
	}
	if len(posts) != len(all) {
		t.Errorf("found %d of the %d posts written", len(posts), len(all))
	}
	for id, p := range posts {
		if p.LikesCount != likes[id] {
			t.Errorf("post %d (shard %d): %d likes counted, %d liked", id, id.Shard(), p.LikesCount, likes[id])
		}
	}
	postsBy, followers, following, unread := map[pinhole.ID]int64{}, map[pinhole.ID]int64{}, map[pinhole.ID]int64{}, map[pinhole.ID]int64{}
	for _, author := range l.posts {
		postsBy[author]++
	}
	for k := range l.follows {
		following[k[0]]++
		followers[k[1]]++
	}
	for _, to := range l.notes {
		unread[to]++
	}
	var accounts []pinhole.ID
	for _, as := range w.accounts {
		accounts = append(accounts, as...)
	}
	found, err := n.FindAccounts(ctx, accounts)
	if err != nil {
		t.Fatalf("find accounts: %v", err)
	}
	for _, id := range accounts {
		a := found[id]
		if a == nil {
			t.Errorf("account %d (shard %d) not found", id, id.Shard())
			continue
		}
		if a.PostsCount != postsBy[id] || a.FollowersCount != followers[id] || a.FollowingCount != following[id] {
			t.Errorf("account %d (shard %d): %d posts, %d followers, %d following counted; want %d, %d, %d",
				id, id.Shard(), a.PostsCount, a.FollowersCount, a.FollowingCount, postsBy[id], followers[id], following[id])
		}
		if u, err := n.UnreadNotifications(ctx, id); err != nil || u != unread[id] {
			t.Errorf("account %d: %d unread notifications (%v), want %d", id, u, err, unread[id])
		}
	}
}

// waitingWriters counts writers waiting for a fence lock on db.
func waitingWriters(t *testing.T, db *sqlstore.DB) int64 {
	return count(t, db, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
}

// TestMoveShardUnderWrites moves a logical shard while two nodes write to
// it and to other shards, and checks that no write is lost or doubled,
// the old copy is gone, the other node routes to the new database, and
// only the moving shard's writers were held.
func TestMoveShardUnderWrites(t *testing.T) {
	nodes := mustNodes(t, 2)
	a, b := nodes[0], nodes[1]
	l := newLedger()
	w := mustWorld(t, a, l)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	stop := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	var writers []*writer
	for i, shards := range [][]int{{moved}, {moved}, {neighbour, farShard}, {neighbour, moved}} {
		var own []pinhole.ID
		for s := 0; s < testShards; s++ {
			own = append(own, w.accounts[s][4+i%4]) // accounts 4..7 of each shard belong to one writer each
		}
		wr := &writer{n: nodes[i%2], shards: shards, own: own, w: w, l: l, rng: rand.New(rand.NewPCG(uint64(i), 7))}
		writers = append(writers, wr)
		wg.Add(1)
		go func() { defer wg.Done(); wr.run(ctx, stop, errs) }()
	}
	stopWriters := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}
	defer stopWriters()

	src := a.c.Physical[0]
	var held error = fmt.Errorf("not run")
	heldPost := &pinhole.Post{ID: b.c.IDs.Next(moved), AuthorID: w.accounts[moved][0], Caption: "written while frozen", CreatedAt: time.Now()}
	cfg := moveConfig()
	cfg.Fault = func(fctx context.Context, point string) error {
		if point != "frozen" {
			return nil
		}
		// A shard beside the frozen one, on the same database, takes writes.
		wctx, cancel := context.WithTimeout(fctx, 10*time.Second)
		defer cancel()
		p := &pinhole.Post{ID: b.c.IDs.Next(neighbour), AuthorID: w.accounts[neighbour][0], Caption: "beside the frozen shard", CreatedAt: time.Now()}
		if err := b.CreatePost(wctx, p); err != nil {
			t.Errorf("a write to shard %d, on the frozen shard's database, did not go through: %v", neighbour, err)
		} else {
			l.mu.Lock()
			l.posts[p.ID] = p.AuthorID
			l.mu.Unlock()
		}
		// A write to the frozen shard waits for the lock.
		done := make(chan error, 1)
		go func() { done <- b.CreatePost(ctx, heldPost) }()
		deadline := time.Now().Add(10 * time.Second)
		for waitingWriters(t, src) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if waitingWriters(t, src) == 0 {
			t.Errorf("no writer of shard %d waits for the fence while it is frozen", moved)
		}
		select {
		case err := <-done:
			t.Errorf("a write to shard %d finished while the shard was frozen (%v)", moved, err)
			held = err
		default:
			wg.Add(1)
			go func() { held = <-done; wg.Done() }()
		}
		return nil
	}
	// Let the writers get going before the move starts.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var total int64
		for _, wr := range writers {
			total += wr.ops.Load()
		}
		if total > 100 {
			break
		}
	}
	rep, err := a.MoveShard(ctx, moved, 1, cfg, testLog(t))
	if err != nil {
		t.Fatalf("move: %v", err)
	}
	// The other node routes to the new database on its own reload.
	for deadline := time.Now().Add(10 * time.Second); b.ShardMap()[moved] != 1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := b.ShardMap()[moved]; got != 1 {
		t.Fatalf("the other node still routes shard %d to database %d", moved, got)
	}
	stopWriters()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	if held != nil {
		t.Errorf("the write held by the freeze: %v", held)
	} else {
		l.posts[heldPost.ID] = heldPost.AuthorID
	}
	var ops int64
	for _, wr := range writers {
		ops += wr.ops.Load()
	}
	t.Logf("moved shard %d from %d to %d under %d writes: copy %v, catch-up %v (%d passes), writers held %v (lock wait %v, final sync %v), map switched %v after the freeze began, delete %v",
		rep.Logical, rep.From, rep.To, ops, rep.Copy, rep.CatchUp, rep.CatchUpPasses, rep.Pause, rep.LockWait, rep.FinalSync, rep.Switch, rep.Delete)
	for _, tm := range rep.Tables {
		t.Logf("  %-16s copied %4d, caught up %3d, synced frozen %3d, verified %4d, deleted %4d", tm.Table, tm.Copied, tm.CaughtUp, tm.Synced, tm.Rows, tm.Deleted)
	}
	if rep.From != 0 || rep.To != 1 || rep.Version != 1 {
		t.Errorf("report: from %d to %d at version %d, want 0 to 1 at version 1", rep.From, rep.To, rep.Version)
	}
	var copied, deleted int64
	for _, tm := range rep.Tables {
		copied += tm.Copied
		deleted += tm.Deleted
	}
	if copied == 0 || deleted == 0 {
		t.Errorf("report: %d rows copied, %d deleted; want both", copied, deleted)
	}
	checkConsistent(t, b, l, w, 1)
	checkConsistent(t, a, l, w, 1)

	list, err := b.ListShards(ctx, moveConfig(), testLog(t))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Leftovers) != 0 || len(list.Fenced) != 0 || list.Map[moved] != 1 || list.Version != 1 {
		t.Errorf("list after the move: map %v version %d, leftovers %v, fenced %v", list.Map, list.Version, list.Leftovers, list.Fenced)
	}
}

// TestMoveShardCrashes stops moves at each point a process could die and
// checks that the data stays whole and writable and that running the move
// again finishes it.
func TestMoveShardCrashes(t *testing.T) {
	nodes := mustNodes(t, 2)
	a, b := nodes[0], nodes[1]
	l := newLedger()
	w := mustWorld(t, a, l)
	ctx := t.Context()
	log := testLog(t)
	crashAt := func(point string) sqlstore.MoveConfig {
		cfg := moveConfig()
		cfg.Fault = func(_ context.Context, p string) error {
			if p == point {
				return fmt.Errorf("crash")
			}
			return nil
		}
		return cfg
	}
	// write is one more post on the moving shard through the other node.
	write := func() error {
		p := &pinhole.Post{ID: b.c.IDs.Next(moved), AuthorID: w.accounts[moved][1], Caption: "between moves", CreatedAt: time.Now()}
		if err := b.CreatePost(ctx, p); err != nil {
			return err
		}
		l.mu.Lock()
		l.posts[p.ID] = p.AuthorID
		l.mu.Unlock()
		return nil
	}

	t.Run("RefusesBadInput", func(t *testing.T) {
		for _, c := range []struct{ logical, to int }{{testShards, 1}, {-1, 1}, {moved, 0}, {moved, 2}, {moved, -1}} {
			if _, err := a.MoveShard(ctx, c.logical, c.to, moveConfig(), log); pinhole.ErrorCode(err) != pinhole.EINVALID {
				t.Errorf("move %d to %d: %v, want EINVALID", c.logical, c.to, err)
			}
		}
	})
	for _, point := range []string{"copied", "frozen", "synced"} {
		t.Run("BeforeTheSwitch/"+point, func(t *testing.T) {
			if _, err := a.MoveShard(ctx, moved, 1, crashAt(point), log); err == nil || !strings.Contains(err.Error(), point) {
				t.Fatalf("move stopped at %s: %v", point, err)
			}
			if err := b.ReloadShardMap(ctx); err != nil {
				t.Fatal(err)
			}
			if got := b.ShardMap()[moved]; got != 0 || b.ShardMapVersion() != 0 {
				t.Fatalf("after a crash at %s the map routes shard %d to %d (version %d)", point, moved, got, b.ShardMapVersion())
			}
			if err := write(); err != nil {
				t.Fatalf("write after a crash at %s: %v", point, err)
			}
			if n := count(t, b.c.Physical[1], `SELECT COUNT(*) FROM posts WHERE shard = ?`, moved); n == 0 {
				t.Errorf("the interrupted copy left nothing on the target; the test proves less than it says")
			}
		})
	}
	t.Run("BetweenFenceAndSwitch", func(t *testing.T) {
		if _, err := a.MoveShard(ctx, moved, 1, crashAt("fenced"), log); err == nil {
			t.Fatal("move stopped at fenced: no error")
		}
		list, err := b.ListShards(ctx, moveConfig(), log)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(list.Fenced, []int{moved}) || list.Map[moved] != 0 {
			t.Errorf("list: fenced %v, map %v; want shard %d fenced on its own database 0", list.Fenced, list.Map, moved)
		}
		// Writes to the shard wait (and give up) rather than go anywhere.
		if err := write(); pinhole.ErrorCode(err) != pinhole.EUNAVAILABLE {
			t.Errorf("write while the move is half done: %v, want EUNAVAILABLE", err)
		}
		rep, err := a.MoveShard(ctx, moved, 1, moveConfig(), log)
		if err != nil {
			t.Fatalf("move again: %v", err)
		}
		t.Logf("finished the move: writers held %v", rep.Pause)
		if err := write(); err != nil {
			t.Fatalf("write after the move: %v", err)
		}
		checkConsistent(t, b, l, w, 1)
	})
	t.Run("AfterTheSwitch", func(t *testing.T) {
		// Back to database 0, which holds the fence of the last move.
		if _, err := a.MoveShard(ctx, moved, 0, crashAt("switched"), log); err == nil {
			t.Fatal("move stopped at switched: no error")
		}
		if err := write(); err != nil {
			t.Fatalf("write after the switch: %v", err)
		}
		list, err := b.ListShards(ctx, moveConfig(), log)
		if err != nil {
			t.Fatal(err)
		}
		if list.Map[moved] != 0 || len(list.Leftovers) == 0 {
			t.Fatalf("list after a crash past the switch: map %v, leftovers %v", list.Map, list.Leftovers)
		}
		// The grace period has not passed: the old copy stays for now.
		if list.Leftovers[0].Deleted {
			t.Errorf("list deleted the old copy within the grace period")
		}
		time.Sleep(moveConfig().Grace)
		list, err = b.ListShards(ctx, moveConfig(), log)
		if err != nil {
			t.Fatal(err)
		}
		for _, lo := range list.Leftovers {
			if !lo.Deleted {
				t.Errorf("leftover %+v not deleted", lo)
			}
		}
		checkConsistent(t, b, l, w, 0)
		if _, err := a.MoveShard(ctx, moved, 0, moveConfig(), log); pinhole.ErrorCode(err) != pinhole.EINVALID {
			t.Errorf("moving a shard where it is: %v, want EINVALID", err)
		}
	})
	t.Run("OneMoveAtATime", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		cfg := moveConfig()
		cfg.Fault = func(_ context.Context, p string) error {
			if p == "copied" {
				close(started)
				<-release
				return fmt.Errorf("crash")
			}
			return nil
		}
		done := make(chan error, 1)
		go func() { _, err := a.MoveShard(ctx, moved, 1, cfg, log); done <- err }()
		<-started
		_, err := b.MoveShard(ctx, neighbour, 1, moveConfig(), log)
		close(release)
		<-done
		if pinhole.ErrorCode(err) != pinhole.ECONFLICT {
			t.Errorf("a second move while one runs: %v, want ECONFLICT", err)
		}
	})
}
