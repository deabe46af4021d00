package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
)

// EventQuotaExceeded is the supervisors' alert of a tenant limit hit
// (dispatch.Event with Reason the limit and Vars used, max and message).
const EventQuotaExceeded = "quota_exceeded"

// quotaAlerts tells a tenant's supervisors of each limit hit on the event
// stream and writes it to the tenant's audit log (docs/tenants.md).
type quotaAlerts struct {
	disp *dispatch.Dispatcher
	st   *store.Store
	log  *slog.Logger
}

func (a *quotaAlerts) alert(h quota.Hit) {
	if a.disp != nil {
		a.disp.Publish(dispatch.Event{Type: EventQuotaExceeded, Tenant: h.Tenant, Reason: string(h.Limit), At: h.At,
			Vars: map[string]string{"used": strconv.FormatInt(h.Used, 10), "max": strconv.FormatInt(h.Max, 10), "message": h.Err.Error()}})
	}
	detail, _ := json.Marshal(map[string]any{"limit": h.Limit, "used": h.Used, "max": h.Max, "message": h.Err.Error()})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.st.AddAudit(ctx, &store.AuditEntry{TenantID: h.Tenant, At: h.At, ActorKind: "system", ActorName: "quota", Action: "quota.exceeded",
			ObjectType: "tenant_quota", ObjectID: string(h.Limit), Status: 429, Detail: string(detail)}); err != nil {
			a.log.Warn("quota hit not written to the audit log", "tenant", h.Tenant, "limit", h.Limit, "err", err)
		}
	}()
}

// tenantMetrics is the per-tenant collector over the dispatcher's running
// engines and the quota service's call counts.
func tenantMetrics(disp *dispatch.Dispatcher, q *quota.Service) prometheus.Collector {
	return &quota.TenantMetrics{Calls: q.CallsInProgress, Snapshots: func(ctx context.Context) []acd.Snapshot {
		var out []acd.Snapshot
		for _, t := range disp.RunningTenants() {
			e, err := disp.Engine(ctx, t)
			if err != nil {
				continue
			}
			if s, err := e.Snapshot(ctx); err == nil {
				out = append(out, s)
			}
		}
		return out
	}}
}
