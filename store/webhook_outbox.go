package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// OutboxEvent is one event to put into the webhook outbox: a delivery is
// queued for every enabled endpoint of the tenant whose filters match it.
type OutboxEvent struct {
	TenantID  string
	EventID   string
	EventType string
	// CallID orders the event after the call's earlier ones ("" = none).
	CallID  string
	Payload string
}

// Parked is the next attempt time of a call's delivery waiting for an
// earlier one of the same call: it becomes due when that one is done.
var Parked = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// outboxLock takes this process's outbox write lock and returns its
// release. On SQLite it turns busy-handler sleeps into a handoff; on both
// it keeps a call's next event from being parked behind an earlier one
// whose outcome commits at the same moment (UnparkOrphans mends that race
// between controllers).
func (s *Store) outboxLock() func() {
	s.outboxMu.Lock()
	return s.outboxMu.Unlock
}

// UnparkOrphans makes due the parked deliveries no earlier delivery of
// their call is pending for any more: they were parked while that one's
// outcome was being stored by another controller. It returns how many.
func (s *Store) UnparkOrphans(ctx context.Context, t time.Time) (int, error) {
	defer s.outboxLock()()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = ? AND next_attempt_at >= ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = webhook_deliveries.webhook_id AND e.call_id = webhook_deliveries.call_id
			AND e.status = ? AND e.id + 0 < webhook_deliveries.id AND e.tenant_id = webhook_deliveries.tenant_id)`),
		t.UTC(), DeliveryPending, Parked, DeliveryPending)
	if err != nil {
		return 0, fmt.Errorf("store: unpark orphaned deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// AnalyzeYoungOutbox gathers the outbox table's statistics on PostgreSQL
// when it has none yet but already holds minRows deliveries, and reports
// whether it did. Without statistics (a new database, before autovacuum's
// first pass) PostgreSQL answered the due scan's order check through
// webhook_deliveries_event, reading every delivery of the endpoint per due
// row: 133 s for one scan with 5,000 due calls, 20 ms once analysed.
//
// done is true once the table has statistics (gathered now or before): the
// caller need not ask again. It is always true on SQLite.
func (s *Store) AnalyzeYoungOutbox(ctx context.Context, minRows int) (analysed, done bool, err error) {
	if s.dialect != Postgres {
		return false, true, nil
	}
	var st struct {
		Stats bool `db:"stats"`
		Rows  int  `db:"n"`
	}
	if err := s.db.GetContext(ctx, &st, `SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS stats, n_live_tup + n_dead_tup AS n
		FROM pg_stat_user_tables WHERE relid = 'webhook_deliveries'::regclass`); err != nil {
		return false, false, fmt.Errorf("store: outbox statistics: %w", err)
	}
	if st.Stats {
		return false, true, nil
	}
	if st.Rows < minRows {
		return false, false, nil
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE webhook_deliveries`); err != nil {
		return false, false, fmt.Errorf("store: analyze the outbox: %w", err)
	}
	return true, true, nil
}

// EventMatches says whether an endpoint's filters take an event type. A
// filter is an exact type ("call.offered"), a family ("call.*") or "*".
func EventMatches(filters []string, typ string) bool {
	for _, f := range filters {
		switch {
		case f == "*" || f == typ:
			return true
		case strings.HasSuffix(f, ".*") && strings.HasPrefix(typ, strings.TrimSuffix(f, "*")):
			return true
		}
	}
	return false
}

// outboxChunk bounds the rows of one multi-row outbox statement (SQLite
// allows 32,766 parameters, PostgreSQL 65,535; a row has at most 14).
const outboxChunk = 400

// param is a placeholder typed for PostgreSQL, which types a parameter
// from its use only (inside VALUES lists and CASE it would be text).
func (s *Store) param(typ string) string {
	if s.dialect == Postgres {
		return "CAST(? AS " + typ + ")"
	}
	return "?"
}

