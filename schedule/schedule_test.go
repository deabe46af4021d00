package schedule

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func china() *Schedule {
	work := []string{"09:00-12:00", "13:30-18:00"}
	return &Schedule{
		Name:     "business-hours",
		Timezone: "Asia/Shanghai",
		Weekly:   map[string][]string{"monday": work, "tuesday": work, "wednesday": work, "thursday": work, "friday": work},
		Lunch:    []string{"12:00-13:30"},
		Holidays: []DateRange{
			{Name: "National Day", From: "2026-10-01", To: "2026-10-07"},
			{Name: "May Day", From: "2026-04-30", To: "2026-05-02"},
			{Name: "New Year", From: "2026-12-31", To: "2027-01-02"},
			{Name: "Company day", From: "2026-11-23"},
		},
		SpecialWorkingDays: []SpecialDay{
			{DateRange: DateRange{Name: "National Day make-up", From: "2026-10-10"}, HoursOf: "monday"},
			{DateRange: DateRange{Name: "Stock-taking", From: "2026-10-05"}, Open: []string{"10:00-16:00"}, NoLunch: true},
		},
	}
}

func at(t *testing.T, tz, local string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEvaluateChina(t *testing.T) {
	s := china()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, local string
		want        Branch
		reason      string
	}{
		{"weekday morning is open", "2026-10-12 09:00", Open, "open: monday, within 09:00-12:00"},
		{"span end is exclusive: 12:00 is lunch", "2026-10-12 12:00", Lunch, "lunch: monday, lunch 12:00-13:30"},
		{"lunch gap", "2026-10-12 13:29", Lunch, "lunch 12:00-13:30"},
		{"afternoon opens at 13:30", "2026-10-12 13:30", Open, "within 13:30-18:00"},
		{"after hours", "2026-10-12 18:00", Closed, "closed: monday, after hours (open 09:00-12:00, 13:30-18:00)"},
		{"before opening", "2026-10-12 08:59", Closed, "after hours"},
		{"midnight is closed", "2026-10-12 00:00", Closed, "after hours"},
		{"last minute of the day", "2026-10-12 23:59", Closed, "after hours"},
		{"sunday has no hours", "2026-10-11 10:00", Closed, "closed: sunday, no opening hours that day"},
		{"holiday on a weekday", "2026-10-01 10:00", Holiday, "holiday (National Day)"},
		{"holiday at midnight, first minute", "2026-10-01 00:00", Holiday, "National Day"},
		{"day before holiday at 23:59 is closed", "2026-09-30 23:59", Closed, "after hours"},
		{"holiday last day", "2026-10-07 23:59", Holiday, "National Day"},
		{"day after holiday is normal", "2026-10-08 10:00", Open, "thursday"},
		{"special working day beats holiday", "2026-10-05 10:00", Open, "open: special working day Stock-taking (own hours), within 10:00-16:00"},
		{"special day own hours, no lunch", "2026-10-05 12:30", Open, "Stock-taking"},
		{"special day after its hours", "2026-10-05 16:00", Closed, "after hours (open 10:00-16:00)"},
		{"make-up saturday uses monday hours", "2026-10-10 09:30", Open, "special working day National Day make-up (hours of monday)"},
		{"make-up saturday has monday lunch", "2026-10-10 12:15", Lunch, "lunch 12:00-13:30"},
		{"ordinary saturday closed", "2026-10-17 10:00", Closed, "saturday"},
		{"range crossing months: april", "2026-04-30 10:00", Holiday, "May Day"},
		{"range crossing months: may", "2026-05-01 10:00", Holiday, "May Day"},
		{"range crossing years: december", "2026-12-31 10:00", Holiday, "New Year"},
		{"range crossing years: january", "2027-01-01 10:00", Holiday, "New Year"},
		{"after the range crossing years", "2027-01-04 10:00", Open, "monday"},
		{"single-date holiday", "2026-11-23 10:00", Holiday, "Company day"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.Evaluate(at(t, "Asia/Shanghai", c.local))
			if r.Branch != c.want || !strings.Contains(r.Reason, c.reason) {
				t.Fatalf("%s: got %s %q, want %s containing %q", c.local, r.Branch, r.Reason, c.want, c.reason)
			}
		})
	}
}

