package asterisk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// TestRequestRendering runs every neutral operation against the fake ARI and
// compares the requests (method, path, query, body) with a golden file; each
// request is also checked against Asterisk's Swagger description.
func TestRequestRendering(t *testing.T) {
	f := newFakeARI(t)
	h := startHarness(t, f, func(c *Config) {
		c.ExternalEndpoint = "PJSIP/{number}@{trunk}"
		c.Languages = map[string]string{"pt-BR": "pt_BR"}
		c.DTMFDuration = 120 * time.Millisecond
	})
	h.next(controller.EventSwitchConnected)
	h.inbound("in-1", "15551230001", "5551000")
	h.inbound("sup-1", "2001", "supervisor")
	ctx := context.Background()

	steps := []struct {
		name string
		do   func() error
	}{
		{"Answer", func() error { return h.d.Answer(ctx, "in-1") }},
		{"Play every media kind", func() error {
			return h.d.Play(ctx, "in-1", controller.Playback{ID: "pb-1", Media: []controller.Media{
				{Kind: controller.MediaFile, Value: "hello-world"},
				{Kind: controller.MediaFile, Value: "/usr/share/ipcc/prompts/welcome.wav"},
				{Kind: controller.MediaFile, Value: "/var/spool/asterisk/recording/vm/greeting.wav"},
				{Kind: controller.MediaNumber, Value: "125", Lang: "zh-CN"},
				{Kind: controller.MediaDigits, Value: "1001"},
				{Kind: controller.MediaTone, Value: "beep"},
				{Kind: controller.MediaTone, Value: "ring"},
				{Kind: controller.MediaSilence, Value: "11500"},
			}})
		}},
		{"Play with a mapped language", func() error {
			return h.d.Play(ctx, "in-1", controller.Playback{ID: "pb-2", Media: []controller.Media{{Kind: controller.MediaDigits, Value: "42", Lang: "pt-BR"}}})
		}},
		{"StopPlayback", func() error { return h.d.StopPlayback(ctx, "in-1", "pb-1") }},
		{"Record", func() error {
			return h.d.Record(ctx, "in-1", controller.Recording{ID: "rec-1", Path: "/var/spool/asterisk/recording/calls/2026/rec-1.wav", MaxDuration: 90 * time.Second, Beep: true})
		}},
		{"PauseRecord", func() error { return h.d.PauseRecord(ctx, "in-1", "rec-1", true) }},
		{"PauseRecord resume", func() error { return h.d.PauseRecord(ctx, "in-1", "rec-1", false) }},
		{"StopRecord", func() error { return h.d.StopRecord(ctx, "in-1", "rec-1") }},
		{"Originate extension", func() error {
			return h.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"},
				CallerIDNum: "7000", CallerIDName: "Queue", Timeout: 20 * time.Second, Vars: map[string]string{"CC_QUEUE": "sales"}})
		}},
		{"Originate external", func() error {
			return h.d.Originate(ctx, controller.Originate{LegID: "out-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExternal, Number: "13800138000", Trunk: "carrier1"}, CallerIDNum: "4000"})
		}},
		{"Originate raw", func() error {
			return h.d.Originate(ctx, controller.Originate{LegID: "raw-1", Endpoint: controller.Endpoint{Kind: controller.EndpointRaw, Number: "Local/agent@test/n"}})
		}},
		{"Bridge", func() error { return h.d.Bridge(ctx, "in-1", "agent-1") }},
		{"Bridge again is a no-op", func() error { return h.d.Bridge(ctx, "agent-1", "in-1") }},
		{"Record a bridged leg (both parties, through a snoop)", func() error {
			return h.d.Record(ctx, "in-1", controller.Recording{ID: "rec-2", Path: "/var/spool/asterisk/recording/t1/2026-11-22/call-2.wav", Stereo: true})
		}},
		{"PauseRecord of a snoop recording", func() error { return h.d.PauseRecord(ctx, "in-1", "rec-2", true) }},
		{"StopRecord of a snoop recording", func() error { return h.d.StopRecord(ctx, "in-1", "rec-2") }},
		{"Unbridge", func() error { return h.d.Unbridge(ctx, "agent-1") }},
		{"Transfer", func() error {
			return h.d.Transfer(ctx, "out-1", controller.DialplanTarget{Extension: "200", Context: "from-ipcc"})
		}},
		{"Hold", func() error { return h.d.Hold(ctx, "in-1", "default") }},
		{"Unhold", func() error { return h.d.Unhold(ctx, "in-1") }},
		{"Hold with a file (hold music from the prompts library, looped with playbacks)", func() error {
			return h.d.Hold(ctx, "in-1", "/srv/ipcc/prompts/acme/acme-music.wav")
		}},
		{"Hold again with the same file is a no-op", func() error {
			return h.d.Hold(ctx, "in-1", "/srv/ipcc/prompts/acme/acme-music.wav")
		}},
		{"SetVar on a leg looping hold music pauses the loop around it", func() error {
			return h.d.SetVar(ctx, "in-1", "CC_NOTE", "held")
		}},
		{"Unhold stops the loop", func() error { return h.d.Unhold(ctx, "in-1") }},
		{"JoinConference muted", func() error {
			return h.d.JoinConference(ctx, "agent-1", "sales-huddle", controller.ConferenceOptions{Muted: true})
		}},
		{"MuteConference off", func() error { return h.d.MuteConference(ctx, "agent-1", "sales-huddle", false) }},
		{"LeaveConference", func() error { return h.d.LeaveConference(ctx, "agent-1", "sales-huddle") }},
		{"Bridge back", func() error { return h.d.Bridge(ctx, "in-1", "agent-1") }},
		{"Eavesdrop listen", func() error { return h.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropListen) }},
		{"Eavesdrop whisper (replaces the snoop)", func() error {
			return h.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropWhisper)
		}},
		{"Eavesdrop barge", func() error { return h.d.Eavesdrop(ctx, "sup-1", "agent-1", controller.EavesdropBarge) }},
		{"Mute (the agent mutes themself)", func() error { return h.d.Mute(ctx, "agent-1", true) }},
		{"Unmute", func() error { return h.d.Mute(ctx, "agent-1", false) }},
		{"RemoteAnswer is refused without a request", func() error {
			if err := h.d.RemoteAnswer(ctx, "agent-1"); !errors.Is(err, controller.ErrNotSupported) {
				return fmt.Errorf("RemoteAnswer: %v, want ErrNotSupported", err)
			}
			return nil
		}},
		{"SendDTMF", func() error { return h.d.SendDTMF(ctx, "in-1", "12#") }},
		{"SetVar", func() error { return h.d.SetVar(ctx, "in-1", "CC_QUEUE", "sales") }},
		{"Hangup busy", func() error { return h.d.Hangup(ctx, "in-1", controller.CauseUserBusy) }},
		{"Hangup with a Q.850 code ARI has no name for", func() error { return h.d.Hangup(ctx, "agent-1", "RECOVERY_ON_TIMER_EXPIRE") }},
		{"Hangup without cause", func() error { return h.d.Hangup(ctx, "raw-1", "") }},
		{"Legs", func() error { _, err := h.d.Legs(ctx); return err }},
	}
	var b strings.Builder
	b.WriteString("# ARI requests each neutral operation sends (random ids the driver chose numbered in order).\n")
	b.WriteString("# Requests of background cleanups (destroying emptied bridges) appear under the step that caused them.\n")
	norm := idNumberer()
	var all []recorded
	for _, s := range steps {
		f.resetRequests()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		reqs := f.settle()
		all = append(all, reqs...)
		fmt.Fprintf(&b, "\n## %s\n", s.name)
		for _, r := range reqs {
			b.WriteString(norm(r.String()) + "\n")
		}
	}
	checkGolden(t, "requests.golden", b.String())
	checkSwagger(t, all)
}

