package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pinhole/pinhole/internal/testenv"
)

// runShards runs `pinhole admin shards …` with env and returns its output.
func runShards(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"admin", "shards"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil {
		t.Logf("stderr: %s", stderr.String())
	}
	return stdout.String(), err
}

// TestAdminShardsOnSQLite lists the one database and refuses a move: every
// logical shard already lives in it.
func TestAdminShardsOnSQLite(t *testing.T) {
	env := map[string]string{"PINHOLE_DATA": t.TempDir(), "PINHOLE_LOG_LEVEL": "error", "PINHOLE_LOGICAL_SHARDS": "8"}
	out, err := runShards(t, env, "list", "-v")
	if err != nil {
		t.Fatalf("shards list: %v", err)
	}
	for _, want := range []string{`8 logical shards on 1 databases`, `(?m)^0\s+pinhole.db\s+8\s+\d+$`, `(?m)^7\s+0\s+0$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("shards list -v: no %q in\n%s", want, out)
		}
	}
	if _, err := runShards(t, env, "move", "3", "1"); err == nil || !strings.Contains(err.Error(), "physical databases") {
		t.Errorf("shards move on SQLite: %v, want a refusal", err)
	}
	if _, err := runShards(t, env, "move", "three", "1"); err == nil || !strings.Contains(err.Error(), "numbers") {
		t.Errorf("shards move three 1: %v, want a refusal", err)
	}
	if _, err := runShards(t, env, "move", "3"); err != errUsage {
		t.Errorf("shards move with one argument: %v, want the usage", err)
	}
}

// TestAdminShardsMoveOnPostgres moves a logical shard between two
// PostgreSQL databases from the command line and lists the result.
func TestAdminShardsMoveOnPostgres(t *testing.T) {
	dir := testenv.PostgresDB(t, "cli_dir")
	shards := testenv.PostgresDB(t, "cli_db0") + "," + testenv.PostgresDB(t, "cli_db1")
	env := map[string]string{"PINHOLE_DATA": t.TempDir(), "PINHOLE_LOG_LEVEL": "error", "PINHOLE_LOGICAL_SHARDS": "4",
		"PINHOLE_DIRECTORY_DB": dir, "PINHOLE_SHARD_DBS": shards}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr.String())
	}
	out, err := runShards(t, env, "move", "2", "1", "--grace", "0s")
	if err != nil {
		t.Fatalf("shards move: %v", err)
	}
	if !strings.Contains(out, "moved logical shard 2 from database 0") || !strings.Contains(out, "writes to the shard held") {
		t.Errorf("shards move printed:\n%s", out)
	}
	out, err = runShards(t, env, "list", "-v")
	if err != nil {
		t.Fatalf("shards list: %v", err)
	}
	if !strings.Contains(out, "shard map version 1") || !regexp.MustCompile(`(?m)^2\s+1\s+0$`).MatchString(out) {
		t.Errorf("shards list -v after the move:\n%s", out)
	}
	if _, err := runShards(t, env, "move", "2", "1", "--grace", "0s"); err == nil || !strings.Contains(err.Error(), "already on database 1") {
		t.Errorf("moving again: %v, want a refusal", err)
	}
}
