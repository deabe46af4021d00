package outroute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/schedule"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		raw, home                 string
		typ, e164, national, area string
		country                   string
		err                       bool
	}{
		{raw: "13812345678", typ: TypeMobile, e164: "+8613812345678", national: "13812345678", country: "86"},
		{raw: "+86 138 1234 5678", typ: TypeMobile, e164: "+8613812345678", national: "13812345678", country: "86"},
		{raw: "008613812345678", typ: TypeMobile, e164: "+8613812345678", national: "13812345678", country: "86"},
		{raw: "013812345678", typ: TypeMobile, e164: "+8613812345678", national: "13812345678", country: "86"},
		{raw: "010-12345678", typ: TypeLandline, e164: "+861012345678", national: "01012345678", area: "010", country: "86"},
		{raw: "(0755) 1234 5678", typ: TypeLandline, e164: "+8675512345678", national: "075512345678", area: "0755", country: "86"},
		{raw: "+86 571 8765432", typ: TypeLandline, e164: "+865718765432", national: "05718765432", area: "0571", country: "86"},
		{raw: "95588", typ: TypeService, e164: "+8695588", national: "95588", country: "86"},
		{raw: "4008001234", typ: TypeService, e164: "+864008001234", national: "4008001234", country: "86"},
		{raw: "8008001234", typ: TypeService, e164: "+868008001234", national: "8008001234", country: "86"},
		{raw: "10086", typ: TypeService, e164: "+8610086", national: "10086", country: "86"},
		{raw: "110", typ: TypeService, e164: "+86110", national: "110", country: "86"},
		{raw: "87654321", typ: TypeLandline, e164: "", national: "87654321", country: "86"},
		{raw: "+852 2123 4567", typ: TypeInternational, e164: "+85221234567", national: "0085221234567", country: "852"},
		{raw: "0012125551234", typ: TypeInternational, e164: "+12125551234", national: "0012125551234", country: "1"},
		{raw: "+44 20 7946 0000", typ: TypeInternational, e164: "+442079460000", national: "00442079460000", country: "44"},
		{raw: "+88216012345", typ: TypeInternational, e164: "+88216012345", national: "0088216012345", country: "882"},
		{raw: "020 7946 0000", home: "44", typ: TypeLandline, e164: "+442079460000", national: "02079460000", country: "44"},
		{raw: "abc", err: true},
		{raw: "", err: true},
		{raw: "0755123", err: true},
		{raw: "+86", err: true},
		{raw: "1234567890123456", err: true},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			n, err := Classify(tc.raw, tc.home)
			if tc.err {
				if err == nil {
					t.Fatalf("Classify(%q) = %+v, want an error", tc.raw, n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Type != tc.typ || n.E164 != tc.e164 || n.National != tc.national || n.Area != tc.area || n.Country != tc.country {
				t.Fatalf("Classify(%q) = %+v, want type %s e164 %s national %s area %q country %s", tc.raw, n, tc.typ, tc.e164, tc.national, tc.area, tc.country)
			}
		})
	}
}

func num(t *testing.T, raw string) Number {
	t.Helper()
	n, err := Classify(raw, "86")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRewrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    Rewrite
		in   string
		want string
	}{
		{"national mobile", Rewrite{}, "+8613812345678", "13812345678"},
		{"national landline keeps its 0", Rewrite{}, "+861012345678", "01012345678"},
		{"e164", Rewrite{Format: "e164"}, "13812345678", "+8613812345678"},
		{"digits", Rewrite{Format: "digits"}, "13812345678", "8613812345678"},
		{"strip +86 of e164", Rewrite{Format: "e164", Strip: "+86"}, "01012345678", "1012345678"},
		{"add 0 to a mobile", Rewrite{Prepend: "0"}, "13812345678", "013812345678"},
		{"add 9 to get out of a PBX", Rewrite{Prepend: "9"}, "075512345678", "9075512345678"},
		{"strip the trunk 0 and add a carrier prefix", Rewrite{Strip: "0", Prepend: "17909"}, "075512345678", "17909755" + "12345678"},
		{"strip that does not match leaves the number", Rewrite{Strip: "0"}, "13812345678", "13812345678"},
		{"international as 00", Rewrite{}, "+85221234567", "0085221234567"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.w.Apply(num(t, tc.in)); got != tc.want {
				t.Fatalf("%+v.Apply(%s) = %s, want %s", tc.w, tc.in, got, tc.want)
			}
		})
	}
}

