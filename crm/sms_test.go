package crm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// smsGateway is a local HTTP SMS gateway recording what it is asked to send.
type smsGateway struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string // "to: text"
}

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.sent = append(g.sent, m["mobile"]+": "+m["content"])
		n := len(g.sent)
		g.mu.Unlock()
		fmt.Fprintf(w, `{"code":"0","msgid":"G%d"}`, n)
	}))
	t.Cleanup(g.Close)
	return g
}

// wait returns what was sent once there are n messages (sorted), failing
// after a few seconds.
func (g *smsGateway) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		got := slices.Clone(g.sent)
		g.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("gateway got %d messages, want %d: %q", len(got), n, got)
			}
			g.mu.Lock()
			g.sent = nil
			g.mu.Unlock()
			slices.Sort(got)
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A type's work-order SMS goes, through the tenant's SMS provider and its
// workorder_update template, to the order's customer and its assignee
// (their number in the SMS settings) on the changes the type names, and
// not on the others.
func TestWorkOrderSMS(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc, _, _, _ := setup(t, s)
		gw := newSMSGateway(t)
		pol, err := egress.New([]string{"127.0.0.0/8"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		texts, err := sms.New(sms.Options{Store: s, Egress: pol})
		if err != nil {
			t.Fatal(err)
		}
		svc.SMS = texts
		cfg := fmt.Sprintf(`{"url":"%s/send","content_type":"application/json","body":"{\"mobile\":\"${to}\",\"content\":\"${text}\"}","response":{"message_id":"msgid","status":"code","accepted":["0"]}}`, gw.URL)
		if err := s.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, Enabled: true, IsDefault: true, Config: cfg}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: "t1", Name: "wo", Purpose: "workorder_update",
			Texts: `{"en":"Order ${workorder} (${title}) is now ${status} [${reason}]"}`}); err != nil {
			t.Fatal(err)
		}
		if err := texts.SaveSettings(ctx, "t1", &sms.Settings{Language: "en", AgentNumbers: map[string]string{"alice": "139 0000 0009"}}); err != nil {
			t.Fatal(err)
		}
		if err := (&sms.Settings{AgentNumbers: map[string]string{"bob": "12ab"}}).Validate(); err == nil || !strings.Contains(err.Error(), "agent_numbers.bob") {
			t.Fatalf("bad agent number: %v", err)
		}
		cust := &store.Customer{TenantID: "t1", Name: "Li Lei", Numbers: []string{"13800000001", "13800000002"}}
		if err := s.CreateCustomer(ctx, cust); err != nil {
			t.Fatal(err)
		}
		typ := crm.TypeConfig{ID: "repair", Name: "Repair",
			Statuses:    []crm.Status{{ID: "new", Label: "New"}, {ID: "working", Label: "In progress"}, {ID: "done", Label: "Done", Resolved: true}},
			Transitions: map[string][]string{"new": {"working"}, "working": {"done"}},
			SMS:         &crm.SMSNotify{Template: "wo", Customer: true, Assignee: true}}
		if err := typ.Validate(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(typ.SMS.On, []string{"created", "status"}) {
			t.Fatalf("default on: %v", typ.SMS.On)
		}
		b, _ := json.Marshal(typ)
		if err := s.PutWorkOrderType(ctx, &store.WorkOrderType{TenantID: "t1", ID: typ.ID, Name: typ.Name, Config: string(b)}); err != nil {
			t.Fatal(err)
		}
		w, err := svc.Create(ctx, "t1", "alice", crm.NewWorkOrder{Type: "repair", Title: "No dial tone", CustomerID: cust.ID, AssigneeAgent: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(w.ID)
		want := []string{"13800000001: Order " + id + " (No dial tone) is now New [created]", "13900000009: Order " + id + " (No dial tone) is now New [created]"}
		if got := gw.wait(t, 2); !slices.Equal(got, want) {
			t.Fatalf("on create:\n%q\nwant\n%q", got, want)
		}
		// A comment is not among the type's changes: no SMS.
		if _, err := svc.Comment(ctx, "t1", "alice", w.ID, "on my way"); err != nil {
			t.Fatal(err)
		}
		working := "working"
		if _, err := svc.Update(ctx, "t1", "alice", w.ID, crm.Change{Status: &working}); err != nil {
			t.Fatal(err)
		}
		want = []string{"13800000001: Order " + id + " (No dial tone) is now In progress [status]", "13900000009: Order " + id + " (No dial tone) is now In progress [status]"}
		if got := gw.wait(t, 2); !slices.Equal(got, want) {
			t.Fatalf("on status:\n%q\nwant\n%q", got, want)
		}
		// Stored as the tenant's outgoing messages, source workorder.
		ms, err := s.ListSMSMessages(ctx, "t1", store.SMSFilter{Number: "13800000001"})
		if err != nil || len(ms) != 2 || ms[0].Source != "workorder" || ms[0].Template != "wo" || ms[0].Status != store.SMSSent {
			t.Fatalf("stored: %+v %v", ms, err)
		}
		// An order without customer nor assignee sends nothing.
		if _, err := svc.Create(ctx, "t1", "alice", crm.NewWorkOrder{Type: "repair", Title: "Nobody"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		gw.wait(t, 0)
	})
}
