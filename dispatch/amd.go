package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// defaultMachineTimeout bounds answering-machine detection when the
// LeadCall names no limit (mod_amd's and AMD()'s own total analysis time
// is 5 s).
const defaultMachineTimeout = 6 * time.Second

// screenMachine runs answering-machine detection on a campaign callee who
// answered, when lc asks for it. It reports true when a machine answered:
// the machine then heard lc.MachineMessage (if any) and was hung up on, and
// the call's record says so (disposition "machine"). A person, an unsure
// result, a timeout or a switch that cannot detect give false (the call
// goes on to an agent); a callee who hung up meanwhile gives false too (the
// caller sees the call is over).
func (d *Dispatcher) screenMachine(ctx context.Context, call *controller.Call, rec *inbound.Record, lc *LeadCall) bool {
	if !lc.DetectMachine {
		return false
	}
	timeout := lc.MachineTimeout
	if timeout <= 0 {
		timeout = defaultMachineTimeout
	}
	result, cause, err := call.Leg().DetectMachine(ctx, timeout)
	switch {
	case errors.Is(err, controller.ErrNotSupported):
		call.Note("amd", "not supported by the switch: treated as a person")
		d.log.Warn("answering-machine detection not supported", "call", call.ID(), "switch", call.Switch(), "err", err)
		return false
	case err != nil:
		return false
	}
	d.log.Info("answering-machine detection", "call", call.ID(), "result", result, "cause", cause)
	if result != controller.MachineMachine {
		return false
	}
	rec.Update(func(r *store.CallRecord) { r.Disposition = OutcomeMachine })
	rec.Save()
	if len(lc.MachineMessage) > 0 && !callDone(call) {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 120*time.Second)
		if _, err := call.Leg().Play(pctx, controller.PlayOptions{Media: lc.MachineMessage}); err != nil && !errors.Is(err, controller.ErrHungUp) {
			d.log.Warn("answering-machine message not played", "call", call.ID(), "err", err)
		} else if err == nil {
			call.Note("amd", "message left on the answering machine")
		}
		cancel()
	}
	_ = call.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
	return true
}
