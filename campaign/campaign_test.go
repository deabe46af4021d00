package campaign

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from Status
		a    Action
		want Status
		ok   bool
	}{
		{Draft, Start, Running, true},
		{Running, Pause, Paused, true},
		{Paused, Start, Running, true},
		{Running, Stop, Finished, true},
		{Paused, Stop, Finished, true},
		{Draft, Stop, Finished, true},
		{Draft, Pause, Draft, false},
		{Finished, Start, Finished, false},
		{Finished, Stop, Finished, false},
		{Running, Start, Running, false},
	} {
		t.Run(string(tc.from)+" "+string(tc.a), func(t *testing.T) {
			got, err := Next(tc.from, tc.a)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("got %s, %v; want %s ok=%v", got, err, tc.want, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrTransition) {
				t.Fatalf("error %v is not ErrTransition", err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, country, want, kind, reason string
	}{
		{"13812345678", "86", "+8613812345678", KindMobile, ""},
		{"138 1234 5678", "86", "+8613812345678", KindMobile, ""},
		{"+86 138-1234-5678", "86", "+8613812345678", KindMobile, ""},
		{"008613812345678", "86", "+8613812345678", KindMobile, ""},
		{"013812345678", "86", "+8613812345678", KindMobile, ""},
		{"１３８１２３４５６７８", "86", "+8613812345678", KindMobile, ""},
		{"010-12345678", "86", "+861012345678", KindLandline, ""},
		{"(0755) 1234 5678", "86", "+8675512345678", KindLandline, ""},
		{"0571-8765432", "86", "+865718765432", KindLandline, ""},
		{"+86 21 12345678", "86", "+862112345678", KindLandline, ""},
		{"+44 20 7946 0958", "86", "+442079460958", KindInternational, ""},
		{"020 7946 0958", "44", "+442079460958", KindLandline, ""},
		{"12345678", "86", "", "", "has no area code"},
		{"95588", "86", "", "", "service number"},
		{"4008123123", "86", "", "", "service number"},
		{"021-1234567", "86", "", "", "8 digits after the area code"},
		{"1381234567", "86", "", "", "not a Chinese mobile or landline"},
		{"abc", "86", "", "", "not a phone number"},
		{"", "86", "", "", "empty"},
		{"138+12345678", "86", "", "", "'+' only at the start"},
		{"02", "86", "", "", "has 8 digits after the area code"},
		{"1000000000", "000", "", "", "default calling code"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, kind, err := Normalize(tc.in, tc.country)
			if tc.reason != "" {
				if err == nil || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("Normalize(%q) = %q, %v; want error with %q", tc.in, got, err, tc.reason)
				}
				return
			}
			if err != nil || got != tc.want || kind != tc.kind {
				t.Fatalf("Normalize(%q) = %q %q %v; want %q %q", tc.in, got, kind, err, tc.want, tc.kind)
			}
		})
	}
}

func TestMaskAndNational(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ e164, national, masked string }{
		{"+8613812341234", "13812341234", "138****1234"},
		{"+861012345678", "01012345678", "010****5678"},
		{"+442079460958", "00442079460958", "004****0958"},
	} {
		if got := National(tc.e164, "86"); got != tc.national {
			t.Errorf("National(%s) = %s, want %s", tc.e164, got, tc.national)
		}
		if got := Mask(tc.e164); got != tc.masked {
			t.Errorf("Mask(%s) = %s, want %s", tc.e164, got, tc.masked)
		}
	}
}

func TestCalleeZone(t *testing.T) {
	t.Parallel()
	if z := CalleeZone("+8613812345678"); z == nil || z.String() != "Asia/Shanghai" {
		t.Errorf("China: %v", z)
	}
	if z := CalleeZone("+85291234567"); z == nil || z.String() != "Asia/Hong_Kong" {
		t.Errorf("Hong Kong: %v", z)
	}
	if z := CalleeZone("+12125550100"); z != nil {
		t.Errorf("+1 spans zones, got %v", z)
	}
}