var randomIDs = regexp.MustCompile(`(ipcc-br-|ipcc-snoop-|ipcc-recsnoop-|ipcc-hold-)[0-9a-f]{16}`)

func idNumberer() func(string) string {
	seen := map[string]string{}
	return func(s string) string { return numberIDs(s, seen) }
}

func numberIDs(s string, seen map[string]string) string {
	return randomIDs.ReplaceAllStringFunc(s, func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		m := randomIDs.FindStringSubmatch(id)
		n := fmt.Sprintf("%s%d", m[1], len(seen)+1)
		seen[id] = n
		return n
	})
}

// swaggerOp is one operation of Asterisk's api-docs.
type swaggerOp struct {
	method   string
	template string
	re       *regexp.Regexp
	query    map[string]bool // name -> required
	body     map[string]bool
}

func loadSwagger(t *testing.T) []swaggerOp {
	ref := referenceDir(t)
	files, _ := filepath.Glob(filepath.Join(ref, "ari", "*.json"))
	var ops []swaggerOp
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			APIs []struct {
				Path       string `json:"path"`
				Operations []struct {
					HTTPMethod string `json:"httpMethod"`
					Parameters []struct {
						Name      string `json:"name"`
						ParamType string `json:"paramType"`
						Required  bool   `json:"required"`
					} `json:"parameters"`
				} `json:"operations"`
			} `json:"apis"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, api := range doc.APIs {
			pattern := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(api.Path), `[^/]+`) + "$"
			for _, op := range api.Operations {
				so := swaggerOp{method: op.HTTPMethod, template: api.Path, re: regexp.MustCompile(pattern), query: map[string]bool{}, body: map[string]bool{}}
				for _, p := range op.Parameters {
					switch p.ParamType {
					case "query":
						so.query[p.Name] = p.Required
					case "body":
						so.body[p.Name] = p.Required
					}
				}
				ops = append(ops, so)
			}
		}
	}
	return ops
}

// checkSwagger verifies each request names a documented operation, uses
// only documented query parameters, sends the required ones, and that its
// JSON body keys are documented body parameters.
func checkSwagger(t *testing.T, reqs []recorded) {
	ops := loadSwagger(t)
	for _, r := range reqs {
		var match *swaggerOp
		for i := range ops {
			op := &ops[i]
			if op.method == r.Method && op.re.MatchString(r.Path) {
				// Prefer the literal path over a template (/channels/create vs /channels/{id}).
				if match == nil || !strings.Contains(op.template, "{") {
					match = op
				}
			}
		}
		if match == nil {
			t.Errorf("%s: no such operation in the ARI description", r)
			continue
		}
		q, _ := url.ParseQuery(r.Query)
		for name := range q {
			if _, ok := match.query[name]; !ok {
				t.Errorf("%s: query parameter %q is not in %s %s", r, name, match.method, match.template)
			}
		}
		for name, req := range match.query {
			if req && q.Get(name) == "" {
				t.Errorf("%s: required query parameter %q missing", r, name)
			}
		}
		if r.Body != "" {
			var body map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Errorf("%s: body is not a JSON object: %v", r, err)
			}
			for k := range body {
				if _, ok := match.body[k]; !ok {
					t.Errorf("%s: body field %q is not a body parameter of %s %s", r, k, match.method, match.template)
				}
			}
		}
	}
}
