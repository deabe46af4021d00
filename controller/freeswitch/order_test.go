package freeswitch

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func seqEv(seq uint64) *fsEvent {
	return newFSEvent([]hdrKV{{"Event-Sequence", fmt.Sprint(seq)}}, nil, time.Time{})
}

func TestReorderer(t *testing.T) {
	clk := &fakeNow{t: time.Unix(100, 0)}
	var got []string
	r := newReorderer(20*time.Millisecond, func(e *fsEvent) { got = append(got, e.raw("Event-Sequence")) })
	r.now = clk.now
	step := func(name string, want string) {
		t.Helper()
		r.release()
		if g := strings.Join(got, " "); g != want {
			t.Fatalf("%s: released %q, want %q", name, g, want)
		}
	}
	r.push(seqEv(10))
	step("the first event waits: nothing is known yet", "")
	clk.t = clk.t.Add(20 * time.Millisecond)
	step("released after the window", "10")
	r.push(seqEv(12))
	r.push(seqEv(11))
	step("an inversion is repaired at once", "10 11 12")
	r.push(seqEv(15))
	step("a gap holds the event", "10 11 12")
	clk.t = clk.t.Add(10 * time.Millisecond)
	r.push(seqEv(14))
	step("still inside the window of 15", "10 11 12")
	clk.t = clk.t.Add(10 * time.Millisecond)
	step("the window of the oldest held event ends: both go, in order", "10 11 12 14 15")
	r.push(seqEv(13))
	step("a late event is released at once, not dropped", "10 11 12 14 15 13")
	if late, held := r.counters(); late != 1 || held != 2 {
		t.Errorf("late %d held %d", late, held)
	}
	r.reset()
	r.push(seqEv(3))
	step("after reset (switch restarted) a low sequence waits like a first one", "10 11 12 14 15 13")
	clk.t = clk.t.Add(20 * time.Millisecond)
	r.push(seqEv(4))
	step("then flows", "10 11 12 14 15 13 3 4")
	if next := r.release(); next != 0 {
		t.Errorf("nothing held, next = %s", next)
	}
	r.push(seqEv(9))
	r.push(seqEv(7))
	r.flush()
	if g := strings.Join(got[len(got)-2:], " "); g != "7 9" {
		t.Errorf("flush released %q, want in order", g)
	}
}
