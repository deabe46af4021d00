package store

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// CallWriterStats is what the call-record writer did so far.
type CallWriterStats struct {
	Saves   int64 // rows handed to the writer (a save replacing a waiting row counts)
	Written int64 // rows written
	Batches int64 // transactions that wrote rows
	// Retries: transactions that failed and were tried again.
	Retries int64
	// Refused: rows the database would not take even alone (logged with
	// their content); Unwritten: rows given up when closing.
	Refused, Unwritten int64
	// BackpressureWaits: saves that had to wait for room in the queue.
	BackpressureWaits int64
	Queued            int           // rows waiting now
	MaxQueued         int           // most rows waiting at once
	MaxWrite          time.Duration // longest successful transaction
	OldestQueued      time.Duration // age of the oldest change not written yet
	// FailingSince is when the writer started failing (zero while it
	// writes).
	FailingSince time.Time
}

// CallWriterStats reports the call-record writer's figures.
func (s *Store) CallWriterStats() CallWriterStats {
	w := s.calls
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.stats
	st.Queued = w.rows
	st.OldestQueued = w.oldestLocked(time.Now())
	return st
}

// oldestLocked is the age of the oldest change not written yet. w.mu held.
func (w *callWriter) oldestLocked(now time.Time) time.Duration {
	var oldest time.Time
	for _, list := range [][]*callGroup{w.inFlight, w.order[:min(len(w.order), 1)]} {
		for _, g := range list {
			if oldest.IsZero() || g.since.Before(oldest) {
				oldest = g.since
			}
		}
	}
	if oldest.IsZero() {
		return 0
	}
	return now.Sub(oldest)
}

// noteQueuedLocked keeps the high-water mark of the queue. w.mu held.
func (w *callWriter) noteQueuedLocked() {
	w.stats.MaxQueued = max(w.stats.MaxQueued, w.rows)
}

// writerMetrics are the writer's own Prometheus instruments.
type writerMetrics struct {
	batchSeconds prometheus.Histogram
}

func newWriterMetrics() *writerMetrics {
	return &writerMetrics{batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ipcc_call_records_write_seconds",
		Help:    "Time to write one batch of call records (one transaction that succeeded).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})}
}

var (
	descQueued    = prometheus.NewDesc("ipcc_call_records_queued_rows", "Call-record rows waiting to be written.", nil, nil)
	descOldest    = prometheus.NewDesc("ipcc_call_records_oldest_queued_seconds", "Age of the oldest call-record change not written yet (grows while the database is down).", nil, nil)
	descFailing   = prometheus.NewDesc("ipcc_call_records_failing", "1 while writes of call records fail and are being retried.", nil, nil)
	descWritten   = prometheus.NewDesc("ipcc_call_records_written_rows_total", "Call-record rows written.", nil, nil)
	descRetries   = prometheus.NewDesc("ipcc_call_records_write_retries_total", "Call-record transactions that failed and were retried.", nil, nil)
	descRefused   = prometheus.NewDesc("ipcc_call_records_refused_rows_total", "Call-record rows the database refused even alone (logged with their content).", nil, nil)
	descUnwritten = prometheus.NewDesc("ipcc_call_records_unwritten_rows_total", "Call-record rows given up when the store closed (logged with their content).", nil, nil)
	descWaits     = prometheus.NewDesc("ipcc_call_records_backpressure_waits_total", "Saves of call records that waited for room in a full queue.", nil, nil)
)

// callWriterCollector exposes the writer to Prometheus.
type callWriterCollector struct{ s *Store }

// CallWriterMetrics is the call-record writer's Prometheus collector: queue
// depth, age of the oldest unwritten change, write latency, retries.
func (s *Store) CallWriterMetrics() prometheus.Collector { return callWriterCollector{s} }

func (c callWriterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueued, descOldest, descFailing, descWritten, descRetries, descRefused, descUnwritten, descWaits} {
		ch <- d
	}
	c.s.calls.metrics.batchSeconds.Describe(ch)
}

func (c callWriterCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.CallWriterStats()
	failing := 0.0
	if !st.FailingSince.IsZero() {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, st.OldestQueued.Seconds())
	ch <- prometheus.MustNewConstMetric(descFailing, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(st.Written))
	ch <- prometheus.MustNewConstMetric(descRetries, prometheus.CounterValue, float64(st.Retries))
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(st.Refused))
	ch <- prometheus.MustNewConstMetric(descUnwritten, prometheus.CounterValue, float64(st.Unwritten))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(st.BackpressureWaits))
	c.s.calls.metrics.batchSeconds.Collect(ch)
}
