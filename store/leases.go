package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Lease is one row of cluster_leases: who holds the lease called Name, with
// which fencing token, and until when (see package cluster).
type Lease struct {
	Name string `db:"name"`
	// Holder is the controller id; Instance tells its runs apart.
	Holder   string `db:"holder"`
	Instance string `db:"instance"`
	Host     string `db:"host"`
	// Token grows by one with every new holder: a later holder always has
	// a larger token.
	Token      int64     `db:"token"`
	AcquiredAt time.Time `db:"acquired_at"`
	RenewedAt  time.Time `db:"renewed_at"`
	// ExpiresAt: after it the lease is free to take (a released lease
	// expires when it is released).
	ExpiresAt time.Time `db:"expires_at"`
}

// Live reports whether the lease is held at now.
func (l Lease) Live(now time.Time) bool { return now.Before(l.ExpiresAt) }

// LeaseClaim is one controller instance asking for leases.
type LeaseClaim struct {
	Holder, Instance, Host string
	// Names are the leases the instance wants.
	Names []string
	// Held maps the names the instance believes it holds to their tokens:
	// those are renewed when the row still carries instance and token.
	Held map[string]int64
	// Now and TTL: a lease taken or renewed expires at Now+TTL.
	Now time.Time
	TTL time.Duration
	// ExclusivePrefix, when set, keeps leases in one hand: a free lease is
	// not taken while another instance holds a live lease whose name starts
	// with the prefix (one active controller for all switches).
	ExclusivePrefix string
}

// LeaseClaimResult is the state of the claimed leases after the claim.
type LeaseClaimResult struct {
	// Leases are the rows of the claim's names (missing: never held).
	Leases []Lease
	// Blocker is the other instance's live lease that kept the claim from
	// taking free leases (ExclusivePrefix), nil when none did.
	Blocker *Lease
}

const leaseCols = `name, holder, instance, host, token, acquired_at, renewed_at, expires_at`

// ClaimLeases renews the leases the instance holds and takes those that are
// free, in one transaction that excludes every other claim (SQLite's write
// lock; a table lock on PostgreSQL), so two controllers never both take a
// lease. Expiry is judged by c.Now: the controllers' clocks must agree to
// well within the TTL.
func (s *Store) ClaimLeases(ctx context.Context, c LeaseClaim) (LeaseClaimResult, error) {
	var res LeaseClaimResult
	if c.Instance == "" || c.Holder == "" || c.TTL <= 0 {
		return res, fmt.Errorf("store: claim leases: holder, instance and a positive ttl are required")
	}
	now := c.Now.UTC()
	exp := now.Add(c.TTL)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == Postgres {
			// Conflicts with itself, not with plain reads.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE cluster_leases IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("store: lock leases: %w", err)
			}
		}
		var rows []Lease
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT `+leaseCols+` FROM cluster_leases WHERE tenant_id = '' ORDER BY name`)); err != nil {
			return fmt.Errorf("store: read leases: %w", err)
		}
		byName := map[string]*Lease{}
		for i := range rows {
			byName[rows[i].Name] = &rows[i]
			r := &rows[i]
			if c.ExclusivePrefix != "" && strings.HasPrefix(r.Name, c.ExclusivePrefix) && r.Instance != c.Instance && r.Live(now) {
				if res.Blocker == nil || r.ExpiresAt.After(res.Blocker.ExpiresAt) {
					b := *r
					res.Blocker = &b
				}
			}
		}
		for _, name := range c.Names {
			r := byName[name]
			token, held := c.Held[name]
			switch {
			case r != nil && r.Instance == c.Instance && held && r.Token == token:
				// Still ours (nobody took it even if it lapsed): renew.
				if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE cluster_leases SET holder = ?, host = ?, renewed_at = ?, expires_at = ?
					WHERE tenant_id = '' AND name = ? AND instance = ? AND token = ?`), c.Holder, c.Host, now, exp, name, c.Instance, token); err != nil {
					return fmt.Errorf("store: renew lease %q: %w", name, err)
				}
				r.Holder, r.Host, r.RenewedAt, r.ExpiresAt = c.Holder, c.Host, now, exp
			case r != nil && r.Instance != c.Instance && r.Live(now):
				// Held by another controller.
			case res.Blocker != nil:
				// Free, but another controller is active.
			case r == nil:
				if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO cluster_leases (tenant_id, `+leaseCols+`) VALUES ('',?,?,?,?,1,?,?,?)`),
					name, c.Holder, c.Instance, c.Host, now, now, exp); err != nil {
					return fmt.Errorf("store: take lease %q: %w", name, mapErr(err))
				}
				byName[name] = &Lease{Name: name, Holder: c.Holder, Instance: c.Instance, Host: c.Host, Token: 1, AcquiredAt: now, RenewedAt: now, ExpiresAt: exp}
			default:
				// Expired or released (or ours under a token we lost track
				// of): taken with the next token.
				if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE cluster_leases SET holder = ?, instance = ?, host = ?, token = token + 1, acquired_at = ?, renewed_at = ?, expires_at = ?
					WHERE tenant_id = '' AND name = ? AND token = ?`), c.Holder, c.Instance, c.Host, now, now, exp, name, r.Token); err != nil {
					return fmt.Errorf("store: take lease %q: %w", name, err)
				}
				r.Holder, r.Instance, r.Host, r.Token, r.AcquiredAt, r.RenewedAt, r.ExpiresAt = c.Holder, c.Instance, c.Host, r.Token+1, now, now, exp
			}
			if l := byName[name]; l != nil {
				res.Leases = append(res.Leases, *l)
			}
		}
		return nil
	})
	if err != nil {
		return LeaseClaimResult{}, err
	}
	return res, nil
}

// ReleaseLeases gives up the leases the instance holds (name → token) at
// now, so another controller may take them at once; a lease someone else
// took meanwhile is left alone.
func (s *Store) ReleaseLeases(ctx context.Context, instance string, held map[string]int64, now time.Time) error {
	for name, token := range held {
		if _, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE cluster_leases SET expires_at = ?, renewed_at = ? WHERE tenant_id = '' AND name = ? AND instance = ? AND token = ?`),
			now.UTC(), now.UTC(), name, instance, token); err != nil {
			return fmt.Errorf("store: release lease %q: %w", name, err)
		}
	}
	return nil
}

// ListLeases lists every lease row, by name.
func (s *Store) ListLeases(ctx context.Context) ([]Lease, error) {
	out := []Lease{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+leaseCols+` FROM cluster_leases WHERE tenant_id = '' ORDER BY name`)); err != nil {
		return nil, fmt.Errorf("store: list leases: %w", err)
	}
	return out, nil
}
