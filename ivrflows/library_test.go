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
	m.Lang, m.Library = lang, name
	if m.Kind == controller.MediaTTS {
		m.Value = m.Value + " (" + lang + ")"
	}
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

// A dry run shows what a library item plays: the TTS prompt's text in the
// caller's language, an uploaded prompt's file; each play line carries the
// prompt so the editor can offer to play it.
func TestDryRunShowsLibraryPrompts(t *testing.T) {
	f := mustFlow(t, "id: t\nstart: p\nlanguage: en\nnodes:\n  - {id: p, type: play, prompt: [{library: hello}, {library: music}], next: bye}\n  - {id: bye, type: hangup}\n")
	lib := fakeLibrary{"a/hello": {Kind: controller.MediaTTS, Value: "Hello"}, "a/music": {Kind: controller.MediaFile, Value: "/data/prompts/a/music.wav"}}
	res, err := DryRun(context.Background(), f, DryRunOptions{Tenant: "a", At: t0, Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	var plays []SimLine
	for _, l := range res.Lines {
		if l.Kind == "play" {
			plays = append(plays, l)
		}
	}
	if len(plays) != 2 {
		t.Fatalf("plays %+v, want 2", plays)
	}
	if want := `library "hello": tts(en) "Hello (en)"`; plays[0].Detail != want {
		t.Errorf("line %q, want %q", plays[0].Detail, want)
	}
	if p := plays[0].Prompt; p == nil || *p != (SimPrompt{Library: "hello", Kind: "tts", Lang: "en", Text: "Hello (en)"}) {
		t.Errorf("prompt %+v", p)
	}
	if want := `library "music": file /data/prompts/a/music.wav`; plays[1].Detail != want {
		t.Errorf("line %q, want %q", plays[1].Detail, want)
	}
	if p := plays[1].Prompt; p == nil || *p != (SimPrompt{Library: "music", Kind: "file", Lang: "en", File: "music.wav"}) {
		t.Errorf("prompt %+v", p)
	}
	// Without a library the items are left out and the trace says why.
	res, err = DryRun(context.Background(), f, DryRunOptions{Tenant: "a", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Lines {
		if l.Kind == "play" {
			t.Errorf("played %q without a library", l.Detail)
		}
	}
}