// QueueWebhookEvents writes events into the outbox in one transaction and
// returns how many deliveries it queued. Events are queued in the order
// given: a call's events are delivered in that order. An event id queued
// before for an endpoint is not queued again.
func (s *Store) QueueWebhookEvents(ctx context.Context, evs []OutboxEvent) (int, error) {
	queued := 0
	defer s.outboxLock()()
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		queued, err = s.queueWebhookEventsTx(ctx, tx, evs)
		return err
	})
	return queued, err
}

// queueWebhookEventsTx writes events into the outbox within tx, with
// multi-row INSERTs (one round trip per outboxChunk deliveries). The
// caller holds the outbox lock.
func (s *Store) queueWebhookEventsTx(ctx context.Context, tx *sqlx.Tx, evs []OutboxEvent) (int, error) {
	hooks := map[string][]Webhook{}
	at := now()
	// A call's event behind an earlier pending one of the same call is
	// parked (not due) until that one is done: the due scan then only ever
	// sees each call's head. The first event of a (endpoint, call) in this
	// batch asks the table; the later ones are behind it, so parked (a
	// statement does not see its own rows on PostgreSQL).
	type row struct {
		ev     OutboxEvent
		hook   string
		lookup bool // the first of its (endpoint, call) in the batch
		parked bool
	}
	var rows []row
	seen := map[[3]string]bool{}
	for _, ev := range evs {
		hs, ok := hooks[ev.TenantID]
		if !ok {
			var err error
			if hs, err = s.listWebhooks(ctx, tx, ev.TenantID); err != nil {
				return 0, err
			}
			hooks[ev.TenantID] = hs
		}
		for _, h := range hs {
			if !h.Enabled || !EventMatches(h.Events, ev.EventType) {
				continue
			}
			r := row{ev: ev, hook: h.ID}
			if ev.CallID != "" {
				k := [3]string{ev.TenantID, h.ID, ev.CallID}
				r.lookup, r.parked = !seen[k], seen[k]
				seen[k] = true
			}
			rows = append(rows, r)
		}
	}
	queued := len(rows)
	if s.dialect == Postgres {
		// One statement of fixed text with one array per column: its
		// parse and plan do not grow with the rows (a VALUES list with an
		// order check per row took PostgreSQL longer to plan than to run).
		var tenants, hooks, ids, types, calls, payloads []string
		var lookups, parked []bool
		for _, r := range rows {
			tenants, hooks, ids, types = append(tenants, r.ev.TenantID), append(hooks, r.hook), append(ids, r.ev.EventID), append(types, r.ev.EventType)
			calls, payloads = append(calls, r.ev.CallID), append(payloads, r.ev.Payload)
			lookups, parked = append(lookups, r.lookup), append(parked, r.parked)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, call_id, payload, status, attempts, next_attempt_at, created_at)
			SELECT v.tenant_id, v.webhook_id, v.event_id, v.event_type, v.call_id, v.payload, $9, 0,
				CASE WHEN v.parked OR (v.lookup AND EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.tenant_id = v.tenant_id AND e.webhook_id = v.webhook_id
					AND e.call_id = v.call_id AND e.status = $9)) THEN $10::timestamptz ELSE $11::timestamptz END, $11::timestamptz
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[])
				WITH ORDINALITY AS v(tenant_id, webhook_id, event_id, event_type, call_id, payload, lookup, parked, n)
			ORDER BY v.n
			ON CONFLICT (webhook_id, tenant_id, event_id) DO NOTHING`,
			pq.Array(tenants), pq.Array(hooks), pq.Array(ids), pq.Array(types), pq.Array(calls), pq.Array(payloads), pq.Array(lookups), pq.Array(parked),
			DeliveryPending, Parked, at); err != nil {
			return 0, fmt.Errorf("store: queue %d webhook deliveries (first %s %s): %w", len(rows), rows[0].ev.EventType, rows[0].ev.EventID, err)
		}
		return queued, nil
	}
	timeP := s.param("TIMESTAMPTZ")
	lookup := `CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? AND call_id = ? AND tenant_id = ? AND status = ?) THEN ` + timeP + ` ELSE ` + timeP + ` END`
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), outboxChunk)]
		rows = rows[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, call_id, payload, status, attempts, next_attempt_at, created_at) VALUES `)
		args := make([]any, 0, len(chunk)*14)
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(",")
			}
			args = append(args, r.ev.TenantID, r.hook, r.ev.EventID, r.ev.EventType, r.ev.CallID, r.ev.Payload, DeliveryPending, 0)
			switch {
			case r.lookup:
				q.WriteString(`(?,?,?,?,?,?,?,?,` + lookup + `,?)`)
				args = append(args, r.hook, r.ev.CallID, r.ev.TenantID, DeliveryPending, Parked, at, at)
			case r.parked:
				q.WriteString(`(?,?,?,?,?,?,?,?,?,?)`)
				args = append(args, Parked, at)
			default:
				q.WriteString(`(?,?,?,?,?,?,?,?,?,?)`)
				args = append(args, at, at)
			}
		}
		q.WriteString(` ON CONFLICT (webhook_id, tenant_id, event_id) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, s.Rebind(q.String()), args...); err != nil {
			return 0, fmt.Errorf("store: queue %d webhook deliveries (first %s %s): %w", len(chunk), chunk[0].ev.EventType, chunk[0].ev.EventID, err)
		}
	}
	return queued, nil
}

// orderChecks: the order checks compare "e.id + 0" rather than e.id so that
// PostgreSQL cannot answer them by walking the primary key (every earlier
// row) instead of webhook_deliveries_call (a call's few rows): without
// statistics on a young, fast-growing table it chose that and one due scan
// ran for more than 40 s.

// ClaimDueDeliveries takes up to limit pending deliveries due at t: each is
// pushed lease into the future with one more attempt counted, so no other
// controller sends it meanwhile. A delivery whose call has an earlier
// delivery to the same endpoint still pending is not due: a call's events
// arrive in order, a later one waiting for a failing earlier one.
func (s *Store) ClaimDueDeliveries(ctx context.Context, t time.Time, lease time.Duration, limit int) ([]WebhookDelivery, error) {
	var due []WebhookDelivery
	if err := s.db.SelectContext(ctx, &due, s.Rebind(dueQuery(limit)), DeliveryPending, t.UTC(), DeliveryPending); err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	if len(due) == 0 {
		return due, nil
	}
	unlock := s.outboxLock()
	defer unlock()
	return s.claim(ctx, s.db, due, t, lease)
}

// dueQuery selects up to limit due deliveries, each call's head only.
func dueQuery(limit int) string {
	return `SELECT ` + deliveryCols + ` FROM webhook_deliveries d WHERE d.status = ? AND d.next_attempt_at <= ?
		AND (d.call_id = '' OR NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.call_id = d.call_id AND e.id + 0 < d.id AND e.tenant_id = d.tenant_id AND e.status = ?))
		ORDER BY d.next_attempt_at, d.id` + fmt.Sprintf(` LIMIT %d`, limit)
}

// claim pushes the due deliveries' next attempt lease into the future
// (one statement) and returns those it claimed: a row another controller
// claimed meanwhile has its next attempt in the future and is left out.
// The caller holds the outbox lock.
func (s *Store) claim(ctx context.Context, q sqlx.QueryerContext, due []WebhookDelivery, t time.Time, lease time.Duration) ([]WebhookDelivery, error) {
	next := t.Add(lease).UTC()
	stmt := `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE status = ? AND next_attempt_at <= ? AND id IN (?` + strings.Repeat(",?", len(due)-1) + `) RETURNING id`
	args := []any{next, DeliveryPending, t.UTC()}
	if s.dialect == Postgres {
		// Fixed text, one array: parse and plan do not grow with the rows.
		stmt = `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE status = ? AND next_attempt_at <= ? AND id = ANY(?::bigint[]) RETURNING id`
		ids := make([]int64, len(due))
		for i, d := range due {
			ids[i] = d.ID
		}
		args = append(args, pq.Array(ids))
	} else {
		for _, d := range due {
			args = append(args, d.ID)
		}
	}
	var claimed []int64
	if err := sqlx.SelectContext(ctx, q, &claimed, s.Rebind(stmt), args...); err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	mine := make(map[int64]bool, len(claimed))
	for _, id := range claimed {
		mine[id] = true
	}
	out := due[:0]
	for _, d := range due {
		if mine[d.ID] {
			d.Attempts++
			d.NextAttemptAt = next
			out = append(out, d)
		}
	}
	return out, nil
}

// OutboxWrite is one group commit of the webhook outbox's single writer:
// new events, attempts' outcomes and a claim of due deliveries, written in
// one transaction (one commit, so one WAL flush on PostgreSQL, for all of
// them).
type OutboxWrite struct {
	Events   []OutboxEvent
	Outcomes []DeliveryOutcome
	// Claim, when set, claims due deliveries after the events and outcomes
	// are written (so it sees the calls' next events they made due).
	Claim *ClaimRequest
}

// ClaimRequest asks for up to Limit deliveries due at At, leased for Lease.
type ClaimRequest struct {
	At    time.Time
	Lease time.Duration
	Limit int
}

// OutboxWritten is what a WriteOutbox did.
type OutboxWritten struct {
	Queued  int // deliveries queued for the events
	Claimed []WebhookDelivery
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// WriteOutbox writes events (as QueueWebhookEvents), outcomes (as
// FinishDeliveryAttempts) and claims due deliveries (as
// ClaimDueDeliveries), in that order, in one transaction: all of it is
// committed or none.
func (s *Store) WriteOutbox(ctx context.Context, w OutboxWrite) (OutboxWritten, error) {
	var res OutboxWritten
	if len(w.Events) == 0 && len(w.Outcomes) == 0 && (w.Claim == nil || w.Claim.Limit <= 0) {
		return res, nil
	}
	defer s.outboxLock()()
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		res = OutboxWritten{}
		var err error
		if len(w.Events) > 0 {
			if res.Queued, err = s.queueWebhookEventsTx(ctx, tx, w.Events); err != nil {
				return err
			}
		}
		for rest := w.Outcomes; len(rest) > 0; {
			chunk := rest[:min(len(rest), outboxChunk)]
			rest = rest[len(chunk):]
			if err := s.finishChunk(ctx, tx, chunk); err != nil {
				return err
			}
		}
		if c := w.Claim; c != nil && c.Limit > 0 {
			// The events just queued are due from the store's clock's
			// now: claimed in this transaction too.
			at := c.At
			if len(w.Events) > 0 {
				at = later(at, now())
			}
			var due []WebhookDelivery
			if err := tx.SelectContext(ctx, &due, s.Rebind(dueQuery(c.Limit)), DeliveryPending, at.UTC(), DeliveryPending); err != nil {
				return fmt.Errorf("store: due deliveries: %w", err)
			}
			if len(due) > 0 {
				if res.Claimed, err = s.claim(ctx, tx, due, at, c.Lease); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return OutboxWritten{}, err
	}
	return res, nil
}

// DeliveryOutcome is the result of one attempt.
type DeliveryOutcome struct {
	ID int64
	// TenantID, WebhookID and CallID find the call's next delivery, due
	// once this one is done (delivered or dead).
	TenantID, WebhookID, CallID string

	Status     string // delivered, dead, or pending (retry at Next)
	HTTPStatus int
	Err        string
	Next       time.Time
	// At is when the attempt ended; Enqueued when the delivery was queued
	// (for its latency); AttemptMS the attempt's round trip.
	At, Enqueued time.Time
	AttemptMS    int64
}

// FinishDeliveryAttempt stores one attempt's outcome: status is delivered,
// dead (no more attempts) or pending (retry at next).
func (s *Store) FinishDeliveryAttempt(ctx context.Context, id int64, status string, httpStatus int, errText string, next time.Time) error {
	return s.FinishDeliveryAttempts(ctx, []DeliveryOutcome{{ID: id, Status: status, HTTPStatus: httpStatus, Err: errText, Next: next, At: now()}})
}

// FinishDeliveryAttempts stores attempts' outcomes in one transaction:
// one multi-row UPDATE for the outcomes and one for the next event of each
// call that is done (per outboxChunk outcomes), whatever their number.
func (s *Store) FinishDeliveryAttempts(ctx context.Context, outs []DeliveryOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	defer s.outboxLock()()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		for rest := outs; len(rest) > 0; {
			chunk := rest[:min(len(rest), outboxChunk)]
			rest = rest[len(chunk):]
			if err := s.finishChunk(ctx, tx, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) finishChunk(ctx context.Context, tx *sqlx.Tx, outs []DeliveryOutcome) error {
	if s.dialect == Postgres {
		return s.finishArrays(ctx, tx, outs)
	}
	// VALUES columns are column1, column2, … on both SQLite and PostgreSQL.
	row := `(` + s.param("BIGINT") + `,` + s.param("TEXT") + `,` + s.param("INTEGER") + `,` + s.param("TEXT") + `,` + s.param("TIMESTAMPTZ") + `,` +
		s.param("TIMESTAMPTZ") + `,` + s.param("BIGINT") + `,` + s.param("BIGINT") + `)`
	var q strings.Builder
	q.WriteString(`UPDATE webhook_deliveries SET status = v.column2, last_status = v.column3, last_error = v.column4, next_attempt_at = v.column5,
		delivered_at = v.column6, latency_ms = v.column7, attempt_ms = v.column8 FROM (VALUES `)
	args := make([]any, 0, len(outs)*8)
	var nextQ strings.Builder
	var nextArgs []any
	var nextAt time.Time
	for i, o := range outs {
		if i > 0 {
			q.WriteString(",")
		}
		q.WriteString(row)
		var delivered *time.Time
		var latency int64
		if o.Status == DeliveryDelivered {
			at := o.At.UTC()
			delivered = &at
			if !o.Enqueued.IsZero() {
				latency = max(o.At.Sub(o.Enqueued).Milliseconds(), 0)
			}
		}
		args = append(args, o.ID, o.Status, o.HTTPStatus, o.Err, o.Next.UTC(), delivered, latency, o.AttemptMS)
		if o.CallID != "" && o.Status != DeliveryPending {
			if len(nextArgs) > 0 {
				nextQ.WriteString(",")
			}
			nextQ.WriteString(`(` + s.param("TEXT") + `,` + s.param("TEXT") + `,` + s.param("TEXT") + `,` + s.param("BIGINT") + `)`)
			nextArgs = append(nextArgs, o.TenantID, o.WebhookID, o.CallID, o.ID)
			if o.At.After(nextAt) {
				nextAt = o.At
			}
		}
	}
	q.WriteString(`) AS v WHERE webhook_deliveries.id = v.column1`)
	if _, err := tx.ExecContext(ctx, s.Rebind(q.String()), args...); err != nil {
		return fmt.Errorf("store: finish %d deliveries (first %d): %w", len(outs), outs[0].ID, err)
	}
	if len(nextArgs) == 0 {
		return nil
	}
	// The next event of each call whose delivery is done becomes due (it
	// was parked behind it): found in one query, made due in another by
	// primary key (one UPDATE with the lookup inside let PostgreSQL scan
	// the parked rows when the table had no statistics yet).
	var ids []sql.NullInt64
	if err := tx.SelectContext(ctx, &ids, s.Rebind(`SELECT (SELECT MIN(e.id + 0) FROM webhook_deliveries e WHERE e.tenant_id = v.column1 AND e.webhook_id = v.column2
		AND e.call_id = v.column3 AND e.status = ? AND e.id + 0 > v.column4) FROM (VALUES `+nextQ.String()+`) AS v`), append([]any{DeliveryPending}, nextArgs...)...); err != nil {
		return fmt.Errorf("store: next events of the calls of %d deliveries (first %d): %w", len(nextArgs)/4, outs[0].ID, err)
	}
	args = []any{nextAt.UTC(), Parked}
	for _, id := range ids {
		if id.Valid {
			args = append(args, id.Int64)
		}
	}
	if len(args) == 2 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE next_attempt_at >= ? AND id IN (?`+strings.Repeat(",?", len(args)-3)+`)`), args...); err != nil {
		return fmt.Errorf("store: make due the next events of %d calls (first delivery %d): %w", len(args)-2, outs[0].ID, err)
	}
	return nil
}

