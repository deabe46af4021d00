package freeswitch

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collector exposes the driver's Stats as Prometheus metrics, labelled with
// the switch name: register it on the registry of the process.
func (d *Driver) Collector() prometheus.Collector { return collector{d} }

type collector struct{ d *Driver }

var (
	labels    = []string{"switch"}
	descQueue = prometheus.NewDesc("ipcc_freeswitch_event_queue_depth",
		"Neutral events produced but not yet taken by the consumer.", labels, nil)
	descHeld = prometheus.NewDesc("ipcc_freeswitch_reorder_held_events",
		"ESL events waiting in the Event-Sequence reorder buffer.", labels, nil)
	descUp = prometheus.NewDesc("ipcc_freeswitch_connected",
		"1 when the event socket is up and re-synchronised.", labels, nil)
	descIn = prometheus.NewDesc("ipcc_freeswitch_events_received_total",
		"ESL events received.", labels, nil)
	descOut = prometheus.NewDesc("ipcc_freeswitch_events_emitted_total",
		"Neutral events produced.", labels, nil)
	descReordered = prometheus.NewDesc("ipcc_freeswitch_events_reordered_total",
		"Events released only after waiting for a missing Event-Sequence.", labels, nil)
	descLate = prometheus.NewDesc("ipcc_freeswitch_events_late_total",
		"Events that arrived after a higher Event-Sequence had been released.", labels, nil)
	descCmds = prometheus.NewDesc("ipcc_freeswitch_commands_total",
		"Commands sent (api, bgapi, sendmsg).", labels, nil)
	descCmdTimeouts = prometheus.NewDesc("ipcc_freeswitch_command_timeouts_total",
		"Commands without a reply before their deadline (each one drops the connection).", labels, nil)
	descReconnects = prometheus.NewDesc("ipcc_freeswitch_reconnects_total",
		"Connection attempts after the first.", labels, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueue, descHeld, descUp, descIn, descOut, descReordered, descLate, descCmds, descCmdTimeouts, descReconnects} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.d.Stats()
	name := c.d.cfg.Name
	up := 0.0
	if c.d.Connected() {
		up = 1
	}
	g := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
	}
	n := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), name)
	}
	g(descQueue, float64(st.QueueDepth))
	g(descHeld, float64(st.HeldEvents))
	g(descUp, up)
	n(descIn, st.EventsIn)
	n(descOut, st.EventsOut)
	n(descReordered, st.Reordered)
	n(descLate, st.Late)
	n(descCmds, st.Commands)
	n(descCmdTimeouts, st.CommandTimeouts)
	n(descReconnects, st.Reconnects)
}
