package sim

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	usageOriginate = "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n"
	usageShow      = "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n"
	noSuchChannel  = "-ERR No such channel!\n"
)

// apiEvent publishes the API event FreeSWITCH fires for every api command
// (m.mu held).
func (s *eslServer) apiEvent(cmd, args string) {
	e := s.fire("API", "", "switch_loadable_module.c", "switch_api_execute", 3140, time.Now())
	e.add("API-Command", cmd)
	if args != "" {
		e.add("API-Command-Argument", args)
	}
	s.publish(e)
}

// api runs one api command and returns the api/response body.
func (s *eslServer) api(line string, _ *eslConn) string {
	cmd, args, _ := strings.Cut(strings.TrimSpace(line), " ")
	args = strings.TrimSpace(args)
	if cmd == "originate" {
		s.m.mu.Lock()
		s.apiEvent(cmd, args)
		s.m.mu.Unlock()
		return s.originateCmd(args)
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.recordHearing()
	if m.closed {
		return "-ERR SYSTEM_SHUTDOWN\n"
	}
	out := s.apiLocked(cmd, args)
	s.apiEvent(cmd, args)
	return out
}

// bgapi runs a command in the background and fires BACKGROUND_JOB.
func (s *eslServer) bgapi(job, line string) {
	out := s.api(line, nil)
	cmd, args, _ := strings.Cut(strings.TrimSpace(line), " ")
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	e := s.fire("BACKGROUND_JOB", "", "mod_event_socket.c", "api_exec", 1580, time.Now())
	e.add("Job-UUID", job)
	e.add("Job-Command", cmd)
	if args = strings.TrimSpace(args); args != "" {
		e.add("Job-Command-Arg", args)
	}
	e.body = out
	s.publish(e)
}

func (s *eslServer) apiLocked(cmd, args string) string {
	m := s.m
	f := strings.Fields(args)
	arg := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	switch cmd {
	case "status":
		return fmt.Sprintf("UP %s\nFreeSWITCH (Version 1.11.3-sim  64bit) is ready\n%d session(s) since startup\n%d session(s) - peak 0, last 5min 0 \n0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n1000 session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n",
			fmtUptime(time.Since(m.started)), m.sessions, len(m.live(FrontFreeSWITCH)))
	case "version":
		return "FreeSWITCH Version 1.11.3-sim~64bit ( 64bit)\n"
	case "hostname":
		return s.opts.Hostname
	case "global_setvar":
		name, value, _ := strings.Cut(strings.TrimSpace(args), "=")
		if name = strings.TrimSpace(name); name == "" {
			return "-USAGE: <var>=<value>\n"
		}
		m.globals[name] = strings.TrimSpace(value)
		return "+OK\n"
	case "global_getvar":
		return m.globals[strings.TrimSpace(args)]
	case "module_exists":
		return strconv.FormatBool(simModules[arg(0)] && !(arg(0) == "mod_amd" && s.opts.NoAMD))
	case "uuid_exists":
		return strconv.FormatBool(s.fsChan(arg(0)) != nil)
	case "uuid_answer":
		c := s.fsChan(arg(0))
		if c == nil {
			return "-ERROR\n"
		}
		m.answer(c)
		return "+OK\n"
	case "uuid_kill":
		if arg(0) == "" {
			return "-USAGE: <uuid> [cause]\n"
		}
		c := s.fsChan(arg(0))
		if c == nil {
			return noSuchChannel
		}
		cause := arg(1)
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		m.hangup(c, cause, "controller")
		return "+OK\n"
	case "hupall":
		cause := arg(0)
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		if name, value := arg(1), arg(2); name != "" {
			// hupall <cause> <variable> <value>: only the channels where
			// the variable has that value.
			for _, c := range m.live(FrontFreeSWITCH) {
				if v, ok := c.Vars.get(name); ok && v == value && c.alive() {
					m.hangup(c, cause, "controller")
				}
			}
			return "+OK hangup all channels matching [" + name + "]=[" + value + "] with cause: " + cause + "\n"
		}
		for _, c := range m.live(FrontFreeSWITCH) {
			m.hangup(c, cause, "controller")
		}
		return "+OK hangup all channels with cause " + cause + "\n"
	case "uuid_getvar":
		c := s.fsChan(arg(0))
		if c == nil {
			return noSuchChannel
		}
		if v, ok := c.Vars.get(arg(1)); ok {
			return v
		}
		return "_undef_"
	case "uuid_setvar":
		c := s.fsChan(arg(0))
		if c == nil {
			return noSuchChannel
		}
		if arg(1) == "" {
			return "-USAGE: <uuid> <var> [value]\n"
		}
		if len(f) == 2 {
			// uuid_setvar without a value unsets the variable.
			c.Vars.del(arg(1))
			return "+OK\n"
		}
		m.setVar(c, arg(1), strings.Join(f[2:], " "))
		return "+OK\n"
	case "uuid_dump":
		return s.dump(arg(0), arg(1))
	case "uuid_broadcast":
		c := s.fsChan(arg(0))
		if c == nil {
			return "-ERR invalid uuid\n"
		}
		path := arg(1)
		target := c
		if arg(2) == "bleg" {
			if p := m.peer(c); p != nil {
				target = p
			}
		}
		m.execute(target, &execItem{App: "playback", Arg: path})
		if arg(2) == "both" {
			if p := m.peer(c); p != nil {
				m.execute(p, &execItem{App: "playback", Arg: path})
			}
		}
		return "+OK Message sent\n"
	case "uuid_break":
		c := s.fsChan(arg(0))
		if c == nil {
			return noSuchChannel
		}
		m.stopChannelPlaybacks(c, arg(1) == "all")
		// Breaking an eavesdrop ends it; the channel goes back to park.
		if c.CurrentApp == "eavesdrop" {
			m.stopApp(c)
			m.runNextOrPark(c)
		}
		return "+OK\n"
	case "uuid_record":
		return s.uuidRecord(f)
	case "uuid_bridge":
		if len(f) < 2 {
			return "-USAGE: <uuid> <other_uuid>\n"
		}
		a, z := s.fsChan(f[0]), s.fsChan(f[1])
		if a == nil || z == nil || a == z {
			return "-ERR Invalid uuid\n"
		}
		a.pending, z.pending = nil, nil
		m.bridgePair(a, z)
		return "+OK " + z.ID + "\n"
	case "uuid_park":
		c := s.fsChan(arg(0))
		if c == nil {
			return noSuchChannel
		}
		s.parkLeg(c)
		return "+OK\n"
	case "uuid_transfer":
		return s.transfer(splitQuoted(args))
	case "uuid_hold":
		mode := ""
		if arg(0) == "off" || arg(0) == "toggle" {
			mode, f = arg(0), f[1:]
		}
		c := s.fsChan(arg(0))
		if c == nil {
			return "+OK Success\n"
		}
		// FreeSWITCH holds by call state (switch_ivr_hold/unhold): a
		// channel in HELD cannot be held again, and only one in HELD can
		// be taken off hold. A channel reaches HELD only when answered
		// and its endpoint takes the hold (SIP: re-INVITE); a loopback
		// or unanswered one is silenced, fires CHANNEL_HOLD, stays in
		// its call state, and refuses uuid_hold off from then on.
		stateHeld := c.Held && !c.heldNoState
		switch {
		case mode == "off", mode == "toggle" && stateHeld:
			if !stateHeld {
				return "-ERR Operation failed\n"
			}
			m.fsHold(c, false)
		case mode == "toggle" && (c.State != StateUp || c.heldNoState):
			// toggle acts only on ACTIVE and HELD channels
		default:
			if stateHeld {
				return "-ERR Operation failed\n"
			}
			c.heldNoState = c.State != StateUp || strings.HasPrefix(c.Name, "loopback/")
			c.Held = false // fires CHANNEL_HOLD again, as FreeSWITCH does
			m.fsHold(c, true)
		}
		return "+OK Success\n"
	case "uuid_audio":
		return s.uuidAudio(f)
	case "uuid_phone_event":
		return s.uuidPhoneEvent(f)
	case "uuid_send_dtmf", "uuid_recv_dtmf":
		c := s.fsChan(arg(0))
		if c == nil {
			return "-ERR Cannot locate session!\n"
		}
		digits, _, _ := strings.Cut(arg(1), "@")
		if cmd == "uuid_send_dtmf" {
			m.sendDTMF(c, digits, "UNKNOWN")
			return fmt.Sprintf("+OK %s sent DTMF %s.\n", c.ID, arg(1))
		}
		m.receiveDTMF(c, digits, "APP")
		return fmt.Sprintf("+OK %s received DTMF %s.\n", c.ID, arg(1))
	case "show":
		return s.show(f)
	case "conference":
		return s.conference(f)
	}
	return fmt.Sprintf("-ERR %s Command not found!\n", cmd)
}

// fsChan finds a live FreeSWITCH channel.
func (s *eslServer) fsChan(id string) *Channel {
	c := s.m.ch(id)
	if c == nil || c.Front != FrontFreeSWITCH {
		return nil
	}
	return c
}

// parkLeg takes a leg out of its bridge into park; the FreeSWITCH peer of a
// uuid_bridge pair is parked too rather than hung up, so ipcc keeps it.
func (s *eslServer) parkLeg(c *Channel) {
	c.pending = nil
	peers := s.m.peers(c)
	s.m.stopChannelPlaybacks(c, true)
	s.m.park(c)
	for _, p := range peers {
		s.m.runNextOrPark(p)
	}
}

func (s *eslServer) uuidRecord(f []string) string {
	m := s.m
	if len(f) < 3 {
		return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n"
	}
	c := s.fsChan(f[0])
	if c == nil {
		return "-ERR Cannot locate session!\n"
	}
	path := f[2]
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.opts.RecordingDir, path)
	}
	find := func() *Recording {
		for _, r := range m.recs {
			if r.Chan == c.ID && (r.Path == path || f[2] == "all") {
				return r
			}
		}
		return nil
	}
	switch f[1] {
	case "start":
		r := &Recording{Name: path, Front: FrontFreeSWITCH, Chan: c.ID, Path: s.recordPath(path), Format: "wav"}
		if len(f) > 3 {
			if n, err := strconv.Atoi(f[3]); err == nil && n > 0 {
				r.MaxDur = time.Duration(n) * time.Second
			}
		}
		r.Name = path
		m.startRecording(r)
	case "stop":
		if f[2] == "all" {
			for _, r := range m.recs {
				if r.Chan == c.ID {
					m.stopRecording(r, "success")
				}
			}
			break
		}
		r := find()
		if r == nil {
			return "-ERR Cannot locate session!\n"
		}
		m.stopRecording(r, "success")
	case "mask", "unmask":
		r := find()
		if r == nil {
			return "-ERR Cannot locate session!\n"
		}
		m.pauseRecording(r, f[1] == "mask")
	default:
		return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n"
	}
	return "+OK Success\n"
}

