// Package storetest opens real databases for tests: a fresh SQLite file, and
// a fresh PostgreSQL schema (IPCC_TEST_POSTGRES_URL, default the local
// server). With IPCC_TEST_POSTGRES=1 a missing PostgreSQL fails the test
// instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver for the schema set-up

	"github.com/ipcc/ipcc/store"
)

// DefaultPostgresURL is used when IPCC_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the databases every store-backed test runs against.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Run runs f once per dialect as a subtest with a fresh, migrated store.
func Run(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			f(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated store of the dialect, closed and dropped at
// the end of the test. A SQLite store is a copy of a file migrated once per
// test binary (migrating takes seconds under the race detector; the copy
// is the same database). Tests of the migrations themselves use OpenEmpty.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	if d == store.SQLite {
		return openMigratedSQLite(t)
	}
	s := OpenEmpty(t, d)
	if _, err := s.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return s
}

// sqliteTemplate holds the files of a freshly migrated SQLite database
// (base name to content), built once per test binary.
var sqliteTemplate struct {
	once  sync.Once
	files map[string][]byte
	err   error
}

// openMigratedSQLite opens a copy of the migrated template in the test's
// temporary directory.
func openMigratedSQLite(t testing.TB) *store.Store {
	t.Helper()
	sqliteTemplate.once.Do(func() { sqliteTemplate.files, sqliteTemplate.err = buildSQLiteTemplate() })
	if sqliteTemplate.err != nil {
		t.Fatalf("migrate %s: %v", store.SQLite, sqliteTemplate.err)
	}
	dir := t.TempDir()
	for name, b := range sqliteTemplate.files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatalf("copy the migrated SQLite template: %v", err)
		}
	}
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "ipcc.db"), store.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open %s: %v", store.SQLite, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// buildSQLiteTemplate migrates a new SQLite database in a directory of its
// own, closes it and returns its files (the database and a write-ahead log
// still holding pages, if any; the shared-memory index is rebuilt on open).
func buildSQLiteTemplate() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "ipcc-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "ipcc.db"), store.Options{MaxOpenConns: 4})
	if err != nil {
		return nil, err
	}
	if _, err := s.MigrateUp(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("close: %w", err)
	}
	files := map[string][]byte{}
	for _, name := range []string{"ipcc.db", "ipcc.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name != "ipcc.db" {
			continue
		}
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	return files, nil
}

// URL returns a database URL for a fresh, empty database of the dialect,
// cleaned up at the end of the test.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	switch d {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "ipcc.db")
	case store.Postgres:
		return postgresSchemaURL(t)
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}

// OpenEmpty returns a fresh store of the dialect without migrations.
func OpenEmpty(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), URL(t, d), store.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL is the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("IPCC_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// postgresSchemaURL creates a schema of its own for this test so parallel
// test binaries never collide, and returns a URL whose search_path is it.
func postgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	db, err := sql.Open("postgres", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("IPCC_TEST_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at %s is required (IPCC_TEST_POSTGRES=1): %v", base, err)
		}
		t.Skipf("PostgreSQL at %s not reachable (set IPCC_TEST_POSTGRES=1 to fail instead): %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ipcc_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