// finishArrays is finishChunk on PostgreSQL: statements of fixed text with
// one array per column (parse and plan do not grow with the outcomes).
func (s *Store) finishArrays(ctx context.Context, tx *sqlx.Tx, outs []DeliveryOutcome) error {
	n := len(outs)
	ids, codes, lat, took := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	statuses, errs := make([]string, n), make([]string, n)
	next, delivered := make([]time.Time, n), make([]*time.Time, n)
	var tenants, hooks, calls []string
	var after []int64
	var nextAt time.Time
	for i, o := range outs {
		ids[i], statuses[i], codes[i], errs[i], next[i], took[i] = o.ID, o.Status, int64(o.HTTPStatus), o.Err, o.Next.UTC(), o.AttemptMS
		if o.Status == DeliveryDelivered {
			at := o.At.UTC()
			delivered[i] = &at
			if !o.Enqueued.IsZero() {
				lat[i] = max(o.At.Sub(o.Enqueued).Milliseconds(), 0)
			}
		}
		if o.CallID != "" && o.Status != DeliveryPending {
			tenants, hooks, calls, after = append(tenants, o.TenantID), append(hooks, o.WebhookID), append(calls, o.CallID), append(after, o.ID)
			if o.At.After(nextAt) {
				nextAt = o.At
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = v.status, last_status = v.code, last_error = v.err, next_attempt_at = v.next,
		delivered_at = v.delivered, latency_ms = v.lat, attempt_ms = v.took
		FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::bigint[], $8::bigint[])
			AS v(id, status, code, err, next, delivered, lat, took)
		WHERE webhook_deliveries.id = v.id`,
		pq.Array(ids), pq.Array(statuses), pq.Array(codes), pq.Array(errs), pgTimes(next), pgTimePtrs(delivered), pq.Array(lat), pq.Array(took)); err != nil {
		return fmt.Errorf("store: finish %d deliveries (first %d): %w", n, outs[0].ID, err)
	}
	if len(calls) == 0 {
		return nil
	}
	// The next event of each call whose delivery is done becomes due: found
	// and made due by primary key in one statement.
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $6 WHERE next_attempt_at >= $7 AND id = ANY(ARRAY(
		SELECT (SELECT MIN(e.id + 0) FROM webhook_deliveries e WHERE e.tenant_id = v.tenant_id AND e.webhook_id = v.webhook_id
			AND e.call_id = v.call_id AND e.status = $5 AND e.id + 0 > v.id)
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS v(tenant_id, webhook_id, call_id, id)))`,
		pq.Array(tenants), pq.Array(hooks), pq.Array(calls), pq.Array(after), DeliveryPending, nextAt.UTC(), Parked); err != nil {
		return fmt.Errorf("store: make due the next events of %d calls (first delivery %d): %w", len(calls), outs[0].ID, err)
	}
	return nil
}

// pgTimes and pgTimePtrs render times as a PostgreSQL timestamptz[]
// literal (pq.Array takes no time.Time).
func pgTimes(ts []time.Time) string {
	var b strings.Builder
	b.WriteString("{")
	for i, t := range ts {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + t.UTC().Format("2006-01-02 15:04:05.999999Z07:00") + `"`)
	}
	b.WriteString("}")
	return b.String()
}

