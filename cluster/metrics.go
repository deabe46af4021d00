package cluster

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	held    *prometheus.GaugeVec
	token   *prometheus.GaugeVec
	changes *prometheus.CounterVec
	errors  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ipcc_cluster_lease_held",
			Help: "1 when this controller holds the lease (a switch connection), 0 when another controller does or nobody does."}, []string{"lease"}),
		token: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ipcc_cluster_lease_token",
			Help: "Fencing token of the lease's current holder as last seen by this controller (grows with every new holder)."}, []string{"lease"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ipcc_cluster_lease_changes_total",
			Help: "Leases this controller acquired, lost (taken over, or not renewed in time) and released."}, []string{"lease", "change"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "ipcc_cluster_claim_errors_total",
			Help: "Lease claims or renewals that failed (database unreachable)."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.held, m.token, m.changes, m.errors} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func (m *metrics) set(l Lease) {
	v := 0.0
	if l.Mine {
		v = 1
	}
	m.held.WithLabelValues(l.Name).Set(v)
	m.token.WithLabelValues(l.Name).Set(float64(l.Token))
}
