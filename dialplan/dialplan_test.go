package dialplan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/schedule"
)

func tp(k TargetKind, ref string) *Target { return &Target{Kind: k, Ref: ref} }

func cfg() *TenantRouting {
	work := []string{"09:00-12:00", "13:30-18:00"}
	expired := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return &TenantRouting{
		Tenant:   "a",
		Settings: Settings{CountryCode: "86", DefaultLanguage: "zh-CN", BlacklistPrompts: map[string]string{"en": "Goodbye"}},
		Routes: []Route{
			{ID: "r-exact", Name: "hotline", DID: "4001234567", Enabled: true, ScheduleID: "s1",
				Branches: BranchTargets{Open: tp(KindFlow, "main-menu"), Lunch: tp(KindFlow, "lunch-menu"), Holiday: tp(KindVoicemail, "holiday-box")},
				Default:  tp(KindFlow, "after-hours"), Sticky: Sticky{Enabled: true, Days: 7}},
			{ID: "r-prefix", Name: "sales lines", DID: "4001*", Enabled: true, Default: tp(KindQueue, "sales")},
			{ID: "r-long", Name: "sales east", DID: "400188*", Enabled: true, Default: tp(KindQueue, "sales-east"), Language: "en"},
			{ID: "r-off", Name: "disabled", DID: "4009999999", Enabled: false, Default: tp(KindQueue, "x")},
			{ID: "r-missing", Name: "bad schedule", DID: "4007777777", Enabled: true, ScheduleID: "gone", Default: tp(KindQueue, "fallback")},
		},
		Schedules: map[string]*schedule.Schedule{"s1": {
			Name: "business-hours", Timezone: "Asia/Shanghai",
			Weekly:   map[string][]string{"monday": work, "tuesday": work, "wednesday": work, "thursday": work, "friday": work},
			Lunch:    []string{"12:00-13:30"},
			Holidays: []schedule.DateRange{{Name: "National Day", From: "2026-10-01", To: "2026-10-07"}},
		}},
		Blacklist: []BlacklistEntry{
			{Number: "138000", Kind: Prefix, Reason: "harassment"},
			{Number: "13900000000", Kind: Exact, ExpiresAt: &expired},
			{Number: "13700000000", Kind: Exact, ExpiresAt: &later},
		},
		Whitelist: []WhitelistEntry{
			{Number: "13911112222", Kind: Exact, Name: "Mr Wang", Priority: 9},
			{Number: "1391111", Kind: Prefix, Priority: 3},
		},
		CallerRules: []CallerRule{
			{ID: "c1", Name: "beijing", Position: 10, Match: MatchArea, Value: "010", Target: Target{Kind: KindQueue, Ref: "beijing"}, Enabled: true},
			{ID: "c2", Name: "shenzhen", Position: 20, Match: MatchArea, Value: "0755", Target: Target{Kind: KindQueue, Ref: "shenzhen"}, Enabled: true, RouteID: "r-prefix"},
			{ID: "c3", Name: "partners", Position: 5, Match: MatchList, Value: "partners", Target: Target{Kind: KindExtension, Ref: "8001"}, Enabled: true},
			{ID: "c4", Name: "off", Position: 1, Match: MatchPrefix, Value: "1", Target: Target{Kind: KindHangup}, Enabled: false},
			{ID: "c5", Name: "overseas", Position: 30, Match: MatchPrefix, Value: "+44", Target: Target{Kind: KindQueue, Ref: "intl"}, Enabled: true},
		},
		Lists: map[string][]string{"partners": {"13500000001"}},
	}
}