func TestCheckWindowInCalleeTime(t *testing.T) {
	t.Parallel()
	win := &schedule.Schedule{Name: "w", Timezone: "UTC", Weekly: map[string][]string{"monday": {"09:00-21:00"}, "tuesday": {"09:00-21:00"}},
		Holidays: []schedule.DateRange{{Name: "Day off", From: "2026-12-08"}}}
	ny, _ := time.LoadLocation("America/New_York")
	// Monday 2026-12-07 02:00 UTC: 10:00 in Beijing, 21:00 Sunday in New York.
	at := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	if c := CheckWindow(win, ny, "+8613812345678", at); !c.Open {
		t.Errorf("Beijing 10:00 Monday: %+v", c)
	}
	c := CheckWindow(win, ny, "+12125550100", at)
	if c.Open || c.Zone != ny {
		t.Fatalf("New York Sunday evening: %+v", c)
	}
	if want := time.Date(2026, 12, 7, 9, 0, 0, 0, ny); !c.Next.Equal(want) {
		t.Errorf("next %v, want %v", c.Next, want)
	}
	// Tuesday is a holiday: closed all day, next open the Monday after.
	hol := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	c = CheckWindow(win, nil, "+8613812345678", hol)
	if c.Open || !strings.Contains(c.Reason, "holiday") {
		t.Errorf("holiday: %+v", c)
	}
}

