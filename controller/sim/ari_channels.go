package sim

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

var (
	notFound      = msg("Resource not found")
	badMethod     = msg("Invalid method")
	chanNotFound  = msg("Channel not found")
	notInStasis   = msg("Channel not in Stasis application")
	reasonCodes   = map[string]int{"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18, "rejected": 21, "unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28, "codec_mismatch": 58, "interworking": 127, "failure": 38, "answered_elsewhere": 26}
	validDTMF     = "0123456789*#ABCDabcd"
	recordFormats = map[string]bool{"wav": true, "wav16": true, "gsm": true, "ulaw": true, "alaw": true, "sln": true, "g722": true}
)

// route dispatches a REST request (m.mu held). It returns status and body.
func (a *ariServer) route(method string, parts []string, p params) (int, any) {
	n := len(parts)
	switch parts[0] {
	case "channels":
		return a.routeChannels(method, parts, p)
	case "bridges":
		return a.routeBridges(method, parts, p)
	case "playbacks":
		if n < 2 {
			return http.StatusNotFound, notFound
		}
		return a.routePlayback(method, parts, p)
	case "recordings":
		return a.routeRecordings(method, parts, p)
	case "applications":
		return a.routeApplications(method, parts, p)
	case "asterisk":
		if n == 2 && method == http.MethodGet {
			switch parts[1] {
			case "info":
				return http.StatusOK, jobj{
					{"build", jobj{{"os", "Linux"}, {"kernel", "sim"}, {"machine", "x86_64"}, {"options", "OPTIONAL_API"}, {"date", astTime(a.m.started)}, {"user", "sim"}}},
					{"system", jobj{{"version", "UNKNOWN__and_probably_unsupported"}, {"entity_id", asteriskID}}},
					{"config", jobj{{"name", ""}, {"default_language", "en"}, {"setid", jobj{{"user", ""}, {"group", ""}}}}},
					{"status", jobj{{"startup_time", astTime(a.m.started)}, {"last_reload_time", astTime(a.m.started)}}},
				}
			case "ping":
				return http.StatusOK, jobj{{"ping", "pong"}, {"timestamp", astTime(time.Now())}, {"asterisk_id", asteriskID}}
			}
		}
	case "events":
		if n == 3 && parts[1] == "user" && method == http.MethodPost {
			if !a.appKnown(p.get("application")) {
				return http.StatusNotFound, msg("Application not found")
			}
			return http.StatusNoContent, nil
		}
	}
	return http.StatusNotFound, notFound
}

func (a *ariServer) astChan(id string) *Channel {
	c := a.m.ch(id)
	if c == nil || c.Front != FrontAsterisk {
		return nil
	}
	return c
}

