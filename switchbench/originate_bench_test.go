package switchbench

import (
	"sync"
	"testing"
	"time"
)

// BenchmarkOriginate: b.N originates, 32 in flight, through the FreeSWITCH
// driver's one command connection to the simulator over TCP, every leg
// busy after 20 ms as in `ipcc bench dialer --only originate`. The
// measurement ends when every leg has hung up, so allocs/op and cpu-µs/op
// are the whole cost of one originate in this process: the driver's
// command and its events, and the simulator's originate, events and
// hang-up.
func BenchmarkOriginate(b *testing.B) {
	rig, err := startOriginateRig(benchCtx(b))
	if err != nil {
		b.Fatal(err)
	}
	defer rig.close()
	for range 200 { // warm up: connections, buffers, the heap
		if _, err := rig.originate(); err != nil {
			b.Fatal(err)
		}
	}
	rig.waitIdle(b)
	const inFlight = 32
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs int
		next = make(chan struct{}, inFlight)
	)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := rig.originate(); err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
				}
			}
		}()
	}
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	rig.waitIdle(b)
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	if errs > 0 {
		b.Fatalf("%d of %d originates failed", errs, b.N)
	}
}

// waitIdle waits until the simulator has no live leg (the busy legs hung
// up and their events were sent).
func (r *originateRig) waitIdle(b *testing.B) {
	deadline := time.Now().Add(30 * time.Second)
	for r.sim.LiveCount() > 0 {
		if time.Now().After(deadline) {
			b.Fatalf("%d legs still up after 30 s", r.sim.LiveCount())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
