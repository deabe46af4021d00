package sim

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// fsOriginate is a parsed originate command line.
type fsOriginate struct {
	vars     [][2]string
	endpoint string
	app      string // application after '&' ("" = dialplan extension)
	appArgs  string
	exten    string
}

// parseOriginate splits "{k=v,...}endpoint &app(args)" or
// "endpoint exten [dialplan] [context] [cid_name] [cid_num] [timeout]".
func parseOriginate(args string) (*fsOriginate, bool) {
	args = strings.TrimSpace(args)
	o := &fsOriginate{}
	if strings.HasPrefix(args, "{") {
		end := strings.IndexByte(args, '}')
		if end < 0 {
			return nil, false
		}
		for _, kv := range splitVars(args[1:end]) {
			k, v, _ := strings.Cut(kv, "=")
			if k = strings.TrimSpace(k); k != "" {
				o.vars = append(o.vars, [2]string{k, v})
			}
		}
		args = args[end+1:]
	}
	ep, rest, _ := strings.Cut(args, " ")
	rest = strings.TrimSpace(rest)
	if ep == "" || rest == "" {
		return nil, false
	}
	o.endpoint = ep
	if strings.HasPrefix(rest, "&") {
		app := rest[1:]
		if i := strings.IndexByte(app, '('); i >= 0 {
			o.app = app[:i]
			o.appArgs = strings.TrimSuffix(app[i+1:], ")")
		} else {
			o.app, o.appArgs, _ = strings.Cut(app, " ")
		}
		return o, o.app != ""
	}
	o.exten, _, _ = strings.Cut(rest, " ")
	return o, true
}