func pgTimePtrs(ts []*time.Time) string {
	var b strings.Builder
	b.WriteString("{")
	for i, t := range ts {
		if i > 0 {
			b.WriteString(",")
		}
		if t == nil {
			b.WriteString("NULL")
		} else {
			b.WriteString(`"` + t.UTC().Format("2006-01-02 15:04:05.999999Z07:00") + `"`)
		}
	}
	b.WriteString("}")
	return b.String()
}

// HurryWebhook makes an endpoint's deliveries waiting for a retry due at
// t: it answered again, so its backlog drains now rather than at each
// delivery's next backoff step. It returns how many it moved.
func (s *Store) HurryWebhook(ctx context.Context, tenant, webhookID string, t time.Time) (int, error) {
	defer s.outboxLock()()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE tenant_id = ? AND webhook_id = ? AND status = ? AND attempts > 0 AND last_error <> '' AND next_attempt_at > ?`),
		t.UTC(), tenant, webhookID, DeliveryPending, t.UTC())
	if err != nil {
		return 0, fmt.Errorf("store: hurry webhook %s: %w", webhookID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeliveryFilter selects an endpoint's deliveries.
type DeliveryFilter struct {
	// Status: pending, delivered, dead ("dead" also lists the "failed" of
	// before dead letters existed); "" = all.
	Status string
	CallID string
	Limit  int
}

// FindWebhookDeliveries lists an endpoint's deliveries, newest first.
func (s *Store) FindWebhookDeliveries(ctx context.Context, tenant, webhookID string, f DeliveryFilter) ([]WebhookDelivery, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ?`
	args := []any{tenant, webhookID}
	switch f.Status {
	case "":
	case DeliveryDead:
		q += ` AND status IN (?, ?)`
		args = append(args, DeliveryDead, DeliveryFailed)
	default:
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.CallID != "" {
		q += ` AND call_id = ?`
		args = append(args, f.CallID)
	}
	out := []WebhookDelivery{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+` ORDER BY id DESC`+fmt.Sprintf(` LIMIT %d`, f.Limit)), args...); err != nil {
		return nil, fmt.Errorf("store: list deliveries of webhook %s: %w", webhookID, err)
	}
	return out, nil
}

