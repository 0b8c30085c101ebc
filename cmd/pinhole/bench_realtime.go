package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/pinhole/pinhole"
)

// benchRealtime measures the event path end to end on one process with
// the embedded NATS server: fan-out of an author with many followers
// (timeline inserts per second, post-to-visible latency in every
// follower's stream) and comment-to-author notification latency with
// every follower's WebSocket connected.
func benchRealtime(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pinhole bench realtime", flag.ContinueOnError)
	fs.SetOutput(stderr)
	followers := fs.Int("followers", 1000, "followers of the author, each with a WebSocket open")
	posts := fs.Int("posts", 20, "posts to fan out")
	comments := fs.Int("comments", 200, "comments whose notification the author waits for")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pinhole-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := benchConfig(dir)
	cfg.CelebrityThreshold = int64(*followers) + 1
	if err := cfg.Validate(); err != nil {
		return err
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Listen(ctx); err != nil {
		return err
	}
	base := "http://" + m.Addr

	fmt.Fprintf(stdout, "seeding an author with %d followers…\n", *followers)
	author, authorTok, err := m.benchAccount(ctx, "author")
	if err != nil {
		return err
	}
	type fan struct {
		acc *pinhole.Account
		tok string
	}
	fans := make([]fan, *followers)
	for i := range fans {
		a, tok, err := m.benchAccount(ctx, fmt.Sprintf("fan%d", i))
		if err != nil {
			return err
		}
		if _, err := m.Services.Graph.Follow(ctx, a.ID, author.ID); err != nil {
			return err
		}
		fans[i] = fan{a, tok}
	}
	// Let the follow events settle before measuring.
	if err := m.waitOutboxEmpty(ctx); err != nil {
		return err
	}
	time.Sleep(time.Second)

	// Every follower connects to the user stream; the author to its
	// notifications.
	type arrival struct {
		id string
		at time.Time
	}
	updates := make(chan arrival, *followers**posts+16)
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dial := func(tok, stream string) (*websocket.Conn, error) {
		c, _, err := websocket.Dial(cctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/streaming?stream="+stream+"&access_token="+url.QueryEscape(tok), nil)
		return c, err
	}
	for _, f := range fans {
		c, err := dial(f.tok, "user")
		if err != nil {
			return fmt.Errorf("bench: websocket: %w", err)
		}
		c.SetReadLimit(1 << 20)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.CloseNow()
			for {
				_, data, err := c.Read(cctx)
				if err != nil {
					return
				}
				var fr struct{ Event, Payload string }
				if json.Unmarshal(data, &fr) == nil && fr.Event == "update" {
					var st struct{ ID string }
					_ = json.Unmarshal([]byte(fr.Payload), &st)
					updates <- arrival{st.ID, time.Now()}
				}
			}
		}()
	}
	notes := make(chan arrival, *comments+16)
	ac, err := dial(authorTok, "user:notification")
	if err != nil {
		return err
	}
	ac.SetReadLimit(1 << 20)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer ac.CloseNow()
		for {
			_, data, err := ac.Read(cctx)
			if err != nil {
				return
			}
			var fr struct{ Event, Payload string }
			if json.Unmarshal(data, &fr) == nil && fr.Event == "notification" {
				var n struct{ Status struct{ ID string } }
				_ = json.Unmarshal([]byte(fr.Payload), &n)
				notes <- arrival{n.Status.ID, time.Now()}
			}
		}
	}()
	time.Sleep(time.Second) // subscriptions are in place
	fmt.Fprintf(stdout, "%d WebSocket clients connected\n", *followers+1)

	// Fan-out: posts one at a time, each until every follower saw it.
	media, err := m.benchPhoto(ctx, author)
	if err != nil {
		return err
	}
	var perFollower, allVisible []time.Duration
	start := time.Now()
	for i := 0; i < *posts; i++ {
		md, err := m.cloneMedia(ctx, media, author.ID)
		if err != nil {
			return err
		}
		t0 := time.Now()
		v, err := m.Services.Posts.Create(ctx, author, pinhole.NewPost{Caption: fmt.Sprintf("post %d", i), MediaIDs: []pinhole.ID{md.ID}})
		if err != nil {
			return err
		}
		want, seen := v.Post.ID.String(), 0
		deadline := time.After(60 * time.Second)
		for seen < *followers {
			select {
			case a := <-updates:
				if a.id == want {
					seen++
					perFollower = append(perFollower, a.at.Sub(t0))
					if seen == *followers {
						allVisible = append(allVisible, a.at.Sub(t0))
					}
				}
			case <-deadline:
				return fmt.Errorf("bench: post %d reached %d of %d followers in 60s", i, seen, *followers)
			}
		}
	}
	elapsed := time.Since(start)
	inserts := float64(*posts * (*followers + 1))
	fmt.Fprintf(stdout, "fan-out: %d posts × %d followers: %.0f timeline inserts/s (including the live push to every follower)\n", *posts, *followers, inserts/elapsed.Seconds())
	fmt.Fprintf(stdout, "post → visible in a follower's stream: p50 %s, p99 %s\n", pct(perFollower, 50), pct(perFollower, 99))
	fmt.Fprintf(stdout, "post → visible in all %d followers' streams: p50 %s, p99 %s\n", *followers, pct(allVisible, 50), pct(allVisible, 99))

	// Comments: one at a time from different followers, each until the
	// author's WebSocket shows the notification.
	target, err := m.Services.Posts.Create(ctx, author, pinhole.NewPost{Caption: "comment here", MediaIDs: []pinhole.ID{mustMedia(m.cloneMedia(ctx, media, author.ID))}})
	if err != nil {
		return err
	}
	var lat []time.Duration
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < *comments; i++ {
		f := fans[i%len(fans)]
		body := url.Values{"status": {fmt.Sprintf("comment %d", i)}, "in_reply_to_id": {target.Post.ID.String()}}
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/statuses", strings.NewReader(body.Encode()))
		req.Header.Set("Authorization", "Bearer "+f.tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		var st struct{ ID string }
		_ = json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("bench: comment answered %d", res.StatusCode)
		}
		select {
		case a := <-notes:
			if a.id != st.ID {
				return fmt.Errorf("bench: notification for %s, want %s", a.id, st.ID)
			}
			lat = append(lat, a.at.Sub(t0))
		case <-time.After(30 * time.Second):
			return fmt.Errorf("bench: comment %d's notification never reached the author", i)
		}
	}
	fmt.Fprintf(stdout, "comment → author's WebSocket notification (%d comments, %d clients connected): p50 %s, p90 %s, p99 %s, max %s\n",
		*comments, *followers+1, pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100))
	cancel()
	wg.Wait()
	return nil
}

