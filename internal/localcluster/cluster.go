// Package localcluster starts Pinhole's scale-out layout on one machine
// and stops it: a PostgreSQL primary with a streaming replica (through
// internal/pglocal) holding the directory and two shard databases, the
// local Redis and NATS under prefixes of the cluster's own, shared media,
// several web nodes, workers and schedulers as child processes, and
// HAProxy in front, configured from deploy/haproxy/haproxy.cfg. `make
// cluster` (deploy/local) and the cluster tests use it.
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pinhole/pinhole/deploy"
	"github.com/pinhole/pinhole/internal/pglocal"
	"github.com/pinhole/pinhole/nats"
	"github.com/pinhole/pinhole/redis"
)

// The databases the cluster creates: the directory and two physical
// shards, the first with a read replica.
const (
	DirectoryDatabase = "pinhole_directory"
)

// ShardDatabases are the physical shard databases, in --shard-dbs order.
var ShardDatabases = []string{"pinhole_shard0", "pinhole_shard1"}

// Cluster is a running local cluster.
type Cluster struct {
	Dir        string
	Web        []*Node
	Workers    []*Node
	Schedulers []*Node

	Primary, Replica *pglocal.Server
	DirectoryDSN     string // postgres://… of the directory database
	ShardDSNs        string // --shard-dbs: shard0's primary|replica, shard1
	RedisURL         string
	RedisPrefix      string
	NATSURL          string
	NATSPrefix       string
	Blob             string
	HAProxyConfig    string // path of the generated configuration

	opts      Options
	bin       string
	env       []string
	mediaKeys string // shared by every node, so signed image URLs verify anywhere
	lbURL     string
	statsURL  string // HAProxy's statistics page
	lb        *process
	logs      map[string]string // process name → log path
	pgLog     *os.File          // PostgreSQL's log, written while it runs
	touched   bool              // Redis and NATS were used: clean them up

	mu       sync.Mutex
	stopOnce sync.Once
	stopErr  error
}

// StatsURL is HAProxy's statistics page (add ";csv" for CSV), where the
// state of each web node's health check shows.
func (c *Cluster) StatsURL() string { return c.statsURL }

// URL is the load balancer's address: where members reach the cluster.
func (c *Cluster) URL() string { return c.lbURL }

// Nodes returns every pinhole node: web, then workers, then schedulers.
func (c *Cluster) Nodes() []*Node {
	var all []*Node
	all = append(all, c.Web...)
	all = append(all, c.Workers...)
	return append(all, c.Schedulers...)
}

