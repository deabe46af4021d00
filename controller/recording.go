package controller

import (
	"context"
	"time"
)

// RecordingResult is what the switch reported about one recording of a
// call: whether it started, whether it finished, and the failure text of
// a recording it refused or lost.
type RecordingResult struct {
	Started  bool
	Finished bool
	Err      string
	Path     string
	Duration time.Duration
}

// recWatch follows one recording id; done closes when it finished.
type recWatch struct {
	res  RecordingResult
	done chan struct{}
}

// watchLocked returns the watch of recording id, creating it. c.mu held.
func (c *Call) watchLocked(id string) *recWatch {
	if c.recs == nil {
		c.recs = map[string]*recWatch{}
	}
	w := c.recs[id]
	if w == nil {
		w = &recWatch{done: make(chan struct{})}
		c.recs[id] = w
	}
	return w
}

// noteRecordingLocked applies a recording event to its watch. c.mu held.
func (c *Call) noteRecordingLocked(ev Event) {
	if ev.RecordingID == "" {
		return
	}
	w := c.watchLocked(ev.RecordingID)
	if w.res.Finished {
		return
	}
	if ev.Path != "" {
		w.res.Path = ev.Path
	}
	switch ev.Type {
	case EventRecordingStarted:
		w.res.Started = true
	case EventRecordingFinished:
		w.res.Finished = true
		w.res.Err = ev.Err
		w.res.Duration = ev.Duration
		close(w.done)
	}
}

// WaitRecording waits until the switch reports recording id finished (or
// failed) and returns what it said; ok is false when ctx ended first (the
// event may never come: a leg that hung up can take it with it). It is safe
// from any goroutine and consumes nothing from the call's inbox.
func (c *Call) WaitRecording(ctx context.Context, id string) (res RecordingResult, ok bool) {
	c.mu.Lock()
	w := c.watchLocked(id)
	c.mu.Unlock()
	select {
	case <-w.done:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return w.res, w.res.Finished
}
