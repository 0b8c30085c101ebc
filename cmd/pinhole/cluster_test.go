package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/localcluster"
	"github.com/pinhole/pinhole/internal/pglocal"
	"github.com/pinhole/pinhole/internal/testenv"
)

// TestCluster runs Pinhole the way it runs at scale: HAProxy in front of two
// web nodes, a worker and a scheduler, on a PostgreSQL directory and two
// shard databases (one with a streaming replica), Redis and NATS. Members
// on different shards follow, like and comment through different nodes;
// a web node is killed mid-traffic and the other serves everyone; Redis is
// emptied and feeds and counters come back whole.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("the cluster test starts a dozen processes; not in -short")
	}
	if err := pglocal.Available(); err != nil {
		testenv.Missing(t, "cluster test: %v (apt-get install postgresql)", err)
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		testenv.Missing(t, "cluster test: haproxy not found (apt-get install haproxy)")
	}
	if !testenv.Reachable("127.0.0.1:6379") {
		testenv.Missing(t, "cluster test: no Redis at 127.0.0.1:6379")
	}
	if !testenv.Reachable("127.0.0.1:4222") {
		testenv.Missing(t, "cluster test: no NATS at 127.0.0.1:4222 (nats-server -js)")
	}
	dir, err := pglocal.MkdirTemp("pinhole-cluster-*")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, localcluster.Options{Dir: dir, RemoveDir: true, DrainDelay: 2 * time.Second})
	if err != nil {
		t.Fatalf("start the cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster logs:\n%s", c.Logs())
		}
		if err := c.Stop(); err != nil {
			t.Errorf("stop the cluster: %v", err)
		}
	})
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	lb := &testServer{t: t, URL: c.URL(), http: client}
	lb.app = lb.mustJSON(lb.do("POST", "/api/v1/apps", "", form("client_name", "cluster test", "redirect_uris", "urn:ietf:wg:oauth:2.0:oob", "scopes", "read write follow push")), 200)
	// Members reach the nodes directly from addresses of their own (the
	// nodes trust X-Forwarded-For, as behind HAProxy), so sign-up limits
	// per address do not count every member as one.
	direct := &http.Client{Timeout: client.Timeout, CheckRedirect: client.CheckRedirect, Transport: &fromAddresses{}}
	node := func(i int) *testServer {
		return &testServer{t: t, URL: c.Web[i].URL, http: direct, app: lb.app}
	}
	web1, web2 := node(0), node(1)

	// Members land on random logical shards; the map spreads the logical
	// shards over the two databases. Sign up until both hold members.
	physical := func(m member) int {
		id, err := pinhole.ParseID(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return id.Shard() % 2 // the initial map: logical shard l on database l mod 2
	}
	var onDB [2][]member
	for i := 0; len(onDB[0]) < 2 || len(onDB[1]) < 2; i++ {
		if i == 40 {
			t.Fatalf("40 sign-ups, none on one of the databases: %d and %d", len(onDB[0]), len(onDB[1]))
		}
		via := web1
		if i%2 == 1 {
			via = web2
		}
		m := via.MustSignup("member" + strconv.Itoa(i))
		onDB[physical(m)] = append(onDB[physical(m)], m)
	}
	alice, bob := onDB[0][0], onDB[1][0]
	carol, dave := onDB[0][1], onDB[1][1]

	// Follows across shards, through different nodes.
	web1.mustJSON(web1.do("POST", "/api/v1/accounts/"+bob.ID+"/follow", alice.Token, nil), 200)
	web2.mustJSON(web2.do("POST", "/api/v1/accounts/"+alice.ID+"/follow", bob.Token, nil), 200)
	web2.mustJSON(web2.do("POST", "/api/v1/accounts/"+bob.ID+"/follow", carol.Token, nil), 200)
	web1.mustJSON(web1.do("POST", "/api/v1/accounts/"+bob.ID+"/follow", dave.Token, nil), 200)
	rel := web2.mustList(web2.do("GET", "/api/v1/accounts/relationships?id[]="+bob.ID, alice.Token, nil), 200)
	if len(rel) != 1 || rel[0]["following"] != true {
		t.Fatalf("alice's follow of bob, read through the other node: %v", rel)
	}

	// Bob posts through web2; the worker fans it out to followers on both
	// databases; alice reads it through web1.
	post := web2.MustPost(bob, "Harbour at dusk #cluster")
	for _, m := range []member{alice, carol, dave} {
		web1.eventually(m.Username+" sees bob's post", func() bool { return contains(web1.homeIDs(m), post) })
	}

	// Likes and a comment from both databases, through both nodes.
	web1.mustJSON(web1.do("POST", "/api/v1/statuses/"+post+"/favourite", alice.Token, nil), 200)
	web2.mustJSON(web2.do("POST", "/api/v1/statuses/"+post+"/favourite", carol.Token, nil), 200)
	reply := web1.mustJSON(web1.do("POST", "/api/v1/statuses", dave.Token, jsonBody(map[string]any{"status": "Lovely light", "in_reply_to_id": post})), 200)["id"].(string)
	for _, via := range []*testServer{web1, web2} {
		st := via.mustJSON(via.do("GET", "/api/v1/statuses/"+post, bob.Token, nil), 200)
		if st["favourites_count"] != float64(2) || st["replies_count"] != float64(1) {
			t.Fatalf("through %s: favourites_count %v, replies_count %v; want 2 and 1 on every node at once", via.URL, st["favourites_count"], st["replies_count"])
		}
	}
	web2.eventually("bob is notified of both likes and the comment", func() bool {
		kinds := map[string]int{}
		for _, n := range web2.mustList(web2.do("GET", "/api/v1/notifications", bob.Token, nil), 200) {
			kinds[n["type"].(string)]++
		}
		return kinds["favourite"] == 2 && kinds["mention"] == 1 && kinds["follow"] == 3
	})
	ctxList := web1.mustJSON(web1.do("GET", "/api/v1/statuses/"+post+"/context", alice.Token, nil), 200)
	if d, _ := ctxList["descendants"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != reply {
		t.Fatalf("the comment from the other database is not in the thread: %v", ctxList["descendants"])
	}

	// Kill web1 while members keep using the load balancer: web2 serves
	// everyone. Only requests in flight on web1 at that instant may fail.
	members := []member{alice, bob, carol, dave}
	served, failed := clusterTraffic(t, client, c.URL(), members, post, func() {
		if err := c.Web[0].Kill(); err != nil {
			t.Errorf("kill web1: %v", err)
		}
	})
	t.Logf("web1 killed: %d requests served after the kill, %d failed", served, failed)
	if served < 20 {
		t.Fatalf("only %d requests were served in the 3 s after web1 died", served)
	}
	if failed > int64(len(members)) {
		t.Fatalf("%d requests failed; at most the %d in flight on the killed node may", failed, len(members))
	}

	// Bring web1 back, then stop web2 with SIGTERM: it drains (fails
	// /readyz while still serving, then finishes what it has), so HAProxy
	// moves everyone to web1 and no request fails.
	if err := c.Web[0].Restart(); err != nil {
		t.Fatalf("restart web1: %v", err)
	}
	web1.eventually("HAProxy sends requests to web1 again", func() bool {
		res, err := client.Get(c.URL() + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200 && clusterServerUp(t, client, c, "web1")
	})
	var outWhileServing bool
	served, failed = clusterTraffic(t, client, c.URL(), members, post, func() {
		stopped := make(chan error, 1)
		go func() { stopped <- c.Web[1].Stop() }()
		// HAProxy must take web2 out while it still serves (its drain
		// delay), not find out when its listener closes.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if !clusterServerUp(t, client, c, "web2") {
				res, err := client.Get(c.Web[1].URL + "/healthz")
				if err == nil {
					res.Body.Close()
					outWhileServing = res.StatusCode == 200
				}
				break
			}
		}
		if err := <-stopped; err != nil {
			t.Errorf("stop web2: %v", err)
		}
	})
	if !outWhileServing {
		t.Errorf("HAProxy did not take web2 out of service while it drained")
	}
	t.Logf("web2 drained on SIGTERM: %d requests served after, %d failed", served, failed)
	if failed != 0 || served < 20 {
		t.Fatalf("while web2 drained: %d requests failed, %d served; want none failed", failed, served)
	}
	for _, m := range members { // every member has liked the post once, however many times they asked
		lb.mustList(lb.do("GET", "/api/v1/timelines/home", m.Token, nil), 200)
		lb.mustJSON(lb.do("POST", "/api/v1/statuses/"+post+"/favourite", m.Token, nil), 200)
	}
	if n := lb.mustJSON(lb.do("GET", "/api/v1/statuses/"+post, bob.Token, nil), 200)["favourites_count"]; n != float64(len(members)) {
		t.Fatalf("favourites_count %v, want %d", n, len(members))
	}

	// Empty Redis: feeds and counters come back whole from PostgreSQL.
	feeds := map[string][]string{}
	for _, m := range []member{alice, carol, dave} {
		feeds[m.ID] = lb.homeIDs(m)
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	var keys int
	iter := rdb.Scan(ctx, 0, c.RedisPrefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			t.Fatal(err)
		}
		keys++
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if keys == 0 {
		t.Fatalf("no Redis keys under %q: the cluster is not using Redis", c.RedisPrefix)
	}
	for _, m := range []member{alice, carol, dave} {
		got := lb.homeIDs(m)
		if !contains(got, post) || len(got) != len(feeds[m.ID]) {
			t.Fatalf("%s's feed after Redis was emptied: %v, before %v", m.Username, got, feeds[m.ID])
		}
	}
	st := lb.mustJSON(lb.do("GET", "/api/v1/statuses/"+post, bob.Token, nil), 200)
	if st["favourites_count"] != float64(len(members)) || st["replies_count"] != float64(1) {
		t.Fatalf("after Redis was emptied: favourites_count %v, replies_count %v; want %d and 1", st["favourites_count"], st["replies_count"], len(members))
	}
	t.Logf("Redis emptied (%d keys): feeds and counters came back from PostgreSQL", keys)
}

// clusterTraffic sends members' requests (home timelines and likes)
// through the load balancer from one goroutine per member, calls event
// after a second, and goes on for 3 s more. It returns how many requests
// succeeded after event and how many failed in all.
func clusterTraffic(t *testing.T, client *http.Client, lb string, members []member, post string, event func()) (served, failed int64) {
	var ok, bad atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Add(1)
		go func(m member) {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				path, method := "/api/v1/timelines/home", "GET"
				if n%4 == 3 {
					path, method = "/api/v1/statuses/"+post+"/favourite", "POST"
				}
				req, _ := http.NewRequest(method, lb+path, nil)
				req.Header.Set("Authorization", "Bearer "+m.Token)
				res, err := client.Do(req)
				if err == nil {
					res.Body.Close()
				}
				if err != nil || res.StatusCode != 200 {
					bad.Add(1)
					continue
				}
				ok.Add(1)
			}
		}(m)
	}
	time.Sleep(time.Second)
	done := make(chan struct{})
	before := ok.Load()
	go func() { event(); close(done) }()
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	<-done
	return ok.Load() - before, bad.Load()
}

// clusterServerUp reports whether HAProxy counts the named server as up,
// from its statistics in CSV.
func clusterServerUp(t *testing.T, client *http.Client, c *localcluster.Cluster, name string) bool {
	t.Helper()
	res, err := client.Get(c.StatsURL() + ";csv")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 17 && f[1] == name {
			return strings.HasPrefix(f[17], "UP")
		}
	}
	return false
}

// fromAddresses sends each request as if from another client address.
type fromAddresses struct{ n atomic.Int64 }

func (f *fromAddresses) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	n := f.n.Add(1)
	r.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", n%250+1))
	return http.DefaultTransport.RoundTrip(r)
}
