package asterisk

import (
	"context"
	"fmt"

	"github.com/ipcc/ipcc/controller"
)

// DetectMachine runs Asterisk's AMD() on the leg. ARI cannot run dialplan
// applications, so the leg makes a dialplan hop: POST
// /channels/{id}/continue to Config.AMDContext, extension s, priority 1,
// where the dialplan runs AMD() and sends the leg back with
// Stasis(<App>,<AMDArg>,${AMDSTATUS},${AMDCAUSE}); the StasisStart's
// arguments become EventMachineDetected. The StasisEnd of the hop is not a
// hangup. Only legs ipcc originated are supported: they keep their
// subscription outside Stasis (so a hangup during the hop is still seen),
// which channels that entered Stasis from the dialplan do not.
func (d *Driver) DetectMachine(ctx context.Context, leg string) error {
	if err := d.ready("amd", leg); err != nil {
		return err
	}
	d.mu.Lock()
	l := d.st.live(leg)
	switch {
	case l == nil:
		d.mu.Unlock()
		return fmt.Errorf("asterisk %s: %s: %w", d.cfg.Name, where("amd", leg), controller.ErrNoSuchLeg)
	case l.kind != kindOriginated:
		d.mu.Unlock()
		return fmt.Errorf("asterisk %s: %s: only on legs ipcc originated: %w", d.cfg.Name, where("amd", leg), controller.ErrNotSupported)
	case l.amd:
		d.mu.Unlock()
		return d.invalid("amd", leg, "detection already running")
	}
	l.amd = true
	d.mu.Unlock()
	if err := d.cl.Continue(ctx, leg, d.cfg.AMDContext, "s", 1); err != nil {
		d.mu.Lock()
		l.amd = false
		d.mu.Unlock()
		return d.fail("amd", leg, err)
	}
	return nil
}
