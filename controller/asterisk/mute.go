package asterisk

import (
	"context"
	"fmt"

	"github.com/ipcc/ipcc/controller"
)

// Mute stops (on) or restores what the leg's party says: POST or DELETE
// /channels/{id}/mute?direction=in. "in" is the audio coming from the
// party, so the others stop hearing them while they still hear the call.
func (d *Driver) Mute(ctx context.Context, leg string, on bool) error {
	op := "unmute"
	if on {
		op = "mute"
	}
	if err := d.ready(op, leg); err != nil {
		return err
	}
	if err := d.cl.Mute(ctx, leg, "in", on); err != nil {
		return d.fail(op, leg, err)
	}
	return nil
}

// RemoteAnswer is not possible over ARI: it has no request that makes a
// ringing PJSIP phone go off hook (answer only answers channels that
// Asterisk itself is receiving), so agents answer on the handset.
func (d *Driver) RemoteAnswer(ctx context.Context, leg string) error {
	return fmt.Errorf("asterisk %s: %s: %w: ARI cannot make a ringing phone answer", d.cfg.Name, where("remote answer", leg), controller.ErrNotSupported)
}

// Capabilities: no remote answer over ARI.
func (d *Driver) Capabilities() controller.Capabilities { return controller.Capabilities{} }