func sh(t *testing.T, local string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	v, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecide(t *testing.T) {
	monday10 := "2026-10-12 10:00"
	cases := []struct {
		name      string
		in        Inbound
		at        string
		mutate    func(*TenantRouting)
		action    Action
		target    string
		priority  int
		prompt    string
		trace     []string // each must appear in some trace line, in order
		notTraced string
	}{
		{name: "exact DID, open hours, flow", in: Inbound{DID: "4001234567", ANI: "13512345678"}, at: monday10,
			action: ActionRoute, target: "flow main-menu",
			trace: []string{"route 4001234567 matched 4001234567 (exact)", "blacklist: no match for 13512345678", "whitelist: no match", "caller rules: none matched (area mobile)", "sticky: no previous agent", "schedule business-hours: open: monday, within 09:00-12:00", "target: flow main-menu"}},
		{name: "lunch branch", in: Inbound{DID: "4001234567", ANI: "13512345678"}, at: "2026-10-12 12:10",
			action: ActionRoute, target: "flow lunch-menu", trace: []string{"schedule business-hours: lunch"}},
		{name: "holiday branch names the holiday", in: Inbound{DID: "4001234567", ANI: "13512345678"}, at: "2026-10-02 10:00",
			action: ActionRoute, target: "voicemail holiday-box", trace: []string{"schedule business-hours: holiday (National Day)"}},
		{name: "closed branch without target uses route default", in: Inbound{DID: "4001234567", ANI: "13512345678"}, at: "2026-10-12 20:00",
			action: ActionRoute, target: "flow after-hours", trace: []string{"closed: monday, after hours", "no target for branch closed: route default"}},
		{name: "longest prefix wins", in: Inbound{DID: "4001889999", ANI: "13512345678"}, at: monday10,
			action: ActionRoute, target: "queue sales-east", trace: []string{"route 400188* matched 4001889999 (prefix)"}},
		{name: "shorter prefix", in: Inbound{DID: "4001555555", ANI: "13512345678"}, at: monday10,
			action: ActionRoute, target: "queue sales", trace: []string{"route 4001* matched"}},
		{name: "disabled route is skipped", in: Inbound{DID: "4009999999", ANI: "13512345678"}, at: monday10,
			action: ActionReject, trace: []string{`no route matches DID "4009999999"`, "no route and no tenant default target: reject"}},
		{name: "no route goes to tenant default", in: Inbound{DID: "999", ANI: "13512345678"}, at: monday10,
			mutate: func(c *TenantRouting) { c.Settings.DefaultTarget = tp(KindQueue, "general") },
			action: ActionRoute, target: "queue general", trace: []string{"no route matches", "tenant default target: queue general"}},
		{name: "missing schedule uses route default", in: Inbound{DID: "4007777777", ANI: "13512345678"}, at: monday10,
			action: ActionRoute, target: "queue fallback", trace: []string{"schedule gone not found: route default"}},
		{name: "blacklist prefix rejects with zh-CN default prompt", in: Inbound{DID: "4001234567", ANI: "+86 138 0000 0000"}, at: monday10,
			action: ActionReject, prompt: "您拨打的号码是空号",
			trace: []string{"blacklist: 13800000000 matched prefix 138000 (harassment)"}, notTraced: "schedule"},
		{name: "blacklist prompt in the route's language from tenant settings", in: Inbound{DID: "4001889999", ANI: "13800000000"}, at: monday10,
			action: ActionReject, prompt: "Goodbye", trace: []string{"reject with prompt in en"}},
		{name: "blacklist applies without a route", in: Inbound{DID: "1", ANI: "13800000000"}, at: monday10,
			action: ActionReject, prompt: "您拨打的号码是空号"},
		{name: "expired blacklist entry is ignored", in: Inbound{DID: "4001555555", ANI: "13900000000"}, at: monday10,
			action: ActionRoute, target: "queue sales"},
		{name: "blacklist entry before expiry rejects", in: Inbound{DID: "4001555555", ANI: "13700000000"}, at: monday10,
			action: ActionReject, trace: []string{"matched exact 13700000000"}},
		{name: "blacklist wins over whitelist", in: Inbound{DID: "4001555555", ANI: "13911112222"}, at: monday10,
			mutate: func(c *TenantRouting) {
				c.Blacklist = append(c.Blacklist, BlacklistEntry{Number: "13911112222", Kind: Exact})
			},
			action: ActionReject, notTraced: "whitelist"},
		{name: "VIP exact entry beats prefix and sets priority", in: Inbound{DID: "4001555555", ANI: "0086 139 1111 2222"}, at: monday10,
			action: ActionRoute, target: "queue sales", priority: 9, trace: []string{"whitelist: 13911112222 matched exact 13911112222 (Mr Wang): priority 9"}},
		{name: "VIP prefix", in: Inbound{DID: "4001555555", ANI: "13911113333"}, at: monday10,
			action: ActionRoute, target: "queue sales", priority: 3},
		{name: "area rule for a Beijing landline", in: Inbound{DID: "4001234567", ANI: "01088886666"}, at: monday10,
			action: ActionRoute, target: "queue beijing", trace: []string{`caller rule "beijing": 01088886666 is in area 010 (landline, 3-digit area code)`}, notTraced: "schedule"},
		{name: "area rule from +86 without trunk zero", in: Inbound{DID: "4001234567", ANI: "+861088886666"}, at: monday10,
			action: ActionRoute, target: "queue beijing"},
		{name: "route-scoped rule does not apply to other routes", in: Inbound{DID: "4001234567", ANI: "075512345678"}, at: monday10,
			action: ActionRoute, target: "flow main-menu"},
		{name: "route-scoped rule applies on its route", in: Inbound{DID: "4001555555", ANI: "075512345678"}, at: monday10,
			action: ActionRoute, target: "queue shenzhen", trace: []string{"is in area 0755 (landline, 4-digit area code)"}},
		{name: "named list", in: Inbound{DID: "4001234567", ANI: "13500000001"}, at: monday10,
			action: ActionRoute, target: "extension 8001", trace: []string{`caller rule "partners": 13500000001 is in list partners`}},
		{name: "prefix rule on the raw number", in: Inbound{DID: "4001234567", ANI: "+44 20 7946 0000"}, at: monday10,
			action: ActionRoute, target: "queue intl", trace: []string{"+442079460000 has prefix +44"}},
		{name: "area table maps a mobile segment", in: Inbound{DID: "4001234567", ANI: "13801001234"}, at: monday10,
			mutate: func(c *TenantRouting) { c.Settings.AreaCodes = map[string]string{"1380100": "010"} },
			action: ActionRoute, target: "queue beijing", trace: []string{"area table prefix 1380100"}},
		{name: "sticky agent available skips the IVR", in: Inbound{DID: "4001234567", ANI: "13512345678", LastAgent: &LastAgent{AgentID: "1001", ServedAt: sh(t, "2026-10-10 10:00"), Available: true}}, at: monday10,
			action: ActionRoute, target: "agent 1001", trace: []string{"sticky: agent 1001 served this caller 2d ago and is available"}, notTraced: "schedule"},
		{name: "sticky agent too long ago", in: Inbound{DID: "4001234567", ANI: "13512345678", LastAgent: &LastAgent{AgentID: "1001", ServedAt: sh(t, "2026-10-01 10:00"), Available: true}}, at: monday10,
			action: ActionRoute, target: "flow main-menu", trace: []string{"sticky: agent 1001 served this caller 11d ago, more than 7 days", "schedule"}},
		{name: "sticky agent unavailable", in: Inbound{DID: "4001234567", ANI: "13512345678", LastAgent: &LastAgent{AgentID: "1001", ServedAt: sh(t, "2026-10-12 09:00"), Available: false}}, at: monday10,
			action: ActionRoute, target: "flow main-menu", trace: []string{"sticky: agent 1001 served this caller 1h ago but is not available"}},
		{name: "sticky off on a route ignores history", in: Inbound{DID: "4001555555", ANI: "13512345678", LastAgent: &LastAgent{AgentID: "1001", ServedAt: sh(t, "2026-10-12 09:00"), Available: true}}, at: monday10,
			action: ActionRoute, target: "queue sales", trace: []string{"sticky: off on this route"}, notTraced: "agent 1001"},
	}
	for _, c := range cases {
		for _, prepared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/prepared=%v", c.name, prepared), func(t *testing.T) {
				conf := cfg()
				if c.mutate != nil {
					c.mutate(conf)
				}
				if prepared {
					conf.Prepare()
				}
				d := Decide(c.in, conf, sh(t, c.at))
				all := strings.Join(d.Trace, "\n")
				if d.Action != c.action || (c.target != "" && d.Target.String() != c.target) || d.Priority != c.priority {
					t.Fatalf("got %s %q priority %d, want %s %q priority %d\n%s", d.Action, d.Target, d.Priority, c.action, c.target, c.priority, all)
				}
				if c.action == ActionReject && !d.Hangup {
					t.Fatalf("a rejection hangs up: %+v", d)
				}
				if c.prompt != "" && d.Prompt != c.prompt {
					t.Fatalf("prompt %q, want %q", d.Prompt, c.prompt)
				}
				rest := d.Trace
				for _, want := range c.trace {
					found := false
					for len(rest) > 0 && !found {
						found = strings.Contains(rest[0], want)
						rest = rest[1:]
					}
					if !found {
						t.Fatalf("trace lacks %q (in order):\n%s", want, all)
					}
				}
				if c.notTraced != "" && strings.Contains(all, c.notTraced) {
					t.Fatalf("trace mentions %q:\n%s", c.notTraced, all)
				}
			})
		}
	}
}

