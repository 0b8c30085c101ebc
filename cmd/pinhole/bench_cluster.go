package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/internal/localcluster"
	"github.com/pinhole/pinhole/internal/pglocal"
)

// benchCluster measures the home timeline on the local cluster (HAProxy,
// two web nodes, a worker and a scheduler on PostgreSQL, Redis and NATS)
// beside the embedded one-box server, both seeded alike, in alternating
// wrk rounds; and how the load spread over the databases.
func benchCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pinhole bench cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	w := bindWrkFlags(fs)
	bin := fs.String("bin", "", "a built pinhole for the cluster's processes; default: build cmd/pinhole")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := w.check(); err != nil {
		return err
	}
	if err := pglocal.Available(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}

	// The embedded server, as `bench timeline` measures it.
	embeddedURL, embeddedToken, closeEmbedded, err := embeddedTimeline(ctx, *w.authors, *w.perAuthor, stdout)
	if err != nil {
		return err
	}
	defer closeEmbedded()

	dir, err := pglocal.MkdirTemp("pinhole-bench-cluster-*")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "starting the local cluster…")
	c, err := localcluster.Start(ctx, localcluster.Options{Dir: dir, Binary: *bin, RemoveDir: true, LBPort: 0})
	if err != nil {
		return err
	}
	defer c.Stop()
	clusterToken, err := seedCluster(ctx, c, *w.authors, *w.perAuthor, stdout)
	if err != nil {
		return err
	}
	clusterURL := c.URL() + "/api/v1/timelines/home"
	if err := waitTimeline(ctx, clusterURL, clusterToken); err != nil {
		return err
	}

	dbs := []struct {
		name string
		srv  *pglocal.Server
		db   string
	}{
		{"directory", c.Primary, localcluster.DirectoryDatabase},
		{"shard 0 primary", c.Primary, localcluster.ShardDatabases[0]},
		{"shard 0 replica", c.Replica, localcluster.ShardDatabases[0]},
		{"shard 1 primary", c.Primary, localcluster.ShardDatabases[1]},
	}
	before := make([]pglocal.Stats, len(dbs))
	time.Sleep(1500 * time.Millisecond) // statistics reach the views within a second
	for i, d := range dbs {
		if before[i], err = d.srv.Stats(ctx, d.db); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "wrk -t%d -c%d -d%s, %d rounds, GET /api/v1/timelines/home (20 posts)\n", *w.threads, *w.conns, *w.duration, *w.rounds)
	var emb, clu []float64
	for i := 0; i < *w.rounds; i++ {
		e, err := runWrk(ctx, *w.wrk, *w.threads, *w.conns, *w.duration, embeddedURL, embeddedToken)
		if err != nil {
			return err
		}
		k, err := runWrk(ctx, *w.wrk, *w.threads, *w.conns, *w.duration, clusterURL, clusterToken)
		if err != nil {
			return err
		}
		emb, clu = append(emb, e), append(clu, k)
		fmt.Fprintf(stdout, "round %d: embedded %.0f req/s, cluster %.0f req/s (%.2f×)\n", i+1, e, k, k/e)
	}
	fmt.Fprintf(stdout, "median: embedded %.0f req/s, cluster through HAProxy %.0f req/s (%.2f×)\n", median(emb), median(clu), median(clu)/median(emb))

	time.Sleep(1500 * time.Millisecond)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\trows\ttransactions\trows read\trows written\t")
	for i, d := range dbs {
		after, err := d.srv.Stats(ctx, d.db)
		if err != nil {
			return err
		}
		rows := fmt.Sprint(after.Rows)
		if d.srv == c.Replica {
			rows = "(a copy)" // a standby keeps no table statistics of its own
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", d.name, rows, after.Transactions-before[i].Transactions,
			after.RowsRead-before[i].RowsRead, after.RowsWritten-before[i].RowsWritten)
	}
	fmt.Fprintln(stdout, "load on each database during the wrk rounds (rows: live rows in its tables):")
	return tw.Flush()
}

// embeddedTimeline starts the embedded server seeded for the benchmark and
// returns the home timeline URL, the reader's token and a closer.
func embeddedTimeline(ctx context.Context, authors, perAuthor int, stdout io.Writer) (string, string, func(), error) {
	dir, err := os.MkdirTemp("", "pinhole-bench-*")
	if err != nil {
		return "", "", nil, err
	}
	cfg := benchConfig(dir)
	if err := cfg.Validate(); err != nil {
		return "", "", nil, err
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	closer := func() { m.Close(); os.RemoveAll(dir) }
	if err := m.Open(ctx); err != nil {
		closer()
		return "", "", nil, err
	}
	fmt.Fprintf(stdout, "seeding the embedded server: %d authors × %d posts…\n", authors, perAuthor)
	reader, err := m.seedFeed(ctx, authors, perAuthor)
	if err != nil {
		closer()
		return "", "", nil, err
	}
	token, _, err := m.Services.Identity.IssueToken(ctx, 0, reader.ID, "read")
	if err != nil {
		closer()
		return "", "", nil, err
	}
	if err := m.Listen(ctx); err != nil {
		closer()
		return "", "", nil, err
	}
	url := "http://" + m.Addr + "/api/v1/timelines/home"
	if err := waitTimeline(ctx, url, token); err != nil {
		closer()
		return "", "", nil, err
	}
	return url, token, closer, nil
}

// seedCluster seeds the cluster's databases from this process (as an
// admin tool would) and returns the reader's token. The cluster's worker
// fans the posts out.
func seedCluster(ctx context.Context, c *localcluster.Cluster, authors, perAuthor int, stdout io.Writer) (string, error) {
	cfg := benchConfig(filepath.Join(c.Dir, "bench-seed"))
	cfg.DirectoryDB, cfg.Redis, cfg.RedisPrefix, cfg.NATS, cfg.NATSPrefix, cfg.Blob = c.DirectoryDSN, c.RedisURL, c.RedisPrefix, c.NATSURL, c.NATSPrefix, c.Blob
	cfg.tool = true
	if err := cfg.setShardDBs(c.ShardDSNs); err != nil {
		return "", err
	}
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer m.Close()
	// A tool reads back what it just wrote: from the primaries.
	ctx = pinhole.WithFreshReads(ctx)
	if err := m.Open(ctx); err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "seeding the cluster: %d authors × %d posts…\n", authors, perAuthor)
	reader, err := m.seedFeed(ctx, authors, perAuthor)
	if err != nil {
		return "", err
	}
	token, _, err := m.Services.Identity.IssueToken(ctx, 0, reader.ID, "read")
	return token, err
}

// waitTimeline waits until the home timeline answers with a full page.
func waitTimeline(ctx context.Context, url, token string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			var page []json.RawMessage
			err = json.NewDecoder(res.Body).Decode(&page)
			res.Body.Close()
			if err == nil && res.StatusCode == 200 && len(page) == 20 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s never served a full page (last error: %v)", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
