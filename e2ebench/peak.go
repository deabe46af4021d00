package e2ebench

import (
	"runtime"
	"sync"
	"time"
)

// Peak is the most the controller process carried at once during a run,
// sampled every PeakInterval from the first caller placed to the drain:
// calls in progress, goroutines and heap in use (the controller runs in
// this process; the simulator in its own).
type Peak struct {
	Calls      int    `json:"calls"`
	Goroutines int    `json:"goroutines"`
	HeapBytes  uint64 `json:"heap_inuse_bytes"`
	// BaseGoroutines and BaseHeapBytes are the first sample's, taken as the
	// first caller is placed (agents logged in, no call yet): the per-call
	// cost is (peak − base) / calls.
	BaseGoroutines int    `json:"base_goroutines"`
	BaseHeapBytes  uint64 `json:"base_heap_inuse_bytes"`
	// At is when the most calls were seen, from the first caller placed.
	At time.Duration `json:"at_ns"`
	// Samples taken.
	Samples int `json:"samples"`
}

// PeakInterval is how often the sampler looks.
const PeakInterval = time.Second

// peakSampler samples live calls, goroutines and heap until stopped.
type peakSampler struct {
	stopc chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	peak  Peak
	// atPeak, when set, runs (in the sampler's goroutine) each time the
	// call count reaches a new high; used to take a heap profile at the
	// peak.
	atPeak func(calls int)
}

// startPeakSampler samples live every interval until stop.
func startPeakSampler(live func() int, interval time.Duration, atPeak func(calls int)) *peakSampler {
	p := &peakSampler{stopc: make(chan struct{}), done: make(chan struct{}), atPeak: atPeak}
	start := time.Now()
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			p.sample(live(), time.Since(start))
			select {
			case <-p.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) sample(calls int, at time.Duration) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	g := runtime.NumGoroutine()
	p.mu.Lock()
	if p.peak.Samples == 0 {
		p.peak.BaseGoroutines, p.peak.BaseHeapBytes = g, ms.HeapInuse
	}
	p.peak.Samples++
	newHigh := calls > p.peak.Calls
	if newHigh {
		p.peak.Calls, p.peak.At = calls, at
	}
	p.peak.Goroutines = max(p.peak.Goroutines, g)
	p.peak.HeapBytes = max(p.peak.HeapBytes, ms.HeapInuse)
	p.mu.Unlock()
	if newHigh && p.atPeak != nil {
		p.atPeak(calls)
	}
}

// PerCall is the goroutines and heap bytes each call in progress added at
// the peak (0, 0 without calls).
func (p Peak) PerCall() (goroutines, heapBytes float64) {
	if p.Calls == 0 {
		return 0, 0
	}
	n := float64(p.Calls)
	return float64(p.Goroutines-p.BaseGoroutines) / n, (float64(p.HeapBytes) - float64(p.BaseHeapBytes)) / n
}

// stop ends the sampling and returns the peak.
func (p *peakSampler) stop() Peak {
	select {
	case <-p.stopc:
	default:
		close(p.stopc)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}
