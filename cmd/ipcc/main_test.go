package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// run executes the CLI in-process with the given env and stdin.
func run(t *testing.T, ctx context.Context, env []string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin), env: env}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, context.Background(), []string{}, "", "version")
	if err != nil || !strings.HasPrefix(out, "ipcc ") {
		t.Fatalf("%q %v", out, err)
	}
}

func TestConfigErrorStopsStart(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ipcc.yaml")
	os.WriteFile(p, []byte("http:\n  adress: x\n"), 0o600)
	_, _, err := run(t, context.Background(), []string{}, "", "serve", "--config", p)
	if err == nil || !strings.Contains(err.Error(), "http.adress") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = run(t, context.Background(), []string{"IPCC_LOG_LEVEL=loud"}, "", "version", "--config", p)
	if err != nil {
		t.Fatalf("version must not need a valid config: %v", err)
	}
	_, _, err = run(t, context.Background(), []string{"IPCC_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db")}, "", "serve", "--log-format", "xml")
	if err == nil || !strings.Contains(err.Error(), "log.format") {
		t.Fatalf("bad --log-format: %v", err)
	}
}

func TestMigrateAndUserCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			env := []string{"IPCC_DATABASE_URL=" + storetest.URL(t, d), "IPCC_AUTH_BCRYPT_COST=4", "IPCC_ADMIN_PASSWORD=first-admin-pw"}
			out, _, err := run(t, ctx, env, "", "migrate", "status")
			if err != nil || !strings.Contains(out, "pending") {
				t.Fatalf("status before: %q %v", out, err)
			}
			out, _, err = run(t, ctx, env, "", "migrate", "up")
			if err != nil || !strings.Contains(out, "applied migrations") {
				t.Fatalf("up: %q %v", out, err)
			}
			out, _, _ = run(t, ctx, env, "", "migrate", "status")
			if strings.Contains(out, "pending") || !strings.Contains(out, "0001_foundation.sql") {
				t.Fatalf("status after: %q", out)
			}
			if _, _, err := run(t, ctx, env, "", "user", "create", "--username", "alice", "--role", "supervisor"); err == nil || !strings.Contains(err.Error(), "stdin") {
				t.Fatalf("create without password: %v", err)
			}
			if _, _, err := run(t, ctx, env, "pw\n", "user", "create", "--username", "alice", "--role", "boss"); err == nil || !strings.Contains(err.Error(), "--role") {
				t.Fatalf("bad role: %v", err)
			}
			out, _, err = run(t, ctx, env, "alice-password\n", "user", "create", "--username", "alice", "--role", "supervisor")
			if err != nil || !strings.Contains(out, "created supervisor") {
				t.Fatalf("create: %q %v", out, err)
			}
			out, _, err = run(t, ctx, env, "alice-password-2\n", "user", "passwd", "--username", "alice")
			if err != nil || !strings.Contains(out, "changed") {
				t.Fatalf("passwd: %q %v", out, err)
			}
			if _, _, err := run(t, ctx, env, "x-password\n", "user", "passwd", "--username", "nobody"); err == nil {
				t.Fatal("passwd of a missing user succeeded")
			}
			out, _, err = run(t, ctx, env, "new-admin-pw\n", "user", "passwd", "--superadmin", "--username", "admin")
			if err != nil {
				t.Fatalf("superadmin passwd: %q %v", out, err)
			}
		})
	}
}

