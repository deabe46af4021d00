package ivrflows

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
)

type fakeLibrary map[string]controller.Media

func (l fakeLibrary) LibraryMedia(_ context.Context, tenant, name, lang string) (controller.Media, error) {
	m, ok := l[tenant+"/"+name]
	if !ok {
		return m, errors.New("is not in the tenant's prompts library")
	}
	m.Lang = lang
	return m, nil
}

// A library item plays what the tenant's library resolves it to; an unknown
// one (or no library wired) is left out and the trace names it.
func TestLibraryPromptItems(t *testing.T) {
	f := mustFlow(t, "id: t\nstart: p\nlanguage: en\nnodes:\n  - {id: p, type: play, prompt: [{library: welcome}, {library: gone}, {tone: beep}], next: bye}\n  - {id: bye, type: hangup}\n")
	lib := fakeLibrary{"a/welcome": {Kind: controller.MediaFile, Value: "/data/prompts/a/welcome.wav"}, "b/gone": {Kind: controller.MediaFile, Value: "/x"}}
	for _, tc := range []struct {
		name string
		lib  Library
		want []string
		note string
	}{
		{"wired", lib, []string{"/data/prompts/a/welcome.wav", "beep"}, `prompt item 1 not played: library prompt "gone" is not in the tenant's prompts library`},
		{"not wired", nil, []string{"beep"}, `prompt item 0 not played: library prompt "welcome" cannot be played: no prompts library is wired`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			call := &playedCall{SimCall: NewSimCall("c", "1", "2", clk, nil)}
			opt := Options{Tenant: "a", Clock: clk}
			if tc.lib != nil {
				opt.Library = tc.lib
			}
			New(opt).Run(context.Background(), call, f, 1)
			var got []string
			for _, m := range call.media {
				got = append(got, m.Value)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("played %q, want %q", got, tc.want)
			}
			if notes := linesOfCall(call.Lines(), "flow"); !strings.Contains(notes, tc.note) {
				t.Fatalf("trace %s lacks %q", notes, tc.note)
			}
		})
	}
}
