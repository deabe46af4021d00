package quota

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/acd"
)

// Label caps (docs/tenants.md, "Metrics"): a tenant or queue beyond the cap
// is reported under OtherLabel, so /metrics stays bounded whatever the
// number of tenants and queues.
const (
	DefaultMaxTenantLabels = 100
	DefaultMaxQueueLabels  = 50
	OtherLabel             = "_other"
)

// labelCap hands out at most max distinct label values, first come first
// served; later ones share OtherLabel. For counters, whose series must not
// change label once created.
type labelCap struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func newLabelCap(max int) *labelCap { return &labelCap{max: max, seen: map[string]bool{}} }

func (l *labelCap) value(v string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[v] {
		return v
	}
	if len(l.seen) >= l.max {
		return OtherLabel
	}
	l.seen[v] = true
	return v
}

// capSorted maps each of ids (sorted) to itself for the first max of them
// and to OtherLabel for the rest; gauges computed per scrape use it, so the
// same ids keep their labels from scrape to scrape.
func capSorted(ids []string, max int) map[string]string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		if i < max {
			out[id] = id
		} else {
			out[id] = OtherLabel
		}
	}
	return out
}

// TenantMetrics is a Prometheus collector of per-tenant live figures,
// computed at each scrape: callers waiting and service level by tenant and
// queue, agents by tenant and state, calls in progress by tenant and kind.
type TenantMetrics struct {
	// Snapshots returns the ACD snapshots of the tenants with a running
	// engine.
	Snapshots func(ctx context.Context) []acd.Snapshot
	// Calls returns the calls in progress by tenant (Service.CallsInProgress).
	Calls func() map[string]Live
	// MaxTenants and MaxQueues cap the label values (defaults
	// DefaultMaxTenantLabels, DefaultMaxQueueLabels per tenant).
	MaxTenants, MaxQueues int
	// Timeout bounds one scrape's snapshots (default 2 s).
	Timeout time.Duration
}

var (
	descWaiting = prometheus.NewDesc("ipcc_tenant_queue_waiting", "Callers waiting in a queue, by tenant and queue.", []string{"tenant", "queue"}, nil)
	descSL      = prometheus.NewDesc("ipcc_tenant_queue_service_level", "Today's service level of a queue (0-1), by tenant and queue; not given for "+OtherLabel+".", []string{"tenant", "queue"}, nil)
	descAgents  = prometheus.NewDesc("ipcc_tenant_agents", "Agents by tenant and state.", []string{"tenant", "state"}, nil)
	descCalls   = prometheus.NewDesc("ipcc_tenant_calls_in_progress", "Inbound calls in progress by tenant and kind (pstn, web).", []string{"tenant", "kind"}, nil)
)

// Describe implements prometheus.Collector.
func (m *TenantMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descSL, descAgents, descCalls} {
		ch <- d
	}
}

type pair struct{ a, b string }

// Collect implements prometheus.Collector.
func (m *TenantMetrics) Collect(ch chan<- prometheus.Metric) {
	maxT, maxQ := orInt(m.MaxTenants, DefaultMaxTenantLabels), orInt(m.MaxQueues, DefaultMaxQueueLabels)
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	var snaps []acd.Snapshot
	if m.Snapshots != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		snaps = m.Snapshots(ctx)
		cancel()
	}
	var calls map[string]Live
	if m.Calls != nil {
		calls = m.Calls()
	}
	ids := make([]string, 0, len(snaps)+len(calls))
	for _, s := range snaps {
		ids = append(ids, s.Tenant)
	}
	for t := range calls {
		ids = append(ids, t)
	}
	tl := capSorted(ids, maxT)

	waiting, agents, kinds := map[pair]float64{}, map[pair]float64{}, map[pair]float64{}
	for _, s := range snaps {
		t := tl[s.Tenant]
		qids := make([]string, 0, len(s.Queues))
		for _, q := range s.Queues {
			qids = append(qids, q.ID)
		}
		ql := capSorted(qids, maxQ)
		for _, q := range s.Queues {
			qlab := ql[q.ID]
			if t == OtherLabel {
				qlab = OtherLabel
			}
			waiting[pair{t, qlab}] += float64(len(q.Waiting))
			if qlab != OtherLabel {
				ch <- prometheus.MustNewConstMetric(descSL, prometheus.GaugeValue, q.ServiceLevel, t, qlab)
			}
		}
		for _, a := range s.Agents {
			agents[pair{t, a.State.String()}]++
		}
	}
	for tenant, l := range calls {
		t := tl[tenant]
		kinds[pair{t, "pstn"}] += float64(l.Calls - l.WebCalls)
		kinds[pair{t, "web"}] += float64(l.WebCalls)
	}
	for k, v := range waiting {
		ch <- prometheus.MustNewConstMetric(descWaiting, prometheus.GaugeValue, v, k.a, k.b)
	}
	for k, v := range agents {
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, v, k.a, k.b)
	}
	for k, v := range kinds {
		ch <- prometheus.MustNewConstMetric(descCalls, prometheus.GaugeValue, v, k.a, k.b)
	}
}

func orInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}
