// Command local runs Pinhole's scale-out layout on this machine (`make
// cluster`): PostgreSQL with a replica, Redis, NATS, several web nodes, a
// worker and a scheduler behind HAProxy. It prints the URL and stops
// everything on Ctrl-C or SIGTERM. See deploy/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pinhole/pinhole/internal/localcluster"
	"github.com/pinhole/pinhole/internal/pglocal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cluster:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o localcluster.Options
	fs.StringVar(&o.Dir, "dir", "", "directory for data and logs (must be empty or absent); default a new one under the system's temporary directory")
	fs.IntVar(&o.WebNodes, "web", 2, "web nodes")
	fs.IntVar(&o.Workers, "workers", 1, "worker processes")
	fs.IntVar(&o.Schedulers, "schedulers", 1, "scheduler processes")
	fs.IntVar(&o.LBPort, "port", 8080, "HAProxy's port on 127.0.0.1 (0: any free port)")
	fs.StringVar(&o.Binary, "bin", "", "a built pinhole binary; default: build cmd/pinhole")
	fs.StringVar(&o.BuildTags, "tags", "", "build tags when building pinhole (e.g. vips)")
	fs.StringVar(&o.Redis, "redis", "redis://127.0.0.1:6379/0", "Redis URL")
	fs.StringVar(&o.NATS, "nats", "nats://127.0.0.1:4222", "NATS URL (with JetStream)")
	fs.StringVar(&o.Blob, "blob", "", "media store URL; default file://<dir>/media")
	fs.DurationVar(&o.DrainDelay, "drain-delay", 0, "the nodes' --drain-delay (0: pinhole's default)")
	verbose := fs.Bool("v", false, "log every step")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	level := slog.LevelInfo
	if !*verbose {
		level = slog.LevelWarn
	}
	o.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if o.Dir == "" {
		// Searchable by the postgres user when this runs as root.
		dir, err := pglocal.MkdirTemp("pinhole-cluster-")
		if err != nil {
			return err
		}
		o.Dir = dir
	}
	fmt.Fprintf(stdout, "starting a Pinhole cluster in %s …\n", o.Dir)
	started := time.Now()
	c, err := localcluster.Start(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%sready in %v; Ctrl-C stops it\n", c.Summary(), time.Since(started).Round(100*time.Millisecond))
	watch(ctx, c, stdout)
	fmt.Fprintln(stdout, "stopping…")
	if err := c.Stop(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stopped; data and logs are in %s\n", c.Dir)
	return nil
}

// watch reports, once each, nodes that exit on their own, until ctx ends.
func watch(ctx context.Context, c *localcluster.Cluster, out io.Writer) {
	reported := map[string]bool{}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, n := range c.Nodes() {
			if running := n.Running(); !running && !reported[n.Name] {
				fmt.Fprintf(out, "%s has exited; see %s\n", n.Name, n.Log)
				reported[n.Name] = true
			} else if running {
				reported[n.Name] = false
			}
		}
	}
}
