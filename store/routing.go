package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/schedule"
)

// Routing storage: the tables of migration 0003. The types are dialplan's
// and schedule's own; this file only maps them to rows. Every query takes
// the tenant.

// ---- settings

// GetRoutingSettings returns the tenant's routing settings (zero settings
// when none were saved).
func (s *Store) GetRoutingSettings(ctx context.Context, tenant string) (*dialplan.Settings, error) {
	var doc string
	err := s.db.GetContext(ctx, &doc, s.Rebind(`SELECT document FROM routing_settings WHERE tenant_id = ?`), tenant)
	set := &dialplan.Settings{}
	if err = mapErr(err); IsNotFound(err) {
		return set, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: routing settings of %q: %w", tenant, err)
	}
	if err := json.Unmarshal([]byte(doc), set); err != nil {
		return nil, fmt.Errorf("store: routing settings of %q: decode: %w", tenant, err)
	}
	return set, nil
}

// PutRoutingSettings replaces the tenant's routing settings.
func (s *Store) PutRoutingSettings(ctx context.Context, tenant string, set *dialplan.Settings) error {
	doc, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("store: routing settings of %q: encode: %w", tenant, err)
	}
	_, err = s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_settings (tenant_id, document, updated_at) VALUES (?,?,?)
		ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`), tenant, string(doc), now())
	if err != nil {
		return fmt.Errorf("store: save routing settings of %q: %w", tenant, err)
	}
	return nil
}

// ---- schedules

// CreateSchedule stores a new schedule and sets its ID; ErrConflict when
// the name is taken in the tenant.
func (s *Store) CreateSchedule(ctx context.Context, tenant string, sc *schedule.Schedule) error {
	// A readable id ("main-hours") may be given, so flows can name the
	// schedule; otherwise one is generated.
	if sc.ID == "" {
		sc.ID = uuid.NewString()
	} else if !ValidSlug(sc.ID) {
		return fmt.Errorf("store: schedule id %q: must be 1-63 letters, digits, '-', '_' or '.'", sc.ID)
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("store: schedule %q: encode: %w", sc.Name, err)
	}
	t := now()
	_, err = s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_schedules (tenant_id, id, name, document, created_at, updated_at) VALUES (?,?,?,?,?,?)`),
		tenant, sc.ID, sc.Name, string(doc), t, t)
	if err != nil {
		return fmt.Errorf("store: create schedule %q in tenant %q: %w", sc.Name, tenant, mapErr(err))
	}
	return nil
}

