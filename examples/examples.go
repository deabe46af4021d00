// Package examples is the sample call center that ships with ipcc: the
// bilingual IVR flows and business hours in examples/flows, plus the routes
// that send the demo hotlines to them. `ipcc serve --demo` loads it into the
// default tenant, and `ipcc flow import` loads flow files of your own.
package examples

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

//go:embed flows/*.yaml flows/schedules/*.yaml
var files embed.FS

// DIDs are the demo hotlines the sample routes answer.
var DIDs = []string{"4001", "4002"}

// Sample callers the tenant settings name: a number on the blacklist
// (rejected with the blacklist prompt) and a VIP on the whitelist (served
// first).
const (
	BlacklistedCaller = "13900000666"
	VIPCaller         = "13900000888"
)

// OutboundCallerID is the number the sample's outside calls present (the
// hotline).
const OutboundCallerID = "4001"

// Flows returns the sample flows, parsed and validated.
func Flows() ([]*ivrflows.Flow, error) {
	entries, err := fs.ReadDir(files, "flows")
	if err != nil {
		return nil, err
	}
	var out []*ivrflows.Flow
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, err := files.ReadFile(path.Join("flows", e.Name()))
		if err != nil {
			return nil, err
		}
		f, err := ivrflows.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("examples: %s: %w", e.Name(), err)
		}
		if errs := ivrflows.Validate(f); len(errs) > 0 {
			return nil, fmt.Errorf("examples: %s: %v", e.Name(), errs)
		}
		out = append(out, f)
	}
	return out, nil
}

// Schedules returns the sample schedules, their ids taken from the file
// names (main-hours.yaml → "main-hours", as the flows name them).
func Schedules() ([]*schedule.Schedule, error) {
	entries, err := fs.ReadDir(files, "flows/schedules")
	if err != nil {
		return nil, err
	}
	var out []*schedule.Schedule
	for _, e := range entries {
		b, err := files.ReadFile(path.Join("flows/schedules", e.Name()))
		if err != nil {
			return nil, err
		}
		sc, err := schedule.ParseYAML(b)
		if err != nil {
			return nil, fmt.Errorf("examples: schedule %s: %w", e.Name(), err)
		}
		sc.ID = strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		out = append(out, sc)
	}
	return out, nil
}

// Queues are the sample's skill groups, the ones its flows transfer to.
// Waiting callers may press 1 to be called back or 2 to leave a message.
func Queues() []acd.QueueConfig {
	ann := acd.Announcements{Lang: "zh-CN", EntryPrompt: "您的来电已进入排队，请稍候。",
		EntryPrompts: map[string]string{"en": "Your call is in the queue; please hold."},
		Position:     true, PositionInterval: acd.Duration(30e9), AgentWhisper: true, AgentID: true, CallbackKey: "1", VoicemailKey: "2"}
	vm := acd.OverflowTarget{Kind: acd.TargetVoicemail, Value: "after-hours"}
	mk := func(id, name string, strategy acd.Strategy) acd.QueueConfig {
		return acd.QueueConfig{ID: id, Name: name, Strategy: strategy, RingTimeout: acd.Duration(15e9), WrapUp: acd.Duration(10e9), Announcements: ann,
			Limits: acd.QueueLimits{MaxWait: acd.Duration(180e9)}, Overflow: acd.OverflowTargets{MaxWait: vm, NoAgents: vm, Voicemail: vm},
			SurveyFlow: "survey"}
	}
	return []acd.QueueConfig{
		mk("sales", "销售咨询 Sales", "longest-idle"),
		mk("support", "技术支持 Support", "round-robin"),
		mk("operator", "人工服务 Operator", "ring-all"),
		mk("duty", "值班坐席 Duty team", "fewest-calls"),
	}
}

