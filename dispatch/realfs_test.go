package dispatch_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/freeswitch/fsreal"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

// TestRealFreeSWITCHWaitingCallerHearsMusic: a SIP caller reaches a queue
// with nobody to take the call through ipcc (dispatcher, inbound handler,
// controller) on a real FreeSWITCH and waits. They hear music between the
// position announcements, none over them. Needs IPCC_TEST_FREESWITCH_ESL and
// IPCC_TEST_FREESWITCH_SIP (see docs/testing-real-switches.md).
func TestRealFreeSWITCHWaitingCallerHearsMusic(t *testing.T) {
	realWaitingCallerHearsMusic(t, false)
}

// TestRealFreeSWITCHWaitingCallerHearsLibraryMusic is the same wait with the
// queue's hold_music naming a prompt of the tenant's library (its file in
// the library's folder, read by FreeSWITCH on the same host) and the
// switch's own music set to silence: the music the caller hears can only
// come from the library.
func TestRealFreeSWITCHWaitingCallerHearsLibraryMusic(t *testing.T) {
	realWaitingCallerHearsMusic(t, true)
}

func realWaitingCallerHearsMusic(t *testing.T, library bool) {
	sipAddr := os.Getenv("IPCC_TEST_FREESWITCH_SIP")
	if sipAddr == "" {
		t.Skip("IPCC_TEST_FREESWITCH_SIP not set: no SIP profile to call into (see docs/testing-real-switches.md)")
	}
	fw := fsreal.FromEnv(t)
	moh := os.Getenv("IPCC_TEST_FREESWITCH_MOH")
	if moh == "" {
		moh = sipua.ToneFile(t)
	}
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	const did = "4078"
	if err := st.CreateRoute(ctx, tenant, &dialplan.Route{Name: "Support", DID: did, Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindQueue, Ref: "support"}}); err != nil {
		t.Fatal(err)
	}
	opts := dispatch.Options{Store: st, Logger: quiet, MusicOnHold: moh, RecordingDir: t.TempDir()}
	q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second),
		Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(10 * time.Second)}}
	if library {
		lib := libraryWithFile(t, st, "acme-music", moh)
		opts.Library, opts.MusicOnHold = lib, "silence_stream://-1"
		q.HoldMusic = "library:acme-music"
	}
	disp := dispatch.New(opts)
	t.Cleanup(func() { _ = disp.Close() })
	eng, err := disp.Engine(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	// The queue as the API keeps it: in the store, where each hold reads
	// its music.
	row, err := acd.QueueRow(tenant, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateACDQueue(ctx, row); err != nil {
		t.Fatal(err)
	}
	if err := eng.ReloadConfig(ctx); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ipcc-tts-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cache, err := tts.NewCache(dir, tts.Silent{}, tts.CacheOptions{SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	h, err := inbound.New(inbound.Options{Store: st, Logger: quiet, Queues: disp, Agents: disp})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet, TTS: cache, Handler: h.Handle})
	if err != nil {
		t.Fatal(err)
	}
	sw := fw.NewSwitch(t, "fs1")
	ctl.Add(sw)
	rctx, cancel := context.WithCancel(ctx)
	watched := h.WatchSwitches(rctx, ctl)
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done; <-watched })
	waitFor(t, "switch connected", sw.Connected)

	caller := sipua.Dial(t, sipAddr, "13800138799", did)
	select {
	case <-caller.Answered():
	case <-time.After(10 * time.Second):
		t.Fatal("ipcc did not answer the SIP caller")
	}
	// The silent TTS of "You are number 1 in the queue." lasts 5 s, the
	// announcement comes every 10 s: silence, music, silence, music.
	start := time.Now()
	time.Sleep(18 * time.Second)
	loud := make([]bool, 18)
	for i := range loud {
		a := caller.Heard(start.Add(time.Duration(i)*time.Second), start.Add(time.Duration(i+1)*time.Second))
		t.Logf("second %2d of the wait: %s", i+1, a)
		loud[i] = a.Loudness() > 0.5
	}
	count := func(from, to int) (n int) {
		for _, l := range loud[from:to] {
			if l {
				n++
			}
		}
		return n
	}
	t.Logf("18 s of waiting: %s; music in seconds 6-10: %d of 5, in seconds 16-18: %d of 3", caller.Heard(start, start.Add(18*time.Second)), count(5, 10), count(15, 18))
	if count(5, 10) < 3 || count(15, 18) < 1 {
		t.Error("the waiting caller does not hear music between the announcements")
	}
	if count(1, 4) > 0 || count(11, 14) > 0 {
		t.Error("music over an announcement")
	}
	if t.Failed() {
		for _, c := range ctl.Calls() {
			for _, e := range c.Trace() {
				t.Logf("trace %s: %s %s", e.Time.Format("15:04:05.000"), e.Kind, e.Detail)
			}
		}
	}
	caller.Hangup()
}

// libraryWithFile makes a prompts library in a folder FreeSWITCH can read
// holding one uploaded prompt, name, whose file is a copy of src.
func libraryWithFile(t *testing.T, st *store.Store, name, src string) prompts.Library {
	t.Helper()
	dir, err := os.MkdirTemp("", "ipcc-prompts-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.MkdirAll(filepath.Join(dir, tenant), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("the music for the library: %v (IPCC_TEST_FREESWITCH_MOH must be a file here)", err)
	}
	if err := os.WriteFile(filepath.Join(dir, tenant, name+".wav"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePrompt(context.Background(), &store.Prompt{TenantID: tenant, Name: name, Kind: store.PromptFile, DurationMS: 5000}); err != nil {
		t.Fatal(err)
	}
	return prompts.Library{Store: st, Dir: dir}
}
