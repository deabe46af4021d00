package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// The migrations are written once for both databases. A few type tokens are
// replaced per dialect before they run, so the schema is the same on both.
var dialectTokens = map[Dialect]*strings.Replacer{
	SQLite: strings.NewReplacer(
		"{{SERIAL_PK}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{TIME}}", "TIMESTAMP",
		"{{BOOL}}", "BOOLEAN",
		"{{JSON}}", "TEXT",
		"{{BLOB}}", "BLOB",
	),
	Postgres: strings.NewReplacer(
		"{{SERIAL_PK}}", "BIGSERIAL PRIMARY KEY",
		"{{TIME}}", "TIMESTAMPTZ",
		"{{BOOL}}", "BOOLEAN",
		"{{JSON}}", "TEXT",
		"{{BLOB}}", "BYTEA",
	),
}

// Migration is one embedded schema step.
type Migration struct {
	Version int64
	Name    string
	SQL     string // after dialect substitution
}

// Migrations lists the embedded migrations for a dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	rep, ok := dialectTokens[d]
	if !ok {
		return nil, fmt.Errorf("store: unknown dialect %q", d)
	}
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %q must start with a positive version number and '_'", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: rep.Replace(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

func (s *Store) provider() (*goose.Provider, error) {
	ms, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	var gms []*goose.Migration
	for _, m := range ms {
		m := m
		gms = append(gms, goose.NewGoMigration(m.Version, &goose.GoFunc{
			RunTx: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
					return fmt.Errorf("migration %s: %w", m.Name, err)
				}
				return nil
			},
		}, nil))
	}
	gd := goose.DialectSQLite3
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, s.db.DB, nil, goose.WithGoMigrations(gms...))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// MigrateUp applies every pending migration and returns the versions applied.
func (s *Store) MigrateUp(ctx context.Context) ([]int64, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var applied []int64
	for _, r := range res {
		if r.Error == nil {
			applied = append(applied, r.Source.Version)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("store: migrate up: %w", err)
	}
	return applied, nil
}

// MigrationState is one line of `ipcc migrate status`.
type MigrationState struct {
	Version int64
	Name    string
	Applied bool
}

// MigrationStatus lists each embedded migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate status: %w", err)
	}
	ms, _ := Migrations(s.dialect)
	names := map[int64]string{}
	for _, m := range ms {
		names[m.Version] = m.Name
	}
	out := make([]MigrationState, 0, len(st))
	for _, x := range st {
		out = append(out, MigrationState{Version: x.Source.Version, Name: names[x.Source.Version], Applied: x.State == goose.StateApplied})
	}
	return out, nil
}
