package e2ebench

import (
	"context"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/examples"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/store"
)

// The call center the bench dials: one tenant, one hotline routed to a
// small IVR flow (a welcome prompt, a menu whose key 1 leads to the queue)
// and one queue whose members are the bench's agents.
const (
	benchTenant = "e2e-bench"
	benchDID    = "5500"
	benchFlow   = "e2e"
	benchQueue  = "e2e"
	benchKey    = "1"
)

// benchFlowYAML is the IVR every caller goes through. File prompts: the
// simulator plays any file for its media duration, and no text-to-speech
// engine is needed on the bench machine. The welcome can be interrupted
// and the key kept for the menu (type-ahead), as callers who know the
// menu expect; a caller whose key is lost still reaches the queue by the
// menu's fallback, only later.
const benchFlowYAML = `format: 1
id: e2e
name: bench e2e hotline
start: welcome
language: en
nodes:
  - id: welcome
    type: play
    interruptible: true
    prompt:
      - file: ivr/en/welcome.wav
    next: menu
  - id: menu
    type: menu
    prompt:
      - file: ivr/en/menu.wav
    options:
      "1": to_queue
    timeout: 5s
    retries: 2
    fallback: to_queue
  - id: to_queue
    type: transfer
    kind: queue
    target: e2e
`

// agentID names bench agent i.
func agentID(i int) string { return fmt.Sprintf("agent-%05d", i) }

// setUp writes the bench's call center into a fresh database.
func setUp(ctx context.Context, st *store.Store, agents int, ringTimeout, wrapUp time.Duration) error {
	if err := st.CreateTenant(ctx, &store.Tenant{ID: benchTenant, Name: "bench e2e", Timezone: "UTC"}); err != nil {
		return fmt.Errorf("tenant: %w", err)
	}
	f, err := ivrflows.Parse([]byte(benchFlowYAML))
	if err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	if err := examples.ImportFlow(ctx, st, benchTenant, f, true, "bench"); err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	q := acd.QueueConfig{ID: benchQueue, Name: "bench e2e", Strategy: acd.LongestIdle,
		RingTimeout: acd.Duration(ringTimeout), WrapUp: acd.Duration(wrapUp)}
	row, err := acd.QueueRow(benchTenant, q)
	if err != nil {
		return err
	}
	if err := st.CreateACDQueue(ctx, row); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for i := 0; i < agents; i++ {
		if err := st.PutACDMember(ctx, &store.ACDMember{TenantID: benchTenant, QueueID: benchQueue, AgentID: agentID(i), Level: 1}); err != nil {
			return fmt.Errorf("member %s: %w", agentID(i), err)
		}
	}
	r := &dialplan.Route{Name: "bench hotline", DID: benchDID, Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindFlow, Ref: benchFlow}}
	if err := st.CreateRoute(ctx, benchTenant, r); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	return nil
}

// benchTrunk is the PSTN gateway/trunk (media.default_trunk) agents on a
// mobile number are dialled through.
const benchTrunk = "pstn"

// mobileNumber is the mobile number (转手机) of agent i.
func mobileNumber(i int) string { return fmt.Sprintf("139%08d", i) }

// mobileAgents are the agents of agents on a mobile number: the last
// mobile of them.
func mobileAgents(agents, mobile int) []int {
	var out []int
	for i := max(agents-mobile, 0); i < agents; i++ {
		out = append(out, i)
	}
	return out
}

// deviceOf is agent i's device: their desk phone, or for the last mobile
// agents their mobile number, in the form the API stores it ("mobile:139…"
// is kept as "tel:139…").
func deviceOf(i, agents, mobile int) (string, error) {
	if i >= agents-mobile {
		return acd.CleanDevice("mobile:" + mobileNumber(i))
	}
	return phoneNumber(i), nil
}

// logIn logs every agent in on their simulated phone; the last mobile of
// them on their mobile number.
func logIn(ctx context.Context, eng *acd.Engine, agents, mobile int) error {
	if err := eng.ReloadConfig(ctx); err != nil {
		return err
	}
	for i := 0; i < agents; i++ {
		dev, err := deviceOf(i, agents, mobile)
		if err != nil {
			return fmt.Errorf("device of %s: %w", agentID(i), err)
		}
		if err := eng.Login(ctx, acd.LoginRequest{AgentID: agentID(i), Device: dev}); err != nil {
			return fmt.Errorf("log in %s: %w", agentID(i), err)
		}
	}
	return nil
}
