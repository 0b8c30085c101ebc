package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Pool is a connection pool that keeps prepared statements: parsing and
// planning a query costs more than running it for the short indexed reads
// that make up most of Pinhole's traffic.
type Pool struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	n     atomic.Int32
}

// maxStmts bounds the statement cache (IN lists of different lengths are
// different statements).
const maxStmts = 1000

// NewPool wraps db.
func NewPool(db *sql.DB) *Pool {
	return &Pool{DB: db, stmts: make(map[string]*sql.Stmt)}
}

func (p *Pool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.RLock()
	st := p.stmts[query]
	p.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	if p.n.Load() >= maxStmts {
		return nil, nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.stmts[query]; old != nil {
		st.Close()
		return old, nil
	}
	p.stmts[query] = st
	p.n.Add(1)
	return st, nil
}

// QueryContext runs a query through a cached prepared statement.
func (p *Pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.DB.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a single-row query through a cached statement.
func (p *Pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the statements and the pool.
func (p *Pool) Close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	p.stmts = map[string]*sql.Stmt{}
	p.mu.Unlock()
	return p.DB.Close()
}
