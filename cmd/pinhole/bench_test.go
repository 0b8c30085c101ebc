package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
)

// BenchmarkHomeTimeline reads a page of 20 hydrated posts through the whole
// HTTP stack in-process, side by side with a handler writing the same bytes
// from memory. Compare the two ns/op figures of one run.
func BenchmarkHomeTimeline(b *testing.B) {
	m, ctx := benchMain(b)
	reader, err := m.seedFeed(ctx, 20, 5)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := m.Services.Identity.IssueToken(ctx, 0, reader.ID, "read")
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Listen(ctx); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v1/timelines/home", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	m.Web.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("home: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.Bytes()

	b.Run("Pinhole", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			w := httptest.NewRecorder()
			m.Web.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
	b.Run("BareHandler", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(body)
		})
		for i := 0; i < b.N; i++ {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}

// BenchmarkFanOut pushes one post onto 1,000 followers' timelines, the
// write a fan-out consumer does per post; inserts/s is 1000/(s/op).
func BenchmarkFanOut(b *testing.B) {
	m, ctx := benchMain(b)
	owners := make([]pinhole.ID, 1000)
	for i := range owners {
		a, _, err := m.benchAccount(ctx, fmt.Sprintf("owner%d", i))
		if err != nil {
			b.Fatal(err)
		}
		owners[i] = a.ID
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := pinhole.TimelineEntry{PostID: m.Cluster.IDs.Next(1), AuthorID: 1}
		if err := m.Store.PushTimelines(ctx, owners, e, 800); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(owners)*b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// benchMain opens a Pinhole in a temp dir for a benchmark, with cheap
// password hashing (seeding is not what is measured).
func benchMain(b *testing.B) (*Main, context.Context) {
	b.Helper()
	cfg := &Config{Listen: "127.0.0.1:0", Data: b.TempDir(), Roles: []string{"web", "worker", "scheduler"}, LogicalShards: 64,
		CelebrityThreshold: 10000, PasswordGrant: true, MaxUploadMB: 25, LogLevel: "error", LogFormat: "text",
		argon2: &identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m, ctx
}
