package postgres_test

import (
	"strings"
	"testing"

	"github.com/pinhole/pinhole/postgres"
)

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?,?,?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2,$3,$4)`},
		{`UPDATE t SET a = '?', b = ? WHERE c = 'it''s ?' AND d = ?`, `UPDATE t SET a = '?', b = $1 WHERE c = 'it''s ?' AND d = $2`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\nFROM t WHERE y = ?", "SELECT $1 -- why?\nFROM t WHERE y = $2"},
		{`SELECT ? /* what? */, ?`, `SELECT $1 /* what? */, $2`},
		{`SELECT '?`, `SELECT '?`}, // an unterminated literal keeps its text
		{strings.Repeat(`?,`, 11) + `?`, `$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12`},
	} {
		if got := postgres.Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q):\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	const a, b = "postgres://u@db1:5432/pinhole", "postgres://u@db2:5432/pinhole"
	for _, tt := range []struct {
		name string
		cfg  postgres.Config
		want string // part of the error; "" for none
	}{
		{"OneShard", postgres.Config{Shards: []postgres.Shard{{Primary: a}}, NumShards: 16}, ""},
		{"DirectoryOnly", postgres.Config{Directory: a, NumShards: 16}, ""},
		{"DirectoryAndShardsWithReplicas", postgres.Config{Directory: a, Shards: []postgres.Shard{{Primary: a, Replicas: []string{b}}, {Primary: b + "2"}}, NumShards: 16, MaxConns: 8}, ""},
		{"NoDatabase", postgres.Config{NumShards: 16}, "no database"},
		{"NotAURL", postgres.Config{Directory: "host=db1 dbname=pinhole", NumShards: 16}, "not a postgres://"},
		{"OtherScheme", postgres.Config{Shards: []postgres.Shard{{Primary: "mysql://u@db1/pinhole"}}, NumShards: 16}, "not a postgres://"},
		{"NoDatabaseName", postgres.Config{Shards: []postgres.Shard{{Primary: "postgres://u@db1:5432"}}, NumShards: 16}, "names no database"},
		{"PasswordNeverShown", postgres.Config{Shards: []postgres.Shard{{Primary: "postgres://u:s3cret@db1:5432"}}, NumShards: 16}, "names no database"},
		{"NoPrimary", postgres.Config{Shards: []postgres.Shard{{Replicas: []string{a}}}, NumShards: 16}, "a primary is required"},
		{"BadReplica", postgres.Config{Shards: []postgres.Shard{{Primary: a, Replicas: []string{"db2"}}}, NumShards: 16}, "replica 0"},
		{"ReplicaIsPrimary", postgres.Config{Shards: []postgres.Shard{{Primary: a, Replicas: []string{a + "?sslmode=disable"}}}, NumShards: 16}, "the primary itself"},
		{"DirectoryWithAReplica", postgres.Config{Directory: a, DirectoryReplicas: []string{b}, NumShards: 16}, ""},
		{"BadDirectoryReplica", postgres.Config{Directory: a, DirectoryReplicas: []string{"db2"}, NumShards: 16}, "directory database, replica 0"},
		{"DirectoryReplicaIsPrimary", postgres.Config{Directory: a, DirectoryReplicas: []string{a}, NumShards: 16}, "the primary itself"},
		{"DirectoryReplicasWithoutADirectory", postgres.Config{DirectoryReplicas: []string{b}, Shards: []postgres.Shard{{Primary: a}}, NumShards: 16}, "need a directory database"},
		{"SameShardTwice", postgres.Config{Shards: []postgres.Shard{{Primary: a}, {Primary: a + "?application_name=x"}}, NumShards: 16}, "the same database"},
		{"NoShards", postgres.Config{Directory: a}, "logical shards must be"},
		{"TooManyShards", postgres.Config{Directory: a, NumShards: 8193}, "logical shards must be"},
		{"MoreDatabasesThanShards", postgres.Config{Shards: []postgres.Shard{{Primary: a}, {Primary: b}}, NumShards: 1}, "some databases would hold none"},
		{"OneConnection", postgres.Config{Directory: a, NumShards: 16, MaxConns: 1}, "connections per pool"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), "s3cret"):
				t.Errorf("got %v: the error shows the password", err)
			}
		})
	}
}
