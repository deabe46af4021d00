package crm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type events struct {
	mu  sync.Mutex
	evs []dispatch.Event
}

func (e *events) Publish(ev dispatch.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev)
}

func (e *events) reasons() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.evs {
		out = append(out, ev.Reason+"@"+ev.Agent)
	}
	e.evs = nil
	return out
}

type hook struct{ names []string }

func (h *hook) Emit(_ context.Context, _, event string, _ any) { h.names = append(h.names, event) }

var complaint = crm.TypeConfig{
	ID: "complaint", Name: "投诉",
	Fields: []crm.Field{{Name: "product", Label: "产品", Type: crm.TypeSelect, Options: []string{"宽带", "手机"}, Required: true},
		{Name: "amount", Label: "金额", Type: crm.TypeNumber}},
	Statuses:     []crm.Status{{ID: "new", Label: "新建"}, {ID: "working", Label: "处理中"}, {ID: "resolved", Label: "已解决", Resolved: true}, {ID: "closed", Label: "已关闭", Resolved: true}},
	Transitions:  map[string][]string{"new": {"working", "closed"}, "working": {"resolved"}, "resolved": {"closed", "working"}},
	ResolveHours: 4,
	Escalations:  []crm.TimeRule{{AfterMinutes: 60, Action: crm.ActionNotify}, {AfterMinutes: 120, Action: crm.ActionReassign, Queue: "vip"}},
	Conditions:   []crm.ConditionRule{{When: `priority == "urgent" && type == "complaint"`, Action: crm.ActionNotify}},
}

