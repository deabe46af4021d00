package freeswitch

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// This file renders every neutral command into the exact text written to the
// event socket (eslgo appends the terminating blank line). Pure functions, so
// the golden tests pin the wire format.

// errInvalid marks input that cannot be rendered safely; it is wrapped with
// ErrRejected by the driver (the switch would refuse it, or worse, run it).
var errInvalid = errors.New("invalid argument")

var (
	tokenRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,127}$`)
	varNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	roomRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	dtmfRe    = regexp.MustCompile(`^[0-9*#A-Da-dwW]{1,64}$`)
	numberRe  = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)
	digitsRe  = regexp.MustCompile(`^[0-9]{1,64}$`)
)

func checkToken(what, s string) error {
	if !tokenRe.MatchString(s) {
		return fmt.Errorf("%s %q: %w", what, s, errInvalid)
	}
	return nil
}

// checkArg refuses text that would break the framing of a command line.
func checkArg(what, s string) error {
	if s == "" || strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("%s %q: %w", what, s, errInvalid)
	}
	return nil
}

func renderAnswer(leg string) string { return "api uuid_answer " + leg }

func renderKill(leg string, cause controller.Cause) string {
	if cause == "" {
		cause = controller.CauseNormalClearing
	}
	return "api uuid_kill " + leg + " " + string(cause)
}

// renderExecute renders sendmsg execute with CRLF line ends (FreeSWITCH drops
// the headers of a multi-line command framed with bare LF). Event-UUID comes
// back as Application-UUID on CHANNEL_EXECUTE(_COMPLETE).
func renderExecute(leg, app, arg, appUUID string, lock bool) string {
	var b strings.Builder
	b.WriteString("sendmsg " + leg + "\r\ncall-command: execute\r\nexecute-app-name: " + app)
	if arg != "" {
		b.WriteString("\r\nexecute-app-arg: " + arg)
	}
	if lock {
		b.WriteString("\r\nevent-lock: true")
	}
	if appUUID != "" {
		b.WriteString("\r\nEvent-UUID: " + appUUID)
	}
	return b.String()
}

// mediaApp renders one neutral media item as a dialplan application and its
// argument. Files, tones and silence go through playback with the playback id
// and item index as file parameters: FreeSWITCH merges {..} parameters into
// PLAYBACK_START/STOP, so those events carry ipcc_playback_id. Numbers and
// digits use the say application (playback's "say:" is text-to-speech, not
// number reading); say has no file parameters, so its start/end are known by
// the Application-UUID of our sendmsg.
func mediaApp(m controller.Media, playbackID string, idx int, defLang string) (app, arg string, err error) {
	tag := fmt.Sprintf("{ipcc_playback_id=%s,ipcc_playback_item=%d}", playbackID, idx)
	lang := sayLang(m.Lang, defLang)
	switch m.Kind {
	case controller.MediaFile:
		if err := checkArg("media file", m.Value); err != nil {
			return "", "", err
		}
		if strings.ContainsAny(m.Value, "{}!") {
			return "", "", fmt.Errorf("media file %q: braces and '!' are not allowed: %w", m.Value, errInvalid)
		}
		return "playback", tag + m.Value, nil
	case controller.MediaTone:
		tone, err := toneStream(m.Value, lang)
		if err != nil {
			return "", "", err
		}
		return "playback", tag + tone, nil
	case controller.MediaSilence:
		ms, err := strconv.Atoi(m.Value)
		if err != nil || ms < 0 || ms > 3600_000 {
			return "", "", fmt.Errorf("silence %q ms: %w", m.Value, errInvalid)
		}
		return "playback", tag + "silence_stream://" + strconv.Itoa(ms), nil
	case controller.MediaNumber:
		if !numberRe.MatchString(m.Value) {
			return "", "", fmt.Errorf("number %q: %w", m.Value, errInvalid)
		}
		return "say", lang + " number pronounced " + m.Value, nil
	case controller.MediaDigits:
		if !digitsRe.MatchString(m.Value) {
			return "", "", fmt.Errorf("digits %q: %w", m.Value, errInvalid)
		}
		return "say", lang + " number iterated " + m.Value, nil
	case controller.MediaTTS:
		return "", "", fmt.Errorf("media kind tts reaches the driver unrendered: %w", errInvalid)
	}
	return "", "", fmt.Errorf("media kind %d: %w", m.Kind, errInvalid)
}

