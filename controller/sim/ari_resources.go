package sim

import (
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

var bridgeNotFound = msg("Bridge not found")

func (a *ariServer) routeBridges(method string, parts []string, p params) (int, any) {
	m := a.m
	n := len(parts)
	if n == 1 {
		switch method {
		case http.MethodGet:
			out := []jobj{}
			for _, b := range a.bridgeList() {
				out = append(out, bridgeJSON(b))
			}
			return http.StatusOK, out
		case http.MethodPost:
			return a.createBridge(p.get("bridgeId"), p)
		}
		return http.StatusMethodNotAllowed, badMethod
	}
	id := parts[1]
	if n == 2 && method == http.MethodPost {
		return a.createBridge(id, p)
	}
	b := m.bridges[id]
	if b == nil || b.Front != FrontAsterisk || b.implicit {
		return http.StatusNotFound, bridgeNotFound
	}
	if n == 2 {
		switch method {
		case http.MethodGet:
			return http.StatusOK, bridgeJSON(b)
		case http.MethodDelete:
			m.destroyBridge(b)
			return http.StatusNoContent, nil
		}
		return http.StatusMethodNotAllowed, badMethod
	}
	switch parts[2] + " " + method {
	case "addChannel POST":
		ids := p.list("channel")
		if len(ids) == 0 {
			return http.StatusBadRequest, msg("Missing parameter channel")
		}
		var chans []*Channel
		for _, cid := range ids {
			c := a.astChan(cid)
			if c == nil {
				return http.StatusBadRequest, chanNotFound
			}
			if c.App == "" {
				return http.StatusUnprocessableEntity, notInStasis
			}
			chans = append(chans, c)
		}
		for _, c := range chans {
			if st, body, busy := a.recordingChannel(c); busy {
				return st, body
			}
		}
		for _, c := range chans {
			m.joinBridge(c, b)
			if b.MOH {
				c.Heard = append(c.Heard, Heard{Kind: "moh", Value: "default", At: time.Now()})
			}
		}
	case "removeChannel POST":
		ids := p.list("channel")
		if len(ids) == 0 {
			return http.StatusBadRequest, msg("Missing parameter channel")
		}
		for _, cid := range ids {
			c := a.astChan(cid)
			if c == nil {
				return http.StatusBadRequest, chanNotFound
			}
			if c.Bridge != b.ID {
				return http.StatusUnprocessableEntity, msg("Channel not in this bridge")
			}
		}
		for _, cid := range ids {
			m.leaveBridge(m.chans[cid], b)
		}
	case "play POST":
		pid := p.get("playbackId")
		if n == 4 {
			pid = parts[3]
		}
		return a.play("", b.ID, pid, p)
	case "moh POST":
		b.MOH = true
		for _, cid := range b.Channels {
			if c := m.ch(cid); c != nil {
				c.Heard = append(c.Heard, Heard{Kind: "moh", Value: "default", At: time.Now()})
			}
		}
	case "moh DELETE":
		b.MOH = false
	default:
		return http.StatusNotFound, notFound
	}
	return http.StatusNoContent, nil
}

func (a *ariServer) bridgeList() []*Bridge {
	var out []*Bridge
	for _, b := range a.m.bridges {
		if b.Front == FrontAsterisk && !b.implicit {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (a *ariServer) createBridge(id string, p params) (int, any) {
	m := a.m
	typ := "mixing"
	for _, t := range p.list("type") {
		switch t {
		case "holding":
			typ = "holding"
		case "mixing", "dtmf_events", "proxy_media", "video_sfu", "video_single", "sdp_label":
		default:
			return http.StatusInternalServerError, msg("Unable to create bridge. Possible duplicate bridge id '" + id + "'")
		}
	}
	if id != "" && m.bridges[id] != nil {
		return http.StatusConflict, msg("Bridge with id '" + id + "' already exists")
	}
	b := m.newBridge(id, FrontAsterisk, typ, p.get("name"), false)
	return http.StatusOK, bridgeJSON(b)
}

func (a *ariServer) routePlayback(method string, parts []string, p params) (int, any) {
	m := a.m
	pb := m.plays[parts[1]]
	if pb == nil || pb.Front != FrontAsterisk {
		return http.StatusNotFound, msg("Playback not found")
	}
	switch {
	case len(parts) == 2 && method == http.MethodGet:
		return http.StatusOK, playbackJSON(pb)
	case len(parts) == 2 && method == http.MethodDelete:
		if settle := m.opts.PlaybackStopSettle; settle > 0 && pb.State == "playing" && pb.idx == 0 && time.Since(pb.itemStart) < settle {
			return http.StatusInternalServerError, msg("Could not stop playback")
		}
		m.finishPlayback(pb, "stopped")
	case len(parts) == 3 && parts[2] == "control" && method == http.MethodPost:
		switch op := p.get("operation"); op {
		case "pause":
			m.pausePlayback(pb)
		case "unpause":
			m.unpausePlayback(pb)
		case "restart":
			m.restartPlayback(pb)
		case "reverse", "forward":
		default:
			return http.StatusBadRequest, msg("Invalid operation " + op)
		}
	default:
		return http.StatusMethodNotAllowed, badMethod
	}
	return http.StatusNoContent, nil
}

func (a *ariServer) routeRecordings(method string, parts []string, _ params) (int, any) {
	m := a.m
	recNotFound := msg("Recording not found")
	if len(parts) < 2 {
		return http.StatusNotFound, notFound
	}
	switch parts[1] {
	case "stored":
		if len(parts) == 2 {
			out := []jobj{}
			names := make([]string, 0, len(m.stored))
			for n := range m.stored {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				out = append(out, jobj{{"name", n}, {"format", m.stored[n].Format}})
			}
			return http.StatusOK, out
		}
		r := m.stored[parts[2]]
		if r == nil {
			return http.StatusNotFound, recNotFound
		}
		switch method {
		case http.MethodGet:
			return http.StatusOK, jobj{{"name", r.Name}, {"format", r.Format}}
		case http.MethodDelete:
			delete(m.stored, r.Name)
			_ = os.Remove(r.Path)
			return http.StatusNoContent, nil
		}
		return http.StatusMethodNotAllowed, badMethod
	case "live":
		if len(parts) < 3 {
			return http.StatusNotFound, notFound
		}
		r := m.recs[parts[2]]
		if r == nil || r.Front != FrontAsterisk {
			return http.StatusNotFound, recNotFound
		}
		op := ""
		if len(parts) > 3 {
			op = parts[3]
		}
		switch op + " " + method {
		case " GET":
			return http.StatusOK, recordingJSON(r, false)
		case " DELETE":
			m.stopRecording(r, "canceled")
			delete(m.stored, r.Name)
			_ = os.Remove(r.Path)
		case "stop POST":
			m.stopRecording(r, "success")
		case "pause POST", "pause DELETE":
			m.pauseRecording(r, method == http.MethodPost)
		case "mute POST", "mute DELETE":
			r.Muted = method == http.MethodPost
			a.m.hearGen++
		default:
			return http.StatusMethodNotAllowed, badMethod
		}
		return http.StatusNoContent, nil
	}
	return http.StatusNotFound, notFound
}

func (a *ariServer) appJSON(app *ariApp) jobj {
	chans, bridges := []string{}, []string{}
	eps, devs := []string{}, []string{}
	if app.all {
		chans, bridges = []string{"__AST_CHANNEL_ALL_TOPIC"}, []string{"__AST_BRIDGE_ALL_TOPIC"}
		eps, devs = []string{"__AST_ENDPOINT_ALL_TOPIC"}, []string{"__AST_DEVICE_STATE_ALL_TOPIC"}
	} else {
		for id := range app.channels {
			if c := a.m.ch(id); c != nil {
				chans = append(chans, id)
			}
		}
		for id := range app.bridges {
			bridges = append(bridges, id)
		}
		sort.Strings(chans)
		sort.Strings(bridges)
	}
	return jobj{{"name", app.name}, {"channel_ids", chans}, {"bridge_ids", bridges}, {"endpoint_ids", eps},
		{"device_names", devs}, {"events_allowed", []string{}}, {"events_disallowed", []string{}}}
}

func (a *ariServer) routeApplications(method string, parts []string, p params) (int, any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(parts) == 1 {
		if method != http.MethodGet {
			return http.StatusMethodNotAllowed, badMethod
		}
		names := make([]string, 0, len(a.apps))
		for n := range a.apps {
			names = append(names, n)
		}
		sort.Strings(names)
		out := []jobj{}
		for _, n := range names {
			out = append(out, a.appJSON(a.apps[n]))
		}
		return http.StatusOK, out
	}
	app := a.apps[parts[1]]
	if app == nil {
		return http.StatusNotFound, msg("Application not found")
	}
	if len(parts) == 2 && method == http.MethodGet {
		return http.StatusOK, a.appJSON(app)
	}
	if len(parts) == 3 && parts[2] == "subscription" {
		srcs := p.list("eventSource")
		if len(srcs) == 0 {
			return http.StatusBadRequest, msg("Missing parameter eventSource")
		}
		for _, src := range srcs {
			kind, id, _ := strings.Cut(src, ":")
			on := method == http.MethodPost
			switch kind {
			case "channel":
				if a.m.ch(id) == nil {
					return http.StatusUnprocessableEntity, msg("Event source does not exist")
				}
				setSub(app.channels, id, on)
			case "bridge":
				if a.m.bridges[id] == nil {
					return http.StatusUnprocessableEntity, msg("Event source does not exist")
				}
				setSub(app.bridges, id, on)
			case "endpoint", "deviceState":
			default:
				return http.StatusBadRequest, msg("Invalid event source URI scheme '" + kind + "'")
			}
		}
		return http.StatusOK, a.appJSON(app)
	}
	return http.StatusMethodNotAllowed, badMethod
}

func setSub(m map[string]bool, id string, on bool) {
	if on {
		m[id] = true
		return
	}
	delete(m, id)
}