func setup(t *testing.T, s *store.Store) (*crm.Service, *clock.Fake, *events, *hook) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateTenant(ctx, &store.Tenant{ID: "t1", Name: "T1", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := s.CreateUser(ctx, &store.User{ID: u, TenantID: "t1", Username: u, Role: "agent", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"support", "vip"} {
		if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "t1", ID: q, Name: q, Strategy: "longest-idle", Config: `{}`}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: "vip", AgentID: "bob"}); err != nil {
		t.Fatal(err)
	}
	typ := complaint
	if err := typ.Validate(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(typ)
	if err := s.PutWorkOrderType(ctx, &store.WorkOrderType{TenantID: "t1", ID: typ.ID, Name: typ.Name, Config: string(b)}); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	ev, h := &events{}, &hook{}
	return &crm.Service{Store: s, Events: ev, Hook: h, Clock: clk}, clk, ev, h
}

func TestWorkOrderLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, clk, ev, h := setup(t, s)
		start := clk.Now()
		if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "t1", ID: "call-1", Direction: "inbound", ANI: "+8613812345678", StartedAt: start, AgentID: "alice"}); err != nil {
			t.Fatal(err)
		}
		// Bad input is named.
		for _, c := range []struct {
			in   crm.NewWorkOrder
			want string
		}{
			{crm.NewWorkOrder{Type: "nope", Title: "x"}, `type "nope"`},
			{crm.NewWorkOrder{Type: "complaint", Title: "x"}, "fields.product (产品): required"},
			{crm.NewWorkOrder{Type: "complaint", Title: "x", Fields: map[string]any{"product": "电视"}}, "fields.product"},
			{crm.NewWorkOrder{Type: "complaint", Title: "x", Priority: "asap", Fields: map[string]any{"product": "宽带"}}, `priority "asap"`},
			{crm.NewWorkOrder{Type: "complaint", Title: "x", CallID: "call-9", Fields: map[string]any{"product": "宽带"}}, `call_id "call-9"`},
			{crm.NewWorkOrder{Type: "complaint", Title: "x", AssigneeAgent: "carol", Fields: map[string]any{"product": "宽带"}}, `assignee_agent "carol"`},
		} {
			_, err := svc.Create(ctx, "t1", "alice", c.in)
			if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("create %+v: %v, want %q", c.in, err, c.want)
			}
		}
		w, err := svc.Create(ctx, "t1", "alice", crm.NewWorkOrder{Type: "complaint", Title: "网速慢", Priority: "urgent", CallID: "call-1", AssigneeAgent: "alice",
			Fields: map[string]any{"product": "宽带", "amount": "12.5"}})
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != "new" || w.DueAt == nil || !w.DueAt.Equal(start.Add(4*time.Hour)) {
			t.Fatalf("created: %+v", w)
		}
		// The urgent complaint condition fired once, on creation.
		if got := strings.Join(ev.reasons(), ","); got != "created@alice,notified@alice" {
			t.Fatalf("events: %s", got)
		}
		// Transitions follow the type.
		bad := "resolved"
		if _, err := svc.Update(ctx, "t1", "alice", w.ID, crm.Change{Status: &bad}); err == nil || !strings.Contains(err.Error(), `allows "new" → working, closed only`) {
			t.Fatalf("new → resolved: %v", err)
		}
		working := "working"
		w, err = svc.Update(ctx, "t1", "alice", w.ID, crm.Change{Status: &working, Fields: map[string]any{"amount": 20}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Comment(ctx, "t1", "alice", w.ID, "已联系客户"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Attach(ctx, "t1", "alice", w.ID, "a.exe", "application/x-msdownload", []byte("MZ")); err == nil {
			t.Fatal("exe attachment accepted")
		}
		if _, err := svc.Attach(ctx, "t1", "alice", w.ID, "big.txt", "text/plain", make([]byte, crm.MaxAttachment+1)); err == nil {
			t.Fatal("oversized attachment accepted")
		}
		if _, err := svc.Attach(ctx, "t1", "alice", w.ID, "note.txt", "text/plain; charset=utf-8", []byte("hello")); err != nil {
			t.Fatal(err)
		}
		ev.reasons()

		// Time-triggered escalation: notify after 1 h, reassign to vip after 2 h; SLA breach after 4 h.
		esc := &crm.Escalator{Service: svc}
		clk.Advance(59 * time.Minute)
		if n := esc.Tick(ctx); n != 0 {
			t.Fatalf("before an hour: %d actions", n)
		}
		clk.Advance(time.Minute)
		if n := esc.Tick(ctx); n != 1 {
			t.Fatalf("at an hour: %d actions", n)
		}
		if n := esc.Tick(ctx); n != 0 {
			t.Fatalf("rule fired twice: %d", n)
		}
		clk.Advance(time.Hour)
		esc.Tick(ctx)
		got, _ := s.GetWorkOrder(ctx, "t1", w.ID)
		if got.AssigneeAgent != "" || got.AssigneeQueue != "vip" {
			t.Fatalf("after 2 h: %+v", got)
		}
		clk.Advance(2 * time.Hour)
		esc.Tick(ctx)
		got, _ = s.GetWorkOrder(ctx, "t1", w.ID)
		if !got.SLABreached {
			t.Fatalf("after 4 h not breached: %+v", got)
		}
		if r := strings.Join(ev.reasons(), ","); r != "notified@alice,reassigned@bob,sla_breached@bob" {
			t.Fatalf("escalation events: %s", r)
		}
		// Resolved orders are left alone.
		resolved := "resolved"
		if _, err := svc.Update(ctx, "t1", "bob", w.ID, crm.Change{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(24 * time.Hour)
		if n := esc.Tick(ctx); n != 0 {
			t.Fatalf("resolved order escalated: %d", n)
		}
		// Full history.
		hist, err := s.ListWorkOrderEvents(ctx, "t1", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range hist {
			kinds = append(kinds, e.Kind)
		}
		want := "created,notified,status,fields,comment,attachment,notified,reassigned,sla_breached,status"
		if strings.Join(kinds, ",") != want {
			t.Fatalf("history %s, want %s", strings.Join(kinds, ","), want)
		}
		if len(h.names) == 0 || h.names[0] != "workorder.created" {
			t.Fatalf("hook: %v", h.names)
		}
		// Search and report.
		list, _ := s.ListWorkOrders(ctx, "t1", store.WorkOrderFilter{CallID: "call-1"})
		if len(list) != 1 {
			t.Fatalf("by call: %d", len(list))
		}
		if l, _ := s.ListWorkOrders(ctx, "t1", store.WorkOrderFilter{VisibleTo: "alice"}); len(l) != 1 {
			t.Fatalf("alice created it and sees it: %d", len(l))
		}
		if l, _ := s.ListWorkOrders(ctx, "t1", store.WorkOrderFilter{VisibleTo: "carol", Queues: []string{"support"}}); len(l) != 0 {
			t.Fatalf("carol sees %d", len(l))
		}
		counts, err := s.CountWorkOrders(ctx, "t1", "status", store.WorkOrderFilter{})
		if err != nil || len(counts) != 1 || counts[0].Key != "resolved" || counts[0].Count != 1 || counts[0].Breached != 1 {
			t.Fatalf("report: %+v %v", counts, err)
		}
		// Other tenants see nothing.
		if l, _ := s.ListWorkOrders(ctx, "t2", store.WorkOrderFilter{}); len(l) != 0 {
			t.Fatal("tenant leak")
		}
	})
}

func TestCustomersAndCSV(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		setup(t, s)
		defs := []crm.Field{{Name: "level", Label: "等级", Type: crm.TypeSelect, Options: []string{"VIP", "普通"}}, {Name: "birthday", Label: "生日", Type: crm.TypeDate}}
		c := store.Customer{TenantID: "t1", Name: "张三", Company: "ACME", Numbers: []string{"+86 138-1234-5678", "010 6666 7777"}, Tags: []string{"vip"}, Fields: map[string]any{"level": "VIP"}}
		if err := crm.CheckCustomer(defs, &c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCustomer(ctx, &c); err != nil {
			t.Fatal(err)
		}
		found, err := s.CustomerByNumber(ctx, "t1", "+8613812345678")
		if err != nil || found.ID != c.ID || found.Fields["level"] != "VIP" {
			t.Fatalf("by number: %+v %v", found, err)
		}
		if _, err := s.CustomerByNumber(ctx, "t2", "+8613812345678"); !store.IsNotFound(err) {
			t.Fatalf("other tenant: %v", err)
		}
		dup := store.Customer{TenantID: "t1", Name: "李四", Numbers: []string{"01066667777"}}
		if err := s.CreateCustomer(ctx, &dup); !store.IsConflict(err) || !strings.Contains(err.Error(), "01066667777") {
			t.Fatalf("number of another customer: %v", err)
		}
		bad := store.Customer{Name: "x", Fields: map[string]any{"birthday": "31/12/1990"}}
		if err := crm.CheckCustomer(defs, &bad); err == nil || !strings.Contains(err.Error(), "fields.birthday") {
			t.Fatalf("bad date: %v", err)
		}

		// A CSV with a bad row imports nothing and names the line.
		csvBad := "name,company,numbers,tags,level\n王五,,13900000001,,VIP\n赵六,,13900000002,,金卡\n"
		if _, _, err := crm.ParseCSV(strings.NewReader(csvBad), defs, "t1"); err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "fields.level") {
			t.Fatalf("bad csv: %v", err)
		}
		// A row clashing with a stored number rolls the whole import back.
		csvClash := "name,numbers\n王五,13900000001\n赵六,+8613812345678\n"
		cs, lines, err := crm.ParseCSV(strings.NewReader(csvClash), defs, "t1")
		if err != nil {
			t.Fatal(err)
		}
		err = s.ImportCustomers(ctx, cs, lines)
		var ie *store.ImportError
		if !errors.As(err, &ie) || ie.Row != 3 {
			t.Fatalf("clash: %v", err)
		}
		if all, _ := s.ListCustomers(ctx, "t1", store.CustomerFilter{}); len(all) != 1 {
			t.Fatalf("partial import: %d customers", len(all))
		}
		good := "\ufeffname,company,numbers,tags,level\n王五,Foo,13900000001;13900000003,a;b,普通\n"
		cs, lines, err = crm.ParseCSV(strings.NewReader(good), defs, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ImportCustomers(ctx, cs, lines); err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListCustomers(ctx, "t1", store.CustomerFilter{Q: "foo"})
		if len(all) != 1 || len(all[0].Numbers) != 2 || all[0].Tags[1] != "b" {
			t.Fatalf("imported: %+v", all)
		}
		if tagged, _ := s.ListCustomers(ctx, "t1", store.CustomerFilter{Tag: "vip"}); len(tagged) != 1 || tagged[0].Name != "张三" {
			t.Fatalf("by tag: %+v", tagged)
		}
		var buf bytes.Buffer
		all, _ = s.ListCustomers(ctx, "t1", store.CustomerFilter{})
		if err := crm.WriteCSV(&buf, defs, all, crm.Mask); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, "138****5678;010****7777") || strings.Contains(out, "12345678") {
			t.Fatalf("masked export:\n%s", out)
		}
		// The export reads back.
		buf.Reset()
		_ = crm.WriteCSV(&buf, defs, all, nil)
		if back, _, err := crm.ParseCSV(&buf, defs, "t1"); err != nil || len(back) != 2 {
			t.Fatalf("round trip: %d %v", len(back), err)
		}
	})
}

func TestSummaryForm(t *testing.T) {
	f := crm.SummaryForm{Businesses: []string{"宽带"}, Types: []string{"咨询", "投诉"}, Outcomes: []string{"已解决", "未解决"},
		Fields: []crm.Field{{Name: "note", Label: "备注", Type: crm.TypeText, Required: true, MaxLength: 10}}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    crm.Summary
		want string
	}{
		{crm.Summary{Business: "宽带", Type: "咨询"}, "outcome: required"},
		{crm.Summary{Business: "电视", Type: "咨询", Outcome: "已解决"}, `business "电视"`},
		{crm.Summary{Business: "宽带", Type: "咨询", Outcome: "已解决"}, "fields.note (备注): required"},
		{crm.Summary{Business: "宽带", Type: "咨询", Outcome: "已解决", Fields: map[string]any{"note": "一二三四五六七八九十十一"}}, "at most 10"},
	} {
		if _, err := f.Check(c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.s, err, c.want)
		}
	}
	if _, err := f.Check(crm.Summary{Business: "宽带", Type: "投诉", Outcome: "已解决", Fields: map[string]any{"note": "好"}}); err != nil {
		t.Fatal(err)
	}
	if err := (&crm.SummaryForm{Outcomes: []string{"a", "a"}}).Validate(); err == nil {
		t.Fatal("duplicate outcome accepted")
	}
}