// splitVars splits on commas not escaped with a backslash.
func splitVars(s string) []string {
	if !strings.Contains(s, `\,`) {
		return strings.Split(s, ",") // the usual case: substrings, no copy
	}
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ',':
			cur.WriteByte(',')
			i++
		case s[i] == ',':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

// originateCmd runs an api originate: it waits until the leg answered or
// failed, like FreeSWITCH does.
func (s *eslServer) originateCmd(args string) string {
	o, ok := parseOriginate(args)
	if !ok {
		return usageOriginate
	}
	req, cause := s.originateReq(o)
	if cause != "" {
		return "-ERR " + cause + "\n"
	}
	result := make(chan string, 1)
	send := func(cause string) {
		select {
		case result <- cause:
		default:
		}
	}
	m := s.m
	// FreeSWITCH's originate returns, and starts the &application, a
	// moment after the leg answered. A leg bridged (uuid_bridge) or
	// transferred in that moment is taken from the originate, which then
	// fails with ORIGINATOR_CANCEL although the leg lives on (seen on a
	// real 1.11 when ipcc bridged an agent leg as soon as it answered).
	app := req.onAnswer
	req.onAnswer = nil
	req.done = func(c *Channel, cause string) {
		if cause != "" || c == nil {
			send(cause)
			return
		}
		// Not a script timer of the leg: the originate returns even when
		// the leg hangs up meanwhile.
		m.after(s.opts.OriginateReturn, func() {
			switch {
			case !c.alive():
				send("")
			case c.Bridge != "" || c.CurrentApp != "":
				send("ORIGINATOR_CANCEL")
			default:
				if app != nil {
					app(c)
				}
				send("")
			}
		})
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return "-ERR SYSTEM_SHUTDOWN\n"
	}
	if req.ID != "" && m.chans[req.ID] != nil {
		m.mu.Unlock()
		return "-ERR DESTINATION_OUT_OF_ORDER\n"
	}
	c, cause := m.originate(req)
	m.recordHearing()
	m.mu.Unlock()
	if cause != "" {
		return "-ERR " + cause + "\n"
	}
	select {
	case cause := <-result:
		if cause != "" {
			return "-ERR " + cause + "\n"
		}
		return "+OK " + c.ID + "\n"
	case <-s.closing:
		return "-ERR SYSTEM_SHUTDOWN\n"
	}
}

// originateReq maps FreeSWITCH dial strings onto the model.
func (s *eslServer) originateReq(o *fsOriginate) (origReq, string) {
	r := origReq{Front: FrontFreeSWITCH, Vars: o.vars, Timeout: 60 * time.Second, WholeSeconds: true, Context: "default"}
	for _, kv := range o.vars {
		switch kv[0] {
		case "origination_uuid":
			r.ID = kv[1]
		case "originate_timeout", "leg_timeout":
			if n, err := strconv.Atoi(kv[1]); err == nil && n > 0 {
				r.Timeout = time.Duration(n) * time.Second
			}
		case "origination_caller_id_number":
			r.CIDNum = kv[1]
		case "origination_caller_id_name":
			r.CIDName = kv[1]
		}
	}
	parts := strings.Split(o.endpoint, "/")
	switch {
	case parts[0] == "user" && len(parts) >= 2:
		num, _, _ := strings.Cut(parts[1], "@")
		r.Kind, r.Number, r.Name = "user", num, "sofia/internal/"+num+"@127.0.0.1"
	case parts[0] == "sofia" && len(parts) >= 4 && parts[1] == "gateway":
		r.Kind, r.Number, r.Name, r.Trunk = "external", strings.Join(parts[3:], "/"), o.endpoint, parts[2]
		r.Number, _, _ = strings.Cut(r.Number, "@")
	case parts[0] == "sofia" && len(parts) >= 3:
		if parts[1] != "internal" && parts[1] != "external" {
			return r, "INVALID_PROFILE"
		}
		num, _, _ := strings.Cut(parts[2], "@")
		r.Kind, r.Number, r.Name = "external", num, o.endpoint
	case parts[0] == "loopback" && len(parts) >= 2:
		r.Kind, r.Number, r.Name = "loopback", parts[1], "loopback/"+parts[1]+"-a"
		if len(parts) >= 3 {
			r.Context = parts[2]
		}
		r.OtherID = newID()
	case parts[0] == "loopback", parts[0] == "user", parts[0] == "sofia":
		return r, "NO_ROUTE_DESTINATION"
	default:
		return r, "CHAN_NOT_IMPLEMENTED"
	}
	m := s.m
	r.onAnswer = func(c *Channel) {
		switch {
		case o.app == "":
			m.park(c)
		default:
			m.execute(c, &execItem{App: o.app, Arg: o.appArgs})
		}
	}
	return r, ""
}

// sendmsg handles sendmsg <uuid> with call-command execute|hangup.
func (s *eslServer) sendmsg(uuid string, k *eslCommand) string {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.recordHearing()
	c := s.fsChan(strings.TrimSpace(uuid))
	if c == nil {
		return "-ERR invalid session id [" + strings.TrimSpace(uuid) + "]"
	}
	switch strings.ToLower(k.header("call-command")) {
	case "execute":
		arg := k.header("execute-app-arg")
		if arg == "" && k.body != "" {
			arg = strings.TrimRight(k.body, "\r\n")
		}
		loops, _ := strconv.Atoi(k.header("loops"))
		m.execute(c, &execItem{App: k.header("execute-app-name"), Arg: arg, UUID: k.header("Event-UUID"),
			Lock: isTrue(k.header("event-lock")), Loops: loops})
	case "hangup":
		cause := k.header("hangup-cause")
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		m.hangup(c, cause, "controller")
	}
	return "+OK"
}

// sendevent fires a client-made event (CUSTOM with Event-Subclass).
func (s *eslServer) sendevent(name string, k *eslCommand) string {
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "" {
		name = "CUSTOM"
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	id := newID()
	e := &eslEvent{name: name}
	sub := k.header("Event-Subclass")
	if sub != "" {
		e.subclass = sub
		e.add("Event-Subclass", sub)
	}
	e.add("Command", "sendevent "+name)
	for _, h := range k.headers {
		if !strings.EqualFold(h.k, "Event-Subclass") && !strings.EqualFold(h.k, "Content-Length") {
			e.add(h.k, h.v)
		}
	}
	e.add("Event-UUID", id)
	b := s.base(name, "", "mod_event_socket.c", "parse_command", 2369, time.Now())
	e.hdrs = append(e.hdrs, b.hdrs...)
	e.body = k.body
	s.publish(e)
	return "+OK " + id
}

func dirWritable(dir string) bool {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".sim-probe-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return true
}
