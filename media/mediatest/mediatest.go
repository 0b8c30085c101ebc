// Package mediatest opens media services for tests outside package media.
package mediatest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/media"
	"github.com/pinhole/pinhole/media/imaging"
	"github.com/pinhole/pinhole/sqlite"
	"github.com/pinhole/pinhole/sqlstore"
)

// NewService opens a media service keeping its files in blobs, over a
// fresh SQLite database with two logical shards, processing photos with
// the pure-Go processor. The test's end closes it.
func NewService(t testing.TB, blobs pinhole.BlobStore, now func() time.Time) *media.Service {
	t.Helper()
	dir := t.TempDir()
	sc := sqlite.NewDefaultConfig(dir)
	sc.NumShards = 2
	cluster, err := sqlite.Open(context.Background(), sc, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlite.Close(cluster) })
	cfg := media.NewDefaultConfig()
	cfg.TempDir = filepath.Join(dir, "tmp")
	cfg.URLKeys = [][]byte{bytes.Repeat([]byte("k"), 32)}
	cfg.SyncWait = 30 * time.Second
	if err := os.MkdirAll(cfg.TempDir, 0o750); err != nil {
		t.Fatal(err)
	}
	svc, err := media.New(cfg, sqlstore.New(cluster), blobs, imaging.Pure(), cluster.IDs, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}