func mustMedia(m *pinhole.Media, err error) pinhole.ID {
	if err != nil {
		return 0
	}
	return m.ID
}

// benchAccount creates an account directly in the store with a shared
// password hash (hashing 1,000 passwords is not what is measured) and
// gives it an API token.
func (m *Main) benchAccount(ctx context.Context, name string) (*pinhole.Account, string, error) {
	shard := int(m.Cluster.IDs.Next(0)) % len(m.Cluster.ShardMap)
	a := &pinhole.Account{ID: m.Cluster.IDs.Next(shard), Username: name, Email: name + "@bench.example", CreatedAt: time.Now().UTC()}
	if err := m.Store.CreateAccount(ctx, a, "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"); err != nil {
		return nil, "", err
	}
	tok, _, err := m.Services.Identity.IssueToken(ctx, 0, a.ID, "read write follow push")
	return a, tok, err
}

// benchPhoto uploads one real photo; cloneMedia reuses its stored
// variants for more posts (keys are content-addressed).
func (m *Main) benchPhoto(ctx context.Context, owner *pinhole.Account) (*pinhole.Media, error) {
	return m.Services.Media.Upload(ctx, owner.ID, strings.NewReader(string(seedJPEG(800, 600))), "bench")
}

func (m *Main) cloneMedia(ctx context.Context, tpl *pinhole.Media, owner pinhole.ID) (*pinhole.Media, error) {
	c := *tpl
	c.ID, c.OwnerID, c.PostID = m.Cluster.IDs.Next(owner.Shard()), owner, 0
	return &c, m.Store.CreateMedia(ctx, &c)
}

func (m *Main) waitOutboxEmpty(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := m.Store.PendingEvents(ctx)
		if err != nil || n == 0 {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("bench: the outbox did not drain")
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	if i > len(s) {
		i = len(s)
	}
	return s[i-1].Round(100 * time.Microsecond)
}