// Start starts a cluster in opts.Dir and returns once HAProxy answers
// /readyz. ctx bounds the start-up only. If any step fails, everything
// started so far is stopped and the error (a *StepError) names the step
// and shows the end of that step's log.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, &StepError{Step: "options", Err: err}
	}
	c := &Cluster{
		Dir: o.Dir, opts: o, logs: map[string]string{},
		RedisURL: o.Redis, RedisPrefix: o.RedisPrefix, NATSURL: o.NATS, NATSPrefix: o.NATSPrefix, Blob: o.Blob,
		mediaKeys: randomHex(32),
	}
	if err := c.start(ctx); err != nil {
		if stopErr := c.Stop(); stopErr != nil {
			o.Log.Warn("stopping what had started", "err", stopErr)
		}
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	o, log := c.opts, c.opts.Log
	haproxy, err := c.preflight()
	if err != nil {
		return &StepError{Step: "preflight", Err: err}
	}
	if err := c.prepareDir(); err != nil {
		return &StepError{Step: "directory", Err: err}
	}
	// The media URL key goes in the environment, not on command lines
	// that any local user can list.
	c.env = childEnv(append([]string{"PINHOLE_MEDIA_URL_KEYS=" + c.mediaKeys}, o.Env...))

	c.bin = o.Binary
	if c.bin == "" {
		log.Info("building pinhole")
		if c.bin, err = c.build(ctx); err != nil {
			return err
		}
	}

	log.Info("starting PostgreSQL")
	pgLog := c.logPath("postgres")
	f, err := os.OpenFile(pgLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return &StepError{Step: "postgres primary", Err: err}
	}
	c.pgLog = f // closed by Stop, after the servers
	if c.Primary, err = pglocal.StartPrimary(ctx, filepath.Join(c.Dir, "pg", "primary"), 0, f); err != nil {
		return stepErr("postgres primary", pgLog, err)
	}
	for _, db := range append([]string{DirectoryDatabase}, ShardDatabases...) {
		if err := c.Primary.CreateDatabase(ctx, db); err != nil {
			return stepErr("create databases", pgLog, err)
		}
	}
	if c.Replica, err = c.Primary.StartReplica(ctx, filepath.Join(c.Dir, "pg", "replica"), 0); err != nil {
		return stepErr("postgres replica", pgLog, err)
	}
	c.DirectoryDSN = c.Primary.DSN(DirectoryDatabase)
	shards := [][]string{{c.Primary.DSN(ShardDatabases[0]), c.Replica.DSN(ShardDatabases[0])}}
	for _, db := range ShardDatabases[1:] {
		shards = append(shards, []string{c.Primary.DSN(db)})
	}
	if c.ShardDSNs, err = shardDSNs(shards); err != nil {
		return &StepError{Step: "shard databases", Err: err}
	}

	// Ports: the load balancer's first, since the nodes' public URL is it.
	lbPort := o.LBPort
	if lbPort == 0 {
		ports, err := freePorts(1, nil)
		if err != nil {
			return &StepError{Step: "ports", Err: err}
		}
		lbPort = ports[0]
	}
	c.lbURL = "http://" + hostPort(lbPort)

	log.Info("migrating")
	c.mu.Lock()
	c.touched = true
	c.mu.Unlock()
	if err := c.migrate(ctx); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, o.ReadyTimeout)
	err = c.Primary.WaitCaughtUp(wctx, c.Replica)
	cancel()
	if err != nil {
		return stepErr("replica catch-up", pgLog, err)
	}

	log.Info("starting nodes", "web", o.WebNodes, "workers", o.Workers, "schedulers", o.Schedulers)
	if err := c.startNodes(ctx, lbPort); err != nil {
		return err
	}

	log.Info("starting HAProxy", "url", c.lbURL)
	return c.startLB(ctx, haproxy, lbPort)
}

// prepareDir makes Dir, which must be empty or absent: a half-reused
// directory would mix two clusters' data.
func (c *Cluster) prepareDir() error {
	entries, err := os.ReadDir(c.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty: it may hold another cluster; choose a new directory", c.Dir)
	}
	if err := os.MkdirAll(c.Dir, 0o711); err != nil {
		return err
	}
	for _, d := range []string{"logs", "nodes", "pg"} {
		if err := os.Mkdir(filepath.Join(c.Dir, d), 0o711); err != nil {
			return err
		}
	}
	if u, err := url.Parse(c.Blob); err == nil && u.Scheme == "file" {
		if err := os.MkdirAll(filepath.FromSlash(u.Path), 0o750); err != nil {
			return fmt.Errorf("media directory: %w", err)
		}
	}
	return nil
}

