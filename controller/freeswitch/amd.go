package freeswitch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
)

// amdEvent is the CUSTOM subclass mod_amd fires when it decided, with the
// channel's variables (amd_result HUMAN, MACHINE or NOT_SURE; amd_cause
// such as LONG_GREETING, MAX_WORDS, INITIAL_SILENCE,
// SILENCE_AFTER_GREETING, TOO_LONG).
const amdEvent = "mod_amd::info"

// DetectMachine starts answering-machine detection on the leg: a sendmsg
// execute of Config.AMDApp (mod_amd). The application is non-blocking (a
// media bug: its CHANNEL_EXECUTE_COMPLETE follows at once); the result
// arrives as the CUSTOM mod_amd::info event, translated into
// EventMachineDetected. A hangup before the decision fires no event (mod_amd
// sets amd_result=CANCEL only): the leg's HungUp ends the wait.
//
// FreeSWITCH hangs up a channel told to execute an application it does not
// have (DESTINATION_OUT_OF_ORDER), so the driver first asks whether mod_amd
// is loaded (module_exists, remembered for amdRecheck): without it the
// request is refused with ErrNotSupported and the callee is left alone.
func (d *Driver) DetectMachine(ctx context.Context, leg string) error {
	if err := d.checkLegs("amd", leg); err != nil {
		return err
	}
	if err := checkToken("amd application", d.cfg.AMDApp); err != nil {
		return d.invalid("amd", leg, fmt.Errorf("config amd_app: %w", err))
	}
	loaded, err := d.amdModule(ctx)
	if err != nil {
		return err
	}
	if !loaded {
		return fmt.Errorf("freeswitch %s: amd on %s: mod_amd is not loaded (module_exists mod_amd: false): %w", d.cfg.Name, leg, controller.ErrNotSupported)
	}
	_, err = d.run(ctx, "amd", leg, renderExecute(leg, d.cfg.AMDApp, "", uuid.NewString(), false))
	return err
}

// amdRecheck is how long the answer of module_exists mod_amd is kept.
const amdRecheck = 30 * time.Second

// amdModule tells whether mod_amd is loaded on the switch.
func (d *Driver) amdModule(ctx context.Context) (bool, error) {
	d.amdMu.Lock()
	if !d.amdChecked.IsZero() && time.Since(d.amdChecked) < amdRecheck {
		ok := d.amdLoaded
		d.amdMu.Unlock()
		return ok, nil
	}
	d.amdMu.Unlock()
	reply, err := d.run(ctx, "module_exists", "", "api module_exists mod_amd")
	if err != nil {
		return false, err
	}
	ok := strings.TrimSpace(reply) == "true"
	d.amdMu.Lock()
	d.amdChecked, d.amdLoaded = time.Now(), ok
	d.amdMu.Unlock()
	return ok, nil
}
