package campaign

import (
	"time"

	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// WindowCheck is what the calling window says about calling a number now.
type WindowCheck struct {
	Open bool
	// Next is when the window opens again for this callee (zero when it
	// never does within schedule.MaxLookahead days).
	Next time.Time
	// Reason explains a closed window ("holiday (National Day)", ...).
	Reason string
	// Zone is the callee's time zone used.
	Zone *time.Location
}

// CheckWindow reads the calling window win on the callee's wall clock: the
// zone their number tells (CalleeZone), else fallback (the campaign's
// zone, else the tenant's). Weekly hours, holidays and special working
// days all come from win.
func CheckWindow(win *schedule.Schedule, fallback *time.Location, phone string, t time.Time) WindowCheck {
	zone := CalleeZone(phone)
	if zone == nil {
		zone = fallback
	}
	if zone == nil {
		zone = time.UTC
	}
	w := *win
	w.Timezone = zone.String()
	res := w.Evaluate(t)
	if res.Branch == schedule.Open {
		return WindowCheck{Open: true, Zone: zone}
	}
	next, _ := w.NextOpen(t)
	return WindowCheck{Next: next, Reason: res.Reason, Zone: zone}
}

// LocalDay is the callee's calendar day of t, for the per-day limit.
func LocalDay(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	return t.In(zone).Format(time.DateOnly)
}

// nextDay is the start of the callee's next day after t.
func nextDay(t time.Time, zone *time.Location) time.Time {
	lt := t.In(zone)
	y, m, d := lt.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, zone)
}

// DayLimitReached tells whether the lead had its attempts for the callee's
// day of t already, and if so when the next day starts.
func DayLimitReached(s *Settings, l *store.Lead, t time.Time, zone *time.Location) (bool, time.Time) {
	_, perDay := s.Limits()
	if l.AttemptDay == LocalDay(t, zone) && l.DayAttempts >= perDay {
		return true, nextDay(t, zone)
	}
	return false, time.Time{}
}

// Apply moves a lead after an attempt ended with outcome o at t: attempts
// are counted (an agent who missed the call does not use one up); an
// answered lead is done; otherwise the outcome's retry rule, the attempts
// left and the per-day limit decide whether and when it is called again
// (pending with next_at) or exhausted. The lead is released (claimed_by
// cleared).
func Apply(s *Settings, l store.Lead, o Outcome, t time.Time, zone *time.Location) store.Lead {
	l.ClaimedBy = ""
	l.LastOutcome = string(o)
	if o != AgentMissed {
		day := LocalDay(t, zone)
		if l.AttemptDay != day {
			l.AttemptDay, l.DayAttempts = day, 0
		}
		l.Attempts++
		l.DayAttempts++
	}
	if o == Answered {
		l.Status, l.NextAt = store.LeadDone, nil
		return l
	}
	total, _ := s.Limits()
	rule := s.RetryFor(o)
	if !rule.Retry || l.Attempts >= total {
		l.Status, l.NextAt = store.LeadExhausted, nil
		return l
	}
	next := t.Add(time.Duration(rule.DelayMS) * time.Millisecond)
	if over, tomorrow := DayLimitReached(s, &l, t, zone); over && next.Before(tomorrow) {
		next = tomorrow
	}
	l.Status, l.NextAt = store.LeadPending, &next
	return l
}

// ApplyDisposition moves an answered lead by the agent's disposition: a
// final code closes it (done), another calls it again after its RetryMS
// while attempts are left.
func ApplyDisposition(s *Settings, l store.Lead, d Disposition, t time.Time) store.Lead {
	l.Disposition = d.Code
	total, _ := s.Limits()
	if d.Final || l.Attempts >= total {
		l.Status, l.NextAt = store.LeadDone, nil
		return l
	}
	next := t.Add(time.Duration(d.RetryMS) * time.Millisecond)
	l.Status, l.NextAt = store.LeadPending, &next
	return l
}
