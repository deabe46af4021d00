package inbound_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store/storetest"
)

// Caller data from a switch is untrusted: a caller number holding a NUL
// byte, a caller name that is not UTF-8 and a channel variable with
// control characters still give the call its record, on SQLite and on
// PostgreSQL (which refuses NUL and invalid UTF-8 in text), through both
// wire protocols.
func TestCallerDataWithNULStillGetsARecord(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		for _, f := range fronts {
			t.Run(string(d)+"/"+string(f), func(t *testing.T) {
				w := newWorldOn(t, d, f, openTime, "http://127.0.0.1:1")
				leg, err := w.w.Sim.PlaceCall(sim.CallSpec{Front: f, From: "1380013\x008000", FromName: "Zh\xe5ng\x00 San\r\n", To: "4001",
					Vars: map[string]string{"ipcc_trunk": "e1\x00-span1\x1b[2J"}, HangupAfter: 700 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				rec := w.record(leg)
				if rec.ANI != "13800138000" || rec.DNIS != "4001" || rec.Disposition != "abandoned_ivr" {
					t.Errorf("record %+v", rec)
				}
				if rec.Trunk != "e1-span1[2J" {
					t.Errorf("trunk %q", rec.Trunk)
				}
				for _, s := range []string{rec.ANI, rec.Trunk, w.legRoles(rec.ID)} {
					if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\x1b") {
						t.Errorf("stored %q", s)
					}
				}
			})
		}
	}
}