func TestSelectRoute(t *testing.T) {
	trunks := map[string]Trunk{"cm": {ID: "cm", Gateway: "cmcc"}, "cu": {ID: "cu", Gateway: "unicom"}, "ct": {ID: "ct", Gateway: "telecom"},
		"off": {ID: "off", Gateway: "old", Disabled: true}}
	night := &schedule.Schedule{ID: "night", Name: "night", Timezone: "Asia/Shanghai", Weekly: map[string][]string{}}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		night.Weekly[d] = []string{"20:00-24:00"}
	}
	schedules := map[string]*schedule.Schedule{"night": night}
	routes := []Route{
		{ID: "z-default", Priority: 100, Trunks: []string{"ct"}},
		{ID: "campaign-a", Priority: 10, Match: Match{Campaigns: []string{"camp-a"}}, Trunks: []string{"cu"}},
		{ID: "mobile", Priority: 20, Match: Match{Types: []string{TypeMobile}}, Trunks: []string{"cm", "cu"}},
		{ID: "shenzhen", Priority: 20, Match: Match{Prefixes: []string{"0755"}}, Trunks: []string{"off", "ct"}},
		{ID: "intl-hk", Priority: 15, Match: Match{Prefixes: []string{"+852"}}, Trunks: []string{"cu"}, Rewrite: Rewrite{Format: "digits", Prepend: "00"}},
		{ID: "sales-night", Priority: 5, Match: Match{Queues: []string{"sales"}, ScheduleID: "night"}, Trunks: []string{"ct"}},
		{ID: "bob", Priority: 6, Match: Match{Agents: []string{"bob"}, Sources: []string{SourceClickToDial}}, Trunks: []string{"cu"}},
		{ID: "service", Priority: 30, Match: Match{Types: []string{TypeService}}, Trunks: []string{"off"}},
	}
	day := time.Date(2026, 12, 7, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	late := time.Date(2026, 12, 7, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name   string
		req    Request
		at     time.Time
		route  string
		trunks string
		rule   string
	}{
		{"mobile goes to the mobile route with failover order", Request{Number: num(t, "13812345678"), Source: SourceClickToDial}, day, "mobile", "[cm cu]", ""},
		{"a campaign's own route wins by priority", Request{Number: num(t, "13812345678"), Source: SourceCampaign, Campaign: "camp-a"}, day, "campaign-a", "[cu]", ""},
		{"another campaign takes the mobile route", Request{Number: num(t, "13812345678"), Source: SourceCampaign, Campaign: "camp-b"}, day, "mobile", "[cm cu]", ""},
		{"a Shenzhen landline by prefix, disabled trunk left out", Request{Number: num(t, "0755 1234 5678")}, day, "shenzhen", "[ct]", ""},
		{"a Beijing landline falls to the default", Request{Number: num(t, "010 1234 5678")}, day, "z-default", "[ct]", ""},
		{"E.164 prefix for Hong Kong", Request{Number: num(t, "+852 2123 4567")}, day, "intl-hk", "[cu]", ""},
		{"agent group at night", Request{Number: num(t, "13812345678"), Queues: []string{"support", "sales"}}, late, "sales-night", "[ct]", ""},
		{"agent group by day: the schedule is closed", Request{Number: num(t, "13812345678"), Queues: []string{"sales"}}, day, "mobile", "[cm cu]", ""},
		{"agent on click-to-dial", Request{Number: num(t, "13812345678"), Agent: "bob", Source: SourceClickToDial}, day, "bob", "[cu]", ""},
		{"the agent's route is not for transfers", Request{Number: num(t, "13812345678"), Agent: "bob", Source: SourceTransfer}, day, "mobile", "[cm cu]", ""},
		{"a route whose trunks are all disabled refuses", Request{Number: num(t, "95588")}, day, "", "", RuleNoTrunk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, ref := Select(routes, trunks, tc.req, tc.at, schedules)
			if tc.rule != "" {
				if ref == nil || ref.Rule != tc.rule {
					t.Fatalf("want refusal %s, got %+v %v", tc.rule, sel, ref)
				}
				return
			}
			if ref != nil {
				t.Fatal(ref)
			}
			var ids []string
			for _, tr := range sel.Trunks {
				ids = append(ids, tr.ID)
			}
			if sel.Route.ID != tc.route || fmt.Sprint(ids) != tc.trunks {
				t.Fatalf("route %s trunks %v, want %s %s", sel.Route.ID, ids, tc.route, tc.trunks)
			}
		})
	}
	if _, ref := Select(routes[1:2], trunks, Request{Number: num(t, "13812345678")}, day, nil); ref == nil || ref.Rule != RuleNoRoute {
		t.Fatalf("no matching route: got %v", ref)
	}
	sel, _ := Select(routes, trunks, Request{Number: num(t, "+852 2123 4567")}, day, schedules)
	if sel.Dial != "0085221234567" {
		t.Fatalf("Hong Kong dialled as %s", sel.Dial)
	}
}

