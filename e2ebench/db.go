package e2ebench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver for the schema set-up

	"github.com/ipcc/ipcc/store"
)

// openDatabase opens a fresh, migrated database for one run: a new SQLite
// file, or a new schema on the PostgreSQL server. cleanup closes it and,
// unless Keep, removes it.
func openDatabase(ctx context.Context, o *Options, db string) (*store.Store, func(), error) {
	st, _, cleanup, err := openDatabaseURL(ctx, o, db)
	return st, cleanup, err
}

// openDatabaseURL is openDatabase, also returning the database's URL (for
// the failover bench's controller processes).
func openDatabaseURL(ctx context.Context, o *Options, db string) (*store.Store, string, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ipcc_e2e_" + hex.EncodeToString(b[:])
	var dbURL string
	var drop func(keep bool)
	switch db {
	case SQLite:
		dir := o.Dir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "ipcc-e2e-")
			if err != nil {
				return nil, "", nil, err
			}
			dir = tmp
			drop = func(keep bool) {
				if !keep {
					_ = os.RemoveAll(tmp)
				}
			}
		}
		path := filepath.Join(dir, name+".db")
		dbURL = "sqlite:" + path
		if drop == nil {
			drop = func(keep bool) {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					if !keep {
						_ = os.Remove(path + suffix)
					}
				}
			}
		}
	case Postgres:
		u, d, err := postgresSchema(ctx, o.PostgresURL, name)
		if err != nil {
			return nil, "", nil, err
		}
		dbURL, drop = u, d
	}
	st, err := store.Open(ctx, dbURL, store.Options{CallWriter: store.CallWriterOptions{Logger: o.Logger}})
	if err != nil {
		drop(false)
		return nil, "", nil, err
	}
	if _, err := st.MigrateUp(ctx); err != nil {
		st.Close()
		drop(false)
		return nil, "", nil, err
	}
	cleanup := func() {
		st.Close()
		drop(o.Keep)
	}
	return st, dbURL, cleanup, nil
}

// postgresSchema creates schema name on the server and returns a URL whose
// search_path is it, and how to let go of it (dropping it unless keep).
func postgresSchema(ctx context.Context, base, name string) (string, func(keep bool), error) {
	db, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("postgres at %s: %w", base, err)
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("postgres: create schema %s: %w", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		db.Close()
		return "", nil, fmt.Errorf("postgres url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop := func(keep bool) {
		if !keep {
			_, _ = db.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
		}
		db.Close()
	}
	return u.String(), drop, nil
}
