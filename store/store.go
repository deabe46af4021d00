// Package store is ipcc's SQL access: one schema, embedded migrations, and the
// typed queries every other package uses. SQLite (modernc.org/sqlite, pure Go)
// is the embedded default; PostgreSQL (lib/pq) is for production and for
// several controllers sharing one database. Every table carries tenant_id and
// every query takes the tenant.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors callers branch on.
var (
	// ErrNotFound: no row for that id in that tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is already taken.
	ErrConflict = errors.New("already exists")
)

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db      *sqlx.DB
	dialect Dialect
	// calls writes the calls and call_legs tables (callwriter.go).
	calls *callWriter
	// outboxMu serialises the webhook outbox's writers on SQLite (one
	// writer at a time there): waiting here is a handoff, where SQLite's
	// busy handler would sleep and retry (webhook_outbox.go).
	outboxMu sync.Mutex
	// fence, once set, guards the writes that matter (fence.go).
	fence atomic.Pointer[Fence]
}

// Options tune the connection pool and the call-record writer.
type Options struct {
	MaxOpenConns int
	CallWriter   CallWriterOptions
	// IdleInTxTimeout, on PostgreSQL, is every pooled session's
	// idle_in_transaction_session_timeout: the server ends a session whose
	// transaction waits that long for its client, releasing its locks
	// (IdleInTxTimeout(lease_ttl) for controllers; see that function). 0,
	// or the parameter set in the URL, leaves the URL's or server's value.
	IdleInTxTimeout time.Duration
}

// IdleInTxTimeout is the idle_in_transaction_session_timeout of the
// controllers' PostgreSQL sessions for a cluster.lease_ttl: a third of it.
//
// A fenced write holds the lease row FOR SHARE until it commits. A
// controller frozen inside one (SIGSTOP, a stalled VM, a host cut off
// with its TCP connection still open on the server) would keep that lock,
// and the standby's claim of the expired lease would wait on it for as
// long as the process stays frozen. The holder renews every third of the
// TTL, so its lease expires at least two thirds of the TTL after it froze:
// a transaction left idle then is ended by the server a third of the TTL
// after its last statement, before the standby may claim, and the late
// commit of the woken holder fails. A live controller never leaves a
// transaction idle that long (its transactions are a few statements sent
// back to back); were it descheduled that long, its write fails and is
// retried under the fence check (fencedExec, the call-record writer).
func IdleInTxTimeout(leaseTTL time.Duration) time.Duration { return leaseTTL / 3 }

// ParseURL tells the dialect and driver DSN of a database URL:
// "postgres://..." / "postgresql://..." select PostgreSQL; "sqlite:PATH",
// "file:PATH" or a bare path select SQLite.
func ParseURL(url string) (Dialect, string, error) {
	switch {
	case url == "":
		return "", "", errors.New("empty database url")
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite://"):
		return "", "", fmt.Errorf("unsupported database url scheme in %q (use postgres://... or sqlite:PATH)", redact(url))
	}
	path := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return "", "", fmt.Errorf("sqlite url %q has no path", url)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite&_txlock=immediate"
	return SQLite, dsn, nil
}

// withSessionParams adds the options' session parameters to a PostgreSQL
// URL as run-time parameters (lib/pq sends a URL parameter it does not
// know in the start-up message: every pooled connection gets them), unless
// the URL sets them itself.
func withSessionParams(dsn string, opt Options) (string, error) {
	if opt.IdleInTxTimeout <= 0 {
		return dsn, nil
	}
	u, err := neturl.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	q := u.Query()
	if q.Get("idle_in_transaction_session_timeout") != "" || strings.Contains(q.Get("options"), "idle_in_transaction_session_timeout") {
		return dsn, nil
	}
	q.Set("idle_in_transaction_session_timeout", strconv.FormatInt(max(opt.IdleInTxTimeout.Milliseconds(), 1), 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redact hides a password in a URL for error messages.
func redact(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":REDACTED" + url[at:]
	}
	return url
}

// Open connects to the database named by url (see ParseURL). A SQLite file's
// directory is created when missing.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	dialect, dsn, err := ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var db *sqlx.DB
	switch dialect {
	case SQLite:
		path := strings.TrimPrefix(dsn, "file:")
		path = path[:strings.IndexByte(path, '?')]
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
			}
		}
		db, err = sqlx.Open("sqlite", dsn)
		if err == nil && opt.MaxOpenConns == 0 {
			opt.MaxOpenConns = 8
		}
	case Postgres:
		dsn, err = withSessionParams(dsn, opt)
		if err == nil {
			db, err = sqlx.Open("postgres", dsn)
		}
		if err == nil && opt.MaxOpenConns == 0 {
			opt.MaxOpenConns = 20
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redact(url), err)
	}
	db.SetMaxOpenConns(opt.MaxOpenConns)
	db.SetMaxIdleConns(opt.MaxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", redact(url), err)
	}
	s := &Store{db: db, dialect: dialect}
	s.calls = newCallWriter(s, opt.CallWriter)
	return s, nil
}

// Close writes the call records still queued (within
// CallWriterOptions.FlushTimeout; what cannot be written is logged), then
// closes the connection pool.
func (s *Store) Close() error {
	s.calls.close()
	return s.db.Close()
}

// Dialect tells which database is behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the pool for packages that own their own tables (reports, acd).
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks the database is reachable (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Rebind turns ?-placeholders into the dialect's form.
func (s *Store) Rebind(q string) string { return s.db.Rebind(q) }

// now is the store's notion of the current time: UTC, so that SQLite's text
// timestamps sort correctly.
func now() time.Time { return time.Now().UTC() }

// mapErr turns driver errors into ErrNotFound / ErrConflict.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrConflict, pqErr.Detail)
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, sqErr.Error())
		}
	}
	return err
}

// IsNotFound reports whether err means "no such row".
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err means a unique key clash.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// InTx runs f in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, f func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}