// GetSchedule loads one schedule of the tenant.
func (s *Store) GetSchedule(ctx context.Context, tenant, id string) (*schedule.Schedule, error) {
	var doc string
	err := s.db.GetContext(ctx, &doc, s.Rebind(`SELECT document FROM routing_schedules WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get schedule %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	return decodeScheduleDoc(id, doc)
}

func decodeScheduleDoc(id, doc string) (*schedule.Schedule, error) {
	var sc schedule.Schedule
	if err := json.Unmarshal([]byte(doc), &sc); err != nil {
		return nil, fmt.Errorf("store: schedule %q: decode: %w", id, err)
	}
	sc.ID = id
	return &sc, nil
}

// ListSchedules lists the tenant's schedules by name.
func (s *Store) ListSchedules(ctx context.Context, tenant string) ([]schedule.Schedule, error) {
	var rows []struct {
		ID       string `db:"id"`
		Document string `db:"document"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT id, document FROM routing_schedules WHERE tenant_id = ? ORDER BY name`), tenant); err != nil {
		return nil, fmt.Errorf("store: list schedules of %q: %w", tenant, err)
	}
	out := make([]schedule.Schedule, 0, len(rows))
	for _, r := range rows {
		sc, err := decodeScheduleDoc(r.ID, r.Document)
		if err != nil {
			return nil, err
		}
		out = append(out, *sc)
	}
	return out, nil
}

// UpdateSchedule replaces the document of an existing schedule.
func (s *Store) UpdateSchedule(ctx context.Context, tenant string, sc *schedule.Schedule) error {
	doc, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("store: schedule %q: encode: %w", sc.ID, err)
	}
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE routing_schedules SET name = ?, document = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		sc.Name, string(doc), now(), tenant, sc.ID)
	if err != nil {
		return fmt.Errorf("store: update schedule %q in tenant %q: %w", sc.ID, tenant, mapErr(err))
	}
	return affectedOne(res, "schedule", sc.ID)
}

// DeleteSchedule removes a schedule no route uses; one still in use gives
// ErrConflict naming the routes.
func (s *Store) DeleteSchedule(ctx context.Context, tenant, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var users []string
		if err := tx.SelectContext(ctx, &users, tx.Rebind(`SELECT name FROM routing_routes WHERE tenant_id = ? AND schedule_id = ? ORDER BY name`), tenant, id); err != nil {
			return fmt.Errorf("store: delete schedule %q: %w", id, err)
		}
		if len(users) > 0 {
			return fmt.Errorf("store: delete schedule %q: %w: routes %q still use it", id, ErrConflict, users)
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM routing_schedules WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete schedule %q: %w", id, err)
		}
		return affectedOne(res, "schedule", id)
	})
}

// ---- routes

type routeRow struct {
	ID            string    `db:"id"`
	Name          string    `db:"name"`
	DID           string    `db:"did"`
	Enabled       bool      `db:"enabled"`
	ScheduleID    string    `db:"schedule_id"`
	Branches      string    `db:"branches"`
	DefaultTarget string    `db:"default_target"`
	StickyEnabled bool      `db:"sticky_enabled"`
	StickyDays    int       `db:"sticky_days"`
	Language      string    `db:"language"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

const routeCols = `id, name, did, enabled, schedule_id, branches, default_target, sticky_enabled, sticky_days, language, created_at, updated_at`

func (r *routeRow) route() (dialplan.Route, error) {
	out := dialplan.Route{ID: r.ID, Name: r.Name, DID: r.DID, Enabled: r.Enabled, ScheduleID: r.ScheduleID,
		Sticky: dialplan.Sticky{Enabled: r.StickyEnabled, Days: r.StickyDays}, Language: r.Language, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.Branches), &out.Branches); err != nil {
		return out, fmt.Errorf("store: route %q: decode branches: %w", r.ID, err)
	}
	if r.DefaultTarget != "" {
		out.Default = &dialplan.Target{}
		if err := json.Unmarshal([]byte(r.DefaultTarget), out.Default); err != nil {
			return out, fmt.Errorf("store: route %q: decode default target: %w", r.ID, err)
		}
	}
	return out, nil
}

func routeArgs(r *dialplan.Route) (branches, def string, err error) {
	b, err := json.Marshal(r.Branches)
	if err != nil {
		return "", "", fmt.Errorf("store: route %q: encode branches: %w", r.Name, err)
	}
	if r.Default != nil {
		d, err := json.Marshal(r.Default)
		if err != nil {
			return "", "", fmt.Errorf("store: route %q: encode default: %w", r.Name, err)
		}
		def = string(d)
	}
	return string(b), def, nil
}

// CreateRoute stores a new route and sets its ID and times; ErrConflict
// when another route of the tenant has the same DID pattern.
func (s *Store) CreateRoute(ctx context.Context, tenant string, r *dialplan.Route) error {
	branches, def, err := routeArgs(r)
	if err != nil {
		return err
	}
	r.ID = uuid.NewString()
	r.CreatedAt, r.UpdatedAt = now(), now()
	_, err = s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_routes (tenant_id, `+routeCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		tenant, r.ID, r.Name, r.DID, r.Enabled, r.ScheduleID, branches, def, r.Sticky.Enabled, r.Sticky.Days, r.Language, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create route %q in tenant %q: %w", r.DID, tenant, mapErr(err))
	}
	return nil
}

// GetRoute loads one route of the tenant.
func (s *Store) GetRoute(ctx context.Context, tenant, id string) (*dialplan.Route, error) {
	var row routeRow
	if err := s.db.GetContext(ctx, &row, s.Rebind(`SELECT `+routeCols+` FROM routing_routes WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get route %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	r, err := row.route()
	return &r, err
}

// ListRoutes lists the tenant's routes by DID pattern.
func (s *Store) ListRoutes(ctx context.Context, tenant string) ([]dialplan.Route, error) {
	var rows []routeRow
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT `+routeCols+` FROM routing_routes WHERE tenant_id = ? ORDER BY did`), tenant); err != nil {
		return nil, fmt.Errorf("store: list routes of %q: %w", tenant, err)
	}
	out := make([]dialplan.Route, 0, len(rows))
	for i := range rows {
		r, err := rows[i].route()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// UpdateRoute saves every field of an existing route.
func (s *Store) UpdateRoute(ctx context.Context, tenant string, r *dialplan.Route) error {
	branches, def, err := routeArgs(r)
	if err != nil {
		return err
	}
	r.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE routing_routes SET name = ?, did = ?, enabled = ?, schedule_id = ?, branches = ?, default_target = ?,
		sticky_enabled = ?, sticky_days = ?, language = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		r.Name, r.DID, r.Enabled, r.ScheduleID, branches, def, r.Sticky.Enabled, r.Sticky.Days, r.Language, r.UpdatedAt, tenant, r.ID)
	if err != nil {
		return fmt.Errorf("store: update route %q in tenant %q: %w", r.ID, tenant, mapErr(err))
	}
	return affectedOne(res, "route", r.ID)
}

// DeleteRoute removes a route together with the caller rules scoped to it.
func (s *Store) DeleteRoute(ctx context.Context, tenant, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM routing_routes WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete route %q: %w", id, err)
		}
		if err := affectedOne(res, "route", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM routing_caller_rules WHERE tenant_id = ? AND route_id = ?`), tenant, id); err != nil {
			return fmt.Errorf("store: delete rules of route %q: %w", id, err)
		}
		return nil
	})
}

