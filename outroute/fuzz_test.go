package outroute

import (
	"strings"
	"testing"
)

// FuzzClassify: any string either is refused with a reason or reads as a
// number whose forms agree with each other and re-read to the same.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 10 6234 5678", "0085221234567", "95588", "4008001234", "110", "87654321",
		"(0755) 1234-5678", "+1 212 555 1234", "+882 16012345", "", "+", "00", "0", "+86", "１３８"} {
		f.Add(s, "86")
	}
	f.Add("020 7946 0000", "44")
	f.Fuzz(func(t *testing.T, raw, home string) {
		if home != "" && (len(home) > 3 || !digits(home) || home[0] == '0') {
			return
		}
		n, err := Classify(raw, home)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a reason")
			}
			return
		}
		if n.National == "" || !digits(n.National) || n.E164 == "" && n.Type != TypeLandline {
			t.Fatalf("Classify(%q, %q) = %+v", raw, home, n)
		}
		if n.E164 == "" {
			return // a local landline without its area code
		}
		if !strings.HasPrefix(n.E164, "+"+n.Country) || !digits(strings.TrimPrefix(n.E164, "+")) {
			t.Fatalf("Classify(%q, %q) = %+v", raw, home, n)
		}
		again, err := Classify(n.E164, home)
		if err != nil || again.E164 != n.E164 || again.Type != n.Type {
			t.Fatalf("Classify(%q) = %+v but its E.164 reads %+v %v", raw, n, again, err)
		}
		for _, w := range []Rewrite{{}, {Format: "e164", Strip: "+86"}, {Format: "digits", Prepend: "9"}} {
			if d := w.Apply(n); d == "" {
				t.Fatalf("%+v rewrites %+v to nothing", w, n)
			}
		}
	})
}