// recordPath is where a FreeSWITCH recording really goes: the requested
// path when writable, else the same name under RecordingDir.
func (s *eslServer) recordPath(p string) string {
	if dirWritable(filepath.Dir(p)) {
		return p
	}
	return filepath.Join(s.opts.RecordingDir, filepath.Base(p))
}

// transfer is uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>].
func (s *eslServer) transfer(f []string) string {
	m := s.m
	if len(f) < 2 {
		return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
	}
	c := s.fsChan(f[0])
	if c == nil {
		return noSuchChannel
	}
	rest := f[1:]
	targets := []*Channel{c}
	switch rest[0] {
	case "-bleg", "-both":
		p := m.peer(c)
		if rest[0] == "-bleg" && p != nil {
			targets = []*Channel{p}
		} else if p != nil {
			targets = append(targets, p)
		}
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
	}
	dest := rest[0]
	dialplan, ctx := "XML", "default"
	if len(rest) > 1 {
		dialplan = rest[1]
	}
	if len(rest) > 2 {
		ctx = rest[2]
	}
	for _, t := range targets {
		s.transferOne(t, dest, dialplan, ctx)
	}
	return "+OK\n"
}

func (s *eslServer) transferOne(c *Channel, dest, dialplan, ctx string) {
	m := s.m
	c.pending = nil
	if strings.EqualFold(dialplan, "inline") {
		// "park", "answer,conference:room@profile++flags{mute},park", ...:
		// applications run in order; the rest waits behind one that keeps
		// the channel (FreeSWITCH runs them as a tiny dialplan).
		var items []*execItem
		for _, app := range strings.Split(dest, ",") {
			name, data, _ := strings.Cut(app, ":")
			items = append(items, &execItem{App: name, Arg: data})
		}
		peers := m.peers(c)
		if old := m.bridges[c.Bridge]; old != nil {
			m.leaveBridge(c, old)
		}
		if c.Conference != "" {
			m.leaveConference(c, "del-member")
		}
		m.stopChannelPlaybacks(c, true)
		m.stopApp(c)
		c.pending = items
		m.runPending(c)
		for _, p := range peers {
			m.runNextOrPark(p)
		}
		return
	}
	m.fsTransfer(c, dest, dialplan, ctx)
}

