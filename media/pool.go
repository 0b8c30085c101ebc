package media

import (
	"context"
	"sync"
)

// pool runs CPU-heavy work on a fixed number of goroutines with a short
// queue in front. A job is admitted only when there is room for it
// (reserve), so nothing waits in an unbounded line: a full pool is the
// client's 503 with Retry-After, decided before anything is written.
type pool struct {
	ctx    context.Context // cancelled by close: running jobs stop early
	cancel context.CancelFunc
	slots  chan struct{} // one per admitted job, running or queued
	jobs   chan func(context.Context)
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

func newPool(workers, queue int) *pool {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pool{ctx: ctx, cancel: cancel, slots: make(chan struct{}, workers+queue), jobs: make(chan func(context.Context), workers+queue)}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				job(p.ctx)
				<-p.slots
			}
		}()
	}
	return p
}

// reserve admits one job if there is room; the caller must then submit
// exactly one job or release.
func (p *pool) reserve() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (p *pool) release() { <-p.slots }

// submit queues a reserved job; it never blocks, the reservation made room.
func (p *pool) submit(job func(context.Context)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.slots
		return
	}
	p.jobs <- job
}

// do runs job in the pool and waits for it: for work a request needs the
// answer to (on-demand sizes). false when the pool is full.
func (p *pool) do(ctx context.Context, job func(context.Context)) (bool, error) {
	if !p.reserve() {
		return false, nil
	}
	done := make(chan struct{})
	p.submit(func(pctx context.Context) {
		defer close(done)
		jctx, cancel := context.WithCancel(pctx)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel) // the client went away
		defer stop()
		job(jctx)
	})
	select {
	case <-done:
		return true, nil
	case <-ctx.Done():
		return true, ctx.Err()
	}
}

func (p *pool) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.cancel()
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
