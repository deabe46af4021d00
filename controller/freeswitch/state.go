package freeswitch

import (
	"fmt"
	"sort"

	"github.com/ipcc/ipcc/controller"
)

// Commands register here what they are about to cause, before sending.

func (t *translator) markKilled(leg string, cause controller.Cause) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[leg]; l != nil {
		l.killed = cause
	}
}

func (t *translator) registerPlay(leg, id string, apps []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.plays[id]; ok {
		return fmt.Errorf("playback %s: %w", id, errPlaybackExists)
	}
	t.plays[id] = &playState{leg: leg, items: len(apps)}
	for i, a := range apps {
		t.apps[a] = appRef{leg: leg, playback: id, index: i}
	}
	return nil
}

// truncatePlay records that only the first n items were queued.
func (t *translator) truncatePlay(id string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.plays[id]
	if p == nil {
		return
	}
	for k, ref := range t.apps {
		if ref.playback == id && ref.index >= n {
			delete(t.apps, k)
		}
	}
	if n == 0 {
		delete(t.plays, id)
		return
	}
	p.items = n
}

// stopPlay marks the playback as being stopped; false when it is not running.
func (t *translator) stopPlay(leg, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.plays[id]
	if p == nil || p.leg != leg {
		return false
	}
	p.stopping = true
	return true
}

func (t *translator) registerRec(leg, path, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recs[leg+"\x00"+path] = recState{id: id}
}

func (t *translator) forgetRec(leg, path string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.recs, leg+"\x00"+path)
}

func (t *translator) recPath(leg, id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, r := range t.recs {
		if r.id == id && len(k) > len(leg) && k[:len(leg)+1] == leg+"\x00" {
			return k[len(leg)+1:]
		}
	}
	return ""
}

func (t *translator) registerOriginate(leg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.ended, leg)
	t.legs[leg] = &legState{arrived: true, originated: true, since: t.now()}
}

// followed lists the legs a resync must find on the switch: every leg
// followed (those handed back to the dialplan too, to forget them once
// gone), except an originate the switch may not have created yet (no event
// of it seen, sent less than originateGrace ago).
func (t *translator) followed() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	cut := t.now().Add(-t.originateGrace)
	out := make([]string, 0, len(t.legs))
	for leg, l := range t.legs {
		if l.originated && !l.seen && l.since.After(cut) {
			continue
		}
		out = append(out, leg)
	}
	sort.Strings(out)
	return out
}

func (t *translator) forgetLeg(leg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.legs, leg)
}

func (t *translator) registerJob(job, leg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[leg]; l != nil {
		t.jobs[job] = leg
		t.legJobs[leg] = append(t.legJobs[leg], job)
	}
}

// release stops following the leg (transferred to the dialplan); undo
// follows it again.
func (t *translator) release(leg string) (undo func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[leg]
	if l == nil {
		return func() {}
	}
	l.released = true
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		l.released = false
	}
}

func (t *translator) member(leg, room string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[leg]; l != nil && l.room == room {
		return l.member
	}
	return ""
}

func (t *translator) spy(leg string) (string, controller.EavesdropMode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[leg]; l != nil {
		return l.spyTarget, l.spyMode
	}
	return "", 0
}

func (t *translator) expectDTMF(leg, digit string, mode controller.EavesdropMode) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.legs[leg]; l != nil {
		l.swallow = append(l.swallow, digit)
		l.spyMode = mode
	}
}

// registerSpy records the spy leg's eavesdrop (target "" clears it).
func (t *translator) registerSpy(leg, target string, mode controller.EavesdropMode, app string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[leg]
	if l == nil {
		return
	}
	l.spyTarget, l.spyMode, l.swallow = target, mode, nil
	if app != "" {
		t.apps[app] = appRef{leg: leg, eavesdrop: true}
	}
}