func TestFraudGuard(t *testing.T) {
	empty := []string{}
	for _, tc := range []struct {
		name string
		set  Settings
		num  string
		rule string
	}{
		{"mobile allowed by default", Settings{}, "13812345678", ""},
		{"landline allowed by default", Settings{}, "01012345678", ""},
		{"service number allowed by default", Settings{}, "95588", ""},
		{"international refused by default", Settings{}, "+85221234567", RuleNumberType},
		{"international allowed but not that country", Settings{AllowedTypes: []string{TypeMobile, TypeInternational}}, "+85221234567", RuleCountry},
		{"international to an allowed country", Settings{AllowedTypes: []string{TypeInternational}, AllowedCountries: []string{"852"}}, "+85221234567", ""},
		{"every country with *", Settings{AllowedTypes: []string{TypeInternational}, AllowedCountries: []string{"*"}}, "+12125551234", ""},
		{"satellite blocked by default even when all countries are", Settings{AllowedTypes: []string{TypeInternational}, AllowedCountries: []string{"*"}}, "+88216012345", RuleBlockedPrefix},
		{"Inmarsat blocked", Settings{AllowedTypes: []string{TypeInternational}, AllowedCountries: []string{"*"}}, "+870772123456", RuleBlockedPrefix},
		{"168 information service blocked", Settings{}, "16812345", RuleBlockedPrefix},
		{"own blocked prefix", Settings{BlockedPrefixes: &[]string{"+86755"}}, "075512345678", RuleBlockedPrefix},
		{"own list replaces the default", Settings{BlockedPrefixes: &empty, AllowedTypes: []string{TypeInternational}, AllowedCountries: []string{"*"}}, "+88216012345", ""},
		{"only mobiles", Settings{AllowedTypes: []string{TypeMobile}}, "4008001234", RuleNumberType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := CheckDestination(&tc.set, num(t, tc.num))
			switch {
			case tc.rule == "" && ref != nil:
				t.Fatalf("refused: %v", ref)
			case tc.rule != "" && (ref == nil || ref.Rule != tc.rule):
				t.Fatalf("want rule %s, got %v", tc.rule, ref)
			}
		})
	}
}

