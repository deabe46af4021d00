package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ErrFenced is returned by a write refused because this controller no
// longer holds the lease it writes under: another controller took it over
// (a larger fencing token), so this one's view of the calls and queues is
// stale and must not overwrite the new holder's.
var ErrFenced = errors.New("store: write refused: this controller no longer holds its lease (fenced)")

// Fence is the lease a controller writes under: the row of cluster_leases
// called Lease, as it took it (its Instance and fencing Token).
type Fence struct {
	Lease    string
	Instance string
	Token    int64
}

// SetFence makes every write that matters — call records and legs (the
// call-record writer), agents' ACD states and log, waiting callers and
// callbacks — check in its own transaction that the lease still carries
// f's instance and token, and fail with ErrFenced otherwise. Set it when
// the lease is taken (package cluster's OnAcquired); a store without a
// fence writes unchecked (a single controller, tools).
//
// On PostgreSQL the check reads the lease row FOR SHARE: a claim that
// would hand the lease to another controller waits for the write's
// transaction, and a write after the hand-over sees the new token. On
// SQLite the database's single write lock orders them the same way.
func (s *Store) SetFence(f Fence) { s.fence.Store(&f) }

// checkFence refuses the transaction's writes when the fence's lease
// moved on.
func (s *Store) checkFence(ctx context.Context, tx *sqlx.Tx) error {
	f := s.fence.Load()
	if f == nil {
		return nil
	}
	q := `SELECT instance, token, holder FROM cluster_leases WHERE tenant_id = '' AND name = ?`
	if s.dialect == Postgres {
		q += ` FOR SHARE`
	}
	var row struct {
		Instance string `db:"instance"`
		Token    int64  `db:"token"`
		Holder   string `db:"holder"`
	}
	err := tx.GetContext(ctx, &row, tx.Rebind(q), f.Lease)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: lease %s is gone", ErrFenced, f.Lease)
	case err != nil:
		return fmt.Errorf("store: check lease %s: %w", f.Lease, err)
	case row.Instance != f.Instance || row.Token != f.Token:
		return fmt.Errorf("%w: lease %s is held by controller %s with token %d (this controller's token %d)", ErrFenced, f.Lease, row.Holder, row.Token, f.Token)
	}
	return nil
}

// fencedExec runs one write statement, checking the fence in the same
// transaction when one is set. A transaction the server ended for idling
// (IdleInTxTimeout: this process was descheduled between two statements)
// was rolled back, so it is tried once more, fence check included.
func (s *Store) fencedExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.fence.Load() == nil {
		return s.db.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.InTx(ctx, func(tx *sqlx.Tx) error {
			if err := s.checkFence(ctx, tx); err != nil {
				return err
			}
			var err error
			res, err = tx.ExecContext(ctx, query, args...)
			return err
		})
		if !isIdleInTxTimeout(err) {
			break
		}
	}
	return res, err
}

// isIdleInTxTimeout reports whether err is the server ending the session
// of a transaction left idle (PostgreSQL's 25P03).
func isIdleInTxTimeout(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "25P03"
}