// ---- blacklist and whitelist

const (
	blacklistCols = `id, number, kind, reason, expires_at, created_at`
	whitelistCols = `id, number, kind, name, priority, expires_at, created_at`
)

type blacklistRow struct {
	ID        string     `db:"id"`
	Number    string     `db:"number"`
	Kind      string     `db:"kind"`
	Reason    string     `db:"reason"`
	ExpiresAt *time.Time `db:"expires_at"`
	CreatedAt time.Time  `db:"created_at"`
}

func (r blacklistRow) entry() dialplan.BlacklistEntry {
	return dialplan.BlacklistEntry{ID: r.ID, Number: r.Number, Kind: dialplan.MatchKind(r.Kind), Reason: r.Reason, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

type whitelistRow struct {
	ID        string     `db:"id"`
	Number    string     `db:"number"`
	Kind      string     `db:"kind"`
	Name      string     `db:"name"`
	Priority  int        `db:"priority"`
	ExpiresAt *time.Time `db:"expires_at"`
	CreatedAt time.Time  `db:"created_at"`
}

func (r whitelistRow) entry() dialplan.WhitelistEntry {
	return dialplan.WhitelistEntry{ID: r.ID, Number: r.Number, Kind: dialplan.MatchKind(r.Kind), Name: r.Name, Priority: r.Priority, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
}

func routingUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// AddBlacklist stores a new entry and sets its ID; ErrConflict when the
// same number and kind are listed already.
func (s *Store) AddBlacklist(ctx context.Context, tenant string, e *dialplan.BlacklistEntry) error {
	e.ID, e.CreatedAt, e.ExpiresAt = uuid.NewString(), now(), routingUTC(e.ExpiresAt)
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_blacklist (tenant_id, `+blacklistCols+`) VALUES (?,?,?,?,?,?,?)`),
		tenant, e.ID, e.Number, string(e.Kind), e.Reason, e.ExpiresAt, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: blacklist %s %s in tenant %q: %w", e.Kind, e.Number, tenant, mapErr(err))
	}
	return nil
}

// GetBlacklist loads one blacklist entry.
func (s *Store) GetBlacklist(ctx context.Context, tenant, id string) (*dialplan.BlacklistEntry, error) {
	var row blacklistRow
	if err := s.db.GetContext(ctx, &row, s.Rebind(`SELECT `+blacklistCols+` FROM routing_blacklist WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get blacklist entry %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	e := row.entry()
	return &e, nil
}

// ListBlacklist lists the tenant's blacklist by number.
func (s *Store) ListBlacklist(ctx context.Context, tenant string) ([]dialplan.BlacklistEntry, error) {
	var rows []blacklistRow
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT `+blacklistCols+` FROM routing_blacklist WHERE tenant_id = ? ORDER BY number, kind`), tenant); err != nil {
		return nil, fmt.Errorf("store: list blacklist of %q: %w", tenant, err)
	}
	out := make([]dialplan.BlacklistEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// UpdateBlacklist saves number, kind, reason and expiry of an entry.
func (s *Store) UpdateBlacklist(ctx context.Context, tenant string, e *dialplan.BlacklistEntry) error {
	e.ExpiresAt = routingUTC(e.ExpiresAt)
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE routing_blacklist SET number = ?, kind = ?, reason = ?, expires_at = ? WHERE tenant_id = ? AND id = ?`),
		e.Number, string(e.Kind), e.Reason, e.ExpiresAt, tenant, e.ID)
	if err != nil {
		return fmt.Errorf("store: update blacklist entry %q: %w", e.ID, mapErr(err))
	}
	return affectedOne(res, "blacklist entry", e.ID)
}

// DeleteBlacklist removes one entry.
func (s *Store) DeleteBlacklist(ctx context.Context, tenant, id string) error {
	return s.deleteRoutingRow(ctx, "routing_blacklist", "blacklist entry", tenant, id)
}

// ImportBlacklist adds or replaces (by number and kind) every entry in one
// transaction: either all are stored or none. It reports how many were new
// and how many replaced an existing entry's reason and expiry.
func (s *Store) ImportBlacklist(ctx context.Context, tenant string, es []dialplan.BlacklistEntry) (added, updated int, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		added, updated = 0, 0
		for i := range es {
			e := &es[i]
			e.ExpiresAt = routingUTC(e.ExpiresAt)
			res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE routing_blacklist SET reason = ?, expires_at = ? WHERE tenant_id = ? AND number = ? AND kind = ?`),
				e.Reason, e.ExpiresAt, tenant, e.Number, string(e.Kind))
			if err != nil {
				return fmt.Errorf("store: import blacklist entry %d (%s): %w", i+1, e.Number, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				updated++
				continue
			}
			e.ID, e.CreatedAt = uuid.NewString(), now()
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO routing_blacklist (tenant_id, `+blacklistCols+`) VALUES (?,?,?,?,?,?,?)`),
				tenant, e.ID, e.Number, string(e.Kind), e.Reason, e.ExpiresAt, e.CreatedAt); err != nil {
				return fmt.Errorf("store: import blacklist entry %d (%s): %w", i+1, e.Number, mapErr(err))
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, updated, nil
}

// AddWhitelist stores a new VIP entry and sets its ID; ErrConflict when
// the same number and kind are listed already.
func (s *Store) AddWhitelist(ctx context.Context, tenant string, e *dialplan.WhitelistEntry) error {
	e.ID, e.CreatedAt, e.ExpiresAt = uuid.NewString(), now(), routingUTC(e.ExpiresAt)
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_whitelist (tenant_id, `+whitelistCols+`) VALUES (?,?,?,?,?,?,?,?)`),
		tenant, e.ID, e.Number, string(e.Kind), e.Name, e.Priority, e.ExpiresAt, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: whitelist %s %s in tenant %q: %w", e.Kind, e.Number, tenant, mapErr(err))
	}
	return nil
}

// ImportWhitelist adds or replaces (by number and kind) every VIP entry in
// one transaction: either all are stored or none. It reports how many were
// new and how many replaced an existing entry's name, priority and expiry.
func (s *Store) ImportWhitelist(ctx context.Context, tenant string, es []dialplan.WhitelistEntry) (added, updated int, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		added, updated = 0, 0
		for i := range es {
			e := &es[i]
			e.ExpiresAt = routingUTC(e.ExpiresAt)
			res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE routing_whitelist SET name = ?, priority = ?, expires_at = ? WHERE tenant_id = ? AND number = ? AND kind = ?`),
				e.Name, e.Priority, e.ExpiresAt, tenant, e.Number, string(e.Kind))
			if err != nil {
				return fmt.Errorf("store: import whitelist entry %d (%s): %w", i+1, e.Number, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				updated++
				continue
			}
			e.ID, e.CreatedAt = uuid.NewString(), now()
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO routing_whitelist (tenant_id, `+whitelistCols+`) VALUES (?,?,?,?,?,?,?,?)`),
				tenant, e.ID, e.Number, string(e.Kind), e.Name, e.Priority, e.ExpiresAt, e.CreatedAt); err != nil {
				return fmt.Errorf("store: import whitelist entry %d (%s): %w", i+1, e.Number, mapErr(err))
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, updated, nil
}

// GetWhitelist loads one whitelist entry.
func (s *Store) GetWhitelist(ctx context.Context, tenant, id string) (*dialplan.WhitelistEntry, error) {
	var row whitelistRow
	if err := s.db.GetContext(ctx, &row, s.Rebind(`SELECT `+whitelistCols+` FROM routing_whitelist WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get whitelist entry %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	e := row.entry()
	return &e, nil
}