func TestDecideIsPureAndSafeOnEmptyConfig(t *testing.T) {
	d := Decide(Inbound{DID: "1", ANI: "2"}, nil, time.Now())
	if d.Action != ActionReject || len(d.Trace) == 0 {
		t.Fatalf("%+v", d)
	}
	conf := cfg()
	in := Inbound{DID: "4001234567", ANI: "13512345678"}
	now := sh(t, "2026-10-12 10:00")
	a, b := Decide(in, conf, now), Decide(in, conf, now)
	if strings.Join(a.Trace, "|") != strings.Join(b.Trace, "|") || a.Target != b.Target {
		t.Fatalf("not deterministic: %v vs %v", a, b)
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, cc, want string }{
		{"+86 138 0000 0000", "86", "13800000000"},
		{"8613800000000", "86", "13800000000"},
		{"+86 10 8888 6666", "86", "01088886666"},
		{"0086-755-1234-5678", "86", "075512345678"},
		{"01088886666", "86", "01088886666"},
		{"+44 20 7946 0000", "86", "+442079460000"},
		{"+44 20 7946 0000", "44", "02079460000"},
		{"+1 (212) 555-0100", "1", "2125550100"},
		{"(010) 8888-6666", "", "01088886666"},
	} {
		if got := Normalize(c.in, c.cc); got != c.want {
			t.Errorf("Normalize(%q, %q) = %q, want %q", c.in, c.cc, got, c.want)
		}
	}
}