// sayLang maps a BCP-47-ish language to a FreeSWITCH say module name
// (mod_say_zh is "zh", mod_say_en is "en"): "zh-CN" → "zh", "en-US" → "en".
func sayLang(lang, def string) string {
	if lang == "" {
		lang = def
	}
	if lang == "" {
		lang = "en"
	}
	primary, _, _ := strings.Cut(lang, "-")
	primary, _, _ = strings.Cut(primary, "_")
	primary = strings.ToLower(primary)
	if !varNameRe.MatchString(primary) {
		return "en"
	}
	return primary
}

// toneStream maps a neutral tone name (or a raw %(on,off,freq) spec) to a
// tone_stream:// URL. Chinese call-progress tones for zh, North American
// otherwise.
func toneStream(v, lang string) (string, error) {
	zh := lang == "zh"
	switch {
	case strings.HasPrefix(v, "tone_stream://"):
		if err := checkArg("tone", v); err != nil {
			return "", err
		}
		return v, nil
	case strings.HasPrefix(v, "%("):
		if err := checkArg("tone", v); err != nil {
			return "", err
		}
		return "tone_stream://" + v, nil
	case v == "beep":
		return "tone_stream://%(250,0,1000)", nil
	case v == "ring" && zh:
		return "tone_stream://%(1000,4000,450)", nil
	case v == "ring":
		return "tone_stream://%(2000,4000,440,480)", nil
	case v == "busy" && zh:
		return "tone_stream://%(350,350,450);loops=4", nil
	case v == "busy":
		return "tone_stream://%(500,500,480,620);loops=4", nil
	case v == "congestion" && zh:
		return "tone_stream://%(700,700,450);loops=4", nil
	case v == "congestion":
		return "tone_stream://%(250,250,480,620);loops=8", nil
	}
	return "", fmt.Errorf("tone %q: %w", v, errInvalid)
}

func renderBreak(leg string) string { return "api uuid_break " + leg + " all" }

// renderRecord renders uuid_record start|stop|mask|unmask (mask writes
// silence while paused, so timestamps stay aligned).
func renderRecord(leg, action, path string, limitSec int) string {
	s := "api uuid_record " + leg + " " + action + " " + path
	if action == "start" && limitSec > 0 {
		s += " " + strconv.Itoa(limitSec)
	}
	return s
}

func renderBridge(a, b string) string { return "api uuid_bridge " + a + " " + b }
func renderPark(leg string) string    { return "api uuid_park " + leg }

// renderHoldMusic plays stream to the leg until broken: sendmsg execute
// with loops -1 (switch_ivr_parse_event repeats the application; a stream
// that ends within half a second is not repeated) and event-lock, so it
// follows what the leg is playing. uuid_broadcast cannot loop and its
// Application-UUID is the switch's.
func renderHoldMusic(leg, stream, appUUID string) string {
	return renderExecute(leg, "playback", stream, appUUID, true) + "\r\nloops: -1"
}

func renderSetVar(leg, name, value string) string {
	if value == "" {
		return "api uuid_setvar " + leg + " " + name
	}
	return "api uuid_setvar " + leg + " " + name + " " + value
}

// renderSetVars sets several variables, one uuid_setvar each (names
// sorted). uuid_setvar_multi would save round trips, but uuid_setvar is the
// command the reference transcripts show (and the simulator implements).
func renderSetVars(leg string, vars map[string]string) []string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = renderSetVar(leg, k, vars[k])
	}
	return out
}

func renderSendDTMF(leg, digits string) string { return "api uuid_send_dtmf " + leg + " " + digits }
func renderRecvDTMF(leg, digits string) string { return "api uuid_recv_dtmf " + leg + " " + digits }
func renderExists(leg string) string           { return "api uuid_exists " + leg }
func renderDump(leg string) string             { return "api uuid_dump " + leg + " json" }

const (
	renderPing = "api version" // liveness check when heartbeats are late
	// BeaconVariable is the global variable the driver's Beacon writes.
	BeaconVariable     = "ipcc_seen"
	renderShowChannels = "api show channels as json"
	renderShowBridged  = "api show bridged_calls as json"
)

