package dialplan

import (
	"fmt"
	"testing"
	"time"
)

// FuzzDecide: any caller and dialled number give a decision with a trace
// and a known action; number helpers never panic.
func FuzzDecide(f *testing.F) {
	for _, seed := range [][2]string{
		{"4001234567", "+86 138 0000 0000"}, {"4001889999", "0086-755-1234-5678"}, {"", ""},
		{"+", "+"}, {"4001*", "86"}, {"4007777777", "(010) 8888-6666"}, {"999", "+44 20 7946 0000"},
	} {
		f.Add(seed[0], seed[1])
	}
	conf := cfg()
	prepared := cfg()
	prepared.Prepare()
	now := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, did, ani string) {
		d := Decide(Inbound{DID: did, ANI: ani}, conf, now)
		if p := Decide(Inbound{DID: did, ANI: ani}, prepared, now); fmt.Sprint(p) != fmt.Sprint(d) {
			t.Fatalf("index changes the decision:\n%+v\n%+v", d, p)
		}
		if (d.Action != ActionRoute && d.Action != ActionReject) || len(d.Trace) == 0 {
			t.Fatalf("%+v", d)
		}
		if d.Action == ActionRoute && d.Target.IsZero() {
			t.Fatalf("route without a target: %+v", d)
		}
		AreaCode(Normalize(ani, "86"), map[string]string{"1380013": "010"})
		Normalize(ani, "1")
	})
}

func BenchmarkDecideLargeLists(b *testing.B) {
	conf := cfg()
	for i := 0; i < 100000; i++ {
		conf.Blacklist = append(conf.Blacklist, BlacklistEntry{Number: "1500000" + itoa4(i), Kind: Exact})
	}
	conf.Prepare()
	now := time.Date(2026, 10, 12, 2, 0, 0, 0, time.UTC)
	in := Inbound{DID: "4001234567", ANI: "13512345678"}
	b.ReportAllocs()
	for b.Loop() {
		Decide(in, conf, now)
	}
}

func itoa4(i int) string {
	const digits = "0123456789"
	b := []byte("0000")
	for j := 3; j >= 0 && i > 0; j-- {
		b[j] = digits[i%10]
		i /= 10
	}
	return string(b)
}
