package main

import (
	"context"
	"time"
)

// job is a periodic task of the scheduler role.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
}

// schedule runs each job at its interval until ctx ends, while this
// process holds the scheduler lease: any number of scheduler processes may
// run, one does the work, and another takes over within the lease's TTL
// when it dies. Jobs are idempotent housekeeping, so the rare overlap
// while a lease changes hands does no harm.
func (m *Main) schedule(ctx context.Context, jobs ...job) {
	for _, j := range jobs {
		m.bgDone.Add(1)
		go func(j job) {
			defer m.bgDone.Done()
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if !m.leader.Load() {
					continue // another scheduler holds the lease
				}
				jctx, cancel := context.WithTimeout(ctx, j.every)
				start := time.Now()
				err := j.run(jctx)
				cancel()
				if err != nil && ctx.Err() == nil {
					m.Log.Error("scheduled job failed", "job", j.name, "err", err)
				} else {
					m.Log.Debug("scheduled job ran", "job", j.name, "dur_ms", time.Since(start).Milliseconds())
				}
			}
		}(j)
	}
}

// jobs are the scheduler role's periodic tasks.
func (m *Main) jobs() []job {
	return []job{
		{name: "trends", every: m.Services.Search.Config().TrendInterval, run: m.Services.Search.ComputeTrends},
		{name: "compact-search-index", every: 10 * time.Minute, run: m.Services.Search.CompactIndex},
		{name: "media-sweep", every: 10 * time.Minute, run: m.sweepMedia},
		{name: "purge-idempotency-keys", every: time.Hour, run: func(ctx context.Context) error {
			_, err := m.Store.PurgeIdempotency(ctx, m.Now().Add(-24*time.Hour))
			return err
		}},
	}
}