func TestLocalPresence(t *testing.T) {
	off := false
	pool := &Pool{ID: "p", Numbers: []PoolNumber{{Number: "075588880001"}, {Number: "075588880002"}, {Number: "01088880003"}, {Number: "13900000004", Area: "020"}}}
	table := map[string]string{"1380013": "0755"}
	for _, tc := range []struct {
		name   string
		pool   *Pool
		callee string
		want   []string // successive picks
	}{
		{"a Shenzhen landline gets Shenzhen numbers in turn", pool, "075512345678", []string{"075588880001", "075588880002", "075588880001"}},
		{"a Beijing landline gets the Beijing number", pool, "01012345678", []string{"01088880003", "01088880003"}},
		{"an explicit area on a mobile pool number", pool, "02012345678", []string{"13900000004"}},
		{"a mobile placed by the area table", pool, "13800131234", []string{"075588880001"}},
		{"no local number: round robin over the pool", pool, "057187654321", []string{"075588880001", "075588880002", "01088880003", "13900000004", "075588880001"}},
		{"an unplaced mobile: round robin", pool, "13912345678", []string{"075588880001"}},
		{"local presence off", &Pool{ID: "q", LocalPresence: &off, Numbers: pool.Numbers}, "01012345678", []string{"075588880001", "075588880002"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pk := NewPicker()
			for i, want := range tc.want {
				got, how := pk.Pick("t1", tc.pool, num(t, tc.callee), "86", table)
				if got != want {
					t.Fatalf("pick %d: %s (%s), want %s", i, got, how, want)
				}
			}
		})
	}
}

func TestExtensionPlanRanges(t *testing.T) {
	plan := &dialplan.ExtensionPlan{Ranges: []string{"1000-1999", "80000-80099", "600"}}
	for num, want := range map[string]bool{"1000": true, "1999": true, "2000": false, "80050": true, "80100": false, "600": true,
		"95588": false, "10086": false, "8001": false, "13812345678": false} {
		if got := plan.IsExtension(num); got != want {
			t.Errorf("IsExtension(%s) = %v, want %v", num, got, want)
		}
	}
	// Ranges and a length pattern together: either makes an extension.
	both := &dialplan.ExtensionPlan{Ranges: []string{"100-199"}, Lengths: []int{6}, Prefixes: []string{"8"}}
	for num, want := range map[string]bool{"150": true, "800001": true, "900001": false, "1500": false} {
		if got := both.IsExtension(num); got != want {
			t.Errorf("both: IsExtension(%s) = %v, want %v", num, got, want)
		}
	}
}

type fixedSource struct{ cfg *Config }

func (f fixedSource) OutboundConfig(context.Context, string) (*Config, error) { return f.cfg, nil }

