package clock

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	tests := []struct {
		name    string
		arm     []time.Duration // one AfterFunc per entry, named by index
		advance []time.Duration // successive Advance calls
		want    []string        // fire log, "index@offset"
	}{
		{"nothing due yet", []time.Duration{time.Second}, []time.Duration{999 * time.Millisecond}, nil},
		{"exactly due fires", []time.Duration{time.Second}, []time.Duration{time.Second}, []string{"0@1s"}},
		{"out of order arming fires by deadline", []time.Duration{3 * time.Second, time.Second, 2 * time.Second},
			[]time.Duration{10 * time.Second}, []string{"1@1s", "2@2s", "0@3s"}},
		{"ties fire in arming order", []time.Duration{time.Second, time.Second, time.Second},
			[]time.Duration{time.Second}, []string{"0@1s", "1@1s", "2@1s"}},
		{"split advances", []time.Duration{time.Second, 5 * time.Second},
			[]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}, []string{"0@1s", "1@5s"}},
		{"negative advance is zero", []time.Duration{time.Second}, []time.Duration{-time.Hour}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFake(t0)
			var got []string
			for i, d := range tc.arm {
				f.AfterFunc(d, func() { got = append(got, fmt.Sprintf("%d@%s", i, f.Since(t0))) })
			}
			var total time.Duration
			for _, d := range tc.advance {
				f.Advance(d)
				if d > 0 {
					total += d
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
			if f.Since(t0) != total {
				t.Errorf("now is t0+%s, want t0+%s", f.Since(t0), total)
			}
		})
	}
}

func TestFakeCallbackCanRearmWithinOneAdvance(t *testing.T) {
	f := NewFake(t0)
	var fires []time.Duration
	var tick func()
	tick = func() {
		fires = append(fires, f.Since(t0))
		if len(fires) < 3 {
			f.AfterFunc(time.Second, tick)
		}
	}
	f.AfterFunc(time.Second, tick)
	f.Advance(10 * time.Second)
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	if !reflect.DeepEqual(fires, want) {
		t.Fatalf("fires %v, want %v", fires, want)
	}
	if f.Waiters() != 0 {
		t.Fatalf("waiters %d after all fired", f.Waiters())
	}
}

func TestFakeTimerStopReset(t *testing.T) {
	tests := []struct {
		name      string
		do        func(f *Fake, tm Timer) []bool // returns Stop/Reset results
		wantRes   []bool
		wantFired bool
		wantAt    time.Duration // offset of the value received, if fired
	}{
		{"stop before due prevents firing", func(f *Fake, tm Timer) []bool {
			r := tm.Stop()
			f.Advance(time.Hour)
			return []bool{r}
		}, []bool{true}, false, 0},
		{"stop after firing reports false and drops the value", func(f *Fake, tm Timer) []bool {
			f.Advance(time.Second)
			return []bool{tm.Stop()}
		}, []bool{false}, false, 0},
		{"double stop", func(f *Fake, tm Timer) []bool {
			return []bool{tm.Stop(), tm.Stop()}
		}, []bool{true, false}, false, 0},
		{"reset pushes deadline", func(f *Fake, tm Timer) []bool {
			f.Advance(500 * time.Millisecond)
			r := tm.Reset(2 * time.Second)
			f.Advance(time.Second) // t0+1.5s: old deadline passed, new not
			f.Advance(time.Second) // t0+2.5s: fires at t0+2.5s
			return []bool{r}
		}, []bool{true}, true, 2500 * time.Millisecond},
		{"reset after firing re-arms and drops stale value", func(f *Fake, tm Timer) []bool {
			f.Advance(time.Second)
			r := tm.Reset(time.Second)
			f.Advance(time.Second)
			return []bool{r}
		}, []bool{false}, true, 2 * time.Second},
		{"reset to zero fires at once", func(f *Fake, tm Timer) []bool {
			return []bool{tm.Reset(0)}
		}, []bool{true}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFake(t0)
			tm := f.NewTimer(time.Second)
			res := tc.do(f, tm)
			if !reflect.DeepEqual(res, tc.wantRes) {
				t.Errorf("results %v, want %v", res, tc.wantRes)
			}
			select {
			case at := <-tm.C():
				if !tc.wantFired {
					t.Fatalf("fired at %s, want no value", at.Sub(t0))
				}
				if at.Sub(t0) != tc.wantAt {
					t.Errorf("value t0+%s, want t0+%s", at.Sub(t0), tc.wantAt)
				}
			default:
				if tc.wantFired {
					t.Fatal("no value, want one")
				}
			}
		})
	}
}