func (a *ariServer) routeChannels(method string, parts []string, p params) (int, any) {
	n := len(parts)
	if n == 1 {
		switch method {
		case http.MethodGet:
			out := []jobj{}
			for _, c := range a.m.live(FrontAsterisk) {
				out = append(out, a.channelJSON(c))
			}
			return http.StatusOK, out
		case http.MethodPost:
			return a.originate(p.get("channelId"), p)
		}
		return http.StatusMethodNotAllowed, badMethod
	}
	id := parts[1]
	if n == 2 {
		switch method {
		case http.MethodPost:
			return a.originate(id, p)
		case http.MethodGet, http.MethodDelete:
		default:
			return http.StatusMethodNotAllowed, badMethod
		}
	}
	c := a.astChan(id)
	if n >= 3 && parts[2] == "snoop" {
		if c == nil {
			return http.StatusNotFound, msg("Provided channel was not found")
		}
		snoopID := p.get("snoopId")
		if n == 4 {
			snoopID = parts[3]
		}
		return a.snoop(c, snoopID, p)
	}
	if c == nil {
		return http.StatusNotFound, chanNotFound
	}
	m := a.m
	if n == 2 {
		if method == http.MethodGet {
			return http.StatusOK, a.channelJSON(c)
		}
		code := 16
		if r := p.get("reason_code"); r != "" {
			v, err := strconv.Atoi(r)
			if err != nil {
				return http.StatusBadRequest, msg("Invalid reason for hangup reason code provided")
			}
			code = v
		} else if r := p.get("reason"); r != "" {
			v, ok := reasonCodes[r]
			if !ok {
				return http.StatusBadRequest, msg("Invalid reason for hangup reason provided")
			}
			code = v
		}
		m.hangup(c, causeName(code), "controller")
		return http.StatusNoContent, nil
	}
	op := parts[2]
	// Operations that need the channel under Stasis control.
	switch op {
	case "answer", "play", "ring", "dtmf", "hold", "moh", "mute", "record", "continue", "redirect", "silence":
		if c.App == "" {
			return http.StatusConflict, notInStasis
		}
	}
	switch op + " " + method {
	case "answer POST":
		m.answer(c)
	case "ring POST", "ring DELETE", "silence POST", "silence DELETE":
	case "play POST":
		pid := p.get("playbackId")
		if n == 4 {
			pid = parts[3]
		}
		return a.play(c.ID, "", pid, p)
	case "dtmf POST":
		d := p.get("dtmf")
		if d == "" {
			return http.StatusBadRequest, msg("DTMF is required")
		}
		var ok strings.Builder
		for _, r := range d {
			if strings.ContainsRune(validDTMF, r) {
				ok.WriteRune(r)
			}
		}
		if ok.Len() > 0 {
			m.sendDTMF(c, ok.String(), "")
		}
	case "hold POST", "hold DELETE":
		m.hold(c, method == http.MethodPost, "")
	case "moh POST":
		if !c.MOH {
			c.MOH = true
			a.m.hearGen++
			class := p.get("mohClass")
			if class == "" {
				class = "default"
			}
			c.mohClass = class
			c.Heard = append(c.Heard, Heard{Kind: "moh", Value: class, At: time.Now()})
		}
	case "moh DELETE":
		c.MOH = false
		a.m.hearGen++
	case "mute POST", "mute DELETE":
		on := method == http.MethodPost
		dir := p.get("direction")
		if dir == "" {
			dir = "both"
		}
		if dir != "in" && dir != "out" && dir != "both" {
			// resource_channels.c: ast_ari_channels_mute / unmute.
			return http.StatusBadRequest, msg("Invalid direction specified")
		}
		if dir == "in" || dir == "both" {
			c.MuteIn = on
			a.m.hearGen++
		}
		if dir == "out" || dir == "both" {
			c.MuteOut = on
			a.m.hearGen++
		}
	case "record POST":
		return a.record(c, p)
	case "variable GET":
		k := p.get("variable")
		if k == "" {
			return http.StatusBadRequest, msg("Variable name is required")
		}
		v, ok := c.Vars.get(k)
		if !ok {
			return http.StatusNotFound, msg("Provided variable was not found")
		}
		return http.StatusOK, jobj{{"value", v}}
	case "variable POST":
		k := p.get("variable")
		if k == "" {
			return http.StatusBadRequest, msg("Variable name is required")
		}
		m.setVar(c, k, p.get("value"))
	case "continue POST":
		app := c.App
		a.leaveStasis(c, p.get("context"), p.get("extension"), "")
		if p.get("context") == AMDContext && !c.Inbound {
			a.amdHop(c, app)
		}
	case "redirect POST":
		ep := p.get("endpoint")
		if ep == "" {
			return http.StatusBadRequest, msg("Required parameter endpoint not provided")
		}
		tech, res, ok := strings.Cut(ep, "/")
		if !ok || tech == "" || res == "" {
			return http.StatusBadRequest, msg("Invalid endpoint specified")
		}
		num, _, _ := strings.Cut(res, "@")
		a.leaveStasis(c, c.Context, num, ep)
	default:
		if knownChannelOp[op] {
			return http.StatusMethodNotAllowed, badMethod
		}
		return http.StatusNotFound, notFound
	}
	return http.StatusNoContent, nil
}

var knownChannelOp = map[string]bool{"answer": true, "ring": true, "play": true, "dtmf": true, "hold": true, "moh": true,
	"mute": true, "record": true, "variable": true, "continue": true, "redirect": true, "silence": true, "snoop": true}

// parseCallerID accepts `"Name" <num>` or `num`.
func parseCallerID(s string) (name, num string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(s[:i]), `"`)
		num = strings.TrimSuffix(s[i+1:], ">")
		return name, strings.TrimSpace(num)
	}
	return "", s
}

