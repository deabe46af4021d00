package webhook_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/webhook"
)

// snippet returns the first fenced block of lang in docs/crm.md that
// defines verify.
func snippet(t *testing.T, doc, lang string) string {
	t.Helper()
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		if strings.Contains(m[1], "verify") {
			return m[1]
		}
	}
	t.Fatalf("docs/crm.md has no %s block defining verify", lang)
	return ""
}

// TestDocSnippets runs the Go, Python and Node verification snippets of
// docs/crm.md against real signed deliveries: a genuine one (also signed
// with two secrets, as during a rotation) must pass, a tampered one fail.
func TestDocSnippets(t *testing.T) {
	b, err := os.ReadFile("../docs/crm.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	secret, _ := webhook.NewSecret()
	other, _ := webhook.NewSecret()
	body := []byte(`{"id":"evt_1","type":"call.offered","tenant":"acme","data":{"caller":"13800138000","name":"李雷"}}`)
	ts := time.Now().Unix()
	one, err := webhook.Sign("evt_1", ts, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	two, _ := webhook.Sign("evt_1", ts, body, other, secret)
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	os.WriteFile(bodyFile, body, 0o600)
	cases := []struct {
		name, sig, id string
		ts            int64
		ok            bool
	}{
		{"genuine", one, "evt_1", ts, true},
		{"two signatures during rotation", two, "evt_1", ts, true},
		{"other message id", one, "evt_2", ts, false},
		{"old timestamp", one, "evt_1", ts - 3600, false},
	}
	goMain := `
func main() {
	body, _ := os.ReadFile(os.Getenv("WH_BODY"))
	if err := verify(os.Getenv("WH_SECRET"), os.Getenv("WH_ID"), os.Getenv("WH_TS"), os.Getenv("WH_SIG"), body); err != nil {
		fmt.Println("bad:", err)
		return
	}
	fmt.Println("ok")
}
`
	goSrc := strings.Replace(snippet(t, doc, "go"), "import (", "import (\n\t\"fmt\"\n\t\"os\"", 1) + goMain
	goFile := filepath.Join(dir, "verify.go")
	os.WriteFile(goFile, []byte(goSrc), 0o600)
	goBin := filepath.Join(dir, "verify")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", goBin, goFile)
	build.Env = append(os.Environ(), "GOFLAGS=", "GO111MODULE=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the Go snippet does not build: %v\n%s\n%s", err, out, goSrc)
	}
	pyFile := filepath.Join(dir, "verify.py")
	os.WriteFile(pyFile, []byte(snippet(t, doc, "python")+`
import os, sys
body = open(os.environ["WH_BODY"], "rb").read()
print("ok" if verify(os.environ["WH_SECRET"], os.environ["WH_ID"], os.environ["WH_TS"], os.environ["WH_SIG"], body) else "bad")
`), 0o600)
	jsFile := filepath.Join(dir, "verify.js")
	os.WriteFile(jsFile, []byte(snippet(t, doc, "js")+`
const fs = require("fs");
const e = process.env;
console.log(verify(e.WH_SECRET, e.WH_ID, e.WH_TS, e.WH_SIG, fs.readFileSync(e.WH_BODY)) ? "ok" : "bad");
`), 0o600)
	runners := map[string][]string{"go": {goBin}}
	if p, err := exec.LookPath("python3"); err == nil {
		runners["python"] = []string{p, pyFile}
	} else {
		t.Log("python3 not found: the Python snippet is not run")
	}
	if p, err := exec.LookPath("node"); err == nil {
		runners["node"] = []string{p, jsFile}
	} else {
		t.Log("node not found: the Node snippet is not run")
	}
	for lang, argv := range runners {
		for _, tc := range cases {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
				cmd.Env = append(os.Environ(), "WH_SECRET="+secret, "WH_ID="+tc.id, "WH_TS="+strconv.FormatInt(tc.ts, 10), "WH_SIG="+tc.sig, "WH_BODY="+bodyFile)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				got := strings.TrimSpace(string(out))
				if (got == "ok") != tc.ok {
					t.Fatalf("snippet said %q, want ok=%v", got, tc.ok)
				}
			})
		}
	}
}

// TestDocListsEveryEvent: docs/crm.md documents each event type.
func TestDocListsEveryEvent(t *testing.T) {
	b, err := os.ReadFile("../docs/crm.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range append(webhook.EventTypes(), webhook.EventPing) {
		if !strings.Contains(string(b), "`"+typ+"`") || !strings.Contains(string(b), `"type": "`+typ+`"`) {
			t.Errorf("docs/crm.md has no section with an example for %s", typ)
		}
	}
}
