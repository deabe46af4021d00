package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// jobj is a JSON object that keeps its key order: Asterisk's key order is
// part of what the golden tests compare.
type jobj []jkv

type jkv struct {
	k string
	v any
}

// MarshalJSON renders the object in order.
func (o jobj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(kv.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

const asteriskID = "02:fc:00:00:00:01"

func astTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-0700") }

func astState(c *Channel) string {
	switch c.State {
	case StateUp:
		return "Up"
	case StateRinging:
		if c.Inbound {
			return "Ring"
		}
		return "Ringing"
	}
	return "Down"
}

func (a *ariServer) channelJSON(c *Channel) jobj {
	appName, appData := "", ""
	exten, prio := c.DNIS, 1
	if c.App != "" {
		appName = "Stasis"
		appData = strings.Join(append([]string{c.App}, c.AppArgs...), ",")
		if c.Inbound {
			prio = 2
		}
	} else if !c.Inbound && c.State != StateGone {
		appName, appData = "AppDial2", "(Outgoing Line)"
	}
	connected := jobj{{"name", ""}, {"number", ""}}
	if p := a.m.peer(c); p != nil {
		connected = jobj{{"name", p.ANIName}, {"number", p.ANI}}
	}
	if exten == "" {
		exten = "s"
	}
	ctx := c.Context
	if ctx == "" {
		ctx = "default"
	}
	return jobj{
		{"id", c.ID}, {"name", c.Name}, {"state", astState(c)}, {"protocol_id", ""},
		{"caller", jobj{{"name", c.ANIName}, {"number", c.ANI}}},
		{"connected", connected}, {"accountcode", ""},
		{"dialplan", jobj{{"context", ctx}, {"exten", exten}, {"priority", prio}, {"app_name", appName}, {"app_data", appData}}},
		{"creationtime", astTime(c.Created)}, {"language", "en"},
	}
}

func bridgeJSON(b *Bridge) jobj {
	tech := "simple_bridge"
	if b.Type == "holding" {
		tech = "holding_bridge"
	} else if len(b.Channels) > 2 {
		tech = "softmix"
	}
	chans := append([]string{}, b.Channels...)
	return jobj{
		{"id", b.ID}, {"technology", tech}, {"bridge_type", b.Type}, {"bridge_class", "stasis"},
		{"creator", "Stasis"}, {"name", b.Name}, {"channels", chans},
		{"creationtime", astTime(b.Created)}, {"video_mode", "talker"},
	}
}

func playbackJSON(p *Playback) jobj {
	lang := p.Lang
	if lang == "" {
		lang = "en"
	}
	o := jobj{{"id", p.ID}, {"media_uri", p.URI}}
	if p.State == "queued" || p.State == "playing" {
		if len(p.URIs) > 1 && p.idx+1 < len(p.URIs) {
			o = append(o, jkv{"next_media_uri", p.URIs[p.idx+1]})
		}
	}
	return append(o, jkv{"target_uri", p.TargetURI()}, jkv{"language", lang}, jkv{"state", p.State})
}

func recordingJSON(r *Recording, withDuration bool) jobj {
	o := jobj{{"name", r.Name}, {"format", r.Format}, {"state", r.State}, {"target_uri", "channel:" + r.Chan}}
	if withDuration {
		o = append(o, jkv{"duration", int(r.Duration.Seconds())})
	}
	return o
}

// causeText is Asterisk's cause_txt.
var causeText = map[int]string{
	1: "Unallocated (unassigned) number", 3: "No route to destination", 16: "Normal Clearing",
	17: "User busy", 18: "No user responding", 19: "User alerting, no answer", 20: "Subscriber absent",
	21: "Call Rejected", 26: "Answered elsewhere", 31: "Normal, unspecified",
	34: "Circuit/channel congestion", 38: "Network out of order", 41: "Temporary failure",
	42: "Switching equipment congestion",
}

func causeTxt(code int) string {
	if t, ok := causeText[code]; ok {
		return t
	}
	return "Unknown"
}

// ariEvent is a rendered event waiting for its "application" field.
type ariEvent struct {
	body     jobj
	chans    []*Channel
	bridge   *Bridge
	typ      string
	chanOnly bool
}

// render maps a model event onto ARI events (m.mu held).
func (a *ariServer) render(me *mEvent) *ariEvent {
	c := me.Ch
	if c != nil && c.Front != FrontAsterisk {
		return nil
	}
	ts := astTime(me.At)
	ev := func(typ string, extra ...jkv) *ariEvent {
		body := jobj{{"type", typ}, {"timestamp", ts}}
		body = append(body, extra...)
		out := &ariEvent{body: body, typ: typ}
		if c != nil {
			out.chans = []*Channel{c}
		}
		return out
	}
	switch me.Kind {
	case evCreate:
		return ev("ChannelCreated", jkv{"channel", a.channelJSON(c)})
	case evRinging, evAnswer:
		return ev("ChannelStateChange", jkv{"channel", a.channelJSON(c)})
	case evDial:
		return ev("Dial", jkv{"dialstatus", me.DialStatus}, jkv{"forward", ""}, jkv{"dialstring", c.Endpoint}, jkv{"peer", a.channelJSON(c)})
	case evStasisStart:
		args := append([]string{}, c.AppArgs...)
		return ev("StasisStart", jkv{"args", args}, jkv{"channel", a.channelJSON(c)})
	case evStasisEnd:
		return ev("StasisEnd", jkv{"channel", a.channelJSON(c)})
	case evDTMF:
		return ev("ChannelDtmfReceived", jkv{"digit", me.Digit}, jkv{"duration_ms", 120}, jkv{"channel", a.channelJSON(c)})
	case evVarSet:
		out := ev("ChannelVarset", jkv{"channel", a.channelJSON(c)})
		out.body = append(jobj{{"variable", me.Var}, {"value", me.Value}}, out.body...)
		return out
	case evHangupRequest:
		out := ev("ChannelHangupRequest", jkv{"channel", a.channelJSON(c)})
		head := jobj{{"cause", me.Code}}
		if me.Soft {
			head = append(head, jkv{"soft", true})
		}
		out.body = append(head, out.body...)
		return out
	case evHangup:
		code := causeCode(c.Cause)
		return ev("ChannelDestroyed", jkv{"cause", code}, jkv{"cause_txt", causeTxt(code)}, jkv{"channel", a.channelJSON(c)})
	case evBridge, evUnbridge:
		typ := "ChannelEnteredBridge"
		if me.Kind == evUnbridge {
			typ = "ChannelLeftBridge"
		}
		out := ev(typ, jkv{"bridge", bridgeJSON(me.Bridge)}, jkv{"channel", a.channelJSON(c)})
		out.bridge = me.Bridge
		return out
	case evBridgeCreated, evBridgeDestroyed:
		if me.Bridge.Front != FrontAsterisk {
			return nil
		}
		typ := "BridgeCreated"
		if me.Kind == evBridgeDestroyed {
			typ = "BridgeDestroyed"
		}
		out := ev(typ, jkv{"bridge", bridgeJSON(me.Bridge)})
		out.bridge = me.Bridge
		return out
	case evPlaybackStart, evPlaybackStop, evPlaybackContinue:
		p := me.Playback
		if p.Front != FrontAsterisk {
			return nil
		}
		typ := "PlaybackStarted"
		switch me.Kind {
		case evPlaybackStop:
			typ = "PlaybackFinished"
		case evPlaybackContinue:
			typ = "PlaybackContinuing"
		}
		out := ev(typ, jkv{"playback", playbackJSON(p)})
		if p.Bridge != "" {
			out.bridge = a.m.bridges[p.Bridge]
			out.chans = nil
		}
		return out
	case evRecordStart, evRecordStop:
		r := me.Recording
		if r.Front != FrontAsterisk {
			return nil
		}
		if r.State == "failed" {
			body := append(recordingJSON(r, false), jkv{"cause", r.failure})
			return ev("RecordingFailed", jkv{"recording", body})
		}
		typ := "RecordingStarted"
		if me.Kind == evRecordStop {
			typ = "RecordingFinished"
		}
		return ev(typ, jkv{"recording", recordingJSON(r, me.Kind == evRecordStop)})
	}
	return nil
}