// renderTransfer hands the leg to the XML dialplan through a two-step
// inline dialplan: the first step clears ipcc's ownership mark, in the
// channel's own thread, as part of the transfer. A park produced before it
// (park_after_bridge, when the bridged peer leaves at that moment) still
// carries the mark and is known as stale; cleared by a uuid_setvar ahead of
// the transfer, such a park looked like a new call. Without a context the
// transfer application keeps the leg's own, as uuid_transfer would.
func renderTransfer(leg string, t controller.DialplanTarget) (string, error) {
	if err := checkToken("extension", t.Extension); err != nil {
		return "", err
	}
	dest := t.Extension
	if t.Context != "" {
		if err := checkToken("context", t.Context); err != nil {
			return "", err
		}
		dest += " XML " + t.Context
	}
	return "api uuid_transfer " + leg + " 'set:ipcc_owned=,transfer:" + dest + "' inline", nil
}

// renderConfJoin moves the leg into a conference through an inline dialplan;
// park after the conference keeps the leg under ipcc control when it leaves.
func renderConfJoin(leg, room, profile string, o controller.ConferenceOptions) (string, error) {
	if !roomRe.MatchString(room) {
		return "", fmt.Errorf("conference room %q: %w", room, errInvalid)
	}
	if profile == "" {
		profile = "default"
	}
	conf := room + "@" + profile
	var flags []string
	if o.Muted {
		flags = append(flags, "mute")
	}
	if o.Moderator {
		flags = append(flags, "moderator")
	}
	if len(flags) > 0 {
		conf += "++flags{" + strings.Join(flags, "|") + "}"
	}
	return "api uuid_transfer " + leg + " answer,conference:" + conf + ",park inline", nil
}

func renderConfLeave(leg string) string { return "api uuid_transfer " + leg + " park inline" }

func renderConfMute(room, member string, mute bool) string {
	verb := "unmute"
	if mute {
		verb = "mute"
	}
	return "api conference " + room + " " + verb + " " + member
}

func renderConfList(room string) string { return "api conference " + room + " json_list" }

// eavesdropDigit is the DTMF the eavesdrop application understands (with
// eavesdrop_enable_dtmf): 0 listen, 2 talk to the eavesdropped leg, 3 three-way.
func eavesdropDigit(m controller.EavesdropMode) string {
	switch m {
	case controller.EavesdropWhisper:
		return "2"
	case controller.EavesdropBarge:
		return "3"
	}
	return "0"
}

// eavesdropVars are set on the spy leg before the eavesdrop application
// starts: whisper to the eavesdropped (a) leg, and to its peer for barge.
func eavesdropVars(m controller.EavesdropMode) map[string]string {
	v := map[string]string{
		"eavesdrop_enable_dtmf":  "true",
		"eavesdrop_whisper_aleg": "false",
		"eavesdrop_whisper_bleg": "false",
	}
	switch m {
	case controller.EavesdropWhisper:
		v["eavesdrop_whisper_aleg"] = "true"
	case controller.EavesdropBarge:
		v["eavesdrop_whisper_aleg"] = "true"
		v["eavesdrop_whisper_bleg"] = "true"
	}
	return v
}

// originateDial renders the dial string of an endpoint.
func originateDial(ep controller.Endpoint, extFmt, gwFmt string) (string, error) {
	switch ep.Kind {
	case controller.EndpointExtension:
		if err := checkToken("extension", ep.Number); err != nil {
			return "", err
		}
		return fmt.Sprintf(extFmt, ep.Number), nil
	case controller.EndpointExternal:
		if err := checkToken("number", ep.Number); err != nil {
			return "", err
		}
		if err := checkToken("trunk", ep.Trunk); err != nil {
			return "", err
		}
		return fmt.Sprintf(gwFmt, ep.Trunk, ep.Number), nil
	case controller.EndpointRaw:
		if ep.Number == "" || strings.ContainsAny(ep.Number, " \t\r\n") {
			return "", fmt.Errorf("dial string %q: %w", ep.Number, errInvalid)
		}
		return ep.Number, nil
	}
	return "", fmt.Errorf("endpoint kind %d: %w", ep.Kind, errInvalid)
}

