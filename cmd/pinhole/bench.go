package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/pinhole/pinhole/identity"
)

const benchUsage = `Usage:
  pinhole bench timeline [flags]
      seeds a reader following authors, then measures GET /api/v1/timelines/home
      (20 hydrated posts, authenticated) with wrk, side by side with a bare
      net/http handler serving the very same bytes from memory
  pinhole bench realtime [flags]
      an author with 1,000 followers, every follower's WebSocket open: fan-out
      throughput, post-to-visible latency, comment-to-notification latency
  pinhole bench discovery [flags]
      seeds (or reuses, with --data) 1,000,000 accounts, 100,000 hashtags and
      50,000 places through the SQL store, then measures account search and
      nearby places (p50/p90/p99), in process and over HTTP
  pinhole bench cluster [flags]
      the home timeline on the local cluster (HAProxy, two web nodes, a worker
      and a scheduler on PostgreSQL with two shard databases and a replica,
      Redis and NATS) beside the embedded server, and the load on each database
  pinhole bench media [flags]
      a 12 MP JPEG from upload to all variants ready, with libvips (when built
      with -tags vips) and pure Go, side by side with vipsthumbnail making the
      one 1080 px variant; and the peak memory of one job
`

func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "realtime" {
		return benchRealtime(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "discovery" {
		return benchDiscovery(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "cluster" {
		return benchCluster(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "media" {
		return benchMedia(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "timeline" {
		fmt.Fprint(stderr, benchUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("pinhole bench timeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	w := bindWrkFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := w.check(); err != nil {
		return err
	}
	url, token, closeServer, err := embeddedTimeline(ctx, *w.authors, *w.perAuthor, stdout)
	if err != nil {
		return err
	}
	defer closeServer()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("[{")) {
		return fmt.Errorf("bench: home timeline answered %d: %.200s", res.StatusCode, body)
	}
	ct, link := res.Header.Get("Content-Type"), res.Header.Get("Link")

	// The bare handler: the same bytes and headers, from memory.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Link", link)
		_, _ = w.Write(body)
	})}
	go func() { _ = bare.Serve(ln) }()
	defer bare.Close()
	bareURL := "http://" + ln.Addr().String() + "/api/v1/timelines/home"

	fmt.Fprintf(stdout, "response: %d bytes, 20 statuses; wrk -t%d -c%d -d%s, %d rounds\n", len(body), *w.threads, *w.conns, *w.duration, *w.rounds)
	var pin, raw, ratios []float64
	for i := 0; i < *w.rounds; i++ {
		r1, err := runWrk(ctx, *w.wrk, *w.threads, *w.conns, *w.duration, bareURL, token)
		if err != nil {
			return err
		}
		r2, err := runWrk(ctx, *w.wrk, *w.threads, *w.conns, *w.duration, url, token)
		if err != nil {
			return err
		}
		raw, pin, ratios = append(raw, r1), append(pin, r2), append(ratios, r2/r1)
		fmt.Fprintf(stdout, "round %d: bare %.0f req/s, pinhole %.0f req/s (%.2f×)\n", i+1, r1, r2, r2/r1)
	}
	mp, mr := median(pin), median(raw)
	fmt.Fprintf(stdout, "median: bare net/http %.0f req/s, pinhole home timeline %.0f req/s; median ratio of the rounds %.2f×\n", mr, mp, median(ratios))
	return nil
}

var reqPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
var non2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)

// wrkFlags are the settings the home timeline benchmarks share.
type wrkFlags struct {
	authors, perAuthor, conns, threads, rounds *int
	duration                                   *time.Duration
	wrk                                        *string
}

func bindWrkFlags(fs *flag.FlagSet) wrkFlags {
	return wrkFlags{
		authors:   fs.Int("authors", 50, "accounts the reader follows"),
		perAuthor: fs.Int("posts", 20, "posts per author"),
		duration:  fs.Duration("duration", 10*time.Second, "wrk duration of each run"),
		conns:     fs.Int("connections", 32, "wrk connections"),
		threads:   fs.Int("threads", 1, "wrk threads"),
		rounds:    fs.Int("rounds", 3, "alternating rounds; the median is reported"),
		wrk:       fs.String("wrk", "wrk", "path to wrk"),
	}
}

// check refuses settings wrk cannot run with.
func (w wrkFlags) check() error {
	if *w.authors < 1 || *w.perAuthor < 1 || *w.rounds < 1 || *w.conns < 1 || *w.threads < 1 || *w.duration < time.Second {
		return fmt.Errorf("bench: --authors, --posts, --rounds, --connections and --threads must be at least 1, --duration at least 1s")
	}
	if _, err := exec.LookPath(*w.wrk); err != nil {
		return fmt.Errorf("bench: wrk not found (apt-get install wrk): %w", err)
	}
	return nil
}

func runWrk(ctx context.Context, wrk string, threads, conns int, d time.Duration, url, token string) (float64, error) {
	cmd := exec.CommandContext(ctx, wrk, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s",
		"-H", "Authorization: Bearer "+token, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if m := non2xx.FindSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk saw %s failed responses: %s", m[1], out)
	}
	m := reqPerSec.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk: no Requests/sec in output: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// benchConfig is the settings a benchmark runs Pinhole with: every role in
// one process on a free port, quiet, with cheap password hashing (the
// benchmarks sign many members up).
func benchConfig(data string) *Config {
	return &Config{Listen: "127.0.0.1:0", Data: data, Roles: []string{"web", "worker", "scheduler"}, LogicalShards: 256,
		CelebrityThreshold: 10000, PasswordGrant: true, MaxUploadMB: 25, LogLevel: "error", LogFormat: "text",
		argon2: &identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
}
