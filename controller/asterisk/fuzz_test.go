package asterisk

import (
	"path/filepath"
	"testing"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// FuzzDecodeEvent feeds arbitrary frames through ari.DecodeEvent and the
// translator: neither may panic, a decoded event always has a type, and the
// translator only emits events naming a leg it knows.
func FuzzDecodeEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(referenceDir(f), "transcripts", "ari-*.jsonl"))
	if len(files) == 0 {
		f.Fatal("no ARI transcripts to seed from")
	}
	for _, file := range files {
		for _, l := range readTranscript(f, file) {
			if l.Kind == "ws_event" {
				f.Add([]byte(l.Event))
			}
		}
	}
	f.Add([]byte(`{"type":"StasisStart","channel":{"id":"a","state":"Ring"},"args":["100","k=v"]}`))
	f.Add([]byte(`{"type":"ChannelLeftBridge","channel":{"id":"a"},"bridge":{"id":"b","channels":null}}`))
	f.Add([]byte(`{"type":"RecordingFinished","recording":{"name":"r","duration":-5}}`))
	f.Add([]byte(`{"type":"PlaybackFinished","playback":{"id":"p","target_uri":"channel:"}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"type":""}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ari.DecodeEvent(data)
		if err != nil {
			return
		}
		if ev.Type == "" {
			t.Fatal("decoded an event without type")
		}
		cfg := Config{Name: "pbx1", URL: "http://x", App: "callcenter"}
		cfg.setDefaults()
		var out []controller.Event
		st := newState(&cfg, func(e controller.Event) { out = append(out, e) })
		st.reserveOriginate("customer-1", "", "")
		st.reserveSnoop("snoop-1", "customer-1", "sup-1")
		st.reservePlayback("pb-1", "customer-1")
		for i := 0; i < 2; i++ { // twice: dedupe and tombstones must hold
			st.translate(ev)
		}
		for _, e := range out {
			if e.Leg == "" || st.legs[e.Leg] == nil {
				t.Fatalf("emitted %s for unknown leg", describe(e))
			}
			if e.Type == controller.EventUnknown {
				t.Fatal("emitted an unknown event type")
			}
		}
	})
}