// serve starts on the embedded default, answers, and stops cleanly when its
// context ends (what SIGINT/SIGTERM do).
func TestServeStartsAndStops(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := []string{"IPCC_HTTP_ADDR=" + addr, "IPCC_DATABASE_URL=sqlite:" + filepath.Join(dir, "data", "ipcc.db"), "IPCC_AUTH_BCRYPT_COST=4"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var errb bytes.Buffer
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &errb, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve", "--log-format", "text"})
		done <- root.ExecuteContext(ctx)
	}()
	// Generous: a fresh database is migrated under -race on a CPU shared with
	// the rest of make test; the test is about serving, not start-up speed.
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve never became ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "ipcc.db")); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	// The call-record writer's queue, latency and retries are exported.
	if res, err := http.Get("http://" + addr + "/metrics"); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, m := range []string{"ipcc_call_records_queued_rows", "ipcc_call_records_write_retries_total", "ipcc_call_records_write_seconds", "ipcc_call_records_oldest_queued_seconds"} {
			if !strings.Contains(string(b), m) {
				t.Errorf("/metrics has no %s", m)
			}
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The first start generated and printed a superadmin password, once.
	logs := errb.String()
	i := strings.Index(logs, "with password: ")
	if i < 0 {
		t.Fatalf("no generated password printed:\n%s", logs)
	}
	pw := strings.Fields(logs[i+len("with password: "):])[0]
	if strings.Count(logs, pw) != 1 {
		t.Fatal("the generated password appears more than once in the output")
	}
	if !strings.Contains(logs, "database closed") {
		t.Fatalf("database not closed on shutdown:\n%s", logs)
	}

	// A second start on the same database keeps the password and prints none.
	ctx2, cancel2 := context.WithCancel(context.Background())
	var errb2 bytes.Buffer
	done2 := make(chan error, 1)
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &errb2, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve"})
		done2 <- root.ExecuteContext(ctx2)
	}()
	var tok string
	for deadline := time.Now().Add(60 * time.Second); ; {
		body := fmt.Sprintf(`{"username":"admin","password":%q}`, pw)
		res, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err == nil {
			var tr struct{ Token string }
			json.NewDecoder(res.Body).Decode(&tr)
			res.Body.Close()
			if res.StatusCode == 200 {
				tok = tr.Token
				break
			}
			t.Fatalf("login with the printed password: %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			t.Fatalf("second start not serving: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if tok == "" || strings.Contains(errb2.String(), "with password") {
		t.Fatal("second start printed a password")
	}
}

func TestServeRefusesOldSchemaWithoutMigrate(t *testing.T) {
	u := storetest.URL(t, store.SQLite)
	env := []string{"IPCC_DATABASE_URL=" + u, "IPCC_HTTP_ADDR=" + freeAddr(t)}
	_, _, err := run(t, context.Background(), env, "", "serve", "--no-migrate")
	if err == nil || !strings.Contains(err.Error(), "ipcc migrate up") {
		t.Fatalf("err = %v", err)
	}
}

func TestSimCommandServesBothProtocolsAndControlAPI(t *testing.T) {
	esl, ari, ctl := freeAddr(t), freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		g := &globals{stdout: &out, stderr: &bytes.Buffer{}, stdin: strings.NewReader(""), env: []string{}}
		root := newRoot(g)
		root.SetArgs([]string{"sim", "--esl", esl, "--ari", ari, "--control", ctl})
		done <- root.ExecuteContext(ctx)
	}()
	var res *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if res, err = http.Post("http://"+ctl+"/sim/v1/calls", "application/json", strings.NewReader(`{"from":"13800000000","to":"4001"}`)); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("place call: %d", res.StatusCode)
	}
	// The ESL port greets like FreeSWITCH.
	c, err := net.Dial("tcp", esl)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := c.Read(buf)
	c.Close()
	if !strings.Contains(string(buf[:n]), "auth/request") {
		t.Fatalf("ESL greeting %q", buf[:n])
	}
	// The ARI port wants credentials like Asterisk.
	r2, err := http.Get("http://" + ari + "/ari/channels")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 401 {
		t.Fatalf("ARI without auth: %d", r2.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// The same binary runs on PostgreSQL when IPCC_DATABASE_URL names one.
func TestServeOnPostgres(t *testing.T) {
	addr := freeAddr(t)
	env := []string{"IPCC_HTTP_ADDR=" + addr, "IPCC_DATABASE_URL=" + storetest.URL(t, store.Postgres), "IPCC_AUTH_BCRYPT_COST=4", "IPCC_ADMIN_PASSWORD=pg-admin-password"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve"})
		done <- root.ExecuteContext(ctx)
	}()
	ok := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(50 * time.Millisecond) {
		res, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"pg-admin-password"}`))
		if err == nil {
			res.Body.Close()
			ok = res.StatusCode == 200
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("serve on PostgreSQL never accepted the superadmin login")
	}
}

// serve --demo connects to both simulated switches and reports them ready;
// its tenant runs in the sample hours' time zone, shows the hotline on
// outside calls, and has agents with work numbers and a supervisor with a
// phone.
func TestServeDemoConnectsBothSimulatedSwitches(t *testing.T) {
	addr, dir := freeAddr(t), t.TempDir()
	env := []string{"IPCC_HTTP_ADDR=" + addr, "IPCC_DATABASE_URL=sqlite:" + filepath.Join(dir, "ipcc.db"), "IPCC_AUTH_BCRYPT_COST=4", "IPCC_TTS_ENGINE=none",
		"IPCC_ADMIN_PASSWORD=demo-admin-password", "IPCC_MEDIA_RECORDING_DIR=" + filepath.Join(dir, "recordings"),
		"IPCC_MEDIA_VOICEMAIL_DIR=" + filepath.Join(dir, "voicemail"), "IPCC_TTS_CACHE_DIR=" + filepath.Join(dir, "tts")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve", "--demo"})
		done <- root.ExecuteContext(ctx)
	}()
	var body map[string]any
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			body = nil
			json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("demo never ready: %v %v", err, body)
		}
	}
	checks, _ := body["checks"].(map[string]any)
	if checks["switch:demo-freeswitch"] != "ok" || checks["switch:demo-asterisk"] != "ok" {
		t.Fatalf("readiness checks: %v", checks)
	}
	get := func(path string, v any) {
		t.Helper()
		var tok struct{ Token string }
		res, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"demo-admin-password"}`))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("X-IPCC-Tenant", "default")
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var tenant struct{ Timezone string }
	if get("/api/v1/tenants/default", &tenant); tenant.Timezone != "Asia/Shanghai" {
		t.Errorf("demo tenant's time zone %q (its hours are Asia/Shanghai)", tenant.Timezone)
	}
	var set struct {
		OutboundCallerID string `json:"outbound_caller_id"`
	}
	if get("/api/v1/routing/settings", &set); set.OutboundCallerID != "4001" {
		t.Errorf("outbound caller ID %q", set.OutboundCallerID)
	}
	var users []struct {
		Username, Role string
		WorkNumber     string `json:"work_number"`
		Devices        []string
	}
	get("/api/v1/users", &users)
	roles := map[string]int{}
	for _, u := range users {
		switch {
		case u.Role == "supervisor" && len(u.Devices) == 1 && u.Devices[0] == "1009":
			roles["supervisor with a phone"]++
		case u.Role == "agent" && u.WorkNumber != "" && len(u.Devices) == 1:
			roles["agent with a work number and a phone"]++
		}
	}
	// Agents 1001-1004 worked by the demo, and 1005 left to a person at
	// the web console.
	if roles["supervisor with a phone"] != 1 || roles["agent with a work number and a phone"] != 5 {
		t.Errorf("demo users %+v", users)
	}
	// The tenant's usage and its per-tenant metrics (docs/tenants.md): the
	// demo's agents are signed in.
	var usage struct {
		AgentsSignedIn int `json:"agents_signed_in"`
	}
	if get("/api/v1/tenants/default/usage", &usage); usage.AgentsSignedIn < 4 {
		t.Errorf("usage of the demo tenant: %+v", usage)
	}
	if res, err := http.Get("http://" + addr + "/metrics"); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, m := range []string{`ipcc_tenant_agents{state="available",tenant="default"}`, `ipcc_tenant_queue_waiting{queue="operator",tenant="default"}`} {
			if !strings.Contains(string(b), m) {
				t.Errorf("/metrics has no %s", m)
			}
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve --demo did not stop")
	}
}