func TestEvaluateInTheScheduleTimeZone(t *testing.T) {
	shanghai := china()
	london := china()
	london.Timezone = "Europe/London"
	// 2026-10-12 02:00 UTC: 10:00 in Shanghai (open), 03:00 in London (closed).
	now := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	if r := shanghai.Evaluate(now); r.Branch != Open {
		t.Fatalf("shanghai: %+v", r)
	}
	if r := london.Evaluate(now); r.Branch != Closed || !strings.HasPrefix(r.Local, "2026-10-12T03:00:00+01:00") {
		t.Fatalf("london: %+v", r)
	}
	// The holiday is a Shanghai date: 2026-09-30 17:00 UTC is already 01:00 on 1 October there.
	if r := shanghai.Evaluate(time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)); r.Branch != Holiday {
		t.Fatalf("shanghai holiday by local date: %+v", r)
	}
	if r := london.Evaluate(time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)); r.Branch != Closed {
		t.Fatalf("london 18:00 on 30 September: %+v", r)
	}
}

func TestEvaluateAcrossDST(t *testing.T) {
	s := &Schedule{
		Name:     "ny",
		Timezone: "America/New_York",
		Weekly: map[string][]string{
			"sunday": {"01:00-03:30", "09:00-17:00"},
			"monday": {"09:00-17:00"},
		},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		utc  time.Time
		want Branch
	}{
		// 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
		{"01:59 EST before the jump", time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), Open},
		{"03:00 EDT right after the jump", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), Open},
		{"03:30 EDT closes", time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), Closed},
		{"09:00 EDT is 13:00 UTC on the change day", time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC), Open},
		{"12:59 UTC is 08:59 EDT, not 07:59 EST", time.Date(2026, 3, 8, 12, 59, 0, 0, time.UTC), Closed},
		{"monday after: 13:00 UTC is 09:00 EDT", time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC), Open},
		{"monday before the change: 13:00 UTC is 08:00 EST", time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), Closed},
		// 2026-11-01: clocks fall back from 02:00 EDT to 01:00 EST; 01:xx happens twice.
		{"first 01:30 (EDT)", time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), Open},
		{"second 01:30 (EST)", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), Open},
		{"16:59 EST on the fall-back day", time.Date(2026, 11, 1, 21, 59, 0, 0, time.UTC), Open},
		{"17:00 EST on the fall-back day", time.Date(2026, 11, 1, 22, 0, 0, 0, time.UTC), Closed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := s.Evaluate(c.utc); r.Branch != c.want {
				t.Fatalf("%s: got %+v, want %s", c.utc, r, c.want)
			}
		})
	}
}