// originate is POST /channels[/{id}].
func (a *ariServer) originate(id string, p params) (int, any) {
	m := a.m
	ep := p.get("endpoint")
	if ep == "" {
		return http.StatusBadRequest, msg("Endpoint must be specified")
	}
	app := p.get("app")
	if app == "" && p.get("extension") == "" {
		return http.StatusBadRequest, msg("Application or extension must be specified")
	}
	tech, res, ok := strings.Cut(ep, "/")
	if !ok || tech == "" || res == "" {
		return http.StatusBadRequest, msg("Invalid endpoint specified")
	}
	other := p.get("otherChannelId")
	if (id != "" && m.chans[id] != nil) || (other != "" && m.chans[other] != nil) {
		return http.StatusConflict, msg("Channel with given unique ID already exists")
	}
	r := origReq{ID: id, OtherID: other, Front: FrontAsterisk, Timeout: 30 * time.Second}
	if t := p.get("timeout"); t != "" {
		if v, err := strconv.Atoi(t); err == nil {
			r.Timeout = time.Duration(v) * time.Second
			if v < 0 {
				r.Timeout = 0
			}
		}
	}
	r.CIDName, r.CIDNum = parseCallerID(p.get("callerId"))
	for _, k := range sortedKeys(p.vars) {
		r.Vars = append(r.Vars, [2]string{k, p.vars[k]})
	}
	switch strings.ToUpper(tech) {
	case "PJSIP", "SIP":
		num, trunk, _ := strings.Cut(res, "@")
		spec, defined := m.phones[num]
		if trunk == "" && (!defined || !spec.registeredOn(FrontAsterisk)) {
			return http.StatusInternalServerError, jobj{{"error", "Allocation failed"}}
		}
		r.Kind, r.Number, r.Context, r.Trunk = "external", num, "from-internal", trunk
		r.Name = fmt.Sprintf("%s/%s-%08x", tech, num, m.seq+1)
	case "LOCAL":
		dest := strings.TrimSuffix(strings.TrimSuffix(res, "/n"), "/nm")
		ext, ctx, _ := strings.Cut(dest, "@")
		if ctx == "" {
			ctx = "default"
		}
		r.Kind, r.Number, r.Context = "local", ext, ctx
		r.Name = fmt.Sprintf("Local/%s@%s-%08x;1", ext, ctx, m.seq+1)
		if r.OtherID == "" {
			r.OtherID = newID()
		}
	default:
		return http.StatusInternalServerError, jobj{{"error", "Allocation failed"}}
	}
	args := p.list("appArgs")
	if app != "" {
		r.onAnswer = func(c *Channel) {
			// The answered channel reaches its application a moment later
			// (on its own thread): until then it is not in Stasis.
			m.after(a.opts.StasisStartDelay, func() {
				if !c.alive() || c.App != "" {
					return
				}
				if !a.appConnected(app) {
					m.hangup(c, "NORMAL_CLEARING", "switch")
					return
				}
				c.App, c.AppArgs = app, args
				m.emit(m.ev(evStasisStart, c))
			})
		}
	}
	// The app follows the new channel from its creation (Dial, state
	// changes), so subscribe before anything is emitted.
	if r.ID == "" {
		r.ID = newID()
	}
	if app != "" {
		a.subscribeChannel(app, r.ID)
	}
	c, cause := m.originate(r)
	if c == nil {
		if app != "" {
			a.unsubscribeChannel(app, r.ID)
		}
		if cause == "DUPLICATE" {
			return http.StatusConflict, msg("Channel with given unique ID already exists")
		}
		return http.StatusInternalServerError, jobj{{"error", "Allocation failed"}}
	}
	return http.StatusOK, a.channelJSON(c)
}

// leaveStasis hands a channel back to the dialplan (continue/redirect). A
// defined endpoint at the destination is rung and bridged with it.
func (a *ariServer) leaveStasis(c *Channel, ctx, exten, endpoint string) {
	m := a.m
	m.emit(m.ev(evStasisEnd, c))
	c.App, c.AppArgs = "", nil
	if b := m.bridges[c.Bridge]; b != nil {
		m.leaveBridge(c, b)
	}
	if ctx != "" {
		c.Context = ctx
	}
	if exten == "" {
		return
	}
	c.DNIS = exten
	if _, ok := m.phones[exten]; !ok {
		return
	}
	m.originate(origReq{Front: FrontAsterisk, Kind: "external", Number: exten, Name: fmt.Sprintf("PJSIP/%s-%08x", exten, m.seq+1),
		Context: c.Context, CIDNum: c.ANI, CIDName: c.ANIName, Timeout: 30 * time.Second,
		onAnswer: func(o *Channel) {
			if cc := m.ch(c.ID); cc != nil {
				b := m.newBridge("", FrontAsterisk, "mixing", "", true)
				m.joinBridge(cc, b)
				m.joinBridge(o, b)
			}
		}})
}