// quoteVar renders a value inside originate's {k=v,...}: commas escaped,
// single quotes around values with spaces.
func quoteVar(v string) (string, error) {
	if strings.ContainsAny(v, "{}'\r\n") {
		return "", fmt.Errorf("variable value %q: %w", v, errInvalid)
	}
	v = strings.ReplaceAll(v, ",", `\,`)
	if strings.ContainsAny(v, " \t") {
		v = "'" + v + "'"
	}
	return v, nil
}

// renderOriginate renders bgapi originate with our leg id as
// origination_uuid, so every event of the new leg (and the BACKGROUND_JOB,
// through Job-Command-Arg) names a leg ipcc already knows. The leg parks
// when answered; ipcc bridges it.
func renderOriginate(o controller.Originate, extFmt, gwFmt string, fixed map[string]string) (string, error) {
	if err := checkToken("leg id", o.LegID); err != nil {
		return "", err
	}
	dial, err := originateDial(o.Endpoint, extFmt, gwFmt)
	if err != nil {
		return "", err
	}
	// The variables in a slice, later ones replacing earlier ones (the
	// call's, then the driver's, then caller id and timeout), sorted by
	// name: an originate is rendered hundreds of times a second, and a map,
	// its key list and a part per variable were most of what it allocated.
	vars := make([]hdrKV, 0, len(o.Vars)+len(fixed)+3)
	set := func(k, v string) {
		for i := range vars {
			if vars[i].k == k {
				vars[i].v = v
				return
			}
		}
		vars = append(vars, hdrKV{k, v})
	}
	for k, v := range o.Vars {
		set(k, v)
	}
	for k, v := range fixed {
		set(k, v)
	}
	if o.CallerIDNum != "" {
		set("origination_caller_id_number", o.CallerIDNum)
	}
	if o.CallerIDName != "" {
		set("origination_caller_id_name", o.CallerIDName)
	}
	if o.Timeout > 0 {
		// FreeSWITCH counts originate_timeout on whole seconds of its
		// clock and gives up when the count reaches it: 0-1 s before the
		// limit (switch_ivr_originate.c). One second more makes the leg
		// ring at least Timeout, as callers mean it (a campaign's minimum
		// ring time) and as Asterisk's millisecond count does.
		set("originate_timeout", strconv.Itoa(int(math.Ceil(o.Timeout.Seconds()))+1))
	}
	vars = slices.DeleteFunc(vars, func(kv hdrKV) bool { return kv.k == "origination_uuid" })
	slices.SortFunc(vars, func(a, b hdrKV) int { return strings.Compare(a.k, b.k) })
	size := len("bgapi originate {origination_uuid=") + len(o.LegID) + len("}") + len(dial) + len(" &park()")
	for _, kv := range vars {
		if !varNameRe.MatchString(kv.k) {
			return "", fmt.Errorf("variable name %q: %w", kv.k, errInvalid)
		}
		size += 1 + len(kv.k) + 1 + len(kv.v) + 2
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("bgapi originate {origination_uuid=")
	b.WriteString(o.LegID)
	for _, kv := range vars {
		q, err := quoteVar(kv.v)
		if err != nil {
			return "", fmt.Errorf("variable %s: %w", kv.k, err)
		}
		b.WriteByte(',')
		b.WriteString(kv.k)
		b.WriteByte('=')
		b.WriteString(q)
	}
	b.WriteByte('}')
	b.WriteString(dial)
	b.WriteString(" &park()")
	return b.String(), nil
}

// subscribedEvents is what the driver listens to: plain events (the only
// format eslgo parses), named so API/CHANNEL_STATE/... noise stays on the
// switch; CUSTOM subclasses must be named to be delivered.
var subscribedEvents = []string{
	"CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER",
	"CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE",
	"CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_HANGUP_COMPLETE", "DTMF",
	"PLAYBACK_START", "PLAYBACK_STOP", "RECORD_START", "RECORD_STOP",
	"BACKGROUND_JOB", "HEARTBEAT", "SHUTDOWN",
	"CUSTOM", "conference::maintenance", amdEvent,
}

func renderSubscribe() string { return "event plain " + strings.Join(subscribedEvents, " ") }

// renderBeacon sets the global variable the fallback dialplan reads.
func renderBeacon(now time.Time) string {
	return "api global_setvar " + BeaconVariable + "=" + strconv.FormatInt(now.Unix(), 10)
}
