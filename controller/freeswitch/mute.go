package freeswitch

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipcc/ipcc/controller"
)

// muteLevel is the uuid_audio mute level. The media bug replaces each
// frame read from the leg with switch_generate_sln_silence(..., level):
// only -1 ((uint32_t)-1) writes plain zeroes; any other non-zero level is
// the divisor of generated noise, so -4 would send the caller static at
// a quarter of full scale instead of silence.
const muteLevel = "-1"

// renderMute mutes or unmutes what FreeSWITCH reads from the leg (the
// party's voice) with a media bug: mod_commands'
// "uuid_audio <uuid> [start [read|write] [mute|level <level>]|stop]".
// stop removes the bug, i.e. the voice passes again.
func renderMute(leg string, on bool) string {
	if on {
		return "api uuid_audio " + leg + " start read mute " + muteLevel
	}
	return "api uuid_audio " + leg + " stop"
}

// renderPhoneEvent asks the endpoint of the leg to act (mod_commands'
// "uuid_phone_event <uuid> <event>"); mod_sofia sends it as a SIP NOTIFY
// with "Event: talk", which Yealink, Polycom and other desk phones honour
// by going off hook when remote answer is allowed on the phone.
func renderPhoneEvent(leg, event string) string {
	return "api uuid_phone_event " + leg + " " + event
}

// Mute stops (on) or restores the audio read from the leg: the others stop
// hearing the party, who still hears them (uuid_audio).
func (d *Driver) Mute(ctx context.Context, leg string, on bool) error {
	if err := d.checkLegs("uuid_audio", leg); err != nil {
		return err
	}
	_, err := d.run(ctx, "uuid_audio", leg, renderMute(leg, on))
	return err
}

// RemoteAnswer sends the talk event to the phone ringing on leg
// (uuid_phone_event). FreeSWITCH answers "-ERR Operation Failed" for a
// missing channel as for a refusal, so the leg is checked first.
func (d *Driver) RemoteAnswer(ctx context.Context, leg string) error {
	if err := d.checkLegs("uuid_phone_event", leg); err != nil {
		return err
	}
	reply, err := d.run(ctx, "uuid_exists", leg, renderExists(leg))
	if err != nil {
		return err
	}
	if strings.TrimSpace(reply) != "true" {
		return fmt.Errorf("freeswitch %s: uuid_phone_event %s: %w", d.cfg.Name, leg, controller.ErrNoSuchLeg)
	}
	_, err = d.run(ctx, "uuid_phone_event", leg, renderPhoneEvent(leg, "talk"))
	return err
}

// Capabilities: FreeSWITCH can make a SIP phone answer remotely.
func (d *Driver) Capabilities() controller.Capabilities {
	return controller.Capabilities{RemoteAnswer: true}
}