// splitQuoted splits api arguments on blanks as FreeSWITCH does
// (switch_separate_string): single quotes group words and are removed.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'' && (in || strings.IndexByte(s[i+1:], '\'') >= 0):
			in, started = !in, true
		case ch == ' ' && !in:
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteByte(ch)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}

// fsTransfer sends a FreeSWITCH channel back to the switch dialplan
// (uuid_transfer, or the transfer application): the leg leaves ipcc
// control. A defined endpoint number is rung and bridged, like a dialplan
// bridge would. m.mu held.
func (m *Model) fsTransfer(c *Channel, dest, dialplan, ctx string) {
	c.pending = nil
	peers := m.peers(c)
	if old := m.bridges[c.Bridge]; old != nil {
		m.leaveBridge(c, old)
	}
	for _, p := range peers {
		m.runNextOrPark(p)
	}
	m.setApp(c, "transfer", dest+" "+dialplan+" "+ctx)
	c.Context, c.DNIS = ctx, dest
	if _, ok := m.phones[dest]; ok {
		out, _ := m.originate(origReq{Front: FrontFreeSWITCH, Name: "sofia/internal/" + dest, Kind: "user",
			Number: dest, Context: ctx, CIDNum: c.ANI, CIDName: c.ANIName,
			onAnswer: func(o *Channel) {
				if cc := m.ch(c.ID); cc != nil {
					m.bridgePair(cc, o)
				}
			}})
		_ = out
	}
}