// preflight checks what the cluster needs before starting anything, so
// a missing tool is one clear message. It returns haproxy's path.
func (c *Cluster) preflight() (string, error) {
	for _, s := range []struct{ name, raw, port, hint string }{
		{"Redis", c.RedisURL, "6379", "redis-server --port 6379"},
		{"NATS", c.NATSURL, "4222", "nats-server -js"},
	} {
		u, _ := url.Parse(s.raw)
		addr := u.Host
		if u.Port() == "" {
			addr = net.JoinHostPort(u.Hostname(), s.port)
		}
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return "", fmt.Errorf("%s is not reachable at %s (start one: %s): %w", s.name, addr, s.hint, err)
		}
		conn.Close()
	}
	if c.opts.Binary != "" {
		if st, err := os.Stat(c.opts.Binary); err != nil || st.IsDir() {
			return "", fmt.Errorf("option Binary %s: not a file", c.opts.Binary)
		}
	}
	haproxy := c.opts.HAProxy
	if haproxy == "" {
		var err error
		if haproxy, err = exec.LookPath("haproxy"); err != nil {
			return "", fmt.Errorf("haproxy is not installed (apt-get install haproxy)")
		}
	}
	if err := pglocal.Available(); err != nil {
		return "", fmt.Errorf("PostgreSQL server binaries (apt-get install postgresql): %w", err)
	}
	return haproxy, nil
}

// build compiles cmd/pinhole into Dir/bin. It runs in the caller's
// working directory, which must be inside the module.
func (c *Cluster) build(ctx context.Context) (string, error) {
	bin := filepath.Join(c.Dir, "bin", "pinhole")
	args := []string{"build", "-o", bin}
	if c.opts.BuildTags != "" {
		args = append(args, "-tags", c.opts.BuildTags)
	}
	args = append(args, "github.com/pinhole/pinhole/cmd/pinhole")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	if err != nil {
		logPath := c.logPath("build")
		_ = os.WriteFile(logPath, out, 0o644)
		return "", stepErr("build pinhole", logPath, err)
	}
	return bin, nil
}

// commonArgs are the settings every pinhole process of the cluster shares.
func (c *Cluster) commonArgs() []string {
	return []string{
		"--directory-db", c.DirectoryDSN,
		"--shard-dbs", c.ShardDSNs,
		"--redis", c.RedisURL, "--redis-prefix", c.RedisPrefix,
		"--nats", c.NATSURL, "--nats-prefix", c.NATSPrefix,
		"--blob", c.Blob,
		"--public-url", c.lbURL,
		"--log-format", "json",
	}
}

// migrate runs `pinhole migrate` and waits for it.
func (c *Cluster) migrate(ctx context.Context) error {
	logPath := c.logPath("migrate")
	args := append([]string{"migrate", "--data", filepath.Join(c.Dir, "nodes", "migrate")}, c.commonArgs()...)
	p, err := startProcess("migrate", logPath, c.bin, args, c.env)
	if err != nil {
		return stepErr("migrate", logPath, err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return stepErr("migrate", logPath, p.err)
		}
		return nil
	case <-ctx.Done():
		_ = p.kill()
		return stepErr("migrate", logPath, ctx.Err())
	case <-time.After(c.opts.MigrateTimeout):
		_ = p.kill()
		return stepErr("migrate", logPath, fmt.Errorf("not done within %v", c.opts.MigrateTimeout))
	}
}

// startNodes starts every node, then waits for each to be ready. A node
// that lost its port to another process is moved to a new one.
func (c *Cluster) startNodes(ctx context.Context, lbPort int) error {
	o := c.opts
	used := map[int]bool{lbPort: true}
	add := func(role string, count int) []*Node {
		var nodes []*Node
		for i := 1; i <= count; i++ {
			name := fmt.Sprintf("%s%d", role, i)
			n := &Node{
				Name: name, Role: role, Log: c.logPath(name),
				bin: c.bin, env: c.env, readyTimeout: o.ReadyTimeout, stopTimeout: o.stopTimeout(),
			}
			nodes = append(nodes, n)
		}
		return nodes
	}
	web, workers, schedulers := add("web", o.WebNodes), add("worker", o.Workers), add("scheduler", o.Schedulers)
	c.mu.Lock()
	c.Web, c.Workers, c.Schedulers = web, workers, schedulers
	c.mu.Unlock()

	pending := c.Nodes()
	for attempt := 0; len(pending) > 0; attempt++ {
		ports, err := freePorts(len(pending), used)
		if err != nil {
			return &StepError{Step: "ports", Err: err}
		}
		for i, n := range pending {
			used[ports[i]] = true
			c.configure(n, ports[i])
			if err := n.start(); err != nil {
				return stepErr(n.Name, n.Log, err)
			}
		}
		var retry []*Node
		for _, n := range pending {
			err := n.waitReady(ctx)
			if err == nil {
				continue
			}
			if attempt < 2 && !n.Running() && n.addressInUse() {
				retry = append(retry, n)
				continue
			}
			return stepErr(n.Name, n.Log, err)
		}
		pending = retry
	}
	return nil
}