// Load puts the sample into tenant: schedules, flows (published), the
// queues they use, one route per demo DID to the main flow, and the tenant
// settings (see Settings). What exists already is left alone, so loading
// twice changes nothing and never overwrites an admin's edits.
func Load(ctx context.Context, st *store.Store, tenant string) error {
	scs, err := Schedules()
	if err != nil {
		return err
	}
	if err := Settings(ctx, st, tenant, scs); err != nil {
		return err
	}
	for _, sc := range scs {
		if _, err := st.GetSchedule(ctx, tenant, sc.ID); err == nil {
			continue
		}
		if err := st.CreateSchedule(ctx, tenant, sc); err != nil && !store.IsConflict(err) {
			return fmt.Errorf("examples: %w", err)
		}
	}
	flows, err := Flows()
	if err != nil {
		return err
	}
	for _, f := range flows {
		if err := ImportFlow(ctx, st, tenant, f, true, "sample"); err != nil && !store.IsConflict(err) {
			return err
		}
	}
	for _, q := range Queues() {
		if _, err := st.GetACDQueue(ctx, tenant, q.ID); err == nil {
			continue
		}
		row, err := acd.QueueRow(tenant, q)
		if err != nil {
			return fmt.Errorf("examples: queue %s: %w", q.ID, err)
		}
		if err := st.CreateACDQueue(ctx, row); err != nil && !store.IsConflict(err) {
			return fmt.Errorf("examples: queue %s: %w", q.ID, err)
		}
	}
	routes, err := st.ListRoutes(ctx, tenant)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, r := range routes {
		have[r.DID] = true
	}
	for _, did := range DIDs {
		if have[did] {
			continue
		}
		r := &dialplan.Route{Name: "Hotline " + did, DID: did, Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindFlow, Ref: "main"}}
		if err := st.CreateRoute(ctx, tenant, r); err != nil && !store.IsConflict(err) {
			return fmt.Errorf("examples: route %s: %w", did, err)
		}
	}
	return nil
}

// ImportFlow stores f in tenant as a new flow (ErrConflict when the id is
// taken) and, with publish, publishes it as version 1.
func ImportFlow(ctx context.Context, st *store.Store, tenant string, f *ivrflows.Flow, publish bool, by string) error {
	if errs := ivrflows.Validate(f); len(errs) > 0 {
		return fmt.Errorf("flow %q: %v", f.ID, errs)
	}
	doc, err := f.Marshal()
	if err != nil {
		return fmt.Errorf("flow %q: %w", f.ID, err)
	}
	name := f.Name
	if name == "" {
		name = f.ID
	}
	if err := st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: f.ID, Name: name, Draft: string(doc), UpdatedBy: by}); err != nil {
		return err
	}
	if publish {
		if _, err := st.PublishFlow(ctx, tenant, f.ID, string(doc), by); err != nil {
			return err
		}
	}
	return nil
}

// Settings gives the tenant what the sample expects of it: the time zone of
// the sample hours (Asia/Shanghai) when the tenant is still on the
// default UTC, the hotline as outbound caller ID when none is set, and one
// blacklisted and one VIP caller when the lists are empty.
func Settings(ctx context.Context, st *store.Store, tenant string, scs []*schedule.Schedule) error {
	t, err := st.GetTenant(ctx, tenant)
	if err != nil {
		return fmt.Errorf("examples: %w", err)
	}
	if (t.Timezone == "" || t.Timezone == "UTC") && len(scs) > 0 && scs[0].Timezone != "" {
		t.Timezone = scs[0].Timezone
		if err := st.UpdateTenant(ctx, t); err != nil {
			return fmt.Errorf("examples: time zone: %w", err)
		}
	}
	set, err := st.GetRoutingSettings(ctx, tenant)
	if err != nil {
		return fmt.Errorf("examples: %w", err)
	}
	if set.OutboundCallerID == "" {
		set.OutboundCallerID = OutboundCallerID
		if err := st.PutRoutingSettings(ctx, tenant, set); err != nil {
			return fmt.Errorf("examples: routing settings: %w", err)
		}
	}
	if bl, err := st.ListBlacklist(ctx, tenant); err != nil {
		return fmt.Errorf("examples: %w", err)
	} else if len(bl) == 0 {
		e := &dialplan.BlacklistEntry{Number: BlacklistedCaller, Kind: dialplan.Exact, Reason: "sample: nuisance caller"}
		if err := st.AddBlacklist(ctx, tenant, e); err != nil && !store.IsConflict(err) {
			return fmt.Errorf("examples: blacklist: %w", err)
		}
	}
	if wl, err := st.ListWhitelist(ctx, tenant); err != nil {
		return fmt.Errorf("examples: %w", err)
	} else if len(wl) == 0 {
		e := &dialplan.WhitelistEntry{Number: VIPCaller, Kind: dialplan.Exact, Name: "VIP 王总 (sample)", Priority: 9}
		if err := st.AddWhitelist(ctx, tenant, e); err != nil && !store.IsConflict(err) {
			return fmt.Errorf("examples: whitelist: %w", err)
		}
	}
	return nil
}