func TestServiceFailoverAndCaps(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cfg := &Config{Home: "86",
		Settings: Settings{MaxConcurrent: 2, MaxCPS: 100},
		Trunks:   map[string]Trunk{"a": {ID: "a", Gateway: "gw-a", Channels: 1}, "b": {ID: "b", Gateway: "gw-b"}},
		Routes:   []Route{{ID: "all", Trunks: []string{"a", "b"}, CallerIDPool: "p"}},
		Pools:    map[string]*Pool{"p": {ID: "p", Numbers: []PoolNumber{{Number: "075588880001"}, {Number: "01088880003"}}}},
	}
	var refusals []string
	svc := NewService(fixedSource{cfg}, func() time.Time { return now }, nil, func(_ context.Context, _ string, _ PlanRequest, r *Refusal) { refusals = append(refusals, r.Rule) })
	ctx := context.Background()

	c1, err := svc.Plan(ctx, "t1", PlanRequest{Number: "01012345678", Source: SourceClickToDial})
	if err != nil {
		t.Fatal(err)
	}
	if c1.CallerID != "01088880003" {
		t.Fatalf("caller ID %s (%s), want the Beijing number", c1.CallerID, c1.CallerIDHow)
	}
	// The first trunk is congested: the call fails over to the second.
	var tried []string
	err = c1.Each("", func(ep controller.Endpoint, tr Trunk) error {
		tried = append(tried, ep.Trunk+":"+ep.Number)
		if tr.ID == "a" {
			return fmt.Errorf("wrapped: %w", &controller.OriginateError{Cause: controller.CauseCongestion})
		}
		return nil
	})
	if err != nil || fmt.Sprint(tried) != "[gw-a:01012345678 gw-b:01012345678]" || c1.Trunk.ID != "b" {
		t.Fatalf("failover: err %v tried %v trunk %s", err, tried, c1.Trunk.ID)
	}
	if svc.Active("t1", "a") != 0 || svc.Active("t1", "b") != 1 || svc.Active("t1", "") != 1 {
		t.Fatalf("counts after failover: a %d b %d tenant %d", svc.Active("t1", "a"), svc.Active("t1", "b"), svc.Active("t1", ""))
	}
	// A busy callee is not failed over.
	c2, err := svc.Plan(ctx, "t1", PlanRequest{Number: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	tried = nil
	err = c2.Each("", func(ep controller.Endpoint, tr Trunk) error {
		tried = append(tried, tr.ID)
		return &controller.OriginateError{Cause: controller.CauseUserBusy}
	})
	var oe *controller.OriginateError
	if !errors.As(err, &oe) || fmt.Sprint(tried) != "[a]" {
		t.Fatalf("busy: err %v tried %v", err, tried)
	}
	// The tenant's cap: c1 and c2 hold both places.
	if _, err := svc.Plan(ctx, "t1", PlanRequest{Number: "13812345678"}); !isRule(err, RuleMaxConcurrent) {
		t.Fatalf("third call: %v", err)
	}
	c2.Release()
	c2.Release() // twice is harmless
	// Trunk a has its one channel free again; hold it and b is used.
	c3, err := svc.Plan(ctx, "t1", PlanRequest{Number: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c3.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil || c3.Trunk.ID != "a" {
		t.Fatalf("c3 on %s: %v", c3.Trunk.ID, err)
	}
	c1.Release()
	c4, _ := svc.Plan(ctx, "t1", PlanRequest{Number: "13812345678"})
	if err := c4.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil || c4.Trunk.ID != "b" {
		t.Fatalf("a full: c4 on %s: %v", c4.Trunk.ID, err)
	}
	c3.Release()
	c4.Release()
	if svc.Active("t1", "") != 0 || svc.Active("t1", "a") != 0 || svc.Active("t1", "b") != 0 {
		t.Fatal("counts not back to 0")
	}
	// Fraud guard refusals are reported.
	if _, err := svc.Plan(ctx, "t1", PlanRequest{Number: "+88216012345"}); !isRule(err, RuleBlockedPrefix) {
		t.Fatalf("satellite: %v", err)
	}
	if fmt.Sprint(refusals) != "[max_concurrent blocked_prefix]" {
		t.Fatalf("refusals told: %v", refusals)
	}
}

func TestServiceCPSCap(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cfg := &Config{Home: "86", Settings: Settings{MaxCPS: 2}, Trunks: map[string]Trunk{"a": {ID: "a", Gateway: "gw"}}, Routes: []Route{{ID: "r", Trunks: []string{"a"}}}}
	svc := NewService(fixedSource{cfg}, func() time.Time { return now }, nil, nil)
	ok := 0
	for range 5 {
		if c, err := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"}); err == nil {
			ok++
			c.Release()
		} else if !isRule(err, RuleMaxCPS) {
			t.Fatal(err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d calls in the same instant at max_cps 2", ok)
	}
	now = now.Add(time.Second)
	if _, err := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"}); err != nil {
		t.Fatalf("a second later: %v", err)
	}
}

func TestTrunksBusyRefusal(t *testing.T) {
	cfg := &Config{Home: "86", Trunks: map[string]Trunk{"a": {ID: "a", Gateway: "gw", Channels: 1}}, Routes: []Route{{ID: "r", Trunks: []string{"a"}}}}
	svc := NewService(fixedSource{cfg}, nil, nil, nil)
	c1, _ := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
	if err := c1.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil {
		t.Fatal(err)
	}
	c2, _ := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
	err := c2.Each("", func(controller.Endpoint, Trunk) error { t.Fatal("dialled through a full trunk"); return nil })
	if !isRule(err, RuleTrunksBusy) {
		t.Fatalf("full trunk: %v", err)
	}
	// Another tenant's use of a trunk of the same name is its own.
	c3, _ := svc.Plan(context.Background(), "t2", PlanRequest{Number: "13812345678"})
	if err := c3.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil {
		t.Fatalf("tenant t2: %v", err)
	}
}

func isRule(err error, rule string) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Rule == rule
}

func TestValidate(t *testing.T) {
	r := Route{ID: "bad id!", Match: Match{Types: []string{"satellite"}, Prefixes: []string{"07x"}, Sources: []string{"fax"}},
		Rewrite: Rewrite{Format: "weird", Prepend: "9a"}, Trunks: []string{"a", "a", "nope"}, CallerIDPool: "nopool", FailoverCauses: []string{"bad cause"}}
	err := r.Validate(map[string]bool{"a": true}, map[string]bool{})
	want := []string{"id", "match.types[0]", "match.prefixes[0]", "match.sources[0]", "rewrite.format", "rewrite.prepend", "trunks[1]", "trunks[2]", "caller_id_pool", "failover_causes[0]"}
	checkFields(t, err, want)
	tr := Trunk{ID: "t", Gateway: "gw/../x", Channels: -1, CPS: -2}
	checkFields(t, tr.Validate(), []string{"gateway", "channels", "cps"})
	p := Pool{ID: "p", Numbers: []PoolNumber{{Number: "075588880001"}, {Number: "0755 8888 0001"}, {Number: "xyz"}, {Number: "13800000000", Area: "755"}}}
	checkFields(t, p.Validate("86"), []string{"numbers[1].number", "numbers[2].number", "numbers[3].area"})
	s := Settings{AllowedTypes: []string{"premium"}, AllowedCountries: []string{"0086"}, BlockedPrefixes: &[]string{"+"}, MaxConcurrent: -1, MaxCPS: -1, CallerIDPool: "x"}
	checkFields(t, s.Validate(map[string]bool{}), []string{"allowed_types[0]", "allowed_countries[0]", "blocked_prefixes[0]", "max_concurrent", "max_cps", "caller_id_pool"})
	good := Route{ID: "ok", Trunks: []string{"a"}}
	if err := good.Validate(map[string]bool{"a": true}, nil); err != nil {
		t.Fatal(err)
	}
}

func checkFields(t *testing.T, err error, want []string) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want field errors %v, got %v", want, err)
	}
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors %v, want fields %v", err, want)
	}
}

