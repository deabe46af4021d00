package schedule

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Result is what a schedule says about one instant.
type Result struct {
	// Branch is "open", "lunch", "holiday" or "closed" (after hours).
	Branch Branch `json:"branch"`
	// Reason explains the branch for traces and people, e.g.
	// "holiday (National Day)" or "closed: after hours (monday, open 09:00-12:00, 13:30-18:00)".
	Reason string `json:"reason"`
	// Day names the holiday or special working day that decided, if any.
	Day string `json:"day,omitempty"`
	// Local is the instant on the schedule's wall clock, RFC 3339.
	Local string `json:"local"`
}

// Evaluate tells the branch at t, read on the wall clock of the schedule's
// time zone. Precedence: a special working day, then a holiday, then the
// weekly hours; within a working day lunch wins over open, and anything
// else is closed. Spans are [start, end). An invalid schedule evaluates to
// closed with the validation error as the reason, so a call is never
// routed as open by mistake.
func (s *Schedule) Evaluate(t time.Time) Result {
	c, err := s.compile()
	if err != nil {
		return Result{Branch: Closed, Reason: "closed: schedule is invalid: " + err.Error(), Local: t.UTC().Format(time.RFC3339)}
	}
	return c.evaluate(t)
}

func (c *compiled) evaluate(t time.Time) Result {
	lt := t.In(c.loc)
	day := civilOf(lt)
	minute := lt.Hour()*60 + lt.Minute()
	res := Result{Local: lt.Format(time.RFC3339)}
	for _, sd := range c.special {
		if day >= sd.from && day <= sd.to {
			res.Day = sd.name
			b, detail := sd.hours.at(minute)
			res.Branch = b
			res.Reason = fmt.Sprintf("%s: special working day %s (%s), %s", b, sd.name, sd.source, detail)
			return res
		}
	}
	for _, h := range c.holidays {
		if day >= h.from && day <= h.to {
			res.Day = h.name
			res.Branch = Holiday
			res.Reason = "holiday (" + h.name + ")"
			return res
		}
	}
	wd := lt.Weekday()
	b, detail := c.week[wd].at(minute)
	res.Branch = b
	res.Reason = fmt.Sprintf("%s: %s, %s", b, Weekdays[wd], detail)
	return res
}

// at is the branch of a minute on a day with these hours.
func (h hours) at(minute int) (Branch, string) {
	if len(h.open) == 0 {
		return Closed, "no opening hours that day"
	}
	for _, s := range h.lunch {
		if minute >= s.start && minute < s.end {
			return Lunch, "lunch " + s.String()
		}
	}
	for _, s := range h.open {
		if minute >= s.start && minute < s.end {
			return Open, "within " + s.String()
		}
	}
	return Closed, "after hours (open " + joinSpans(h.open) + ")"
}

func joinSpans(ss []span) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// hoursOn are the hours that apply on a date: a special working day's, none
// on a holiday, else the weekday's.
func (c *compiled) hoursOn(day civil, wd time.Weekday) hours {
	for _, sd := range c.special {
		if day >= sd.from && day <= sd.to {
			return sd.hours
		}
	}
	for _, h := range c.holidays {
		if day >= h.from && day <= h.to {
			return hours{}
		}
	}
	return c.week[wd]
}

// MaxLookahead bounds how far NextOpen searches.
const MaxLookahead = 400 // days

// NextOpen returns t if the schedule is open at t, else the first later
// instant it opens (an open span starting, or lunch ending), searching up
// to MaxLookahead days. False when it never opens in that time or the
// schedule is invalid. IVR prompts use it for "we open again at ...".
func (s *Schedule) NextOpen(t time.Time) (time.Time, bool) {
	c, err := s.compile()
	if err != nil {
		return time.Time{}, false
	}
	if c.evaluate(t).Branch == Open {
		return t, true
	}
	y, m, d := t.In(c.loc).Date()
	for i := 0; i <= MaxLookahead; i++ {
		noon := time.Date(y, m, d+i, 12, 0, 0, 0, c.loc) // a time that exists on every day
		h := c.hoursOn(civilOf(noon), noon.Weekday())
		var starts []int
		for _, sp := range h.open {
			starts = append(starts, sp.start)
		}
		for _, sp := range h.lunch {
			starts = append(starts, sp.end)
		}
		sort.Ints(starts)
		dy, dm, dd := noon.Date()
		for _, minute := range starts {
			ct := time.Date(dy, dm, dd, minute/60, minute%60, 0, 0, c.loc)
			cands := []time.Time{ct}
			if ct.Hour()*60+ct.Minute() != minute%(24*60) {
				// The wall time falls in a daylight-saving gap: it opens
				// when the clocks jump, at a bound of ct's zone period.
				start, end := ct.ZoneBounds()
				cands = []time.Time{start, end}
			}
			for _, x := range cands {
				if !x.IsZero() && x.After(t) && c.evaluate(x).Branch == Open {
					return x, true
				}
			}
		}
	}
	return time.Time{}, false
}
