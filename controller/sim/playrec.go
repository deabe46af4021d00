package sim

import (
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Playback is media playing to a channel or a bridge.
type Playback struct {
	ID        string
	Front     Front
	Chan      string
	Bridge    string
	URI       string // as requested (ARI media_uri / FreeSWITCH file)
	URIs      []string
	Lang      string
	State     string // queued, playing, paused, done, stopped
	Status    string // FreeSWITCH Playback-Status: done, break
	items     []mediaItem
	idx       int
	timer     *time.Timer
	itemStart time.Time
	remaining time.Duration
	onDone    func(p *Playback)
	failed    bool
	Params    [][2]string // FreeSWITCH {k=v} file parameters, merged into PLAYBACK_* events
	exec      *execItem   // FreeSWITCH: the application playing it
	seq       uint64      // Asterisk: order among the channel's queued playbacks
}

// TargetURI is the ARI target_uri.
func (p *Playback) TargetURI() string {
	if p.Bridge != "" {
		return "bridge:" + p.Bridge
	}
	return "channel:" + p.Chan
}

func (m *Model) startPlayback(p *Playback) {
	m.plays[p.ID] = p
	p.State = "playing"
	m.hearGen++
	m.emit(&mEvent{Kind: evPlaybackStart, At: time.Now(), Ch: m.chans[p.Chan], Playback: p})
	p.idx = 0
	m.playItem(p)
}

func (m *Model) playbackListeners(p *Playback) []*Channel {
	if p.Bridge != "" {
		var out []*Channel
		if b := m.bridges[p.Bridge]; b != nil {
			for _, id := range b.Channels {
				if c := m.ch(id); c != nil {
					out = append(out, c)
				}
			}
		}
		return out
	}
	if c := m.ch(p.Chan); c != nil {
		return []*Channel{c}
	}
	return nil
}

func (m *Model) playItem(p *Playback) {
	if p.idx >= len(p.items) {
		m.finishPlayback(p, "done")
		return
	}
	it := p.items[p.idx]
	if it.refused != "" {
		// The switch could not open it: nobody hears it.
		m.logger().Debug("sim: media not played", slog.String("media", it.Value), slog.String("why", it.refused))
		if p.idx == len(p.items)-1 {
			m.finishPlayback(p, "failed")
			return
		}
		m.nextItem(p)
		return
	}
	h := it.Heard
	h.At = time.Now()
	for _, c := range m.playbackListeners(p) {
		c.Heard = append(c.Heard, h)
	}
	if it.endless {
		return
	}
	p.itemStart = time.Now()
	p.remaining = it.dur
	p.timer = m.after(it.dur, func() { m.nextItem(p) })
}

func (m *Model) nextItem(p *Playback) {
	if p.State != "playing" {
		return
	}
	p.timer = nil
	p.idx++
	if p.idx < len(p.items) && p.Front == FrontAsterisk {
		// Asterisk moves media_uri to the item now playing.
		if u := p.items[p.idx].uri; u != "" {
			p.URI = u
		}
		m.emit(&mEvent{Kind: evPlaybackContinue, At: time.Now(), Ch: m.chans[p.Chan], Playback: p})
		// and announces the next item as started (res_stasis_playback.c
		// playback_first_update runs for each item).
		m.emit(&mEvent{Kind: evPlaybackStart, At: time.Now(), Ch: m.chans[p.Chan], Playback: p})
	}
	m.playItem(p)
}

func (m *Model) pausePlayback(p *Playback) {
	if p.State != "playing" {
		return
	}
	m.cancel(p.timer)
	p.timer = nil
	p.remaining -= time.Since(p.itemStart)
	if p.remaining < 0 {
		p.remaining = 0
	}
	p.State = "paused"
}

func (m *Model) unpausePlayback(p *Playback) {
	if p.State != "paused" {
		return
	}
	p.State = "playing"
	// Asterisk announces PlaybackStarted again after unpause.
	m.emit(&mEvent{Kind: evPlaybackStart, At: time.Now(), Ch: m.chans[p.Chan], Playback: p})
	if p.idx < len(p.items) && !p.items[p.idx].endless {
		p.itemStart = time.Now()
		p.timer = m.after(p.remaining, func() { m.nextItem(p) })
	}
}

func (m *Model) restartPlayback(p *Playback) {
	m.cancel(p.timer)
	p.State = "playing"
	p.idx = 0
	m.playItem(p)
}

// finishPlayback ends p; how is "done" (played to the end), "stopped" or
// "failed" (its last item could not be played).
func (m *Model) finishPlayback(p *Playback, how string) {
	if p.State == "done" || p.State == "failed" {
		return
	}
	m.cancel(p.timer)
	p.timer = nil
	p.State = "done"
	if how == "failed" {
		p.State = "failed"
	}
	p.Status = "done"
	if how != "done" {
		p.Status = "break"
	}
	delete(m.plays, p.ID)
	m.hearGen++
	m.emit(&mEvent{Kind: evPlaybackStop, At: time.Now(), Ch: m.chans[p.Chan], Playback: p})
	if p.onDone != nil {
		p.onDone(p)
	}
	if p.Front == FrontAsterisk && p.Bridge == "" {
		m.startQueued(p.Chan)
	}
}

// channelBusy reports whether an Asterisk channel has a playback playing,
// paused or queued: a new one waits for its turn.
func (m *Model) channelBusy(chanID string) bool {
	for _, p := range m.plays {
		if p.Front == FrontAsterisk && p.Bridge == "" && p.Chan == chanID &&
			(p.State == "playing" || p.State == "paused" || p.State == "queued") {
			return true
		}
	}
	return false
}

// queuePlayback keeps p ("queued") until the channel's playbacks before it
// are over. Asterisk runs POST /channels/{id}/play as a command of the
// channel's Stasis control (res_stasis_playback.c play_uri, queued with
// stasis_app_send_command_async) and a command runs only when the one
// before it returned, which for a playback is when it finished: the
// playbacks of a channel play one after the other, in the order asked.
func (m *Model) queuePlayback(p *Playback) {
	m.playSeq++
	p.seq = m.playSeq
	p.State = "queued"
	m.plays[p.ID] = p
}

// startQueued starts the channel's next queued playback once nothing plays
// on it. A channel that hung up or left Stasis drops its queued playbacks
// without events (Asterisk never runs their commands).
func (m *Model) startQueued(chanID string) {
	var next *Playback
	for _, p := range m.plays {
		if p.Front != FrontAsterisk || p.Bridge != "" || p.Chan != chanID {
			continue
		}
		switch p.State {
		case "playing", "paused":
			return
		case "queued":
			if next == nil || p.seq < next.seq {
				next = p
			}
		}
	}
	if next == nil {
		return
	}
	if c := m.ch(chanID); c == nil || !c.alive() || c.hanging || c.App == "" {
		for id, p := range m.plays {
			if p.Front == FrontAsterisk && p.Bridge == "" && p.Chan == chanID && p.State == "queued" {
				delete(m.plays, id)
			}
		}
		return
	}
	m.startPlayback(next)
}

// stopChannelPlaybacks stops what plays on c (FreeSWITCH uuid_break). all
// also drops queued applications.
func (m *Model) stopChannelPlaybacks(c *Channel, all bool) {
	if all {
		c.queue = nil
	}
	for _, p := range m.plays {
		if p.Chan == c.ID && (p.State == "playing" || p.State == "paused") {
			m.finishPlayback(p, "stopped")
		}
	}
}

// Recording is a live or finished recording of a channel.
type Recording struct {
	Name      string
	Front     Front
	Chan      string
	Path      string
	Format    string
	State     string // queued, recording, paused, done
	Started   time.Time
	Duration  time.Duration
	MaxDur    time.Duration
	Muted     bool
	Cause     string
	failure   string // Asterisk RecordingFailed cause
	timer     *time.Timer
	pausedAt  time.Time
	pausedFor time.Duration
}

func (m *Model) startRecording(r *Recording) {
	m.recs[r.Name] = r
	r.State = "recording"
	r.Started = time.Now()
	if c := m.chans[r.Chan]; c != nil {
		c.Recordings = append(c.Recordings, r.Path)
	}
	m.emit(&mEvent{Kind: evRecordStart, At: time.Now(), Ch: m.chans[r.Chan], Recording: r})
	if r.MaxDur > 0 {
		r.timer = m.after(r.MaxDur, func() { m.stopRecording(r, "max-duration") })
	}
}

func (m *Model) pauseRecording(r *Recording, pause bool) {
	switch {
	case pause && r.State == "recording":
		r.State = "paused"
		r.pausedAt = time.Now()
	case !pause && r.State == "paused":
		r.State = "recording"
		r.pausedFor += time.Since(r.pausedAt)
	}
}

// stopRecording ends r and writes its WAV file. Paused stretches are kept
// as silence, so the file is as long as the wall-clock recording.
func (m *Model) stopRecording(r *Recording, cause string) {
	if r.State == "done" {
		return
	}
	m.cancel(r.timer)
	r.timer = nil
	r.State = "done"
	r.Cause = cause
	r.Duration = time.Since(r.Started)
	if err := writeWAV(r.Path, r.Duration); err != nil {
		m.logger().Warn("sim: recording not written", slog.String("path", r.Path), slog.Any("err", err))
	}
	delete(m.recs, r.Name)
	if c := m.chans[r.Chan]; c != nil && r.Front == FrontFreeSWITCH {
		// FreeSWITCH reports the length on the channel with RECORD_STOP.
		c.Vars.set("record_ms", fmt.Sprint(r.Duration.Milliseconds()))
		c.Vars.set("record_seconds", fmt.Sprint(int(r.Duration.Seconds())))
		c.Vars.set("record_samples", fmt.Sprint(int(r.Duration.Seconds()*8000)))
	}
	if r.Front == FrontAsterisk {
		m.stored[r.Name] = r
	}
	m.emit(&mEvent{Kind: evRecordStop, At: time.Now(), Ch: m.chans[r.Chan], Recording: r})
}

func (m *Model) logger() *slog.Logger {
	if m.opts.Logger != nil {
		return m.opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// --- FreeSWITCH applications (sendmsg execute, originate &app()) ---

type execItem struct {
	App, Arg string
	UUID     string
	Lock     bool
	Loops    int
}

// execute runs (or, with event-lock while another locked application runs,
// queues) an application on a FreeSWITCH channel.
func (m *Model) execute(c *Channel, it *execItem) {
	if it.UUID == "" {
		it.UUID = newID()
	}
	if it.Lock && c.busy {
		c.queue = append(c.queue, it)
		return
	}
	m.runApp(c, it)
}

func (m *Model) appDone(c *Channel, it *execItem, resp string) {
	c.Vars.set("current_application_response", resp)
	e := m.ev(evExecuteComplete, c)
	e.App, e.AppData, e.AppUUID, e.AppResp = it.App, it.Arg, it.UUID, resp
	m.emit(e)
	if it.Lock {
		c.busy = false
		if len(c.queue) > 0 && c.alive() {
			next := c.queue[0]
			c.queue = c.queue[1:]
			m.runApp(c, next)
		}
	}
}

func (m *Model) runApp(c *Channel, it *execItem) {
	if it.UUID == "" {
		it.UUID = newID()
	}
	switch it.App {
	case "park", "conference", "eavesdrop":
		c.appUUID = it.UUID
	}
	switch it.App {
	case "park":
		m.park(c)
		return
	case "conference":
		room, _, _ := strings.Cut(it.Arg, "@")
		room, _, _ = strings.Cut(room, "+")
		m.joinConference(c, room, strings.Contains(it.Arg, "flags{mute"))
		return
	case "eavesdrop":
		m.eavesdrop(c, strings.TrimSpace(it.Arg))
		return
	}
	c.Vars.set("current_application", it.App)
	c.Vars.set("current_application_data", it.Arg)
	e := m.ev(evExecute, c)
	e.App, e.AppData, e.AppUUID = it.App, it.Arg, it.UUID
	m.emit(e)
	if it.Lock {
		c.busy = true
	}
	switch it.App {
	case "playback", "broadcast":
		loops := it.Loops
		if loops == 0 {
			loops = 1
		}
		m.playLoops(c, it, loops)
	case "say":
		// say <lang> <type> <method> <value>: "iterated" reads digit by digit.
		f := strings.Fields(it.Arg)
		kind, val := "number", ""
		if len(f) > 0 {
			val = f[len(f)-1]
		}
		if len(f) >= 3 && strings.EqualFold(f[2], "iterated") {
			kind = "digits"
		}
		h := m.item(kind, val, "")
		h.At = time.Now()
		c.Heard = append(c.Heard, h.Heard)
		m.after(h.dur, func() {
			m.appDone(c, it, "_none_")
			m.continueInline(c)
		})
	case "play_and_get_digits":
		m.startPagd(c, it)
	case "mod_amd", "amd":
		if m.opts.NoAMD {
			m.appDone(c, it, "_none_")
			m.hangup(c, "DESTINATION_OUT_OF_ORDER", "switch")
			return
		}
		m.runAMD(c, it)
	case "answer", "pre_answer", "ring_ready":
		if it.App == "answer" {
			m.answer(c)
		}
		m.appDone(c, it, "_none_")
	case "set", "export":
		k, v, _ := strings.Cut(it.Arg, "=")
		if v == "" {
			c.Vars.del(k) // set with no value unsets
		} else {
			m.setVar(c, k, v)
		}
		m.appDone(c, it, "_none_")
	case "hangup":
		cause := strings.TrimSpace(it.Arg)
		m.appDone(c, it, "_none_")
		m.hangup(c, cause, "controller")
	case "sleep":
		ms, _ := strconv.Atoi(it.Arg)
		m.after(time.Duration(ms)*time.Millisecond, func() { m.appDone(c, it, "_none_") })
	case "send_dtmf":
		m.sendDTMF(c, strings.Split(it.Arg, "@")[0], "UNKNOWN")
		m.appDone(c, it, "_none_")
	case "transfer": // <extension> [<dialplan> <context>]; the rest of an inline dialplan is dropped
		f := append(strings.Fields(it.Arg), "", "", "")
		dp, ctx := f[1], f[2]
		if dp == "" || strings.EqualFold(dp, "inline") {
			dp = "XML"
		}
		if ctx == "" {
			ctx = c.Context
		}
		m.appDone(c, it, "_none_")
		m.fsTransfer(c, f[0], dp, ctx)
	default:
		// FreeSWITCH accepts any name and fails the channel when it runs.
		m.appDone(c, it, "_none_")
		m.hangup(c, "DESTINATION_OUT_OF_ORDER", "switch")
	}
}

// playLoops plays the application's file left more times (loops < 0:
// until broken). As switch_ivr_parse_event does, each repetition is an
// application run of its own — CHANNEL_EXECUTE_COMPLETE and then
// CHANNEL_EXECUTE again, with the same Application-UUID — and the
// repetitions stop when one was broken or ran less than half a second.
func (m *Model) playLoops(c *Channel, it *execItem, left int) {
	params, file := splitFileParams(it.Arg)
	began := time.Now()
	p := &Playback{ID: newID(), Front: FrontFreeSWITCH, Chan: c.ID, URI: file, items: m.mediaFromFS(file), Params: params, exec: it}
	p.onDone = func(p *Playback) {
		if left != 1 && p.Status == "done" && c.alive() && time.Since(began) >= 500*time.Millisecond {
			e := m.ev(evExecuteComplete, c)
			e.App, e.AppData, e.AppUUID, e.AppResp = it.App, it.Arg, it.UUID, "FILE PLAYED"
			m.emit(e)
			e = m.ev(evExecute, c)
			e.App, e.AppData, e.AppUUID = it.App, it.Arg, it.UUID
			m.emit(e)
			m.playLoops(c, it, left-1)
			return
		}
		m.appDone(c, it, "FILE PLAYED")
		m.continueInline(c)
	}
	m.startPlayback(p)
}

// pagd is a running play_and_get_digits.
type pagd struct {
	it                   *execItem
	min, max, tries      int
	timeout, digitTO     time.Duration
	term                 string
	file, invalid, vname string
	re                   *regexp.Regexp
	digits               string
	try                  int
	timer                *time.Timer
	prompt               *Playback
}

func (m *Model) startPagd(c *Channel, it *execItem) {
	f := strings.Fields(it.Arg)
	at := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	num := func(i, def int) int {
		if n, err := strconv.Atoi(at(i)); err == nil {
			return n
		}
		return def
	}
	g := &pagd{it: it, min: num(0, 1), max: num(1, 1), tries: num(2, 1),
		timeout: time.Duration(num(3, 5000)) * time.Millisecond, term: at(4),
		file: at(5), invalid: at(6), vname: at(7)}
	g.digitTO = g.timeout
	if n := num(9, 0); n > 0 {
		g.digitTO = time.Duration(n) * time.Millisecond
	}
	if g.vname == "" {
		g.vname = "pagd_result"
	}
	if re, err := regexp.Compile("^(?:" + at(8) + ")$"); err == nil && at(8) != "" {
		g.re = re
	}
	c.pagd = g
	m.pagdPrompt(c, g.file)
}

func (m *Model) pagdPrompt(c *Channel, file string) {
	g := c.pagd
	if file == "" {
		m.pagdWait(c, g.timeout)
		return
	}
	p := &Playback{ID: newID(), Front: FrontFreeSWITCH, Chan: c.ID, URI: file, items: m.mediaFromFS(file)}
	g.prompt = p
	p.onDone = func(p *Playback) {
		if c.pagd == g && g.prompt == p {
			g.prompt = nil
			if g.digits == "" {
				m.pagdWait(c, g.timeout)
			}
		}
	}
	m.startPlayback(p)
}

func (m *Model) pagdWait(c *Channel, d time.Duration) {
	g := c.pagd
	m.cancel(g.timer)
	g.timer = m.after(d, func() {
		if c.pagd == g {
			m.pagdAttempt(c)
		}
	})
}

func (m *Model) pagdDigit(c *Channel, d string) {
	g := c.pagd
	if g.prompt != nil {
		// The first digit interrupts the prompt.
		p := g.prompt
		g.prompt = nil
		m.finishPlayback(p, "stopped")
	}
	if g.term != "" && strings.Contains(g.term, d) {
		m.pagdAttempt(c)
		return
	}
	g.digits += d
	if len(g.digits) >= g.max {
		m.pagdAttempt(c)
		return
	}
	m.pagdWait(c, g.digitTO)
}

func (m *Model) pagdAttempt(c *Channel) {
	g := c.pagd
	m.cancel(g.timer)
	g.timer = nil
	ok := len(g.digits) >= g.min && len(g.digits) <= g.max && (g.re == nil || g.re.MatchString(g.digits))
	if ok {
		c.pagd = nil
		c.Vars.set(g.vname, g.digits)
		c.Vars.set("read_result", "success")
		m.appDone(c, g.it, "_none_")
		return
	}
	g.try++
	g.digits = ""
	if g.try < g.tries {
		if g.invalid != "" && !strings.HasPrefix(g.invalid, "silence_stream://") {
			m.pagdPrompt(c, g.invalid)
			return
		}
		m.pagdPrompt(c, g.file)
		return
	}
	c.pagd = nil
	c.Vars.set(g.vname, "")
	c.Vars.set("read_result", "failure")
	m.appDone(c, g.it, "_none_")
}

// splitFileParams separates FreeSWITCH "{k=v,...}file" parameters.
func splitFileParams(arg string) ([][2]string, string) {
	arg = strings.TrimSpace(arg)
	if !strings.HasPrefix(arg, "{") {
		return nil, arg
	}
	end := strings.IndexByte(arg, '}')
	if end < 0 {
		return nil, arg
	}
	var out [][2]string
	for _, kv := range splitVars(arg[1:end]) {
		k, v, _ := strings.Cut(kv, "=")
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out, arg[end+1:]
}

// continueInline resumes an inline dialplan after a sequential application.
func (m *Model) continueInline(c *Channel) {
	if c.alive() && len(c.pending) > 0 && c.CurrentApp == "" {
		m.runPending(c)
	}
}
