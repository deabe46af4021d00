package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// rowOp is one row of a batch: a call's row, one of its legs, or an update.
type rowOp struct {
	g   *callGroup
	leg int // index in g.legs; -1 for the call's row or an update
	upd *callUpdate
}

func (op rowOp) describe() (string, any) {
	switch {
	case op.upd != nil:
		return "update of call " + op.g.key.id, op.upd
	case op.leg >= 0:
		return "leg " + op.g.legs[op.leg].LegID + " of call " + op.g.key.id, op.g.legs[op.leg]
	}
	return "call " + op.g.key.id, op.g.call
}

func (op rowOp) fail(err error) {
	switch {
	case op.upd != nil:
		op.upd.err = err
	case op.leg >= 0:
		op.g.legErrs[op.leg] = err
	default:
		op.g.callErr = err
	}
}

// opsOf lists a batch's rows in the order they are written: per call, its
// row, then its legs in the order they were first saved, then its updates.
func opsOf(batch []*callGroup) []rowOp {
	var ops []rowOp
	for _, g := range batch {
		if g.call != nil {
			ops = append(ops, rowOp{g: g, leg: -1})
		}
		for i := range g.legs {
			ops = append(ops, rowOp{g: g, leg: i})
		}
		for _, u := range g.updates {
			ops = append(ops, rowOp{g: g, leg: -1, upd: u})
		}
	}
	return ops
}

// attemptTimeout bounds one transaction; a database that does not answer in
// it is retried.
const attemptTimeout = 30 * time.Second

// unclassifiedTries is how often a batch failing with an error that is
// neither known to pass (busy, connection) nor known to be final is tried
// before its rows are written one by one to find the one at fault.
const unclassifiedTries = 5

// write writes a batch, retrying until it is written or, while closing,
// the deadline passes.
func (w *callWriter) write(batch []*callGroup) {
	w.writeOps(opsOf(batch), len(batch) > 1)
}

// writeOps writes ops in one transaction, retrying; when the database
// refuses them for good, they are split (per call, then per row) so that
// one bad row does not hold back the others.
func (w *callWriter) writeOps(ops []rowOp, manyCalls bool) {
	for attempt := 1; ; attempt++ {
		if w.givingUp() {
			w.unwritten(ops)
			return
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), w.attemptBudget())
		err := w.exec(ctx, ops)
		cancel()
		took := time.Since(start)
		if err == nil {
			w.succeeded(len(ops), took)
			return
		}
		if errors.Is(err, ErrFenced) {
			w.fenced(ops, err)
			return
		}
		final := isFinal(err)
		if final || (!isTransient(err) && attempt >= unclassifiedTries) {
			switch {
			case len(ops) == 1:
				w.refused(ops[0], err)
			case manyCalls:
				for _, part := range splitByCall(ops) {
					w.writeOps(part, false)
				}
			default:
				for _, op := range ops {
					w.writeOps([]rowOp{op}, false)
				}
			}
			return
		}
		w.failed(err, attempt, len(ops))
		w.sleep(backoff(attempt))
	}
}

func splitByCall(ops []rowOp) [][]rowOp {
	var parts [][]rowOp
	for i := 0; i < len(ops); {
		j := i + 1
		for j < len(ops) && ops[j].g == ops[i].g {
			j++
		}
		parts = append(parts, ops[i:j])
		i = j
	}
	return parts
}

// rowsPerStatement is how many rows one multi-row upsert carries (34
// parameters a call: well under both databases' limits).
const rowsPerStatement = 100

// exec writes ops in one transaction: the calls' rows, then the legs'
// rows, several per statement, then the updates, so a call's row comes
// before its legs and updates. A batch holds each call once (its latest
// rows), so no statement touches a row twice.
func (w *callWriter) exec(ctx context.Context, ops []rowOp) error {
	w.mu.Lock()
	fault := w.fault
	w.mu.Unlock()
	if fault != nil {
		if err := fault(ops); err != nil {
			return err
		}
	}
	var calls []*CallRecord
	var legs []*CallLeg
	var updates []rowOp
	var events []OutboxEvent
	for _, op := range ops {
		switch {
		case op.upd != nil:
			updates = append(updates, op)
		case op.leg >= 0:
			legs = append(legs, op.g.legs[op.leg])
		default:
			calls = append(calls, op.g.call)
			events = append(events, op.g.events...)
		}
	}
	if len(events) > 0 {
		// Taken before the transaction, as every outbox writer does (on
		// SQLite the other order would wait on the write lock held here).
		defer w.s.outboxLock()()
	}
	return w.s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := w.s.checkFence(ctx, tx); err != nil {
			return err
		}
		for len(calls) > 0 {
			n := min(len(calls), rowsPerStatement)
			args := make([]any, 0, n*callColumns)
			for _, c := range calls[:n] {
				args = append(args, callArgs(c)...)
			}
			if _, err := tx.ExecContext(ctx, w.s.Rebind(upsertSQL(insertCallSQL, callColumns, n, saveCallConflict)), args...); err != nil {
				return err
			}
			calls = calls[n:]
		}
		for len(legs) > 0 {
			n := min(len(legs), rowsPerStatement)
			args := make([]any, 0, n*legColumns)
			for _, l := range legs[:n] {
				args = append(args, legArgs(l)...)
			}
			if _, err := tx.ExecContext(ctx, w.s.Rebind(upsertSQL(insertLegSQL, legColumns, n, saveLegConflict)), args...); err != nil {
				return err
			}
			legs = legs[n:]
		}
		if len(events) > 0 {
			if _, err := w.s.queueWebhookEventsTx(ctx, tx, events); err != nil {
				return err
			}
		}
		for _, op := range updates {
			op.upd.err = w.s.updateCall(ctx, tx, op.g.key, op.upd)
			if op.upd.err != nil && !errors.Is(op.upd.err, ErrNotFound) {
				return op.upd.err
			}
		}
		return nil
	})
}

