package asterisk

import "github.com/ipcc/ipcc/controller"

// The operations register what they are about to create or change here,
// under the driver lock and before the request is sent, so that events
// which overtake the REST reply are understood. The transcript replay in
// the tests calls the same methods for the requests it sees.

// reserveOriginate registers an outbound leg; it fails if the id is known.
func (s *state) reserveOriginate(id, ani, dnis string) (*leg, bool) {
	if s.legs[id] != nil {
		return nil, false
	}
	l := &leg{id: id, kind: kindOriginated, ani: ani, dnis: dnis}
	s.legs[id] = l
	return l, true
}

// reserveSnoop registers a snoop channel spying on target for spy.
func (s *state) reserveSnoop(id, target, spy string) *leg {
	l := &leg{id: id, kind: kindSnoop, target: target, spy: spy}
	s.legs[id] = l
	return l
}

// reservePlayback registers playback id on leg; false if it is running.
func (s *state) reservePlayback(id, leg string) bool {
	if old := s.playbacks[id]; old != nil && !old.finished {
		return false
	}
	s.playbacks[id] = &playback{id: id, leg: leg, at: s.now()}
	return true
}

// reserveRecording registers recording name (neutral id) on leg; nil if
// a recording of that name runs.
func (s *state) reserveRecording(id, name, leg, path string) *recording {
	if old := s.recs[name]; old != nil && !old.finished {
		return nil
	}
	r := &recording{id: id, name: name, leg: leg, path: path, at: s.now(), ready: make(chan struct{})}
	s.recs[name] = r
	return r
}

// markHangup notes that we are hanging leg up with cause; it returns a
// function restoring the previous state if the request fails.
func (s *state) markHangup(id string, cause controller.Cause) (undo func()) {
	l := s.live(id)
	if l == nil {
		return func() {}
	}
	prevDeleting, prevCause := l.deleting, l.ourCause
	l.deleting, l.ourCause = true, cause
	return func() { l.deleting, l.ourCause = prevDeleting, prevCause }
}

// markTransfer notes that leg is being handed back to the dialplan.
func (s *state) markTransfer(id string) (undo func()) {
	l := s.live(id)
	if l == nil {
		return func() {}
	}
	l.transferred = true
	return func() {
		if !l.ended {
			l.transferred = false
		}
	}
}

// confirm notes that the switch acknowledged creating channel id.
func (s *state) confirm(id string) {
	if l := s.legs[id]; l != nil && l.confirmed.IsZero() {
		l.confirmed = s.now()
	}
}

// dropReservation forgets a reserved leg whose creation failed.
func (s *state) dropReservation(l *leg) {
	if cur := s.legs[l.id]; cur == l && !l.ended && !l.inStasis {
		delete(s.legs, l.id)
	}
	delete(s.waiters, l.id)
}
