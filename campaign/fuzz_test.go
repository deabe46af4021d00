package campaign

import (
	"strings"
	"testing"
)

// Normalize never panics, gives E.164 or an error, and is idempotent.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "010-12345678", "(0755) 1234 5678", "0086 21 1234 5678", "+442079460958",
		"95588", "4008123123", "１３８１２３４５６７８", "", "+", "00", "0", "1", "abc", "138+1", "0101", "+86"} {
		f.Add(s, uint8(0))
	}
	f.Add("020 7946 0958", uint8(1))
	countries := []string{"86", "44", "1", "852"}
	f.Fuzz(func(t *testing.T, raw string, ci uint8) {
		country := countries[int(ci)%len(countries)]
		got, _, err := Normalize(raw, country)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "+") || strings.Trim(got[1:], "0123456789") != "" || len(got) < 9 || len(got) > 16 {
			t.Fatalf("Normalize(%q, %q) = %q", raw, country, got)
		}
		again, _, err := Normalize(got, country)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v; not idempotent", got, again, err)
		}
		if m := Mask(got); !strings.Contains(m, "****") {
			t.Fatalf("Mask(%q) = %q", got, m)
		}
	})
}