// show handles show channels|calls [count] [as json].
func (s *eslServer) show(f []string) string {
	if len(f) == 0 {
		return usageShow
	}
	what := f[0]
	asJSON := len(f) >= 3 && f[len(f)-2] == "as" && f[len(f)-1] == "json"
	count := len(f) > 1 && f[1] == "count"
	var rows []map[string]string
	var cols []string
	switch what {
	case "channels":
		cols = strings.Fields(`uuid direction created created_epoch name state cid_name cid_num ip_addr dest application application_data dialplan context read_codec read_rate read_bit_rate write_codec write_rate write_bit_rate secure hostname presence_id presence_data accountcode callstate callee_name callee_num callee_direction call_uuid sent_callee_name sent_callee_num initial_cid_name initial_cid_num initial_ip_addr initial_dest initial_dialplan initial_context`)
		for _, c := range s.listed() {
			rows = append(rows, s.channelRow(c))
		}
	case "calls", "bridged_calls":
		cols = strings.Fields(`uuid direction created created_epoch name state cid_name cid_num ip_addr dest presence_id presence_data accountcode callstate callee_name callee_num callee_direction call_uuid hostname sent_callee_name sent_callee_num b_uuid b_direction b_created b_created_epoch b_name b_state b_cid_name b_cid_num b_ip_addr b_dest b_presence_id b_presence_data b_accountcode b_callstate b_callee_name b_callee_num b_callee_direction b_sent_callee_name b_sent_callee_num call_created_epoch`)
		seen := map[string]bool{}
		for _, c := range s.listed() {
			if seen[c.ID] {
				continue
			}
			p := s.m.peer(c)
			if what == "bridged_calls" && (p == nil || c.Bridge == "") {
				continue
			}
			row := s.channelRow(c)
			for _, k := range strings.Fields("uuid direction created created_epoch name state cid_name cid_num ip_addr dest presence_id presence_data accountcode callstate callee_name callee_num callee_direction sent_callee_name sent_callee_num") {
				row["b_"+k] = ""
			}
			row["call_created_epoch"] = ""
			if p != nil {
				seen[p.ID] = true
				pr := s.channelRow(p)
				for k, v := range pr {
					if _, ok := row["b_"+k]; ok {
						row["b_"+k] = v
					}
				}
				row["call_created_epoch"] = row["created_epoch"]
			}
			seen[c.ID] = true
			rows = append(rows, row)
		}
	default:
		return usageShow
	}
	if count {
		return fmt.Sprintf("\n%d total.\n", len(rows))
	}
	if asJSON {
		if len(rows) == 0 {
			return `{"row_count": 0}`
		}
		var b strings.Builder
		fmt.Fprintf(&b, `{"row_count":%d,"rows":[`, len(rows))
		for i, r := range rows {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("{")
			for j, k := range cols {
				if j > 0 {
					b.WriteString(",")
				}
				kk, _ := json.Marshal(k)
				vv, _ := json.Marshal(r[k])
				b.Write(kk)
				b.WriteString(":")
				b.Write(vv)
			}
			b.WriteString("}")
		}
		b.WriteString("]}")
		return b.String()
	}
	if len(rows) == 0 {
		return "\n0 total.\n"
	}
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, k := range cols {
			vals[i] = r[k]
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	}
	fmt.Fprintf(&b, "\n%d total.\n", len(rows))
	return b.String()
}

