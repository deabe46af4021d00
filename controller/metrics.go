package controller

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus collectors. They are created per
// Controller and registered on the Registerer from Options, so tests use a
// private registry and never collide on the global one.
type metrics struct {
	callsActive   *prometheus.GaugeVec
	callsTotal    *prometheus.CounterVec
	events        *prometheus.CounterVec
	commandErrors *prometheus.CounterVec
	subDrops      prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		callsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "ipcc", Subsystem: "controller", Name: "calls_active",
			Help: "Calls currently held by the controller, by switch.",
		}, []string{"switch"}),
		callsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ipcc", Subsystem: "controller", Name: "calls_total",
			Help: "Inbound calls handed to the controller, by switch.",
		}, []string{"switch"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ipcc", Subsystem: "controller", Name: "events_total",
			Help: "Neutral switch events received, by switch and type.",
		}, []string{"switch", "type"}),
		commandErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ipcc", Subsystem: "controller", Name: "command_errors_total",
			Help: "Switch commands that returned an error, by switch and command.",
		}, []string{"switch", "command"}),
		subDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "ipcc", Subsystem: "controller", Name: "subscriber_drops_total",
			Help: "Events not delivered to a subscriber whose buffer was full.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.callsActive, m.callsTotal, m.events, m.commandErrors, m.subDrops} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("controller: metrics already registered on this registry (one Controller per registry)")
			}
			return nil, err
		}
	}
	return m, nil
}
