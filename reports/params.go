package reports

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParamError is a bad query parameter; Param names it.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return "reports: parameter " + e.Param + ": " + e.Msg }

func badParam(p, format string, args ...any) *ParamError {
	return &ParamError{Param: p, Msg: fmt.Sprintf(format, args...)}
}

var (
	idRe     = regexp.MustCompile(`^[A-Za-z0-9_.@:-]{1,128}$`)
	numberRe = regexp.MustCompile(`^[A-Za-z0-9+*#_.@-]{1,64}$`)
)

// ParseQuery reads a report's query parameters:
//
//	from, to       a date (2026-11-01, midnight in the tenant's zone), a local
//	               time (2026-11-01T08:30) or an RFC 3339 instant; to is
//	               exclusive. Default: today in the tenant's zone.
//	queue, agent   one id or a comma-separated list
//	number         part of the caller's or called number
//	limit, cursor  page size (1-1000, default 100) and the next_cursor of the
//	               previous page
//	sl_ms          service-level threshold in milliseconds (default 20000)
//	by             "day" splits agent service time per day
//	include        "calls" (operation log), "ivr" (abandoned list)
func ParseQuery(v url.Values, tenant string, loc *time.Location, now time.Time) (Query, error) {
	q := Query{Tenant: tenant, Loc: loc, Limit: DefaultLimit, ServiceLevel: 20 * time.Second}
	y, m, d := now.In(loc).Date()
	q.From = time.Date(y, m, d, 0, 0, 0, 0, loc)
	q.To = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	var err error
	if s := v.Get("from"); s != "" {
		if q.From, err = parseTime(s, loc); err != nil {
			return q, badParam("from", "%v", err)
		}
		if v.Get("to") == "" {
			y, m, d := q.From.In(loc).Date()
			q.To = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		}
	}
	if s := v.Get("to"); s != "" {
		if q.To, err = parseTime(s, loc); err != nil {
			return q, badParam("to", "%v", err)
		}
	}
	if !q.To.After(q.From) {
		return q, badParam("to", "to (%s) must be after from (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	}
	if q.To.Sub(q.From) > MaxRange {
		return q, badParam("to", "the range from %s to %s is longer than 366 days; split it", q.From.Format("2006-01-02"), q.To.Format("2006-01-02"))
	}
	if q.Queues, err = idList(v, "queue"); err != nil {
		return q, err
	}
	if q.Agents, err = idList(v, "agent"); err != nil {
		return q, err
	}
	if s := v.Get("number"); s != "" {
		if !numberRe.MatchString(s) {
			return q, badParam("number", "number %q may hold only digits, letters and + * # _ . @ - (up to 64)", s)
		}
		q.Number = s
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, badParam("limit", "limit must be a whole number from 1 to %d, got %q", MaxLimit, s)
		}
		q.Limit = n
	}
	if s := v.Get("cursor"); s != "" {
		if _, _, err := decodeCursor(s); err != nil {
			return q, badParam("cursor", "cursor %q is not a next_cursor this API returned", s)
		}
		q.Cursor = s
	}
	if v.Has("sl") {
		return q, badParam("sl", "sl is now sl_ms: the service-level threshold in milliseconds (sl_ms=20000 for 20 s)")
	}
	if s := v.Get("sl_ms"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1000 || n > 3600000 {
			return q, badParam("sl_ms", "sl_ms is the service-level threshold in milliseconds, 1000-3600000, got %q", s)
		}
		q.ServiceLevel = time.Duration(n) * time.Millisecond
	}
	switch by := v.Get("by"); by {
	case "", "agent":
	case "day":
		q.ByDay = true
	default:
		return q, badParam("by", "by must be agent or day, got %q", by)
	}
	if s := v.Get("include"); s != "" {
		for _, x := range strings.Split(s, ",") {
			switch strings.TrimSpace(x) {
			case "calls":
				q.IncludeCalls = true
			case "ivr":
				q.IncludeIVR = true
			default:
				return q, badParam("include", "include takes calls and/or ivr, got %q", x)
			}
		}
	}
	return q, nil
}

// parseTime reads a date, a local date-time or an RFC 3339 instant.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01), a local time (2026-11-01T08:30) or an RFC 3339 time (2026-11-01T08:30:00+08:00)", s)
}

func idList(v url.Values, name string) ([]string, error) {
	var out []string
	for _, s := range v[name] {
		for _, id := range strings.Split(s, ",") {
			id = strings.TrimSpace(id)
			if !idRe.MatchString(id) {
				return nil, badParam(name, "%s %q is not an id (letters, digits, _ . @ : -; several separated by commas)", name, id)
			}
			out = append(out, id)
		}
	}
	if len(out) > 100 {
		return nil, badParam(name, "at most 100 %s ids", name)
	}
	return out, nil
}

// A cursor is the sort key of the last row of a page: its time and id.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixNano(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	ns, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, "", fmt.Errorf("no separator")
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.Unix(0, n).UTC(), id, nil
}