// ListWhitelist lists the tenant's whitelist by number.
func (s *Store) ListWhitelist(ctx context.Context, tenant string) ([]dialplan.WhitelistEntry, error) {
	var rows []whitelistRow
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT `+whitelistCols+` FROM routing_whitelist WHERE tenant_id = ? ORDER BY number, kind`), tenant); err != nil {
		return nil, fmt.Errorf("store: list whitelist of %q: %w", tenant, err)
	}
	out := make([]dialplan.WhitelistEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// UpdateWhitelist saves number, kind, name, priority and expiry of an entry.
func (s *Store) UpdateWhitelist(ctx context.Context, tenant string, e *dialplan.WhitelistEntry) error {
	e.ExpiresAt = routingUTC(e.ExpiresAt)
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE routing_whitelist SET number = ?, kind = ?, name = ?, priority = ?, expires_at = ? WHERE tenant_id = ? AND id = ?`),
		e.Number, string(e.Kind), e.Name, e.Priority, e.ExpiresAt, tenant, e.ID)
	if err != nil {
		return fmt.Errorf("store: update whitelist entry %q: %w", e.ID, mapErr(err))
	}
	return affectedOne(res, "whitelist entry", e.ID)
}

// DeleteWhitelist removes one entry.
func (s *Store) DeleteWhitelist(ctx context.Context, tenant, id string) error {
	return s.deleteRoutingRow(ctx, "routing_whitelist", "whitelist entry", tenant, id)
}