// configure gives a node its port and command line.
func (c *Cluster) configure(n *Node, port int) {
	o := c.opts
	n.URL = "http://" + hostPort(port)
	args := []string{"serve",
		"--listen", hostPort(port),
		"--roles", n.Role,
		"--data", filepath.Join(c.Dir, "nodes", n.Name),
		"--trust-proxy",
	}
	if o.DrainDelay > 0 {
		args = append(args, "--drain-delay", o.DrainDelay.String())
	}
	args = append(args, c.commonArgs()...)
	n.args = append(args, o.ServeArgs...)
}

// startLB writes the HAProxy configuration, has haproxy check it, starts
// it and waits until it routes /readyz to a web node.
func (c *Cluster) startLB(ctx context.Context, haproxy string, lbPort int) error {
	logPath := c.logPath("haproxy")
	ports, err := freePorts(1, map[int]bool{lbPort: true})
	if err != nil {
		return &StepError{Step: "ports", Err: err}
	}
	var servers []string
	for _, n := range c.Web {
		u, _ := url.Parse(n.URL)
		servers = append(servers, u.Host)
	}
	c.statsURL = "http://" + hostPort(ports[0]) + "/"
	cfg, err := haproxyConfig(deploy.HAProxyConfig, hostPort(lbPort), hostPort(ports[0]), servers)
	if err != nil {
		return &StepError{Step: "haproxy config", Err: err}
	}
	c.HAProxyConfig = filepath.Join(c.Dir, "haproxy.cfg")
	if err := os.WriteFile(c.HAProxyConfig, []byte(cfg), 0o644); err != nil {
		return &StepError{Step: "haproxy config", Err: err}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	out, err := exec.CommandContext(cctx, haproxy, "-c", "-f", c.HAProxyConfig).CombinedOutput()
	cancel()
	if err != nil {
		return &StepError{Step: "haproxy config", Log: c.HAProxyConfig, Tail: strings.TrimSpace(string(out)), Err: fmt.Errorf("haproxy -c: %w", err)}
	}
	// -db: stay in the foreground, no daemon, no master process.
	p, err := startProcess("haproxy", logPath, haproxy, []string{"-f", c.HAProxyConfig, "-db"}, c.env)
	if err != nil {
		return stepErr("haproxy", logPath, err)
	}
	c.mu.Lock()
	c.lb = p
	c.mu.Unlock()
	if err := waitReady(ctx, c.lbURL, p, c.opts.ReadyTimeout); err != nil {
		return stepErr("haproxy", logPath, err)
	}
	return nil
}

// Stop stops everything the cluster started: HAProxy, the nodes (SIGTERM,
// so they drain), then removes the cluster's Redis keys and NATS streams
// and stops PostgreSQL. The directory stays unless Options.RemoveDir.
// It is safe to call more than once and returns every failure.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	var errs []error
	c.mu.Lock()
	lb, touched := c.lb, c.touched
	nodes := c.Nodes()
	c.mu.Unlock()
	if lb != nil {
		if err := lb.stop(10 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Stop(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if touched {
		if err := c.purgeRedis(); err != nil {
			errs = append(errs, err)
		}
		if err := c.deleteStreams(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Replica != nil {
		if err := c.Replica.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Primary != nil {
		if err := c.Primary.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.pgLog != nil {
		c.pgLog.Close()
	}
	if c.opts.RemoveDir && len(errs) == 0 {
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("localcluster: stop: %w", errors.Join(errs...))
	}
	return nil
}

// purgeRedis deletes every key under the cluster's prefix.
func (c *Cluster) purgeRedis() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := redis.NewDefaultConfig(c.RedisURL)
	cfg.Prefix = c.RedisPrefix
	client, err := redis.Open(ctx, cfg, c.opts.Log)
	if err != nil {
		return fmt.Errorf("redis clean-up: %w", err)
	}
	defer client.Close()
	if _, err := client.Purge(ctx); err != nil {
		return fmt.Errorf("redis clean-up: %w", err)
	}
	return nil
}

// deleteStreams deletes the cluster's JetStream streams.
func (c *Cluster) deleteStreams() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := nats.NewDefaultConfig(c.Dir)
	cfg.URL, cfg.Prefix = c.NATSURL, c.NATSPrefix
	conn, err := nats.Open(ctx, cfg, c.opts.Log)
	if err != nil {
		return fmt.Errorf("nats clean-up: %w", err)
	}
	defer conn.Close()
	if err := conn.DeleteStreams(ctx); err != nil {
		return fmt.Errorf("nats clean-up: %w", err)
	}
	return nil
}

// LogFiles maps every process the cluster started (postgres, migrate,
// web1, …, haproxy) to its log file.
func (c *Cluster) LogFiles() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.logs))
	for k, v := range c.logs {
		out[k] = v
	}
	return out
}

// Logs returns the last lines of every process's log, for a failing
// test to print.
func (c *Cluster) Logs() string {
	files := c.LogFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "--- %s (%s) ---\n%s\n", n, files[n], tail(files[n], 30))
	}
	return b.String()
}

