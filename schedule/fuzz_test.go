package schedule

import (
	"testing"
	"time"
)

// FuzzParseJSON: any document either fails with an error or evaluates to one
// of the four branches; nothing panics.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"name":"x","timezone":"Asia/Shanghai","weekly":{"monday":["09:00-12:00","13:30-18:00"]},"lunch":["12:00-13:30"]}`), int64(1791770400))
	f.Add([]byte(`{"name":"x","timezone":"America/New_York","weekly":{"sunday":["00:00-24:00"]},"holidays":[{"name":"h","from":"2026-12-31","to":"2027-01-02"}]}`), int64(0))
	f.Add([]byte(`{"name":"x","timezone":"UTC","weekly":{},"special_working_days":[{"name":"s","from":"2026-10-10","hours_of":"monday"},{"name":"t","from":"2026-10-11","open":["10:00-11:00"]}]}`), int64(-1))
	f.Fuzz(func(t *testing.T, doc []byte, unix int64) {
		s, err := ParseJSON(doc)
		if err != nil {
			return
		}
		at := time.Unix(unix%(1<<40), 0)
		r := s.Evaluate(at)
		if !r.Branch.Valid() || r.Reason == "" {
			t.Fatalf("evaluate: %+v", r)
		}
		if next, ok := s.NextOpen(at); ok && (next.Before(at) || s.Evaluate(next).Branch != Open) {
			t.Fatalf("NextOpen(%v) = %v, which is not open: %+v", at, next, s.Evaluate(next))
		}
	})
}