func (s *Store) deleteRoutingRow(ctx context.Context, table, what, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM `+table+` WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete %s %q: %w", what, id, err)
	}
	return affectedOne(res, what, id)
}

// ---- caller rules and lists

type callerRuleRow struct {
	ID         string    `db:"id"`
	Name       string    `db:"name"`
	RouteID    string    `db:"route_id"`
	Position   int       `db:"position"`
	MatchKind  string    `db:"match_kind"`
	MatchValue string    `db:"match_value"`
	TargetKind string    `db:"target_kind"`
	TargetRef  string    `db:"target_ref"`
	Enabled    bool      `db:"enabled"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

const callerRuleCols = `id, name, route_id, position, match_kind, match_value, target_kind, target_ref, enabled, created_at, updated_at`

func (r callerRuleRow) rule() dialplan.CallerRule {
	return dialplan.CallerRule{ID: r.ID, Name: r.Name, RouteID: r.RouteID, Position: r.Position, Match: dialplan.RuleMatch(r.MatchKind), Value: r.MatchValue,
		Target: dialplan.Target{Kind: dialplan.TargetKind(r.TargetKind), Ref: r.TargetRef}, Enabled: r.Enabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// CreateCallerRule stores a new rule and sets its ID and times.
func (s *Store) CreateCallerRule(ctx context.Context, tenant string, r *dialplan.CallerRule) error {
	r.ID = uuid.NewString()
	r.CreatedAt, r.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO routing_caller_rules (tenant_id, `+callerRuleCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		tenant, r.ID, r.Name, r.RouteID, r.Position, string(r.Match), r.Value, string(r.Target.Kind), r.Target.Ref, r.Enabled, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create caller rule %q in tenant %q: %w", r.Name, tenant, mapErr(err))
	}
	return nil
}