func TestMidnightSpans(t *testing.T) {
	s := &Schedule{Name: "24h", Timezone: "UTC", Weekly: map[string][]string{"monday": {"00:00-24:00"}, "tuesday": {"00:00-00:30"}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for local, want := range map[string]Branch{
		"2026-10-12 00:00": Open, "2026-10-12 23:59": Open, "2026-10-13 00:00": Open,
		"2026-10-13 00:30": Closed, "2026-10-11 23:59": Closed,
	} {
		if r := s.Evaluate(at(t, "UTC", local)); r.Branch != want {
			t.Errorf("%s: %+v, want %s", local, r, want)
		}
	}
}

func TestWeeklyLunchOverride(t *testing.T) {
	s := &Schedule{Name: "x", Timezone: "UTC", Weekly: map[string][]string{"friday": {"09:00-18:00"}, "monday": {"09:00-18:00"}},
		Lunch: []string{"12:00-13:00"}, WeeklyLunch: map[string][]string{"friday": {}}}
	if r := s.Evaluate(at(t, "UTC", "2026-10-16 12:30")); r.Branch != Open {
		t.Fatalf("friday without lunch: %+v", r)
	}
	if r := s.Evaluate(at(t, "UTC", "2026-10-12 12:30")); r.Branch != Lunch {
		t.Fatalf("monday lunch carved out of open hours: %+v", r)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Schedule)
		want   string
	}{
		{"bad hour", func(s *Schedule) { s.Weekly["monday"] = []string{"09:00-12:00", "13:00-25:00"} }, `weekly.monday[1]: "25:00" is not HH:MM`},
		{"not a span", func(s *Schedule) { s.Weekly["tuesday"] = []string{"9-5"} }, `weekly.tuesday[0]: "9" is not HH:MM`},
		{"overlap", func(s *Schedule) { s.Weekly["monday"] = []string{"09:00-12:00", "11:00-14:00"} }, `weekly.monday[1]: 11:00-14:00 overlaps 09:00-12:00`},
		{"end before start", func(s *Schedule) { s.Weekly["monday"] = []string{"18:00-09:00"} }, `weekly.monday[0]: "18:00-09:00" ends before it starts`},
		{"unknown weekday", func(s *Schedule) { s.Weekly["funday"] = []string{"09:00-10:00"} }, `weekly.funday: unknown weekday`},
		{"bad lunch", func(s *Schedule) { s.Lunch = []string{"12:60-13:00"} }, `lunch[0]: "12:60" is not HH:MM`},
		{"bad date", func(s *Schedule) { s.Holidays[1].From = "2026-02-30" }, `holidays[1].from: "2026-02-30" is not a date YYYY-MM-DD`},
		{"range reversed", func(s *Schedule) { s.Holidays[0].To = "2026-09-01" }, `holidays[0].to: 2026-09-01 is before from 2026-10-01`},
		{"unnamed holiday", func(s *Schedule) { s.Holidays[0].Name = "" }, `holidays[0].name: a name is required`},
		{"unknown timezone", func(s *Schedule) { s.Timezone = "Mars/Olympus" }, `timezone: unknown timezone "Mars/Olympus"`},
		{"empty timezone", func(s *Schedule) { s.Timezone = "" }, `timezone: must be an IANA name`},
		{"special day without hours", func(s *Schedule) { s.SpecialWorkingDays[0].HoursOf = "" }, `special_working_days[0]: give the hours`},
		{"special day hours of a closed day", func(s *Schedule) { s.SpecialWorkingDays[0].HoursOf = "sunday" }, `special_working_days[0].hours_of: sunday has no open hours`},
		{"special day bad span", func(s *Schedule) { s.SpecialWorkingDays[1].Open = []string{"10:00"} }, `special_working_days[1].open[0]: "10:00" is not HH:MM-HH:MM`},
		{"no name", func(s *Schedule) { s.Name = " " }, `name: name is required`},
		{"lunch and no_lunch", func(s *Schedule) { s.SpecialWorkingDays[1].Lunch = []string{"12:00-13:00"} }, `special_working_days[1].no_lunch: give either lunch or no_lunch`},
		{"lunch with hours_of", func(s *Schedule) { s.SpecialWorkingDays[0].Lunch = []string{"12:00-13:00"} }, `special_working_days[0].lunch: a day with hours_of takes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := china()
			c.mutate(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error is %T, want Errors", err)
			}
			if r := s.Evaluate(time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)); r.Branch != Closed || !strings.Contains(r.Reason, "invalid") {
				t.Fatalf("an invalid schedule must evaluate closed: %+v", r)
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	s := china()
	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSON(j)
	if err != nil {
		t.Fatalf("json round trip: %v\n%s", err, j)
	}
	y, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := ParseYAML(y)
	if err != nil {
		t.Fatalf("yaml round trip: %v\n%s", err, y)
	}
	// Every day kind survives both encodings, including "no lunch" on a
	// special day and an empty per-weekday lunch.
	s.WeeklyLunch = map[string][]string{"friday": {}}
	j, _ = json.Marshal(s)
	back, err = ParseJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	y, _ = yaml.Marshal(s)
	if fromYAML, err = ParseYAML(y); err != nil {
		t.Fatal(err)
	}
	for _, local := range []string{"2026-10-10 09:30", "2026-10-10 12:15", "2026-10-05 12:30", "2026-10-16 12:30", "2026-10-01 10:00", "2026-10-12 12:30"} {
		want := s.Evaluate(at(t, "Asia/Shanghai", local))
		for name, x := range map[string]*Schedule{"json": back, "yaml": fromYAML} {
			if got := x.Evaluate(at(t, "Asia/Shanghai", local)); got != want {
				t.Errorf("%s %s: decoded %+v, original %+v", name, local, got, want)
			}
		}
	}
	doc := `
name: support
timezone: Asia/Shanghai
weekly:
  monday: ["09:00-18:00"]
lunch: ["12:00-13:30"]
holidays:
  - {name: National Day, from: 2026-10-01, to: 2026-10-07}
special_working_days:
  - {name: make-up, from: 2026-10-10, hours_of: monday}
`
	if _, err := ParseYAML([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseYAML([]byte(doc + "colour: red\n")); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("unknown YAML field: %v", err)
	}
	if _, err := ParseJSON([]byte(`{"name":"x","timezone":"UTC","weekly":{},"hollidays":[]}`)); err == nil || !strings.Contains(err.Error(), "hollidays") {
		t.Fatalf("unknown JSON field: %v", err)
	}
	if _, err := ParseJSON([]byte(`{"name":"x","timezone":"UTC","weekly":{"monday":["9-10"]}}`)); err == nil || !strings.Contains(err.Error(), "weekly.monday[0]") {
		t.Fatalf("invalid JSON document: %v", err)
	}
}

func TestNextOpen(t *testing.T) {
	s := china()
	cases := []struct{ from, want string }{
		{"2026-10-12 10:00", "2026-10-12 10:00"}, // open now
		{"2026-10-12 12:10", "2026-10-12 13:30"}, // lunch ends
		{"2026-10-12 07:00", "2026-10-12 09:00"},
		{"2026-10-16 18:00", "2026-10-19 09:00"}, // friday evening -> monday
		{"2026-10-01 10:00", "2026-10-05 10:00"}, // holiday -> special working day inside it
		{"2026-10-05 16:00", "2026-10-08 09:00"}, // after the special day -> end of holiday
		{"2026-10-09 18:30", "2026-10-10 09:00"}, // make-up saturday
		{"2026-12-30 18:00", "2027-01-04 09:00"}, // across the new year holiday
	}
	for _, c := range cases {
		got, ok := s.NextOpen(at(t, "Asia/Shanghai", c.from))
		if want := at(t, "Asia/Shanghai", c.want); !ok || !got.Equal(want) {
			t.Errorf("NextOpen(%s) = %v %v, want %s", c.from, got, ok, c.want)
		}
	}
	never := &Schedule{Name: "never", Timezone: "UTC"}
	if _, ok := never.NextOpen(time.Now()); ok {
		t.Fatal("a schedule without hours opened")
	}
	// DST: 2026-03-08 02:30 does not exist in New York; the clocks jump
	// from 02:00 EST to 03:00 EDT (07:00 UTC), and then it is open.
	ny := &Schedule{Name: "ny", Timezone: "America/New_York", Weekly: map[string][]string{"sunday": {"02:30-05:00"}}}
	got, ok := ny.NextOpen(time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC)) // 00:00 EST
	if !ok || !got.Equal(time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("DST next open: %v %v", got, ok)
	}
}
