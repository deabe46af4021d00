package store

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// SetCallWriterFault makes the call-record writer fail every transaction
// for which f returns an error; f is given the call ids of its rows, in
// the order they are written.
func SetCallWriterFault(s *Store, f func(calls []string) error) {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.fault = func(ops []rowOp) error {
		ids := make([]string, len(ops))
		for i, op := range ops {
			ids[i] = op.g.key.id
		}
		return f(ids)
	}
}

// BeginFenced opens a transaction that has passed the fence check (on
// PostgreSQL the lease row is read FOR SHARE), as every fenced write
// starts, and returns it open: a controller frozen inside a write.
func BeginFenced(ctx context.Context, s *Store) (*sqlx.Tx, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := s.checkFence(ctx, tx); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return tx, nil
}