func TestTypeValidation(t *testing.T) {
	base := func() crm.TypeConfig {
		c := complaint
		c.Transitions = map[string][]string{"new": {"resolved"}}
		return c
	}
	for _, c := range []struct {
		mod  func(*crm.TypeConfig)
		want string
	}{
		{func(c *crm.TypeConfig) { c.ID = "Bad ID" }, `id "Bad ID"`},
		{func(c *crm.TypeConfig) { c.Statuses = c.Statuses[:1] }, "at least two"},
		{func(c *crm.TypeConfig) { c.Statuses = []crm.Status{{ID: "a", Label: "A"}, {ID: "b", Label: "B"}} }, "none is marked resolved"},
		{func(c *crm.TypeConfig) { c.Transitions = map[string][]string{"new": {"gone"}} }, `transitions.new[0] "gone"`},
		{func(c *crm.TypeConfig) { c.Conditions = []crm.ConditionRule{{When: "priority ==", Action: "notify"}} }, "conditions[0].when"},
		{func(c *crm.TypeConfig) { c.Conditions = []crm.ConditionRule{{When: "priority", Action: "notify"}} }, "conditions[0].when"},
		{func(c *crm.TypeConfig) { c.Escalations = []crm.TimeRule{{AfterMinutes: 10, Action: "reassign"}} }, "reassign needs an agent or a queue"},
		{func(c *crm.TypeConfig) { c.Fields = []crm.Field{{Name: "x", Label: "X", Type: "select"}} }, "fields[0] (x).options"},
		{func(c *crm.TypeConfig) { c.SMS = &crm.SMSNotify{} }, "set customer and/or assignee"},
		{func(c *crm.TypeConfig) { c.SMS = &crm.SMSNotify{Customer: true, On: []string{"deleted"}} }, `sms.on[0] "deleted"`},
		{func(c *crm.TypeConfig) { c.SMS = &crm.SMSNotify{Customer: true, Template: "a b"} }, `sms.template "a b"`},
	} {
		tc := base()
		c.mod(&tc)
		if err := tc.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want %q", err, c.want)
		}
	}
	tc := base()
	if err := tc.Validate(); err != nil || tc.Initial != "new" {
		t.Fatalf("valid: %v %q", err, tc.Initial)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"+8613812345678": "138****5678", "13812345678": "138****5678", "+861066667777": "010****7777", "01066667777": "010****7777", "12345": "12*45", "110": "***"} {
		if got := crm.Mask(in); got != want {
			t.Errorf("Mask(%s) = %s, want %s", in, got, want)
		}
	}
}
