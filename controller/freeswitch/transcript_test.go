package freeswitch

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// refDir holds the reference transcripts captured from real FreeSWITCH,
// copied into the repository so a plain clone runs these tests.
const refDir = "../testdata/reference/transcripts"

// record is one message of a transcript: "<<<" from FreeSWITCH, ">>>" from
// the client.
type record struct {
	line int    // 1-based line of the record header
	dir  string // "<<<" or ">>>"
	head string
	text []byte // the message as on the wire (">>>": literal \r removed)
}

func readTranscript(t testing.TB, name string) []record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(refDir, name))
	if err != nil {
		t.Fatalf("reference transcript %s missing (controller/testdata/reference): %v", name, err)
	}
	return splitTranscript(b)
}

func splitTranscript(b []byte) []record {
	var out []record
	var cur *record
	var body []string
	flush := func() {
		if cur != nil && cur.dir != "###" {
			cur.text = []byte(strings.Join(body, "\n"))
			out = append(out, *cur)
		}
		cur, body = nil, nil
	}
	for i, ln := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(ln, "<<< ") || strings.HasPrefix(ln, ">>> ") || strings.HasPrefix(ln, "### ") {
			flush()
			cur = &record{line: i + 1, dir: ln[:3], head: ln}
			continue
		}
		if cur != nil {
			if cur.dir == ">>>" {
				ln = strings.TrimSuffix(ln, `\r`)
			}
			body = append(body, ln)
		}
	}
	flush()
	return out
}

// outer splits a "<<<" record into its outer ESL headers and body.
func (r record) outer() (textproto.MIMEHeader, []byte) {
	br := bufio.NewReader(bytes.NewReader(r.text))
	h, _ := textproto.NewReader(br).ReadMIMEHeader()
	rest, _ := io.ReadAll(br)
	return h, bytes.TrimLeft(rest, "\n")
}

// event parses a text/event-plain record; nil for anything else.
func (r record) event() *fsEvent {
	if r.dir != "<<<" || !strings.Contains(r.head, "text/event-plain") {
		return nil
	}
	_, body := r.outer()
	e, err := parsePlainEvent(body, time.Time{})
	if err != nil {
		return nil
	}
	return e
}

// command is the first line of a ">>>" record.
func (r record) command() string {
	first, _, _ := strings.Cut(string(r.text), "\n")
	return first
}

// formatEvent renders a neutral event as one stable golden line.
func formatEvent(ev controller.Event) string {
	var b strings.Builder
	b.WriteString(ev.Type.String())
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	add("leg", ev.Leg)
	add("ani", ev.ANI)
	add("ani_name", ev.ANIName)
	add("dnis", ev.DNIS)
	if len(ev.Vars) > 0 {
		keys := make([]string, 0, len(ev.Vars))
		for k := range ev.Vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add("var."+k, ev.Vars[k])
		}
	}
	add("digit", ev.Digit)
	add("playback", ev.PlaybackID)
	add("recording", ev.RecordingID)
	add("path", ev.Path)
	if ev.Duration > 0 {
		add("duration", ev.Duration.String())
	}
	add("other", ev.OtherLeg)
	add("room", ev.Room)
	add("cause", string(ev.Cause))
	if ev.Type == controller.EventHungUp {
		add("by", ev.HangupBy.String())
	}
	add("err", ev.Err)
	return b.String()
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
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
		t.Fatalf("golden %s: %v (run go test -update)", path, err)
	}
	if string(want) != got {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		for i := 0; i < len(wl) || i < len(gl); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Fatalf("golden %s differs at line %d:\nwant: %s\ngot:  %s\n(run go test -update to accept)", path, i+1, w, g)
			}
		}
	}
}