func TestAreaCode(t *testing.T) {
	table := map[string]string{"1380013": "010", "13800": "021"}
	for _, c := range []struct{ in, area, how string }{
		{"01088886666", "010", "landline, 3-digit area code"},
		{"02012345678", "020", "landline, 3-digit area code"},
		{"02912345678", "029", "landline, 3-digit area code"},
		{"075512345678", "0755", "landline, 4-digit area code"},
		{"057187654321", "0571", "landline, 4-digit area code"},
		{"13912345678", AreaMobile, "mobile number"},
		{"13800131234", "010", "area table prefix 1380013"},
		{"13800991234", "021", "area table prefix 13800"},
		{"8001", "", ""},
		{"0101", "", ""},
	} {
		if area, how := AreaCode(c.in, table); area != c.area || how != c.how {
			t.Errorf("AreaCode(%q) = %q, %q; want %q, %q", c.in, area, how, c.area, c.how)
		}
	}
}

func TestValidationNamesTheField(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"route DID", (&Route{Name: "x", DID: "40a1", Default: tp(KindQueue, "q")}).Validate(), `did: "40a1" is not a DID pattern`},
		{"route without target", (&Route{Name: "x", DID: "4001"}).Validate(), "default: a route without a schedule needs a default target"},
		{"route branch missing", (&Route{Name: "x", DID: "4001", ScheduleID: "s", Branches: BranchTargets{Open: tp(KindQueue, "q")}}).Validate(), "branches.lunch: no target for this branch and no default target"},
		{"route bad branch target", (&Route{Name: "x", DID: "4001*", Default: tp(KindQueue, "q"), Branches: BranchTargets{Holiday: tp("pager", "x")}}).Validate(), `branches.holiday.kind: "pager" is not a target kind`},
		{"route target without ref", (&Route{Name: "x", DID: "*", Default: tp(KindQueue, "")}).Validate(), "default.ref: a queue target needs a ref"},
		{"external target number", (&Route{Name: "x", DID: "*", Default: tp(KindExternal, "abc")}).Validate(), `default.ref: "abc" is not a phone number`},
		{"sticky days", (&Route{Name: "x", DID: "1", Default: tp(KindHangup, ""), Sticky: Sticky{Enabled: true}}).Validate(), "sticky.days"},
		{"blacklist number", (&BlacklistEntry{Number: "12ab", Kind: Exact}).Validate(), `number: "12ab" is not a phone number`},
		{"blacklist kind", (&BlacklistEntry{Number: "123", Kind: "fuzzy"}).Validate(), `kind: "fuzzy" is not exact or prefix`},
		{"short prefix", (&BlacklistEntry{Number: "13", Kind: Prefix}).Validate(), "number: a prefix needs at least 3 digits"},
		{"whitelist priority", (&WhitelistEntry{Number: "123", Kind: Exact, Priority: 101}).Validate(), "priority: priority must be 0-100"},
		{"rule match", (&CallerRule{Name: "x", Match: "zip", Target: Target{Kind: KindHangup}}).Validate(), `match: "zip" is not prefix, area or list`},
		{"rule area", (&CallerRule{Name: "x", Match: MatchArea, Value: "bj", Target: Target{Kind: KindHangup}}).Validate(), `value: "bj" is not an area code`},
		{"rule list", (&CallerRule{Name: "x", Match: MatchList, Value: "a b", Target: Target{Kind: KindHangup}}).Validate(), `value: "a b" is not a list name`},
		{"settings country", (&Settings{CountryCode: "086"}).Validate(), `country_code: "086" is not a country calling code`},
		{"settings prompt", (&Settings{BlacklistPrompts: map[string]string{"en": " "}}).Validate(), "blacklist_prompts.en: prompt must be 1-500 characters"},
		{"settings busy prompt", (&Settings{BusyPrompts: map[string]string{"en": ""}}).Validate(), "busy_prompts.en: prompt must be 1-500 characters"},
		{"settings suspended prompt language", (&Settings{SuspendedPrompts: map[string]string{"english!": "closed"}}).Validate(), "suspended_prompts.english!: not a language tag"},
		{"settings area table", (&Settings{AreaCodes: map[string]string{"138": "bj"}}).Validate(), `area_codes.138: "bj" is not an area code`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
				t.Fatalf("got %v, want %q", c.err, c.want)
			}
			if es, ok := c.err.(Errors); !ok || es[0].Field == "" {
				t.Fatalf("error %T %v does not name a field", c.err, c.err)
			}
		})
	}
	good := cfg()
	for i := range good.Routes {
		if err := good.Routes[i].Validate(); err != nil {
			t.Errorf("route %s: %v", good.Routes[i].ID, err)
		}
	}
	for i := range good.CallerRules {
		if err := good.CallerRules[i].Validate(); err != nil {
			t.Errorf("rule %s: %v", good.CallerRules[i].ID, err)
		}
	}
}