// GetCallerRule loads one rule.
func (s *Store) GetCallerRule(ctx context.Context, tenant, id string) (*dialplan.CallerRule, error) {
	var row callerRuleRow
	if err := s.db.GetContext(ctx, &row, s.Rebind(`SELECT `+callerRuleCols+` FROM routing_caller_rules WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get caller rule %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	r := row.rule()
	return &r, nil
}

// ListCallerRules lists the tenant's rules in evaluation order.
func (s *Store) ListCallerRules(ctx context.Context, tenant string) ([]dialplan.CallerRule, error) {
	var rows []callerRuleRow
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT `+callerRuleCols+` FROM routing_caller_rules WHERE tenant_id = ? ORDER BY position, name, id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list caller rules of %q: %w", tenant, err)
	}
	out := make([]dialplan.CallerRule, len(rows))
	for i, r := range rows {
		out[i] = r.rule()
	}
	return out, nil
}

// UpdateCallerRule saves every field of an existing rule.
func (s *Store) UpdateCallerRule(ctx context.Context, tenant string, r *dialplan.CallerRule) error {
	r.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE routing_caller_rules SET name = ?, route_id = ?, position = ?, match_kind = ?, match_value = ?,
		target_kind = ?, target_ref = ?, enabled = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		r.Name, r.RouteID, r.Position, string(r.Match), r.Value, string(r.Target.Kind), r.Target.Ref, r.Enabled, r.UpdatedAt, tenant, r.ID)
	if err != nil {
		return fmt.Errorf("store: update caller rule %q: %w", r.ID, mapErr(err))
	}
	return affectedOne(res, "caller rule", r.ID)
}

// DeleteCallerRule removes one rule.
func (s *Store) DeleteCallerRule(ctx context.Context, tenant, id string) error {
	return s.deleteRoutingRow(ctx, "routing_caller_rules", "caller rule", tenant, id)
}

// CallerList is a named list of caller numbers and its size.
type CallerList struct {
	Name  string `db:"list_name" json:"name"`
	Count int    `db:"n" json:"count"`
}

// ListCallerLists lists the tenant's named caller lists.
func (s *Store) ListCallerLists(ctx context.Context, tenant string) ([]CallerList, error) {
	out := []CallerList{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT list_name, COUNT(*) AS n FROM routing_caller_lists WHERE tenant_id = ? GROUP BY list_name ORDER BY list_name`), tenant); err != nil {
		return nil, fmt.Errorf("store: list caller lists of %q: %w", tenant, err)
	}
	return out, nil
}

