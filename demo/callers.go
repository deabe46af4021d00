package demo

import (
	"context"
	"strings"
	"time"
)

// callerPlan is what one simulated caller will do when they hear a prompt
// that asks something of them: rate the service in the survey, or press
// the queue's call-back or voicemail key while waiting.
type callerPlan struct {
	kind      string // regular, vip, blacklisted
	rate      bool
	callback  bool
	voicemail bool
	rated     bool
	pressed   bool
}

// Prompts the callers react to (TTS texts of the sample flows and queues).
var (
	surveyPrompts = []string{"请对本次服务进行评价", "Please rate our service"}
	keyPrompts    = []string{"如需回电请按", "To be called back, press"}
)

// listen lets the demo's callers react to what they hear, twice a second:
// most rate the survey when the agent has hung up first (mostly 1 or 2),
// some press 1 for a call-back or 2 to leave a message when the queue
// offers it.
func (d *Demo) listen(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		legs := make([]string, 0, len(d.callers))
		for leg := range d.callers {
			legs = append(legs, leg)
		}
		d.mu.Unlock()
		for _, leg := range legs {
			d.react(leg)
		}
	}
}

func (d *Demo) react(leg string) {
	info, err := d.sim.Call(leg)
	if err != nil || !info.Ended.IsZero() {
		d.mu.Lock()
		delete(d.callers, leg)
		d.mu.Unlock()
		return
	}
	texts := make([]string, 0, len(info.Heard))
	for _, h := range info.Heard {
		texts = append(texts, h.Text)
	}
	d.mu.Lock()
	p := d.callers[leg]
	if p == nil {
		d.mu.Unlock()
		return
	}
	press, what := p.next(texts, d.rng.IntN(6))
	d.mu.Unlock()
	if press == "" {
		return
	}
	if err := d.sim.Press(leg, press); err != nil {
		return
	}
	d.log.Info("demo caller "+what, "call_leg", leg, "ani", info.ANI, "key", press)
}

// next is the key the caller presses after hearing texts ("" for none),
// once per question; roll (0-5) picks the rating: mostly very satisfied.
func (p *callerPlan) next(texts []string, roll int) (key, what string) {
	heard := func(prompts []string) bool {
		for _, t := range texts {
			for _, pr := range prompts {
				if strings.Contains(t, pr) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case p.rate && !p.rated && heard(surveyPrompts):
		p.rated = true
		return []string{"1", "1", "1", "2", "2", "3"}[roll%6], "rates the service"
	case p.callback && !p.pressed && heard(keyPrompts):
		p.pressed = true
		return "1", "asks to be called back"
	case p.voicemail && !p.pressed && heard(keyPrompts):
		p.pressed = true
		return "2", "leaves a message"
	}
	return "", ""
}
