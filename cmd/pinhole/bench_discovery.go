package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// `pinhole bench discovery`: seed (or reuse) a dataset of a million
// accounts, a hundred thousand hashtags and fifty thousand places, then
// measure account search and nearby, in process and over HTTP.

// benchQuery is one query of the benchmark, with the account it aims at.
type benchQuery struct {
	kind   string // exact, prefix, words, typo, miss
	q      string
	target string // the username a member typing q looks for ("" for misses)
}

// nearbyQuery is one nearby query.
type nearbyQuery struct {
	lat, lon, radius float64
}

func benchDiscovery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pinhole bench discovery", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory to seed, or reuse when already seeded (default: a temporary one, removed afterwards)")
	accounts := fs.Int("accounts", 1_000_000, "accounts to seed")
	tags := fs.Int("tags", 100_000, "hashtags to seed")
	places := fs.Int("places", 50_000, "places to seed")
	queries := fs.Int("queries", 2000, "measured queries per kind and way")
	clients := fs.Int("clients", 4, "concurrent clients of the concurrent HTTP run")
	seed := fs.Uint64("seed", 1, "random seed of the dataset and the queries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *accounts < 100 || *places < 10 || *tags < 10 || *queries < 100 || *clients < 1 {
		return fmt.Errorf("bench: at least 100 accounts, 10 places, 10 tags and 100 queries, and one client")
	}
	dir := *data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "pinhole-discovery-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cfg := benchConfig(dir)
	if err := cfg.Validate(); err != nil {
		return err
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	have, err := m.Store.CountRows(ctx, "search_accounts")
	if err != nil {
		return err
	}
	names := makeAccounts(rand.New(rand.NewPCG(*seed, 1)), *accounts)
	switch {
	case have == 0:
		fmt.Fprintf(stdout, "seeding %d accounts, %d hashtags, %d places into %s…\n", *accounts, *tags, *places, dir)
		start := time.Now()
		if err := m.seedDiscovery(ctx, rand.New(rand.NewPCG(*seed, 2)), names, seedCounts{Tags: *tags, Places: *places}, stdout); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded in %s\n", time.Since(start).Round(time.Second))
	case have != int64(*accounts):
		return fmt.Errorf("bench: %s holds %d accounts, not %d: use another --data", dir, have, *accounts)
	default:
		fmt.Fprintf(stdout, "reusing the %d accounts seeded in %s\n", have, dir)
	}
	if fi, err := os.Stat(filepath.Join(dir, "pinhole.db")); err == nil {
		fmt.Fprintf(stdout, "database: %.0f MB\n", float64(fi.Size())/(1<<20))
	}
	if err := m.Listen(ctx); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 3))
	aq := accountQueries(rng, names, *queries)
	nq := nearbyQueries(rng, *queries)
	base := "http://" + m.Addr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	search := m.Services.Search

	runs := []struct {
		name string
		n    int
		one  func(i int) error
	}{
		{"account search, in process", len(aq), func(i int) error {
			_, err := search.Accounts(ctx, 0, aq[i].q, 20, 0)
			return err
		}},
		{"account search, HTTP", len(aq), func(i int) error {
			return get(ctx, client, base+"/api/v2/search?type=accounts&q="+url.QueryEscape(aq[i].q))
		}},
		{"nearby, in process", len(nq), func(i int) error {
			_, err := search.Nearby(ctx, nq[i].lat, nq[i].lon, nq[i].radius, 20)
			return err
		}},
		{"nearby, HTTP", len(nq), func(i int) error {
			q := nq[i]
			return get(ctx, client, fmt.Sprintf("%s/api/pinhole/v1/places/nearby?lat=%f&lon=%f&radius_km=%g", base, q.lat, q.lon, q.radius))
		}},
	}
	fmt.Fprintf(stdout, "\n%d queries per run after a warm-up; latency per query:\n", *queries)
	fmt.Fprintf(stdout, "%-40s %9s %9s %9s %9s\n", "run", "p50", "p90", "p99", "max")
	for _, r := range runs {
		for i := 0; i < min(300, r.n); i++ { // warm-up: the page cache and the statement cache
			if err := r.one(i); err != nil {
				return err
			}
		}
		lat, err := measure(r.n, 1, r.one)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		printLatency(stdout, r.name, lat)
		if *clients > 1 && strings.HasSuffix(r.name, "HTTP") {
			start := time.Now()
			lat, err := measure(r.n, *clients, r.one)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			printLatency(stdout, fmt.Sprintf("%s, %d clients (%.0f req/s)", r.name, *clients, float64(r.n)/time.Since(start).Seconds()), lat)
		}
	}
	fmt.Fprintf(stdout, "\naccount search by kind of query (in process):\n")
	return accountQuality(ctx, stdout, m, aq)
}