// listed is what "show" lists: the channels as FreeSWITCH's core database
// has them, ShowLag behind the channels themselves — one created less than
// ShowLag ago is not listed yet, one that ended less than ShowLag ago still
// is (uuid_dump and the uuid_ commands already refuse it). m.mu held.
func (s *eslServer) listed() []*Channel {
	lag := s.opts.ShowLag
	if lag <= 0 {
		return s.m.live(FrontFreeSWITCH)
	}
	cut := time.Now().Add(-lag)
	var out []*Channel
	for _, id := range s.m.order {
		c := s.m.chans[id]
		if c == nil || c.Front != FrontFreeSWITCH || c.Created.After(cut) {
			continue
		}
		if c.alive() || c.Ended.After(cut) {
			out = append(out, c)
		}
	}
	return out
}

func (s *eslServer) channelRow(c *Channel) map[string]string {
	_, _, call, _ := fsStates(c, phaseLive)
	dir := "outbound"
	if c.Inbound {
		dir = "inbound"
	}
	r := map[string]string{
		"uuid": c.ID, "direction": dir, "created": c.Created.Format("2006-01-02 15:04:05"),
		"created_epoch": strconv.FormatInt(c.Created.Unix(), 10), "name": c.Name, "state": "CS_EXECUTE",
		"cid_name": c.ANIName, "cid_num": c.ANI, "ip_addr": "127.0.0.1", "dest": c.DNIS,
		"application": c.CurrentApp, "application_data": c.AppData, "dialplan": "XML", "context": c.Context,
		"read_codec": "PCMU", "read_rate": "8000", "read_bit_rate": "64000", "write_codec": "PCMU",
		"write_rate": "8000", "write_bit_rate": "64000", "secure": "", "hostname": s.opts.Hostname,
		"presence_id": "", "presence_data": "", "accountcode": "", "callstate": call, "callee_name": "",
		"callee_num": "", "callee_direction": "", "call_uuid": c.ID, "sent_callee_name": "", "sent_callee_num": "",
		"initial_cid_name": c.ANIName, "initial_cid_num": c.ANI, "initial_ip_addr": "127.0.0.1",
		"initial_dest": c.DNIS, "initial_dialplan": "XML", "initial_context": c.Context,
	}
	if p := s.m.peer(c); p != nil {
		r["callee_name"], r["callee_num"] = p.ANIName, p.ANI
	}
	return r
}

// dump is uuid_dump <uuid> [json]: a CHANNEL_DATA event.
func (s *eslServer) dump(id, format string) string {
	c := s.fsChan(id)
	if c == nil {
		return noSuchChannel
	}
	e := &eslEvent{name: "CHANNEL_DATA"}
	s.chanHeaders(e, c, phaseLive, nil, "", true)
	if format == "json" {
		full := s.base("CHANNEL_DATA", "", "switch_ivr.c", "switch_ivr_dump", 0, time.Now())
		s.seq-- // uuid_dump does not consume an Event-Sequence on the wire
		full.hdrs = full.hdrs[:len(full.hdrs)-1]
		full.hdrs = append(full.hdrs, e.hdrs...)
		return full.jsonBody()
	}
	var b strings.Builder
	for _, h := range e.hdrs {
		b.WriteString(h.k + ": " + fsURLEncode(h.v) + "\n")
	}
	return b.String()
}

