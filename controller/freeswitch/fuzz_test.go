package freeswitch

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// seedEvents adds event bodies from the reference transcripts.
func seedEvents(f *testing.F, names ...string) {
	for _, name := range names {
		n := 0
		for _, r := range readTranscript(f, name) {
			if r.dir != "<<<" || !strings.Contains(r.head, "text/event-plain") {
				continue
			}
			_, body := r.outer()
			f.Add(body)
			if n++; n > 60 {
				break
			}
		}
	}
}

// FuzzTranslate: any event body either fails to parse or translates without
// panicking into well-formed neutral events.
func FuzzTranslate(f *testing.F) {
	seedEvents(f, "esl-transcript.txt", "esl-sendmsg.txt", "esl-errors.txt")
	f.Add([]byte("Event-Name: BACKGROUND_JOB\nJob-UUID: j\nJob-Command: originate\nJob-Command-Arg: %7Borigination_uuid%3Dl1%7Dx\nContent-Length: 15\n\n-ERR USER_BUSY\n"))
	f.Add([]byte("Event-Name: CHANNEL_PARK\nUnique-ID: a\nvariable_ipcc_did: 800\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parsePlainEvent(b, time.Unix(0, 0))
		if err != nil {
			return
		}
		var out []controller.Event
		tr := newTranslator("fs1", "ipcc_did", []string{"ipcc_"}, func(evs []controller.Event) { out = append(out, evs...) })
		leg := e.get("Unique-ID")
		if leg != "" {
			tr.registerOriginate(leg)
			_ = tr.registerPlay(leg, "p", []string{e.get("Application-UUID"), "x"})
			tr.registerRec(leg, e.get("Record-File-Path"), "r")
			tr.registerSpy(leg, "t", controller.EavesdropListen, "app")
		}
		tr.registerOriginate("l1")
		tr.handle(e)
		tr.handle(e) // twice: dedupe paths
		for _, ev := range out {
			if ev.Type == controller.EventUnknown || ev.Switch != "fs1" {
				t.Fatalf("bad event %+v", ev)
			}
			if ev.Type == controller.EventHungUp && ev.Cause == "" {
				t.Fatalf("hangup without cause %+v", ev)
			}
		}
	})
}

// seedReplies adds api/response bodies of the resync transcript.
func seedReplies(f *testing.F) {
	for _, r := range readTranscript(f, "esl-resync.txt") {
		if r.dir == "<<<" && strings.Contains(r.head, "api/response") {
			_, body := r.outer()
			f.Add(string(body))
		}
	}
}

// FuzzResyncJSON: show ... as json and uuid_dump json replies parse or fail
// cleanly; a parsed show reply has as many rows as it claims.
func FuzzResyncJSON(f *testing.F) {
	seedReplies(f)
	f.Add(`{"row_count": 0}`)
	f.Add(`{"row_count":1,"rows":[{"uuid":"a"}]}`)
	f.Add(`{"Unique-ID":"a","variable_ipcc_owned":"true","Event-Sequence":5}`)
	f.Fuzz(func(t *testing.T, s string) {
		if rows, err := parseShowJSON(s); err == nil {
			for _, r := range rows {
				_ = r["uuid"]
			}
		}
		if e, err := parseDumpJSON(s); err == nil {
			if e.get("Unique-ID") == "" {
				t.Fatal("dump without Unique-ID accepted")
			}
			_ = e.variables([]string{""})
		}
	})
}

// FuzzReadMsg: the framing reader never panics and never loops on garbage.
func FuzzReadMsg(f *testing.F) {
	for _, name := range []string{"esl-errors.txt", "esl-heartbeat-idle.txt", "esl-disconnect-transcript.txt"} {
		var wire bytes.Buffer
		for _, r := range readTranscript(f, name) {
			if r.dir == "<<<" {
				wire.Write(r.text)
				wire.WriteString("\n")
			}
			if wire.Len() > 4<<10 {
				break
			}
		}
		f.Add(wire.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for range 10000 {
			m, err := readMsg(r)
			if err != nil {
				return
			}
			_ = m.reply()
			if m.contentType == "text/event-plain" {
				_, _ = parsePlainEvent(m.body, time.Time{})
			}
		}
	})
}