func TestExtensionPlanRangesValidate(t *testing.T) {
	s := dialplan.Settings{Extensions: &dialplan.ExtensionPlan{Ranges: []string{"1000-1999", "1999-1000", "100-1999", "x-y", "7"}}}
	checkFields(t, s.Validate(), []string{"extensions.ranges[1]", "extensions.ranges[2]", "extensions.ranges[3]", "extensions.ranges[4]"})
	ok := dialplan.Settings{Extensions: &dialplan.ExtensionPlan{Ranges: []string{"1000-1999", "600"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

// A trunk at its call rate is skipped for the next one of the route; a
// second later it takes calls again.
func TestTrunkCPSMovesToNextTrunk(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cfg := &Config{Home: "86", Trunks: map[string]Trunk{"slow": {ID: "slow", Gateway: "gw-s", CPS: 1}, "fast": {ID: "fast", Gateway: "gw-f"}},
		Routes: []Route{{ID: "r", Trunks: []string{"slow", "fast"}}}}
	svc := NewService(fixedSource{cfg}, func() time.Time { return now }, nil, nil)
	var used []string
	for range 3 {
		c, err := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil {
			t.Fatal(err)
		}
		used = append(used, c.Trunk.ID)
		c.Release()
	}
	now = now.Add(time.Second)
	c, _ := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
	_ = c.Each("", func(controller.Endpoint, Trunk) error { return nil })
	used = append(used, c.Trunk.ID)
	if fmt.Sprint(used) != "[slow fast fast slow]" {
		t.Fatalf("trunks used %v", used)
	}
}

// A call that must stay on its switch skips trunks of other switches.
func TestTrunksOfOtherSwitchesSkipped(t *testing.T) {
	cfg := &Config{Home: "86", Trunks: map[string]Trunk{"far": {ID: "far", Gateway: "gw-far", Switch: "sw2"}, "near": {ID: "near", Gateway: "gw-near", Switch: "sw1"},
		"any": {ID: "any", Gateway: "gw-any"}}, Routes: []Route{{ID: "r", Trunks: []string{"far", "near", "any"}}}}
	svc := NewService(fixedSource{cfg}, nil, nil, nil)
	var tried []string
	c, _ := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
	err := c.Each("sw1", func(ep controller.Endpoint, tr Trunk) error {
		tried = append(tried, tr.ID)
		return &controller.OriginateError{Cause: "GATEWAY_DOWN"}
	})
	if fmt.Sprint(tried) != "[near any]" || err == nil {
		t.Fatalf("tried %v: %v", tried, err)
	}
	if !strings.Contains(strings.Join(c.Notes, "\n"), "trunk far skipped: on switch sw2, the call is on sw1") {
		t.Fatalf("notes %v", c.Notes)
	}
	// Callee-first calls may use every trunk (each dialled on its switch).
	tried = nil
	c2, _ := svc.Plan(context.Background(), "t", PlanRequest{Number: "13812345678"})
	_ = c2.Each("", func(ep controller.Endpoint, tr Trunk) error { tried = append(tried, tr.ID); return nil })
	if fmt.Sprint(tried) != "[far]" {
		t.Fatalf("tried %v", tried)
	}
}

// countingAdmission admits up to max calls per tenant at once.
type countingAdmission struct {
	max, used int
	checks    int
}

var errFull = errors.New("the tenant's quota of calls is full")

func (a *countingAdmission) AdmitOutbound(context.Context, string) (func(), error) {
	if a.used >= a.max {
		return nil, errFull
	}
	a.used++
	return func() { a.used-- }, nil
}

func (a *countingAdmission) CheckOutbound(context.Context, string) error {
	a.checks++
	if a.used >= a.max {
		return errFull
	}
	return nil
}

// Planned calls take a place under the tenant's quota of calls: over it
// the call is a capacity refusal (tenant_quota) wrapping the quota's own
// error, and takes no place under the tenant's outbound cap either;
// released, the place is free again.
func TestPlanAdmittedByTenantQuota(t *testing.T) {
	cfg := &Config{Home: "86", Settings: Settings{MaxConcurrent: 5}, Trunks: map[string]Trunk{"a": {ID: "a", Gateway: "gw"}}, Routes: []Route{{ID: "r", Trunks: []string{"a"}}}}
	var told []string
	svc := NewService(fixedSource{cfg}, nil, nil, func(_ context.Context, _ string, _ PlanRequest, r *Refusal) { told = append(told, r.Rule) })
	adm := &countingAdmission{max: 1}
	svc.SetAdmission(adm)
	ctx := context.Background()
	c1, err := svc.Plan(ctx, "t", PlanRequest{Number: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckAdmission(ctx, "t"); !isRule(err, RuleTenantQuota) || !errors.Is(err, errFull) {
		t.Fatalf("check with the quota full: %v", err)
	}
	_, err = svc.Plan(ctx, "t", PlanRequest{Number: "13812345679"})
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Rule != RuleTenantQuota || !ref.Capacity() || !errors.Is(err, errFull) {
		t.Fatalf("second call over the quota: %v", err)
	}
	if svc.Active("t", "") != 1 || adm.used != 1 {
		t.Fatalf("after the refusal: tenant cap %d, quota %d", svc.Active("t", ""), adm.used)
	}
	c1.Release()
	c1.Release()
	if svc.Active("t", "") != 0 || adm.used != 0 {
		t.Fatalf("after release: tenant cap %d, quota %d", svc.Active("t", ""), adm.used)
	}
	if err := svc.CheckAdmission(ctx, "t"); err != nil {
		t.Fatalf("check with room: %v", err)
	}
	if _, err := svc.Plan(ctx, "t", PlanRequest{Number: "13812345679"}); err != nil {
		t.Fatalf("with room again: %v", err)
	}
	if fmt.Sprint(told) != "[tenant_quota]" {
		t.Fatalf("refusals told: %v", told)
	}
	// A destination refusal does not reach the quota.
	if _, err := svc.Plan(ctx, "t", PlanRequest{Number: "+88216012345"}); !isRule(err, RuleBlockedPrefix) || adm.used != 1 {
		t.Fatalf("blocked number: %v (quota %d)", err, adm.used)
	}
}
