package switchbench

import (
	"time"
)

// schedProbe measures how late this process gets the CPU back: a goroutine
// sleeps 1 ms in a loop and notes every oversleep. On a loaded machine this
// is what a socket reader suffers too, whatever the design.
type schedProbe struct {
	stop chan struct{}
	done chan struct{}
	max  time.Duration
	at   time.Time
	late []SlowWrite // oversleeps of 2 ms or more (at most 1,000)
	all  latencies   // every oversleep
}

func startProbe() *schedProbe {
	p := &schedProbe{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			t0 := time.Now()
			select {
			case <-p.stop:
				return
			case <-time.After(time.Millisecond):
			}
			late := max(time.Since(t0)-time.Millisecond, 0)
			p.all.add(late)
			if late > p.max {
				p.max, p.at = late, time.Now()
			}
			if late >= 2*time.Millisecond && len(p.late) < 1000 {
				p.late = append(p.late, SlowWrite{AtMicro: time.Now().UnixMicro(), Micros: late.Microseconds()})
			}
		}
	}()
	return p
}

// finish stops the probe; its fields may be read afterwards.
func (p *schedProbe) finish() *schedProbe {
	close(p.stop)
	<-p.done
	return p
}

// maxIn is the longest delay among ds that overlaps [from, to].
func maxIn(ds []SlowWrite, from, to time.Time) time.Duration {
	var m time.Duration
	for _, d := range ds {
		end := time.UnixMicro(d.AtMicro)
		begin := end.Add(-time.Duration(d.Micros) * time.Microsecond)
		if end.After(from) && begin.Before(to) {
			m = max(m, time.Duration(d.Micros)*time.Microsecond)
		}
	}
	return m
}
