package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Dialer places calls for agents (click-to-dial): the controller's Dial.
type Dialer interface {
	Dial(ctx context.Context, switchName string, ep controller.Endpoint, o controller.OriginateOptions) (*controller.Call, error)
}

// ClickToDial rings the agent's own device and, when they answer, calls
// number and connects them. While the call lasts the agent is not ready
// ("outbound-call") so no queue call is offered to them; afterwards they are
// ready again. The call is recorded as an outbound call. It returns the
// call id once the agent answered.
func (d *Dispatcher) ClickToDial(ctx context.Context, tenant, agentID, number string) (string, error) {
	d.mu.Lock()
	dialer, sw := d.opt.Dialer, d.opt.DialSwitch
	d.mu.Unlock()
	if dialer == nil || sw == "" {
		return "", errors.New("click-to-dial needs a switch (no switch is configured)")
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return "", err
	}
	if a.CallID != "" {
		return "", errors.New("finish the current call first")
	}
	if a.Device == "" {
		return "", errors.New("log in on a device first")
	}
	own, err := d.endpointFor(a.Device)
	if err != nil {
		return "", err
	}
	target := controller.Endpoint{Kind: controller.EndpointExtension, Number: number}
	if len(number) > 6 || strings.HasPrefix(number, "+") {
		if d.opt.DefaultTrunk == "" {
			return "", errors.New("external numbers need media.default_trunk")
		}
		target = controller.Endpoint{Kind: controller.EndpointExternal, Number: strings.TrimPrefix(number, "+"), Trunk: d.opt.DefaultTrunk}
	}
	if _, err := eng.NotReady(ctx, agentID, "outbound-call"); err != nil {
		return "", err
	}
	// Afterwards the agent gets back the state they had: ready, or their
	// break/lunch reason.
	prevState, prevReason := a.State, a.Reason
	restore := func() {
		bg := context.Background()
		if prevState == acd.Available {
			_ = eng.Ready(bg, agentID)
		} else if prevReason != "" {
			_, _ = eng.NotReady(bg, agentID, prevReason)
		}
	}
	call, err := dialer.Dial(ctx, sw, own, controller.OriginateOptions{CallerIDNum: number, Timeout: 30 * time.Second,
		Vars: map[string]string{"ipcc_agent": agentID}})
	if err != nil {
		restore()
		return "", fmt.Errorf("ring your phone: %w", err)
	}
	rec := store.CallRecord{TenantID: tenant, ID: call.ID(), Switch: sw, Leg: call.Leg().ID(), Direction: "outbound",
		ANI: a.Device, DNIS: number, StartedAt: time.Now().UTC(), AgentID: agentID, Target: "number:" + number}
	d.saveCall(&rec)
	d.dials.Add(1)
	go func() { defer d.dials.Done(); d.finishDial(call, target, rec, restore) }()
	return call.ID(), nil
}

// finishDial calls the number from the agent's answered call, connects them
// and waits for the end.
func (d *Dispatcher) finishDial(call *controller.Call, target controller.Endpoint, rec store.CallRecord, restore func()) {
	defer restore()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	leg, err := call.Originate(ctx, target, controller.OriginateOptions{CallerIDNum: rec.ANI, Timeout: 45 * time.Second})
	switch {
	case err == nil:
		if err = call.Bridge(ctx, leg); err == nil {
			now := time.Now().UTC()
			rec.AnsweredAt, rec.Disposition = &now, "answered"
			select {
			case <-call.Done():
				_ = leg.Hangup(context.Background(), controller.CauseNormalClearing)
			case <-leg.Done():
				_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
			case <-ctx.Done():
			}
		}
	default:
		var oe *controller.OriginateError
		if errors.As(err, &oe) {
			rec.Disposition = strings.ToLower(string(oe.Cause))
		} else {
			rec.Disposition = "failed"
		}
		_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
	}
	now := time.Now().UTC()
	rec.EndedAt = &now
	d.saveCall(&rec)
}

func (d *Dispatcher) saveCall(r *store.CallRecord) {
	if d.opt.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.opt.Store.SaveCall(ctx, r); err != nil {
		d.log.Error("outbound call record not saved", "call", r.ID, "err", err)
	}
}