func TestFakeSet(t *testing.T) {
	f := NewFake(t0)
	var n atomic.Int32
	f.AfterFunc(time.Minute, func() { n.Add(1) })
	f.Set(t0.Add(-time.Hour))
	if n.Load() != 0 || !f.Now().Equal(t0.Add(-time.Hour)) {
		t.Fatalf("set backwards: fired %d, now %v", n.Load(), f.Now())
	}
	f.Set(t0.Add(59 * time.Second))
	if n.Load() != 0 {
		t.Fatal("fired before its deadline")
	}
	f.Set(t0.Add(time.Hour))
	if n.Load() != 1 || !f.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("set forward: fired %d, now %v", n.Load(), f.Now())
	}
}

func TestFakeZeroDurationAfterFuncRunsAsync(t *testing.T) {
	f := NewFake(t0)
	done := make(chan struct{})
	f.AfterFunc(0, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc(0) did not run")
	}
	if f.Waiters() != 0 {
		t.Fatalf("waiters %d", f.Waiters())
	}
}

func TestFakeBlockUntilAndDeadlines(t *testing.T) {
	f := NewFake(t0)
	got := make(chan error, 1)
	go func() {
		got <- Sleep(context.Background(), f, 3*time.Second)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("sleeper never armed a timer: %v", err)
	}
	if d := f.Deadlines(); !reflect.DeepEqual(d, []time.Duration{3 * time.Second}) {
		t.Fatalf("deadlines %v", d)
	}
	f.Advance(3 * time.Second)
	if err := <-got; err != nil {
		t.Fatalf("sleep: %v", err)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if err := f.BlockUntilContext(short, 5); err == nil {
		t.Fatal("BlockUntilContext(5) returned nil with no timers")
	}
}

func TestSleepCancelled(t *testing.T) {
	f := NewFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, f, time.Hour); err != context.Canceled {
		t.Fatalf("err %v", err)
	}
	if f.Waiters() != 0 {
		t.Fatalf("sleep leaked a timer: %d", f.Waiters())
	}
}

// TestFakeConcurrent is for the race detector: arming, stopping, resetting
// and advancing from many goroutines at once.
func TestFakeConcurrent(t *testing.T) {
	f := NewFake(t0)
	var fired atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				tm := f.AfterFunc(time.Duration(i%7+1)*time.Millisecond, func() { fired.Add(1) })
				switch i % 3 {
				case 0:
					tm.Stop()
				case 1:
					tm.Reset(time.Millisecond)
				}
				ct := f.NewTimer(time.Millisecond)
				f.Advance(time.Millisecond)
				<-ct.C()
				_ = f.Waiters()
				_ = f.Deadlines()
			}
		}()
	}
	wg.Wait()
	f.Advance(time.Hour)
	if f.Waiters() != 0 {
		t.Fatalf("waiters left: %d", f.Waiters())
	}
	if fired.Load() == 0 {
		t.Fatal("nothing fired")
	}
}

func TestReal(t *testing.T) {
	c := Real()
	start := c.Now()
	done := make(chan struct{})
	af := c.AfterFunc(time.Millisecond, func() { close(done) })
	if af.C() != nil {
		t.Error("AfterFunc timer has a channel")
	}
	tm := c.NewTimer(time.Millisecond)
	select {
	case <-tm.C():
	case <-time.After(5 * time.Second):
		t.Fatal("real timer did not fire")
	}
	<-done
	if c.Since(start) <= 0 {
		t.Error("real clock did not move")
	}
	if tm.Stop() {
		t.Error("Stop after fire reported true")
	}
	if err := Sleep(context.Background(), c, time.Millisecond); err != nil {
		t.Error(err)
	}
}
