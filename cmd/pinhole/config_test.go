package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDatabaseSettings: --directory-db and --shard-dbs name primaries and
// their read replicas ("primary|replica|replica"), and a malformed one is
// refused without echoing its password.
func TestDatabaseSettings(t *testing.T) {
	const (
		dir     = "postgres://pinhole@db1:5432/directory"
		dirCopy = "postgres://pinhole@db1-replica:5432/directory"
		shard1  = "postgres://pinhole@db2:5432/shard1"
	)
	parse := func(t *testing.T, args ...string) (*Config, error) {
		t.Helper()
		return parseServeFlags(append(args, "--data", t.TempDir()), func(string) string { return "" }, io.Discard)
	}
	t.Run("DirectoryWithAReplica", func(t *testing.T) {
		c, err := parse(t, "--directory-db", dir+"|"+dirCopy)
		if err != nil {
			t.Fatal(err)
		}
		if c.DirectoryDB != dir || !slices.Equal(c.DirectoryReplicas, []string{dirCopy}) {
			t.Errorf("directory: %q with replicas %q; want %q with [%q]", c.DirectoryDB, c.DirectoryReplicas, dir, dirCopy)
		}
		// The directory is the one shard database, replicas and all.
		if len(c.ShardDBs) != 1 || c.ShardDBs[0].Primary != dir || !slices.Equal(c.ShardDBs[0].Replicas, []string{dirCopy}) {
			t.Errorf("shard databases: %+v; want the directory with its replica", c.ShardDBs)
		}
		pc := c.postgresConfig()
		if pc.Directory != dir || !slices.Equal(pc.DirectoryReplicas, []string{dirCopy}) {
			t.Errorf("postgres config: %q with replicas %q", pc.Directory, pc.DirectoryReplicas)
		}
	})
	t.Run("ShardsWithReplicas", func(t *testing.T) {
		c, err := parse(t, "--directory-db", dir, "--shard-dbs", dir+" | "+dirCopy+", "+shard1)
		if err != nil {
			t.Fatal(err)
		}
		want := []ShardDB{{Primary: dir, Replicas: []string{dirCopy}}, {Primary: shard1}}
		if len(c.ShardDBs) != 2 || c.ShardDBs[0].Primary != want[0].Primary || !slices.Equal(c.ShardDBs[0].Replicas, want[0].Replicas) ||
			c.ShardDBs[1].Primary != shard1 || len(c.ShardDBs[1].Replicas) != 0 {
			t.Errorf("shard databases: %+v; want %+v", c.ShardDBs, want)
		}
	})
	t.Run("UnixSocket", func(t *testing.T) {
		// What the PostgreSQL adapter accepts, the settings accept.
		socket := "postgres://pinhole@/directory?host=/run/postgresql"
		if c, err := parse(t, "--directory-db", socket); err != nil || c.DirectoryDB != socket {
			t.Errorf("a Unix socket directory: %v, %v", c, err)
		}
	})
	for name, args := range map[string][]string{
		"MalformedReplica":  {"--directory-db", "postgres://pinhole:hunter2@db1/directory|mysql://pinhole:hunter2@db1/directory"},
		"MalformedShard":    {"--directory-db", dir, "--shard-dbs", "postgres://pinhole:hunter2@db2/shard1,db3"},
		"ShardsWithoutADir": {"--shard-dbs", shard1},
		"EmptyReplica":      {"--directory-db", dir + "|"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, args...)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error echoes a password: %v", err)
			}
		})
	}
}

// TestMigrateMakesTheDataDirectory: `pinhole migrate` on the embedded
// defaults works on a data directory that does not exist yet.
func TestMigrateMakesTheDataDirectory(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new")
	env := map[string]string{"PINHOLE_DATA": data, "PINHOLE_LOG_LEVEL": "error"}
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
		t.Fatalf("migrate: %v (%s)", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "pinhole.db")); err != nil {
		t.Errorf("no database after migrate: %v", err)
	}
}
