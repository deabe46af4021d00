package campaign_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type noCalls struct{}

func (noCalls) Engine(context.Context, string) (*acd.Engine, error) {
	return nil, errors.New("no ACD here")
}
func (noCalls) DialFor(context.Context, string, string, dispatch.LeadCall) (string, error) {
	return "", errors.New("no calls here")
}
func (noCalls) DialLeadFirst(context.Context, string, string, dispatch.LeadCall) error {
	return errors.New("no calls here")
}
func (noCalls) DialPredictive(context.Context, string, dispatch.LeadCall) error {
	return errors.New("no calls here")
}
func (noCalls) DialBroadcast(context.Context, string, dispatch.Broadcast) error {
	return errors.New("no calls here")
}
func (noCalls) Publish(dispatch.Event) {}

// A lead left "dialing" by an interrupted run is put back on the list when
// the dialer becomes active (a standby leaves it alone).
func TestDialerPutsBackLeadsOfAnInterruptedRun(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newCampaign(t, st, "spring", nil)
	if _, err := campaign.Import(ctx, st, c, strings.NewReader("phone\n13800000001\n"), campaign.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := campaign.Act(ctx, st, "acme", "spring", campaign.Start); err != nil {
		t.Fatal(err)
	}
	l, err := st.ClaimLead(ctx, "acme", "spring", "bob", store.LeadDialing, time.Now())
	if err != nil || l == nil {
		t.Fatalf("claim %v %v", l, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var active atomic.Bool
	d := campaign.New(campaign.Options{Store: st, Calls: noCalls{}, Logger: quiet, Interval: 10 * time.Millisecond, Active: active.Load})
	go func() { defer close(done); _ = d.Run(rctx) }()
	time.Sleep(100 * time.Millisecond)
	if got, _ := st.GetLead(ctx, "acme", l.ID); got.Status != store.LeadDialing {
		t.Fatalf("a standby put the lead back: %+v", got)
	}
	active.Store(true)
	waitFor(t, "the lead is pending again", func() bool {
		got, _ := st.GetLead(ctx, "acme", l.ID)
		return got != nil && got.Status == store.LeadPending && got.ClaimedBy == ""
	})
	cancel()
	<-done
}

// Lifecycle through the package: settings change live but the type is fixed once started.
func TestActAndUpdate(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newCampaign(t, st, "prog", nil)
	if _, err := campaign.Act(ctx, st, "acme", "prog", campaign.Start); err != nil {
		t.Fatal(err)
	}
	c.Settings.MaxInFlight, c.Settings.RingTimeoutMS = 5, 20000
	if err := campaign.Update(ctx, st, c); err != nil {
		t.Fatal(err)
	}
	got, _ := campaign.Get(ctx, st, "acme", "prog")
	if got.Status != campaign.Running || got.Settings.MaxInFlight != 5 || got.Settings.RingTimeout() != 20*time.Second {
		t.Fatalf("%+v", got)
	}
	c.Type = campaign.Preview
	if err := campaign.Update(ctx, st, c); err == nil {
		t.Fatal("the type of a running campaign changed")
	}
	if err := campaign.Delete(ctx, st, "acme", "prog"); !errors.Is(err, campaign.ErrTransition) {
		t.Fatalf("a running campaign was deleted: %v", err)
	}
}