// get fetches a URL and fails unless it answers 200.
func get(ctx context.Context, c *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return nil
}

// measure runs n queries over the given number of clients and returns
// each one's latency.
func measure(n, clients int, one func(i int) error) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; i < n; i += clients {
				start := time.Now()
				if err := one(i); err != nil {
					errs[c] = err
					return
				}
				lat[i] = time.Since(start)
			}
		}(c)
	}
	wg.Wait()
	return lat, errors.Join(errs...)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func printLatency(out io.Writer, name string, lat []time.Duration) {
	s := slices.Clone(lat)
	slices.Sort(s)
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + "ms"
	}
	fmt.Fprintf(out, "%-40s %9s %9s %9s %9s\n", name, ms(percentile(s, .5)), ms(percentile(s, .9)), ms(percentile(s, .99)), ms(s[len(s)-1]))
}

// accountQueries makes the account search mix: whole usernames, prefixes
// as typed (2–8 characters), display-name words, one-edit typos of
// usernames, and queries that match nobody.
func accountQueries(rng *rand.Rand, names []seededAccount, n int) []benchQuery {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	out := make([]benchQuery, 0, n)
	for len(out) < n {
		a := names[rng.IntN(len(names))]
		u := a.Username
		switch k := rng.IntN(10); {
		case k < 2:
			out = append(out, benchQuery{"exact", u, u})
		case k < 5:
			out = append(out, benchQuery{"prefix", u[:min(len(u), 2+rng.IntN(7))], u})
		case k < 7:
			if a.DisplayName == "" {
				continue
			}
			out = append(out, benchQuery{"words", a.DisplayName, u})
		case k < 9:
			if len(u) < 5 {
				continue
			}
			i := 1 + rng.IntN(len(u)-2)
			var typo string
			switch rng.IntN(4) {
			case 0: // two neighbours swapped
				typo = u[:i] + string(u[i+1]) + string(u[i]) + u[i+2:]
			case 1: // a letter missing
				typo = u[:i] + u[i+1:]
			case 2: // a letter too many
				typo = u[:i] + string(letters[rng.IntN(26)]) + u[i:]
			default: // a wrong letter
				typo = u[:i] + string(letters[rng.IntN(26)]) + u[i+1:]
			}
			out = append(out, benchQuery{"typo", typo, u})
		default:
			b := make([]byte, 6+rng.IntN(6))
			for j := range b {
				b[j] = letters[rng.IntN(26)]
			}
			out = append(out, benchQuery{"miss", string(b), ""})
		}
	}
	return out
}

// nearbyQueries makes the nearby mix: points in and around cities at
// radii from a street to a region, and points anywhere on Earth.
func nearbyQueries(rng *rand.Rand, n int) []nearbyQuery {
	radii := []float64{0.5, 1, 2, 5, 10, 25, 50, 100}
	out := make([]nearbyQuery, 0, n)
	for len(out) < n {
		if rng.IntN(5) == 0 {
			out = append(out, nearbyQuery{rng.Float64()*170 - 85, rng.Float64()*360 - 180, []float64{5, 50, 500}[rng.IntN(3)]})
			continue
		}
		c := cityCentres[rng.IntN(len(cityCentres))]
		out = append(out, nearbyQuery{c[0] + rng.NormFloat64()*0.05, c[1] + rng.NormFloat64()*0.05, radii[rng.IntN(len(radii))]})
	}
	return out
}

// accountQuality reports latency and how often the account aimed at came
// back in the first five, per kind of query.
func accountQuality(ctx context.Context, out io.Writer, m *Main, qs []benchQuery) error {
	fmt.Fprintf(out, "%-8s %7s %9s %9s %12s\n", "kind", "queries", "p50", "p99", "target in 5")
	for _, kind := range []string{"exact", "prefix", "words", "typo", "miss"} {
		var lat []time.Duration
		hit, n := 0, 0
		for _, q := range qs {
			if q.kind != kind {
				continue
			}
			start := time.Now()
			got, err := m.Services.Search.Accounts(ctx, 0, q.q, 5, 0)
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(start))
			n++
			for _, a := range got {
				if a.Username == q.target {
					hit++
					break
				}
			}
		}
		if n == 0 {
			continue
		}
		slices.Sort(lat)
		rate := "-"
		if kind != "miss" {
			rate = fmt.Sprintf("%.0f%%", 100*float64(hit)/float64(n))
		}
		fmt.Fprintf(out, "%-8s %7d %8.2fms %8.2fms %12s\n", kind, n, float64(percentile(lat, .5).Microseconds())/1000, float64(percentile(lat, .99).Microseconds())/1000, rate)
	}
	return nil
}