// conference handles conference list | <room> list|mute|unmute|kick|hup|play.
func (s *eslServer) conference(f []string) string {
	m := s.m
	if len(f) == 0 {
		return "-ERR no conference specified\n"
	}
	memberLine := func(mem *confMember) string {
		c := m.chans[mem.Chan]
		flags := "hear"
		if !mem.Muted {
			flags += "|speak"
		}
		return fmt.Sprintf("%d;%s;%s;%s;%s;%s;0;0;100\n", mem.ID, c.Name, c.ID, c.ANIName, c.ANI, flags)
	}
	if f[0] == "json_list" {
		var all []*Conference
		for _, cf := range m.confs {
			all = append(all, cf)
		}
		return confJSON(m, all...)
	}
	if f[0] == "list" {
		var b strings.Builder
		for _, cf := range m.confs {
			noun := "members"
			if len(cf.Members) == 1 {
				noun = "member"
			}
			fmt.Fprintf(&b, "+OK Conference %s (%d %s rate: 8000 flags: running|answered|enforce_min|dynamic|exit_sound|enter_sound|json_status)\n", cf.Name, len(cf.Members), noun)
			for _, mem := range cf.Members {
				b.WriteString(memberLine(mem))
			}
		}
		if b.Len() == 0 {
			return "+OK No active conferences.\n"
		}
		return b.String()
	}
	cf := m.confs[f[0]]
	if cf == nil {
		return fmt.Sprintf("-ERR Conference %s not found\n", f[0])
	}
	if len(f) < 2 {
		return "-ERR no command specified\n"
	}
	sel := func() []*confMember {
		if len(f) < 3 || f[2] == "all" {
			return append([]*confMember(nil), cf.Members...)
		}
		var out []*confMember
		for _, mem := range cf.Members {
			if strconv.Itoa(mem.ID) == f[2] || mem.Chan == f[2] {
				out = append(out, mem)
			}
		}
		return out
	}
	var b strings.Builder
	switch f[1] {
	case "list":
		for _, mem := range cf.Members {
			b.WriteString(memberLine(mem))
		}
	case "mute", "unmute":
		for _, mem := range sel() {
			m.muteMember(cf, mem, f[1] == "mute")
			fmt.Fprintf(&b, "+OK %s %d\n", f[1], mem.ID)
		}
	case "kick", "hup":
		// The conference application ends; an inline dialplan continues
		// (e.g. ",park"), otherwise the channel hangs up.
		for _, mem := range sel() {
			fmt.Fprintf(&b, "+OK %s %d\n", f[1], mem.ID)
			if c := m.ch(mem.Chan); c != nil {
				m.leaveConference(c, f[1]+"-member")
				if len(c.pending) > 0 {
					m.runPending(c)
				} else {
					m.hangup(c, "NORMAL_CLEARING", "controller")
				}
			}
		}
	case "json_list":
		return confJSON(m, cf)
	case "play":
		if len(f) < 3 {
			return "-ERR no file specified\n"
		}
		file := strings.Join(f[2:], " ")
		for _, mem := range cf.Members {
			if c := m.ch(mem.Chan); c != nil {
				for _, it := range m.mediaFromFS(file) {
					h := it.Heard
					h.At = time.Now()
					c.Heard = append(c.Heard, h)
				}
			}
		}
		e := m.ev(evConf, nil)
		e.Conf, e.Action = cf, "play-file"
		m.emit(e)
		return "+OK (play) Playing file " + file + "\n"
	default:
		return fmt.Sprintf("-ERR Unknown command %s\n", f[1])
	}
	if b.Len() == 0 {
		return "-ERR Member not found\n"
	}
	return b.String()
}

// simModules are the FreeSWITCH modules the simulator answers
// module_exists with true for (mod_amd unless Options.NoAMD).
var simModules = map[string]bool{"mod_amd": true, "mod_commands": true, "mod_conference": true, "mod_dptools": true,
	"mod_event_socket": true, "mod_loopback": true, "mod_sofia": true, "mod_sndfile": true, "mod_tone_stream": true, "mod_local_stream": true}
