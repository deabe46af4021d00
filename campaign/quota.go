package campaign

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ipcc/ipcc/quota"
)

// Tenant quotas of calls (docs/tenants.md): campaign calls count against
// the tenant's concurrent-call and calls-per-second quotas as inbound
// calls do. Every call is admitted when outbound routing plans it (a call
// over the quota is refused there and its lead deferred); before that the
// dialer asks how much room the quota leaves and dials no more: the
// predictive pacer holds its decision down to it (code "quota" in its
// explained decisions), progressive and broadcast campaigns stop placing
// calls for the tick.

// Quota is the tenants' quotas of calls (quota.Service).
type Quota interface {
	OutboundRoom(ctx context.Context, tenant string) quota.Room
}

// tickRooms are the rooms the tenants' quotas leave the campaigns of one
// tick, by tenant: read once a tick and shared by the tenant's campaigns.
type tickRooms map[string]*tenantRoom

type tenantRoom struct {
	limited bool
	n       int
	why     string
}

// roomFor is the tenant's room for this tick: the quota's room less the
// calls this dialer is placing that routing has not counted yet.
func (d *Dialer) roomFor(ctx context.Context, rooms tickRooms, tenant string) *tenantRoom {
	if r := rooms[tenant]; r != nil {
		return r
	}
	r := &tenantRoom{}
	if d.opt.Quota != nil {
		if q := d.opt.Quota.OutboundRoom(ctx, tenant); !q.Unlimited() {
			d.mu.Lock()
			pending := d.placing[tenant]
			d.mu.Unlock()
			r.limited, r.n, r.why = true, max(0, int(q.N)-pending), q.String()
			if pending > 0 {
				r.why += fmt.Sprintf(", and %d more calls of its campaigns are being placed", pending)
			}
		}
	}
	rooms[tenant] = r
	return r
}

// left tells whether the room has a call left.
func (r *tenantRoom) left() bool { return !r.limited || r.n > 0 }

// use takes one call of the room.
func (r *tenantRoom) use() {
	if r.limited && r.n > 0 {
		r.n--
	}
}

// pacerRoom is the room as the pacer takes it.
func (r *tenantRoom) pacerRoom() QuotaRoom {
	return QuotaRoom{Limited: r.limited, Room: r.n, Why: r.why}
}

// placingCall counts a campaign call about to be placed until outbound
// routing has counted it against the quota (or refused it): the returned
// func, called once or more, ends the count.
func (d *Dialer) placingCall(tenant string) func() {
	d.mu.Lock()
	d.placing[tenant]++
	d.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			if d.placing[tenant] > 0 {
				d.placing[tenant]--
			}
			d.mu.Unlock()
		})
	}
}

// heldBack logs, at most once a minute per campaign, that the tenant's
// quota held the campaign's dialling back.
func (d *Dialer) heldBack(c *Campaign, r *tenantRoom) {
	key := c.TenantID + "/" + c.ID
	now := d.opt.Clock.Now()
	d.mu.Lock()
	last, seen := d.held[key]
	if !seen || now.Sub(last) >= time.Minute {
		d.held[key] = now
	}
	d.mu.Unlock()
	if !seen || now.Sub(last) >= time.Minute {
		d.log.Info("campaign dials fewer calls: the tenant's quota of calls is full", "tenant", c.TenantID, "campaign", c.ID, "why", r.why)
	}
}
