package switchbench

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed testdata/esl-events.txt
var eslEventsText string

// eslTemplate is one event cut into literal parts and placeholders, so that
// rendering is appends only (the replayer must not be the bottleneck it
// measures).
type eslTemplate struct {
	name      string
	headers   int
	parts     []string // literal text; parts[i] is followed by holes[i]
	holes     []byte   // 'U' uuid, 'S' sequence, 'T' timestamp, 'D' digit, 0 = end
	fixed     int      // bytes of the body without the sequence number
	countable bool     // the driver turns it into exactly one neutral event for a followed leg
}

const (
	tplPark             = "CHANNEL_PARK"
	tplDTMFSmall        = "DTMF_SMALL"
	tplDTMFBig          = "DTMF_BIG"
	tplExecute          = "CHANNEL_EXECUTE"
	tplPlaybackStart    = "PLAYBACK_START"
	tplPlaybackStop     = "PLAYBACK_STOP"
	tplExecuteComplete  = "CHANNEL_EXECUTE_COMPLETE"
	uuidLen             = 36
	timestampLen        = 16 // µs since the epoch, 2001..2286
	eventPlainHeaderFmt = "Content-Length: %d\nContent-Type: text/event-plain\n\n"
)

// templates are parsed once from testdata/esl-events.txt.
var templates = mustParseTemplates(eslEventsText)

func mustParseTemplates(text string) map[string]*eslTemplate {
	out := map[string]*eslTemplate{}
	var cur *strings.Builder
	var name string
	flush := func() {
		if cur != nil {
			out[name] = compileTemplate(name, cur.String())
		}
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			name, cur = strings.TrimPrefix(line, "## "), &strings.Builder{}
		case strings.HasPrefix(line, "#"), line == "", cur == nil:
		default:
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	flush()
	for _, n := range []string{tplPark, tplDTMFSmall, tplDTMFBig, tplExecute, tplPlaybackStart, tplPlaybackStop, tplExecuteComplete} {
		if out[n] == nil {
			panic("switchbench: testdata/esl-events.txt has no " + n)
		}
	}
	out[tplPark].countable = true
	out[tplDTMFSmall].countable = true
	out[tplDTMFBig].countable = true
	return out
}

func compileTemplate(name, body string) *eslTemplate {
	body += "\n" // the blank line ending an event body
	t := &eslTemplate{name: name, headers: strings.Count(body, "\n") - 1}
	holes := map[string]byte{"{UUID}": 'U', "{SEQ}": 'S', "{TS}": 'T', "{DIGIT}": 'D'}
	rest := body
	for {
		at, tok := -1, ""
		for k := range holes {
			if i := strings.Index(rest, k); i >= 0 && (at < 0 || i < at) {
				at, tok = i, k
			}
		}
		if at < 0 {
			t.parts = append(t.parts, rest)
			t.holes = append(t.holes, 0)
			break
		}
		t.parts = append(t.parts, rest[:at])
		t.holes = append(t.holes, holes[tok])
		rest = rest[at+len(tok):]
	}
	for i, p := range t.parts {
		t.fixed += len(p)
		switch t.holes[i] {
		case 'U':
			t.fixed += uuidLen
		case 'T':
			t.fixed += timestampLen
		case 'D':
			t.fixed++
		}
	}
	return t
}

// appendEvent appends one framed event (Content-Length header included).
func (t *eslTemplate) appendEvent(b []byte, leg string, seq uint64, tsMicro int64, digit byte) []byte {
	var num [20]byte
	s := strconv.AppendUint(num[:0], seq, 10)
	b = fmt.Appendf(b, eventPlainHeaderFmt, t.fixed+len(s))
	for i, p := range t.parts {
		b = append(b, p...)
		switch t.holes[i] {
		case 'U':
			b = append(b, leg...)
		case 'S':
			b = append(b, s...)
		case 'T':
			b = strconv.AppendInt(b, tsMicro, 10)
		case 'D':
			b = append(b, digit)
		}
	}
	return b
}

// legID is the uuid of bench leg i: fixed length, like FreeSWITCH's.
func legID(i int) string {
	return fmt.Sprintf("5b0c0000-0000-4000-8000-%012d", i)
}

// streamMix is the replayed cycle: 10 DTMF of 40 headers (~1.2 KB) and 6
// events of 150 headers (~5.3 KB): two DTMF of a verbose_events channel
// and one each of CHANNEL_EXECUTE, PLAYBACK_START, PLAYBACK_STOP,
// CHANNEL_EXECUTE_COMPLETE for a playback ipcc did not start, which the
// driver reads, orders and filters (no neutral event), as it must for the
// dialplan's own applications. Mean ~2.76 KB per event; 12 of 16 events
// become neutral DTMF events.
var streamMix = []string{
	tplDTMFSmall, tplExecute, tplDTMFSmall, tplDTMFSmall, tplPlaybackStart, tplDTMFSmall,
	tplDTMFBig, tplDTMFSmall, tplPlaybackStop, tplDTMFSmall, tplDTMFSmall, tplExecuteComplete,
	tplDTMFSmall, tplDTMFBig, tplDTMFSmall, tplDTMFSmall,
}

// mixEvent names the template of stream event i (0-based) and its leg index.
func mixEvent(i int64, legs int) (*eslTemplate, int) {
	return templates[streamMix[i%int64(len(streamMix))]], int(i % int64(legs))
}

// expectedNeutral is how many neutral events a stream of n events yields
// for followed legs.
func expectedNeutral(n int64) int64 {
	per := int64(0)
	for _, name := range streamMix {
		if templates[name].countable {
			per++
		}
	}
	full := n / int64(len(streamMix))
	out := full * per
	for i := full * int64(len(streamMix)); i < n; i++ {
		if t, _ := mixEvent(i, 1); t.countable {
			out++
		}
	}
	return out
}

// MixDescription describes the replayed stream for reports.
func MixDescription() string {
	var small, big, bytes int
	for _, n := range streamMix {
		t := templates[n]
		if t.headers <= 40 {
			small++
		} else {
			big++
		}
		bytes += t.fixed + 6
	}
	return fmt.Sprintf("%d-event cycle: %d × DTMF of %d headers (%d B), %d × %d-header events (%d–%d B: DTMF, CHANNEL_EXECUTE, PLAYBACK_START/STOP, CHANNEL_EXECUTE_COMPLETE); mean %.2f KB/event",
		len(streamMix), small, templates[tplDTMFSmall].headers, templates[tplDTMFSmall].fixed,
		big, templates[tplDTMFBig].headers, templates[tplDTMFBig].fixed, templates[tplExecuteComplete].fixed,
		float64(bytes)/float64(len(streamMix))/1000)
}
