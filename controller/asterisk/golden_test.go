package asterisk

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// refDir holds the real Asterisk captures and ARI description, copied into
// the repository so a plain clone runs these tests.
const refDir = "../testdata/reference"

// referenceDir is refDir, or IPCC_REFERENCE when set (to check against a
// newer capture). Missing captures fail the test: a skip would let a clone
// without them pass without checking anything.
func referenceDir(t testing.TB) string {
	t.Helper()
	dir := refDir
	if env := os.Getenv("IPCC_REFERENCE"); env != "" {
		dir = env
	}
	if _, err := os.Stat(filepath.Join(dir, "ari", "channels.json")); err != nil {
		t.Fatalf("reference captures missing in %s: %v", dir, err)
	}
	return dir
}

// tline is one line of a reference transcript.
type tline struct {
	Kind   string          `json:"kind"`
	Seq    int             `json:"seq"`
	T      time.Time       `json:"t"`
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Status int             `json:"status"`
	Event  json.RawMessage `json:"event"`
	Msg    string          `json:"msg"`
	WS     string          `json:"ws"`
}

func readTranscript(t testing.TB, path string) []tline {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []tline
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var l tline
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// splitARI returns the path under /ari and the query of a transcript URL.
func splitARI(raw string) (string, url.Values) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil
	}
	return strings.TrimPrefix(u.Path, "/ari"), u.Query()
}

var causeOfReason = func() map[string]controller.Cause {
	m := map[string]controller.Cause{}
	for c, r := range hangupReasons {
		m[r] = c
	}
	return m
}()

// applyRequest mirrors what our operations register before sending the
// request the transcript shows. It reports whether the request is one of
// the kinds our driver sends.
func applyRequest(st *state, method, path string, q url.Values) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) == 0 || parts[0] != "channels" {
		return false
	}
	switch {
	case method == "POST" && len(parts) <= 2 && q.Get("app") == st.app:
		id := q.Get("channelId")
		if len(parts) == 2 {
			id = parts[1]
		}
		if id != "" {
			st.reserveOriginate(id, "", "")
		}
		return true
	case method == "DELETE" && len(parts) == 2:
		var cause controller.Cause
		if r := q.Get("reason"); r != "" {
			cause = causeOfReason[r]
		} else if c, err := strconv.Atoi(q.Get("reason_code")); err == nil {
			cause = causeFromQ850(c)
		}
		st.markHangup(parts[1], cause)
		return true
	case len(parts) != 3 || method != "POST":
		return false
	}
	id := parts[1]
	switch parts[2] {
	case "snoop":
		if sid := q.Get("snoopId"); sid != "" {
			st.reserveSnoop(sid, id, "")
		}
	case "play":
		if pid := q.Get("playbackId"); pid != "" {
			st.reservePlayback(pid, id)
		}
	case "record":
		name := q.Get("name")
		st.reserveRecording(name, name, id, st.cfg.recordingPath(name, q.Get("format")))
	case "continue":
		st.markTransfer(id)
	case "answer", "dtmf", "moh", "variable", "mute":
	default:
		return false
	}
	return true
}

// applyResponse mirrors what our operations do once a request succeeded.
func applyResponse(st *state, method, path string, q url.Values, status int) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case method == "POST" && len(parts) == 1 && parts[0] == "channels" && status == 200:
		st.confirm(q.Get("channelId"))
	case len(parts) == 3 && parts[0] == "channels" && parts[2] == "moh" && status == 204:
		if l := st.live(parts[1]); l != nil {
			st.setHold(l, method == "POST", time.Time{})
		}
	}
}

func describeARI(e *ari.Event) string {
	var b strings.Builder
	b.WriteString(e.Type)
	if c := e.Channel; c != nil {
		fmt.Fprintf(&b, " channel=%s state=%s", c.ID, c.State)
	}
	if len(e.Args) > 0 {
		fmt.Fprintf(&b, " args=%q", e.Args)
	}
	if br := e.Bridge; br != nil {
		fmt.Fprintf(&b, " bridge=%s members=%v", br.ID, br.Channels)
	}
	if p := e.Playback; p != nil {
		fmt.Fprintf(&b, " playback=%s %s state=%s target=%s", p.ID, p.MediaURI, p.State, p.TargetURI)
	}
	if r := e.Recording; r != nil {
		fmt.Fprintf(&b, " recording=%s state=%s", r.Name, r.State)
		if r.Duration != nil {
			fmt.Fprintf(&b, " duration=%d", *r.Duration)
		}
	}
	if e.Type == "ChannelHangupRequest" || e.Type == "ChannelDestroyed" {
		fmt.Fprintf(&b, " cause=%d", e.Cause)
		if e.Soft {
			b.WriteString(" soft")
		}
	}
	if e.Digit != "" {
		fmt.Fprintf(&b, " digit=%s", e.Digit)
	}
	return b.String()
}