// GetCallerList returns the numbers of a list; ErrNotFound when it is empty
// or absent.
func (s *Store) GetCallerList(ctx context.Context, tenant, name string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT number FROM routing_caller_lists WHERE tenant_id = ? AND list_name = ? ORDER BY number`), tenant, name); err != nil {
		return nil, fmt.Errorf("store: caller list %q of %q: %w", name, tenant, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: caller list %q of %q: %w", name, tenant, ErrNotFound)
	}
	return out, nil
}

// PutCallerList replaces the numbers of a list in one transaction
// (duplicates are stored once).
func (s *Store) PutCallerList(ctx context.Context, tenant, name string, numbers []string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM routing_caller_lists WHERE tenant_id = ? AND list_name = ?`), tenant, name); err != nil {
			return fmt.Errorf("store: replace caller list %q: %w", name, err)
		}
		seen := map[string]bool{}
		t := now()
		for _, n := range numbers {
			if seen[n] {
				continue
			}
			seen[n] = true
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO routing_caller_lists (tenant_id, list_name, number, created_at) VALUES (?,?,?,?)`), tenant, name, n, t); err != nil {
				return fmt.Errorf("store: caller list %q number %s: %w", name, n, mapErr(err))
			}
		}
		return nil
	})
}

// DeleteCallerList removes a list.
func (s *Store) DeleteCallerList(ctx context.Context, tenant, name string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM routing_caller_lists WHERE tenant_id = ? AND list_name = ?`), tenant, name)
	if err != nil {
		return fmt.Errorf("store: delete caller list %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: caller list %q: %w", name, ErrNotFound)
	}
	return nil
}

// ---- loader

// LoadRouting reads everything dialplan.Decide needs for the tenant, table
// by table (an edit made meanwhile shows up on the next load). Entries
// already expired are left out; Decide checks expiry again, so a cached
// TenantRouting stays correct as entries expire. The result is Prepared
// (number lists indexed) and may be shared by concurrent calls.
func (s *Store) LoadRouting(ctx context.Context, tenant string) (*dialplan.TenantRouting, error) {
	tr := &dialplan.TenantRouting{Tenant: tenant, Schedules: map[string]*schedule.Schedule{}, Lists: map[string][]string{}}
	set, err := s.GetRoutingSettings(ctx, tenant)
	if err != nil {
		return nil, err
	}
	tr.Settings = *set
	if tr.Routes, err = s.ListRoutes(ctx, tenant); err != nil {
		return nil, err
	}
	scs, err := s.ListSchedules(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i := range scs {
		tr.Schedules[scs[i].ID] = &scs[i]
	}
	t := now()
	bl, err := s.ListBlacklist(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, e := range bl {
		if e.ExpiresAt == nil || t.Before(*e.ExpiresAt) {
			tr.Blacklist = append(tr.Blacklist, e)
		}
	}
	wl, err := s.ListWhitelist(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, e := range wl {
		if e.ExpiresAt == nil || t.Before(*e.ExpiresAt) {
			tr.Whitelist = append(tr.Whitelist, e)
		}
	}
	if tr.CallerRules, err = s.ListCallerRules(ctx, tenant); err != nil {
		return nil, err
	}
	var members []struct {
		List   string `db:"list_name"`
		Number string `db:"number"`
	}
	if err := s.db.SelectContext(ctx, &members, s.Rebind(`SELECT list_name, number FROM routing_caller_lists WHERE tenant_id = ? ORDER BY list_name, number`), tenant); err != nil {
		return nil, fmt.Errorf("store: load caller lists of %q: %w", tenant, err)
	}
	for _, m := range members {
		tr.Lists[m.List] = append(tr.Lists[m.List], m.Number)
	}
	tr.Prepare()
	return tr, nil
}

// ValidSlug reports whether s is a readable id: 1-63 letters, digits, '-',
// '_' or '.', starting with a letter or digit.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '-' || r == '_' || r == '.'))
		if !ok {
			return false
		}
	}
	return true
}