func (c *Cluster) logPath(name string) string {
	p := filepath.Join(c.Dir, "logs", name+".log")
	c.mu.Lock()
	c.logs[name] = p
	c.mu.Unlock()
	return p
}

// shardDSNs writes shard databases in --shard-dbs form: shards separated
// by commas, each primary followed by its replicas after '|'.
func shardDSNs(shards [][]string) (string, error) {
	if len(shards) == 0 {
		return "", errors.New("no shard databases")
	}
	parts := make([]string, len(shards))
	for i, s := range shards {
		if len(s) == 0 {
			return "", fmt.Errorf("shard %d has no primary", i)
		}
		for _, dsn := range s {
			if dsn == "" || strings.ContainsAny(dsn, ",|") {
				return "", fmt.Errorf("shard %d: %q cannot be listed in --shard-dbs (empty, or holds ',' or '|')", i, dsn)
			}
		}
		parts[i] = strings.Join(s, "|")
	}
	return strings.Join(parts, ","), nil
}

// childEnv is this process's environment without PINHOLE_* variables,
// plus extra.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PINHOLE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// Summary is a few lines for a person: where everything is.
func (c *Cluster) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pinhole at %s\n", c.lbURL)
	for _, n := range c.Nodes() {
		fmt.Fprintf(&b, "  %-10s %s  log %s\n", n.Name, n.URL, n.Log)
	}
	fmt.Fprintf(&b, "  postgres   primary 127.0.0.1:%s, replica 127.0.0.1:%s\n", strconv.Itoa(c.Primary.Port()), strconv.Itoa(c.Replica.Port()))
	fmt.Fprintf(&b, "  redis      %s prefix %s\n", c.RedisURL, c.RedisPrefix)
	fmt.Fprintf(&b, "  nats       %s prefix %s\n", c.NATSURL, c.NATSPrefix)
	fmt.Fprintf(&b, "  media      %s\n", c.Blob)
	fmt.Fprintf(&b, "  directory  %s\n", c.Dir)
	return b.String()
}