func TestApplyRetries(t *testing.T) {
	t.Parallel()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) // 10:00 Beijing
	s := &Settings{MaxAttempts: 3, MaxAttemptsPerDay: 2, Retry: map[Outcome]RetryRule{Busy: {Retry: true, DelayMS: 60000}}}
	fresh := store.Lead{ID: 1, Status: store.LeadDialing, ClaimedBy: "bob"}
	for _, tc := range []struct {
		name    string
		lead    store.Lead
		o       Outcome
		status  string
		next    time.Time
		tries   int
		dayUsed int
	}{
		{"answered is done", fresh, Answered, store.LeadDone, time.Time{}, 1, 1},
		{"busy retries after its delay", fresh, Busy, store.LeadPending, at.Add(time.Minute), 1, 1},
		{"no answer takes the default hour", fresh, NoAnswer, store.LeadPending, at.Add(time.Hour), 1, 1},
		{"invalid number is not retried", fresh, InvalidNumber, store.LeadExhausted, time.Time{}, 1, 1},
		{"agent missed does not count", fresh, AgentMissed, store.LeadPending, at, 0, 0},
		{"the day's limit moves it to tomorrow", store.Lead{Attempts: 1, DayAttempts: 1, AttemptDay: "2026-12-07"}, Busy, store.LeadPending,
			time.Date(2026, 12, 8, 0, 0, 0, 0, sh), 2, 2},
		{"a new day resets the day's count", store.Lead{Attempts: 1, DayAttempts: 2, AttemptDay: "2026-12-06"}, Busy, store.LeadPending, at.Add(time.Minute), 2, 1},
		{"the last attempt exhausts", store.Lead{Attempts: 2, DayAttempts: 0, AttemptDay: "2026-12-06"}, Busy, store.LeadExhausted, time.Time{}, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Apply(s, tc.lead, tc.o, at, sh)
			if got.Status != tc.status || got.Attempts != tc.tries || got.DayAttempts != tc.dayUsed || got.ClaimedBy != "" || got.LastOutcome != string(tc.o) {
				t.Fatalf("got %+v", got)
			}
			if tc.next.IsZero() != (got.NextAt == nil) || (got.NextAt != nil && !got.NextAt.Equal(tc.next)) {
				t.Fatalf("next %v, want %v", got.NextAt, tc.next)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := Campaign{ID: "spring-sale", Name: "Spring", Type: Progressive, Settings: Settings{QueueID: "sales"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		mut   func(c *Campaign)
	}{
		{"id", func(c *Campaign) { c.ID = "Bad Id" }},
		{"type", func(c *Campaign) { c.Type = "robocall" }},
		{"settings.queue_id", func(c *Campaign) { c.Settings.QueueID = "" }},
		{"settings.retry.sleepy", func(c *Campaign) { c.Settings.Retry = map[Outcome]RetryRule{"sleepy": {}} }},
		{"settings.window", func(c *Campaign) {
			c.Settings.Window = &schedule.Schedule{Weekly: map[string][]string{"funday": {"09:00-10:00"}}}
		}},
		{"settings.script[0].options", func(c *Campaign) { c.Settings.Script = []Question{{ID: "q", Kind: "choice"}} }},
		{"settings.caller_id", func(c *Campaign) { c.Settings.CallerID = "abc" }},
	} {
		c := ok
		tc.mut(&c)
		var fe FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

func TestCheckAnswers(t *testing.T) {
	t.Parallel()
	s := &Settings{Script: []Question{{ID: "interest", Kind: "choice", Options: []string{"yes", "no"}, Required: true}, {ID: "age", Kind: "number"}}}
	if err := s.CheckAnswers(map[string]any{"interest": "yes", "age": 42.0}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]any{{"age": 1.0}, {"interest": "maybe"}, {"interest": "yes", "age": "old"}, {"interest": "yes", "shoe": "43"}} {
		if err := s.CheckAnswers(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestValidateAMDAndCallbackGrace(t *testing.T) {
	t.Parallel()
	base := func(typ Type, s Settings) *Campaign {
		s.QueueID = "sales"
		return &Campaign{ID: "c1", Name: "C", Type: typ, Settings: s}
	}
	msg := &Message{Text: "call us", Lang: "en"}
	for _, tc := range []struct {
		name  string
		c     *Campaign
		field string // "" = valid
	}{
		{"predictive hang up", base(Predictive, Settings{AMD: &AMDSettings{}}), ""},
		{"progressive message", base(Progressive, Settings{AMD: &AMDSettings{OnMachine: "message", Message: msg, TimeoutMS: 4000}}), ""},
		{"preview cannot detect", base(Preview, Settings{AMD: &AMDSettings{}}), "settings.amd"},
		{"agent-first progressive cannot detect", base(Progressive, Settings{AgentFirst: true, AMD: &AMDSettings{}}), "settings.amd"},
		{"unknown action", base(Predictive, Settings{AMD: &AMDSettings{OnMachine: "voicemail"}}), "settings.amd.on_machine"},
		{"message without text", base(Predictive, Settings{AMD: &AMDSettings{OnMachine: "message"}}), "settings.amd.message"},
		{"message with hang up", base(Predictive, Settings{AMD: &AMDSettings{Message: msg}}), "settings.amd.message"},
		{"bad language", base(Predictive, Settings{AMD: &AMDSettings{OnMachine: "message", Message: &Message{Text: "x", Lang: "fr"}}}), "settings.amd.message.lang"},
		{"timeout too short", base(Predictive, Settings{AMD: &AMDSettings{TimeoutMS: 200}}), "settings.amd.timeout_ms"},
		{"machine retry rule", base(Predictive, Settings{Retry: map[Outcome]RetryRule{Machine: {Retry: true, DelayMS: 60000}}}), ""},
		{"grace 30 minutes", base(Preview, Settings{CallbackGraceMS: 1800000}), ""},
		{"grace too short", base(Preview, Settings{CallbackGraceMS: 1000}), "settings.callback_grace_ms"},
		{"grace too long", base(Preview, Settings{CallbackGraceMS: 90000000}), "settings.callback_grace_ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid campaign refused: %v", err)
				}
				return
			}
			var fe FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want an error naming %s", err, tc.field)
			}
		})
	}
}
