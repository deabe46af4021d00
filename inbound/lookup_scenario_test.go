package inbound_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// events records what a CallEvents observer hears.
type events struct {
	mu   sync.Mutex
	seen []string
	recs []store.CallRecord
	det  []map[string]any
}

func (e *events) CallEvent(what string, rec store.CallRecord, detail map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen = append(e.seen, what)
	e.recs = append(e.recs, rec)
	e.det = append(e.det, detail)
}

func (e *events) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

func TestScenarioCallerLookupAndCallEvents(t *testing.T) {
	t.Parallel()
	var asked sync.Map
	crmSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		caller := r.URL.Query().Get("tel")
		asked.Store(caller, true)
		switch caller {
		case "13800138004":
			rw.Header().Set("Content-Type", "application/json")
			io.WriteString(rw, `{"name":"Li Lei","vip":true,"language":"zh","preferred_agent":"1005","vars":{"account":"A-42"}}`)
		case "13800138005":
			time.Sleep(2 * time.Second) // slower than the lookup's timeout
		default:
			http.NotFound(rw, r)
		}
	}))
	defer crmSrv.Close()
	balance := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, `{"data":{"balance":250}}`)
	}))
	defer balance.Close()
	loopback, err := egress.New([]string{"127.0.0.0/8"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	w := newWorldWith(t, store.SQLite, sim.FrontFreeSWITCH, openTime, balance.URL, func(o *inbound.Options, st *store.Store) {
		if err := st.PutScreenPop(context.Background(), &store.ScreenPop{TenantID: tenant, Mode: "link", LookupURL: crmSrv.URL + "/lookup?tel={caller}&did={did}", LookupTimeoutMS: 300, LookupCacheMS: 60000}); err != nil {
			t.Fatal(err)
		}
		o.Events = ev
		o.Lookup = crm.NewLookup(crm.LookupOptions{Store: st, HTTP: loopback.Client(0), Logger: quiet})
	})
	leg := w.dial("13800138004",
		sim.Press{After: 300 * time.Millisecond, Digits: "3"},
		sim.Press{After: 2000 * time.Millisecond, Digits: "123456#"},
		sim.Press{After: 4000 * time.Millisecond, Digits: "1"})
	rec := w.record(leg)
	if !strings.Contains(rec.Trace, `caller lookup (crm): name=\"Li Lei\" vip=true language=zh agent=1005`) {
		t.Fatalf("trace has no lookup: %s", rec.Trace)
	}
	waitFor(t, "the call's end heard", func() bool {
		l := ev.list()
		return len(l) > 0 && l[len(l)-1] == inbound.CallEnded
	})
	got := ev.list()
	if want := []string{inbound.CallArrived, inbound.CallSurveyed, inbound.CallEnded}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
	ev.mu.Lock()
	if ev.recs[0].TenantID != tenant || ev.recs[0].ANI != "13800138004" || ev.det[1]["score"] != 1 || ev.recs[2].EndedAt == nil || ev.recs[2].SurveyScore == nil {
		t.Errorf("event records %+v details %+v", ev.recs, ev.det)
	}
	ev.mu.Unlock()

	// A CRM slower than the timeout: the call is routed without it.
	start := time.Now()
	leg = w.dial("13800138005", sim.Press{After: 1000 * time.Millisecond, Digits: "2"})
	waitFor(t, "the caller reaches support despite the slow CRM", func() bool { return w.bridgedTo(leg) == "2002" })
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("routing waited %s for the CRM", took)
	}
	w.w.Sim.HangupCall(leg)
	rec = w.record(leg)
	if !strings.Contains(rec.Trace, "caller lookup failed, routing without it") {
		t.Fatalf("trace: %s", rec.Trace)
	}
	if _, ok := asked.Load("13800138005"); !ok {
		t.Fatal("the CRM was not asked")
	}
}
