// Package reports computes the standard call-center reports from what the
// controller records: call detail search, inbound traffic by hour, agent call
// and service-time statistics, the agent operation log, queue statistics,
// abandoned calls for call-back, wait-time detail and satisfaction. Every
// report takes a date range read in the tenant's time zone, aggregates in SQL
// on SQLite and PostgreSQL alike, and streams as JSON pages or CSV.
package reports

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // tenants name any IANA zone; do not depend on the host's database

	"github.com/jmoiron/sqlx"

	"github.com/ipcc/ipcc/store"
)

// MaxRange is the longest date range one report covers.
const MaxRange = 366 * 24 * time.Hour

// Default and largest page of the listing reports.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Service runs reports against the store.
type Service struct {
	st  *store.Store
	db  *sqlx.DB
	sql dialect
	now func() time.Time
}

// New returns a Service on st; now is the wall clock (nil: time.Now), used
// to end agent states that are still open.
func New(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, db: st.DB(), sql: dialectOf(st.Dialect()), now: now}
}

// Location returns the tenant's time zone (UTC when unset).
func (s *Service) Location(ctx context.Context, tenant string) (*time.Location, error) {
	t, err := s.st.GetTenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("reports: time zone of tenant %q: %w", tenant, err)
	}
	if t.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		return nil, fmt.Errorf("reports: tenant %q has time zone %q: %w", tenant, t.Timezone, err)
	}
	return loc, nil
}

// Query is what a report is asked for. Build it with ParseQuery.
type Query struct {
	Tenant string
	// From and To bound the report: [From, To), instants; Loc is the
	// tenant's zone used to read dates and to place calls in days and hours.
	From, To time.Time
	Loc      *time.Location
	// Optional filters: queue ids, agent ids (any of), and a partial number
	// matched against the caller (ANI) and the called number (DNIS).
	Queues []string
	Agents []string
	Number string
	// Limit and Cursor page the listings; Limit 0 means every row (CSV).
	Limit  int
	Cursor string
	// ServiceLevel is the answer threshold of the queue report.
	ServiceLevel time.Duration
	// ByDay splits agent service time per local day.
	ByDay bool
	// IncludeCalls adds the call transitions (offer, answer) to the
	// operation log; IncludeIVR adds IVR hang-ups to the abandoned list.
	IncludeCalls bool
	IncludeIVR   bool
}

// day is one local calendar day of a report.
type day struct {
	Date       string
	Start, End time.Time
}

// days lists the local days that [From, To) touches.
func (q Query) days() []day {
	var out []day
	y, m, d := q.From.In(q.Loc).Date()
	for {
		start := time.Date(y, m, d, 0, 0, 0, 0, q.Loc)
		if !start.Before(q.To) {
			return out
		}
		next := time.Date(y, m, d+1, 0, 0, 0, 0, q.Loc)
		out = append(out, day{Date: start.Format("2006-01-02"), Start: start, End: next})
		y, m, d = next.Date()
	}
}

// ratio is a/b rounded to 4 decimals, 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(int64(float64(a)/float64(b)*10000+0.5)) / 10000
}

// avg is a/b rounded to whole units, 0 when b is 0.
func avg(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return (a + b/2) / b
}
