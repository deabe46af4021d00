package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
)

func runFlowCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, stdin: strings.NewReader("")}
	root := newRoot(g)
	root.SetArgs(append([]string{"flow"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String() + errb.String(), err
}

func TestFlowValidateCommand(t *testing.T) {
	files, _ := filepath.Glob("../../examples/flows/*.yaml")
	out, err := runFlowCmd(t, append([]string{"validate"}, files...)...)
	if err != nil || strings.Count(out, "is valid") != len(files) {
		t.Fatalf("examples: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\nstart: a\nnodes:\n  - {id: a, type: menu, options: {\"1\": b}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runFlowCmd(t, "validate", bad)
	if err == nil || !strings.Contains(out, `node "a" field "options.1": edge to missing node "b"`) || !strings.Contains(out, `node "a" field "prompt": prompt is required`) {
		t.Fatalf("bad flow: %v\n%s", err, out)
	}
}

func TestFlowRunCommand(t *testing.T) {
	out, err := runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--caller", "13800000000", "--did", "4001",
		"--dtmf", "9,3", "--at", "2026-10-01T12:30:00+08:00")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`node "main_menu" (menu) -> options.9 -> "english"`,
		`play     file ivr/en/transfer_support.wav`,
		`ended: transfer to queue "support" at node "to_support"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	out, err = runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--schedule", "main-hours=closed", "--dtmf", "1,#")
	if err != nil || !strings.Contains(out, "stored voicemail: mailbox general") || !strings.Contains(out, `enter flow "after-hours"`) {
		t.Fatalf("after hours: %v\n%s", err, out)
	}
	for at, branch := range map[string]string{
		"2026-10-02T10:00:00+08:00": "holiday", "2026-10-12T12:30:00+08:00": "lunch",
		"2026-10-12T20:00:00+08:00": "closed", "2026-10-12T10:00:00+08:00": "open",
	} {
		out, err = runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--at", at,
			"--schedule-file", "main-hours=../../examples/flows/schedules/main-hours.yaml")
		if err != nil || !strings.Contains(out, `node "hours" (schedule) -> branches.`+branch) {
			t.Errorf("at %s want %s: %v\n%s", at, branch, err, out)
		}
	}
	if _, err := runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--schedule-file", "x=missing.yaml"); err == nil {
		t.Fatal("missing schedule file accepted")
	}
	if _, err := runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--dtmf", "1,x"); err == nil {
		t.Fatal("bad dtmf accepted")
	}
	if _, err := runFlowCmd(t, "run", "../../examples/flows/main.yaml", "--schedule", "main-hours=siesta"); err == nil {
		t.Fatal("bad schedule branch accepted")
	}
}

// `flow run` makes its http requests through the egress policy: a CRM on
// loopback is reached only when allowed explicitly.
func TestFlowRunEgress(t *testing.T) {
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"data": {"balance": 12}}`))
	}))
	defer crm.Close()
	flow := filepath.Join(t.TempDir(), "crm.yaml")
	doc := "id: crm\nstart: get\nnodes:\n" +
		"  - {id: get, type: http, url: \"" + crm.URL + "/b\", response: {balance: data.balance}, next: ok, error: failed}\n" +
		"  - {id: ok, type: hangup}\n  - {id: failed, type: hangup}\n"
	if err := os.WriteFile(flow, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runFlowCmd(t, "run", flow, "--log-level", "error")
	if err != nil || !strings.Contains(out, `(http) -> error -> "failed"`) || !strings.Contains(out, egress.Failed) {
		t.Fatalf("loopback reached without being allowed: %v\n%s", err, out)
	}
	u, _ := url.Parse(crm.URL)
	out, err = runFlowCmd(t, "run", flow, "--allow-egress", u.Host)
	if err != nil || !strings.Contains(out, `(http) -> next -> "ok"`) || !strings.Contains(out, "balance=12") {
		t.Fatalf("allowed loopback not reached: %v\n%s", err, out)
	}
	if _, err := runFlowCmd(t, "run", flow, "--allow-egress", "nonsense"); err == nil || !strings.Contains(err.Error(), "--allow-egress") {
		t.Fatalf("bad --allow-egress: %v", err)
	}
}

func TestFlowSchemaAndFmtCommands(t *testing.T) {
	out, err := runFlowCmd(t, "schema")
	if err != nil || !strings.Contains(out, `"node.menu"`) || !strings.Contains(out, `"x-outputs"`) {
		t.Fatalf("schema: %v\n%.400s", err, out)
	}
	out, err = runFlowCmd(t, "fmt", "../../examples/flows/survey.yaml")
	if err != nil || !strings.HasPrefix(out, "format: 1\nid: survey\n") {
		t.Fatalf("fmt: %v\n%s", err, out)
	}
}

// A dry run plays library prompt items from the configured database's
// prompts library: the TTS prompt's text in the flow's language, the
// uploaded prompt's file; with no database they are left out, with a
// warning.
func TestFlowRunLibraryPrompts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(dir, "ipcc.db")
	st, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTenant(ctx, &store.Tenant{ID: "demo", Name: "Demo", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*store.Prompt{
		{TenantID: "demo", Name: "hello", Kind: store.PromptTTS, Texts: `{"zh-CN":"您好","en":"Hello there"}`},
		{TenantID: "demo", Name: "music", Kind: store.PromptFile},
	} {
		if err := st.CreatePrompt(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	flow := filepath.Join(dir, "lib.yaml")
	if err := os.WriteFile(flow, []byte("id: lib\nstart: p\nlanguage: en\nnodes:\n  - {id: p, type: play, prompt: [{library: hello}, {library: music}], next: bye}\n  - {id: bye, type: hangup}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ipcc.yaml")
	write := func(db string) {
		if err := os.WriteFile(cfg, []byte("database:\n  url: "+db+"\nmedia:\n  prompt_dir: /srv/prompts\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dbURL)
	out, err := runFlowCmd(t, "--config", cfg, "run", flow)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`library "hello": tts(en) "Hello there"`, `library "music": file /srv/prompts/demo/music.wav`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	write("sqlite:" + filepath.Join(dir, "none.db"))
	out, err = runFlowCmd(t, "--config", cfg, "run", flow)
	if err != nil || !strings.Contains(out, "the prompts library cannot be read") || !strings.Contains(out, `library prompt "hello" cannot be played`) {
		t.Fatalf("no database: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("the dry run created a database")
	}
}
