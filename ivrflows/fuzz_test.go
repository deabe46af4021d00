package ivrflows

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary documents to the parser and validator: they
// must never panic, and whatever parses must survive a JSON round trip.
// Valid flows are also dry-run, which must end, and no input may take
// more than a few seconds.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "testdata/*.json", "../examples/flows/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"id":"x","start":"a","nodes":[{"id":"a","type":"goto","next":"a"}]}`))
	f.Add([]byte("id: x\nstart: a\nnodes:\n  - {id: a, type: menu, options: {1: a}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("slow input (%s): %q", d, data)
			}
		}()
		fl, err := Parse(data)
		if err != nil {
			return
		}
		errs := Validate(fl)
		j, err := fl.Marshal()
		if err != nil {
			t.Fatalf("marshal parsed flow: %v", err)
		}
		again, err := ParseJSON(j)
		if err != nil {
			t.Fatalf("re-parse own JSON: %v\n%s", err, j)
		}
		if (Validate(again) == nil) != (errs == nil) {
			t.Fatalf("validity changed over a round trip:\n%s", j)
		}
		if errs != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := DryRun(ctx, fl, DryRunOptions{DTMF: "1,2#,*0", At: time.Unix(0, 0), HTTP: noNetwork})
		if err != nil {
			t.Fatalf("dry run of a valid flow: %v", err)
		}
		if res.Result.Outcome.Kind == "" {
			t.Fatal("run ended without an outcome")
		}
	})
}

type failTransport struct{}

func (failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzz test")
}

var noNetwork = &http.Client{Transport: failTransport{}}