// upsertSQL is insert with n rows of cols placeholders, then conflict.
func upsertSQL(insert string, cols, n int, conflict string) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	var b strings.Builder
	b.Grow(len(insert) + n*(len(row)+1) + len(conflict) + 2)
	b.WriteString(insert)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteByte('\n')
	b.WriteString(conflict)
	return b.String()
}

// attemptBudget is one attempt's time: attemptTimeout, or what is left
// before the closing deadline.
func (w *callWriter) attemptBudget() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return max(min(attemptTimeout, time.Until(w.deadline)), 100*time.Millisecond)
	}
	return attemptTimeout
}

func (w *callWriter) givingUp() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing && time.Now().After(w.deadline)
}

// sleep pauses before a retry, shorter when the closing deadline is near.
func (w *callWriter) sleep(d time.Duration) {
	w.mu.Lock()
	if w.closing {
		d = min(d, max(time.Until(w.deadline), 0))
	}
	w.mu.Unlock()
	time.Sleep(d)
}

// failingReport is how often a writer that keeps failing says so again.
const failingReport = 30 * time.Second

func (w *callWriter) failed(err error, attempt, rows int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Retries++
	now := time.Now()
	oldest := w.oldestLocked(now)
	if w.stats.FailingSince.IsZero() {
		w.stats.FailingSince = now
		w.lastReport = now
		w.log.Warn("call records not written; retrying", "rows", rows, "queued_rows", w.rows, "attempt", attempt, "err", err)
		return
	}
	if now.Sub(w.lastReport) >= failingReport {
		w.lastReport = now
		w.log.Error("call records have not been written for a while: the database is unavailable or too slow; still retrying, nothing is dropped",
			"failing_for", now.Sub(w.stats.FailingSince).Round(time.Second).String(), "oldest_unwritten", oldest.Round(time.Second).String(),
			"queued_rows", w.rows, "attempt", attempt, "err", err)
	}
}

func (w *callWriter) succeeded(rows int, took time.Duration) {
	w.metrics.batchSeconds.Observe(took.Seconds())
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Written += int64(rows)
	w.stats.Batches++
	w.stats.MaxWrite = max(w.stats.MaxWrite, took)
	if !w.stats.FailingSince.IsZero() {
		w.log.Info("call records are written again", "after", time.Since(w.stats.FailingSince).Round(time.Millisecond).String(), "queued_rows", w.rows)
		w.stats.FailingSince = time.Time{}
	}
}

// refused logs a row the database will not take, with its content, so
// that nothing is lost without a trace.
func (w *callWriter) refused(op rowOp, err error) {
	what, row := op.describe()
	content, _ := json.Marshal(row)
	op.fail(err)
	w.mu.Lock()
	w.stats.Refused++
	w.mu.Unlock()
	w.log.Error("call record refused by the database; its content follows", "row", what, "tenant", op.g.key.tenant, "content", string(content), "err", err)
}

// fenced drops rows this controller may no longer write: another
// controller holds the lease now and writes these calls' records itself
// (it re-adopted them from the switch and the store).
func (w *callWriter) fenced(ops []rowOp, err error) {
	w.mu.Lock()
	w.stats.Refused += int64(len(ops))
	w.mu.Unlock()
	calls := map[string]bool{}
	for _, op := range ops {
		op.fail(err)
		calls[op.g.key.id] = true
	}
	w.log.Error("call records not written: this controller lost its lease; the new holder writes these calls", "rows", len(ops), "calls", len(calls), "err", err)
}

// unwritten logs rows given up at Close.
func (w *callWriter) unwritten(ops []rowOp) {
	w.mu.Lock()
	w.stats.Unwritten += int64(len(ops))
	w.mu.Unlock()
	for _, op := range ops {
		what, row := op.describe()
		content, _ := json.Marshal(row)
		op.fail(ErrClosed)
		w.log.Error("call record not written before closing; its content follows", "row", what, "tenant", op.g.key.tenant, "content", string(content))
	}
}

// isTransient reports errors that pass: a busy or locked database, a lost
// or refused connection, a timeout, a database restarting.
func isTransient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_PROTOCOL:
			return true
		}
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "40", "53", "57", "58":
			return true
		}
		// lock_not_available; a transaction the server ended for idling
		// (IdleInTxTimeout).
		return pe.Code == "55P03" || pe.Code == "25P03"
	}
	return false
}

// isFinal reports errors that no retry cures: the database refuses the
// data (bad encoding, a constraint) or the statement.
func isFinal(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "22", "23", "42", "0A":
			return true
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_RANGE, sqlite3.SQLITE_ERROR:
			return true
		}
	}
	return false
}