// One TenantRouting serves concurrent calls: Decide only reads it.
func TestDecideConcurrently(t *testing.T) {
	conf := cfg()
	conf.Prepare()
	now := sh(t, "2026-10-12 10:00")
	want := Decide(Inbound{DID: "4001234567", ANI: "13911112222"}, conf, now)
	done := make(chan Decision)
	for i := 0; i < 8; i++ {
		go func() {
			var d Decision
			for j := 0; j < 200; j++ {
				d = Decide(Inbound{DID: "4001234567", ANI: "13911112222"}, conf, now)
			}
			done <- d
		}()
	}
	for i := 0; i < 8; i++ {
		if d := <-done; fmt.Sprint(d) != fmt.Sprint(want) {
			t.Fatalf("%+v != %+v", d, want)
		}
	}
}

func TestRefusalPrompt(t *testing.T) {
	own := Settings{BusyPrompts: map[string]string{"en": "Acme is busy"}, SuspendedPrompts: map[string]string{"zh-CN": "暂停"}}
	for _, tc := range []struct {
		name      string
		s         Settings
		suspended bool
		lang      string
		want      string
	}{
		{"default busy in Chinese", Settings{}, false, "zh-CN", DefaultBusyPrompts["zh-CN"]},
		{"default suspended in English", Settings{}, true, "en", DefaultSuspendedPrompts["en"]},
		{"the tenant's busy text wins", own, false, "en", "Acme is busy"},
		{"a language the tenant did not set takes the default", own, false, "zh-CN", DefaultBusyPrompts["zh-CN"]},
		{"the tenant's suspended text for a regional variant", own, true, "zh-TW", "暂停"},
		{"an unknown language falls back to English", Settings{}, true, "fr", DefaultSuspendedPrompts["en"]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RefusalPrompt(tc.s, tc.suspended, tc.lang); got != tc.want {
				t.Fatalf("RefusalPrompt = %q, want %q", got, tc.want)
			}
		})
	}
}