// describe renders a neutral event for goldens (no time, no switch name).
func describe(e controller.Event) string {
	var b strings.Builder
	b.WriteString(e.Type.String())
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	add("leg", e.Leg)
	add("ani", e.ANI)
	add("ani_name", e.ANIName)
	add("dnis", e.DNIS)
	if len(e.Vars) > 0 {
		keys := make([]string, 0, len(e.Vars))
		for k := range e.Vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add("var."+k, e.Vars[k])
		}
	}
	add("digit", e.Digit)
	add("playback", e.PlaybackID)
	add("recording", e.RecordingID)
	add("path", e.Path)
	if e.Type == controller.EventRecordingFinished {
		add("duration", e.Duration.String())
	}
	add("other", e.OtherLeg)
	add("room", e.Room)
	add("cause", string(e.Cause))
	if e.Type == controller.EventHungUp {
		add("by", e.HangupBy.String())
	}
	add("err", e.Err)
	return b.String()
}

// replay feeds a transcript through the decoder and translator, applying
// the transcript's own requests as our operations would.
func replay(t testing.TB, path string) string {
	t.Helper()
	cfg := Config{Name: "pbx1", URL: "http://127.0.0.1:8088", App: "callcenter"}
	cfg.setDefaults()
	var emitted []controller.Event
	st := newState(&cfg, func(e controller.Event) { emitted = append(emitted, e) })
	var now time.Time
	st.now = func() time.Time { return now }

	var b strings.Builder
	fmt.Fprintf(&b, "# %s replayed through ari.DecodeEvent and the translator (app %q).\n", filepath.Base(path), cfg.App)
	b.WriteString("# '>>' requests our operations also send, '<<' events that produced neutral events, '=>' those events.\n")
	for _, l := range readTranscript(t, path) {
		now = l.T
		switch l.Kind {
		case "rest_request":
			p, q := splitARI(l.URL)
			if applyRequest(st, l.Method, p, q) {
				fmt.Fprintf(&b, "%4d >> %s %s", l.Seq, l.Method, p)
				if len(q) > 0 {
					fmt.Fprintf(&b, "?%s", q.Encode())
				}
				b.WriteString("\n")
			}
		case "rest_response":
			p, q := splitARI(l.URL)
			emitted = emitted[:0]
			applyResponse(st, l.Method, p, q, l.Status)
			for _, e := range emitted {
				fmt.Fprintf(&b, "%4d << %d reply to %s %s\n     => %s\n", l.Seq, l.Status, l.Method, p, describe(e))
			}
		case "ws_connected", "ws_closed":
			fmt.Fprintf(&b, "%4d -- %s %s\n", l.Seq, l.Kind, l.WS)
		case "ws_event":
			ev, err := ari.DecodeEvent(l.Event)
			if err != nil {
				fmt.Fprintf(&b, "%4d !! %v\n", l.Seq, err)
				continue
			}
			emitted = emitted[:0]
			st.translate(ev)
			cleanups := st.cleanups
			st.cleanups = nil
			replaced := st.replaced
			st.replaced = false
			if len(emitted) == 0 && len(cleanups) == 0 && !replaced {
				continue
			}
			fmt.Fprintf(&b, "%4d << %s\n", l.Seq, describeARI(ev))
			for _, e := range emitted {
				fmt.Fprintf(&b, "     => %s\n", describe(e))
			}
			for _, c := range cleanups {
				fmt.Fprintf(&b, "     => cleanup %s %s\n", c.op, c.id)
			}
			if replaced {
				b.WriteString("     => application replaced: reconnect and reconcile\n")
			}
		}
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the translation; diff with -update and review:\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w, g)
		}
	}
	return ""
}

func TestGoldenTranscripts(t *testing.T) {
	ref := referenceDir(t)
	files, err := filepath.Glob(filepath.Join(ref, "transcripts", "ari-*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no ARI transcripts in %s: %v", ref, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		t.Run(name, func(t *testing.T) {
			checkGolden(t, filepath.Join("golden", name+".golden"), replay(t, f))
		})
	}
}