// ReplayDeliveries puts dead letters of an endpoint back into the outbox
// (ids, or every dead letter when ids is empty): pending, due now, with
// their attempts counted afresh. It returns how many it put back.
func (s *Store) ReplayDeliveries(ctx context.Context, tenant, webhookID string, ids []int64) (int, error) {
	at := now()
	q := `UPDATE webhook_deliveries SET status = ?, attempts = 0, next_attempt_at = ?, created_at = ?, replays = replays + 1 WHERE tenant_id = ? AND webhook_id = ? AND status IN (?, ?)`
	args := []any{DeliveryPending, at, at, tenant, webhookID, DeliveryDead, DeliveryFailed}
	if len(ids) > 0 {
		q += ` AND id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := s.db.ExecContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return 0, fmt.Errorf("store: replay deliveries of webhook %s: %w", webhookID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeliveryStats sums up an endpoint's deliveries since a time.
type DeliveryStats struct {
	Pending   int   `json:"pending"`
	Delivered int   `json:"delivered"`
	Dead      int   `json:"dead"`
	P50MS     int64 `json:"p50_ms"`
	P99MS     int64 `json:"p99_ms"`
}

// WebhookDeliveryStats counts an endpoint's deliveries by status (all of
// them) and the latency percentiles of those delivered since since.
func (s *Store) WebhookDeliveryStats(ctx context.Context, tenant, webhookID string, since time.Time) (DeliveryStats, error) {
	var st DeliveryStats
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? GROUP BY status`), tenant, webhookID); err != nil {
		return st, fmt.Errorf("store: delivery counts of webhook %s: %w", webhookID, err)
	}
	for _, r := range rows {
		switch r.Status {
		case DeliveryPending:
			st.Pending += r.N
		case DeliveryDelivered:
			st.Delivered += r.N
		default:
			st.Dead += r.N
		}
	}
	var lat []int64
	if err := s.db.SelectContext(ctx, &lat, s.Rebind(`SELECT latency_ms FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? AND status = ? AND delivered_at >= ? ORDER BY latency_ms LIMIT 100000`),
		tenant, webhookID, DeliveryDelivered, since.UTC()); err != nil {
		return st, fmt.Errorf("store: delivery latencies of webhook %s: %w", webhookID, err)
	}
	if n := len(lat); n > 0 {
		st.P50MS = lat[(n-1)*50/100]
		st.P99MS = lat[(n-1)*99/100]
	}
	return st, nil
}