// play starts a playback on a channel or bridge and answers 201.
func (a *ariServer) play(chanID, bridgeID, pid string, p params) (int, any) {
	m := a.m
	uris := p.list("media")
	if len(uris) == 0 {
		return http.StatusInternalServerError, msg("Failed to queue media for playback")
	}
	if pid == "" {
		pid = newID()
	}
	pb := &Playback{ID: pid, Front: FrontAsterisk, Chan: chanID, Bridge: bridgeID, URI: uris[0], URIs: uris, Lang: p.get("lang"), State: "queued"}
	for _, u := range uris {
		if it, ok := m.mediaFromARI(u); ok {
			pb.items = append(pb.items, it)
		}
	}
	resp := playbackJSON(pb)
	if old := m.plays[pid]; old != nil {
		m.finishPlayback(old, "stopped")
	}
	if chanID != "" && m.channelBusy(chanID) {
		m.queuePlayback(pb)
		return http.StatusCreated, resp
	}
	m.startPlayback(pb)
	return http.StatusCreated, resp
}

// record is POST /channels/{id}/record.
func (a *ariServer) record(c *Channel, p params) (int, any) {
	m := a.m
	name, format := p.get("name"), p.get("format")
	if name == "" {
		return http.StatusBadRequest, msg("Recording name is required")
	}
	if format == "" {
		return http.StatusBadRequest, msg("Format is required")
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return http.StatusInternalServerError, msg("Error parsing request")
	}
	if !recordFormats[format] {
		return http.StatusUnprocessableEntity, msg("specified format is unknown on this system")
	}
	ifExists := p.get("ifExists")
	if ifExists == "" {
		ifExists = "fail"
	}
	_, live := m.recs[name]
	_, stored := m.stored[name]
	if live && ifExists != "overwrite" {
		return http.StatusConflict, msg("Recording '" + name + "' already in progress")
	}
	if stored && ifExists == "fail" {
		return http.StatusConflict, msg("Recording '" + name + "' already exists and can not be overwritten")
	}
	r := &Recording{Name: name, Front: FrontAsterisk, Chan: c.ID, Format: format, State: "queued",
		Path: filepath.Join(a.opts.RecordingDir, name+"."+format)}
	if v, err := strconv.Atoi(p.get("maxDurationSeconds")); err == nil && v > 0 {
		r.MaxDur = time.Duration(v) * time.Second
	}
	if st, body, bad := recordingDirRefused(r.Path, name); bad {
		return st, body
	}
	if b := m.bridges[c.Bridge]; c.Bridge != "" && b != nil {
		// Accepted, then failed on the channel's thread (record_file);
		// on the kit's Asterisk the failure came before the reply.
		a.failRecording(r, "Cannot record channel while in bridge")
		return http.StatusCreated, recordingJSON(r, false)
	}
	resp := recordingJSON(r, false)
	delete(m.stored, name)
	m.startRecording(r)
	return http.StatusCreated, resp
}

// snoop creates a snoop channel on target into app.
func (a *ariServer) snoop(t *Channel, id string, p params) (int, any) {
	m := a.m
	app := p.get("app")
	if app == "" {
		return http.StatusBadRequest, msg("Application name is required")
	}
	spyDir, whisper := p.get("spy"), p.get("whisper")
	if spyDir == "" {
		spyDir = "none"
	}
	if whisper == "" {
		whisper = "none"
	}
	valid := map[string]bool{"none": true, "in": true, "out": true, "both": true}
	if !valid[spyDir] {
		return http.StatusBadRequest, msg("Invalid direction specified for spy")
	}
	if !valid[whisper] {
		return http.StatusBadRequest, msg("Invalid direction specified for whisper")
	}
	if id != "" && m.chans[id] != nil {
		return http.StatusConflict, msg("Channel with given unique ID already exists")
	}
	c := m.newChannel(id, FrontAsterisk, false, "")
	c.Name = fmt.Sprintf("Snoop/%s-%08x", t.ID, c.seq)
	c.relay = true
	c.State = StateUp
	a.m.hearGen++
	c.Answered = time.Now()
	a.m.setSpy(c, &spy{Target: t.ID, SpyDir: spyDir, Whisper: whisper})
	a.m.hearGen++
	c.App, c.AppArgs = app, p.list("appArgs")
	a.subscribeChannel(app, c.ID)
	m.emit(m.ev(evStasisStart, c))
	return http.StatusOK, a.channelJSON(c)
}

func (a *ariServer) appKnown(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.apps[name]
	return ok
}
