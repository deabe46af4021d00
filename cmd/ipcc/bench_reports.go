package main

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

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

func newBenchReportsCmd(_ *globals) *cobra.Command {
	var o reports.BenchOptions
	var db, dsn string
	var keep bool
	cmd := &cobra.Command{
		Use:   "reports",
		Short: "Measure the standard reports over one month of a large call table",
		Long: `reports fills a fresh database with --records call records spread over --months
months (80% inbound through queues, 20% click-to-dial), the agents' state
transitions of every answered call and their working days, surveys on 30% of
answered calls with a recording each; then runs every report over the last
month and prints its time against the 2 s target.

--db sqlite (default) uses a new file under the temporary directory; --db
postgres a new schema in --dsn (default the local test server), dropped at the
end unless --keep. With --dsn naming a database that already holds the
benchmark tenant, the data is reused and only the reports run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			u, cleanup, err := benchDatabase(ctx, db, dsn, keep)
			if err != nil {
				return err
			}
			defer cleanup()
			st, err := store.Open(ctx, u, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			if _, err := st.MigrateUp(ctx); err != nil {
				return err
			}
			if o.Tenant == "" {
				o.Tenant = "bench"
			}
			if _, err := st.GetTenant(ctx, o.Tenant); store.IsNotFound(err) {
				o.Progress = func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "generating", s) }
				gs, err := reports.Generate(ctx, st, o)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "generated %d calls, %d agent state changes, %d surveys, %d recordings in %s (%s)\n",
					gs.Calls, gs.AgentLog, gs.Surveys, gs.Recordings, gs.Took.Round(time.Second), st.Dialect())
			} else if err != nil {
				return err
			} else {
				fmt.Fprintf(out, "reusing tenant %q of %s\n", o.Tenant, st.Dialect())
			}
			res, err := reports.RunBench(ctx, st, o)
			if err != nil {
				return err
			}
			failed := 0
			fmt.Fprintf(out, "%-42s %8s %10s  %s\n", "report (one month)", "rows", "time", "target < 2 s")
			for _, r := range res {
				verdict := "PASS"
				if !r.Pass() {
					verdict, failed = "FAIL", failed+1
				}
				fmt.Fprintf(out, "%-42s %8d %10s  %s\n", r.Report, r.Rows, r.Duration.Round(100*time.Microsecond), verdict)
			}
			if failed > 0 {
				return fmt.Errorf("bench reports: %d of %d reports took 2 s or more", failed, len(res))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", "sqlite", "database: sqlite or postgres")
	f.StringVar(&dsn, "dsn", "", "database URL (postgres://... or sqlite:PATH); default a fresh one")
	f.BoolVar(&keep, "keep", false, "keep the generated database")
	f.IntVar(&o.Records, "records", 1000000, "call records to generate")
	f.IntVar(&o.Months, "months", 12, "months the records are spread over (the reports cover the last one)")
	f.IntVar(&o.Agents, "agents", 200, "agents")
	f.IntVar(&o.Queues, "queues", 10, "queues")
	f.Int64Var(&o.Seed, "seed", 1, "random seed")
	return cmd
}

// benchDatabase returns the URL of the database to fill and a cleanup.
func benchDatabase(ctx context.Context, db, dsn string, keep bool) (string, func(), error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	switch db {
	case "sqlite":
		if dsn != "" {
			return dsn, func() {}, nil
		}
		dir, err := os.MkdirTemp("", "ipcc-bench-reports-")
		if err != nil {
			return "", nil, err
		}
		if keep {
			return "sqlite:" + filepath.Join(dir, "reports.db"), func() {}, nil
		}
		return "sqlite:" + filepath.Join(dir, "reports.db"), func() { os.RemoveAll(dir) }, nil
	case "postgres":
		fresh := dsn == ""
		if fresh {
			dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		} else if _, err := url.Parse(dsn); err != nil {
			return "", nil, fmt.Errorf("--dsn: %w", err)
		}
		if !fresh {
			return dsn, func() {}, nil
		}
		conn, err := sql.Open("postgres", dsn)
		if err != nil {
			return "", nil, err
		}
		schema := "ipcc_bench_reports_" + suffix
		if _, err := conn.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			conn.Close()
			return "", nil, fmt.Errorf("bench reports: create schema in %s: %w", dsn, err)
		}
		u, _ := url.Parse(dsn)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		cleanup := func() {
			if !keep {
				_, _ = conn.Exec("DROP SCHEMA " + schema + " CASCADE")
			} else {
				fmt.Fprintln(os.Stderr, "kept", u.String())
			}
			conn.Close()
		}
		return u.String(), cleanup, nil
	}
	return "", nil, fmt.Errorf("--db must be sqlite or postgres, got %q", db)
}
