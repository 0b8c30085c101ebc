package localcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShardDSNs(t *testing.T) {
	cases := []struct {
		name   string
		shards [][]string
		want   string
		bad    bool
	}{
		{"PrimaryWithReplicaThenPrimary", [][]string{{"postgres://p1/a", "postgres://r1/a"}, {"postgres://p2/b"}}, "postgres://p1/a|postgres://r1/a,postgres://p2/b", false},
		{"OnePrimary", [][]string{{"postgres://p/a"}}, "postgres://p/a", false},
		{"TwoReplicas", [][]string{{"postgres://p/a", "postgres://r1/a", "postgres://r2/a"}}, "postgres://p/a|postgres://r1/a|postgres://r2/a", false},
		{"NoShards", nil, "", true},
		{"ShardWithoutPrimary", [][]string{{}}, "", true},
		{"CommaInDSN", [][]string{{"postgres://p/a?options=x,y"}}, "", true},
		{"PipeInDSN", [][]string{{"postgres://p/a|b"}}, "", true},
		{"EmptyDSN", [][]string{{"postgres://p/a", ""}}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := shardDSNs(c.shards)
			if c.bad {
				if err == nil {
					t.Errorf("shardDSNs = %q, want an error", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("shardDSNs = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	dir := t.TempDir()
	o, err := Options{Dir: dir}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.WebNodes != 2 || o.Workers != 1 || o.Schedulers != 1 {
		t.Errorf("nodes %d/%d/%d, want 2/1/1", o.WebNodes, o.Workers, o.Schedulers)
	}
	if o.Redis != "redis://127.0.0.1:6379/0" || o.NATS != "nats://127.0.0.1:4222" {
		t.Errorf("services %s %s", o.Redis, o.NATS)
	}
	if o.Blob != "file://"+filepath.ToSlash(filepath.Join(dir, "media")) {
		t.Errorf("blob %s, want file://<dir>/media", o.Blob)
	}
	if !strings.HasPrefix(o.RedisPrefix, "pinhole-lc-") || !strings.HasPrefix(o.NATSPrefix, "pinhole-lc-") {
		t.Errorf("prefixes %q %q", o.RedisPrefix, o.NATSPrefix)
	}
	o2, _ := Options{Dir: dir}.withDefaults()
	if o2.RedisPrefix == o.RedisPrefix {
		t.Errorf("two clusters got the same prefix %q: they would clean up each other's keys", o.RedisPrefix)
	}
}

func TestOptionsRejects(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]Options{
		"NoDir":           {},
		"NegativeWeb":     {Dir: dir, WebNodes: -1},
		"TooManyWorkers":  {Dir: dir, Workers: 1000},
		"PortOutOfRange":  {Dir: dir, LBPort: 70000},
		"RedisNotRedis":   {Dir: dir, Redis: "http://127.0.0.1:6379"},
		"NATSNotNATS":     {Dir: dir, NATS: "127.0.0.1:4222"},
		"PrefixWildcard":  {Dir: dir, RedisPrefix: "pinhole*"},
		"PrefixDot":       {Dir: dir, NATSPrefix: "a.b"},
		"BlobNotAURL":     {Dir: dir, Blob: "/srv/media"},
		"EnvNotAVariable": {Dir: dir, Env: []string{"NOEQUALS"}},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := o.withDefaults(); err == nil {
				t.Errorf("%+v accepted", o)
			}
		})
	}
}

func TestStartRefusesANonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "something"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Redis and NATS at a port where nothing listens would fail the
	// preflight first: point them at a listener of this test.
	_, err := Start(context.Background(), Options{Dir: dir, Binary: os.Args[0], Redis: "redis://" + listener(t), NATS: "nats://" + listener(t), HAProxy: "/bin/true"})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("Start = %v, want a *StepError", err)
	}
	// Without PostgreSQL the preflight fails before the directory check.
	if se.Step != "directory" && !(se.Step == "preflight" && strings.Contains(se.Error(), "PostgreSQL")) {
		t.Errorf("failed at step %q (%v), want directory", se.Step, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); err == nil {
		t.Errorf("Start wrote into a directory it refused")
	}
}

func TestStartNamesAnUnreachableService(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cluster")
	_, err := Start(context.Background(), Options{Dir: dir, Redis: "redis://" + closedPort(t)})
	var se *StepError
	if !errors.As(err, &se) || se.Step != "preflight" || !strings.Contains(err.Error(), "Redis is not reachable") {
		t.Fatalf("Start = %v, want the preflight to name Redis", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a failed preflight created %s", dir)
	}
}
