package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pinhole/pinhole/sqlstore"
)

// dialect is PostgreSQL's side of sqlstore.Dialect, and its text index
// (text.go).
type dialect struct{}

// Dialect returns the PostgreSQL dialect, for code that runs sqlstore's
// helpers (Migrate, InitShardMap) on its own connections.
func Dialect() sqlstore.Dialect { return dialect{} }

func (dialect) Name() string { return "postgres" }

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation.
func (dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// NowMillis reads the server's clock as the statement runs.
func (dialect) NowMillis() string {
	return "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint"
}

// Rebind turns '?' placeholders into $1, $2, …, leaving alone a '?' inside
// a string literal, a quoted identifier or a comment.
func (dialect) Rebind(q string) string { return Rebind(q) }

// Rebind turns '?' placeholders into $1, $2, … (see dialect.Rebind).
func Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// A quoted run ends at the next lone quote; a doubled quote
			// inside it is an escaped one and keeps the run going.
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				end = len(q) - i
			} else {
				end += 4
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// SetLockTimeout bounds the current transaction's lock waits.
func (dialect) SetLockTimeout(d time.Duration) string {
	return fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", d.Milliseconds())
}

// IsLockTimeout reports a lock wait that ran out (lock_not_available) or
// a deadlock the server broke (deadlock_detected): either way the
// transaction was rolled back and may simply run again.
func (dialect) IsLockTimeout(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "55P03" || e.Code == "40P01")
}
