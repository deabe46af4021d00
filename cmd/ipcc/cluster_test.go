package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// TestHelperServe is not a test: run as a child process by the cluster
// test (IPCC_TEST_HELPER_SERVE=1), it is `ipcc serve` in a process of its
// own, so that the test can kill it without a clean stop.
func TestHelperServe(t *testing.T) {
	if os.Getenv("IPCC_TEST_HELPER_SERVE") != "1" {
		t.Skip("helper process for TestTwoControllersOneDatabase")
	}
	g := &globals{stdout: os.Stdout, stderr: os.Stderr, stdin: strings.NewReader(""), env: os.Environ()}
	root := newRoot(g)
	root.SetArgs([]string{"serve", "--log-format", "text"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "helper serve:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// readyz fetches /readyz: status and checks.
func readyz(addr string) (int, map[string]string, error) {
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Checks, nil
}

func metricsText(t *testing.T, addr string) string {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe to write from one goroutine and read
// from another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Two controllers on one database and one (simulated) FreeSWITCH and
// Asterisk: only the first takes calls, each exactly once; the second holds
// back its switch connections and says who holds them in its log, /readyz
// and metrics. Killing the first (no clean stop) lets the second take over
// once the leases expired, with larger fencing tokens, and it takes the
// calls from then on.
func TestTwoControllersOneDatabase(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			st, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateTenant(ctx, &store.Tenant{ID: auth.DefaultTenant, Name: "Default", Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateRoute(ctx, auth.DefaultTenant, &dialplan.Route{Name: "Hotline", DID: "4001", Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindHangup}}); err != nil {
				t.Fatal(err)
			}
			s := sim.New(sim.Options{Logger: quietLog(), RecordingDir: t.TempDir()})
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			switches, _ := json.Marshal([]map[string]string{
				{"name": "fs1", "kind": "freeswitch", "esl_addr": s.ESLAddr(), "esl_password": "ClueCon"},
				{"name": "ast1", "kind": "asterisk", "ari_url": s.ARIURL(), "ari_user": "ari", "ari_password": "ari"},
			})
			env := func(id, addr string) []string {
				return []string{"IPCC_DATABASE_URL=" + url, "IPCC_HTTP_ADDR=" + addr, "IPCC_SWITCHES=" + string(switches),
					"IPCC_CLUSTER_CONTROLLER_ID=" + id, "IPCC_CLUSTER_LEASE_TTL=3s", "IPCC_TTS_ENGINE=none", "IPCC_AUTH_BCRYPT_COST=4",
					"IPCC_ADMIN_PASSWORD=cluster-admin-pw", "IPCC_TTS_CACHE_DIR=" + t.TempDir(),
					"IPCC_MEDIA_RECORDING_DIR=" + t.TempDir(), "IPCC_MEDIA_VOICEMAIL_DIR=" + t.TempDir()}
			}

			// Controller A in a process of its own.
			addrA := freeAddr(t)
			var logA syncBuffer
			a := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
			a.Env = append(os.Environ(), append(env("ctl-a", addrA), "IPCC_TEST_HELPER_SERVE=1")...)
			a.Stdout, a.Stderr = &logA, &logA
			if err := a.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			defer func() {
				if !killed {
					_ = a.Process.Kill()
					_ = a.Wait()
				}
				if t.Failed() {
					t.Logf("controller A:\n%s", logA.String())
				}
			}()
			eventually(t, "controller A drives both switches", 30*time.Second, func() bool {
				code, checks, err := readyz(addrA)
				return err == nil && code == 200 && checks["switch:fs1"] == "ok" && checks["switch:ast1"] == "ok"
			})

			// Controller B in this process, on the same database.
			addrB := freeAddr(t)
			ctxB, stopB := context.WithCancel(ctx)
			var logB syncBuffer
			doneB := make(chan error, 1)
			go func() {
				g := &globals{stdout: &bytes.Buffer{}, stderr: &logB, stdin: strings.NewReader(""), env: env("ctl-b", addrB)}
				root := newRoot(g)
				root.SetArgs([]string{"serve", "--log-format", "text"})
				doneB <- root.ExecuteContext(ctxB)
			}()
			defer func() {
				stopB()
				<-doneB
				if t.Failed() {
					t.Logf("controller B:\n%s", logB.String())
				}
			}()
			var checks map[string]string
			eventually(t, "controller B answers /readyz", 30*time.Second, func() bool {
				_, checks, err = readyz(addrB)
				return err == nil && checks["switch:fs1"] != ""
			})
			time.Sleep(500 * time.Millisecond) // give B every chance to connect if it would
			code, checks, _ := readyz(addrB)
			if code != http.StatusServiceUnavailable {
				t.Fatalf("standby B is ready: %d %v", code, checks)
			}
			for _, sw := range []string{"fs1", "ast1"} {
				if c := checks["switch:"+sw]; !strings.Contains(c, "switch "+sw+" is held by controller ctl-a on host") || !strings.Contains(c, "lease expires") {
					t.Errorf("B's readiness check of %s: %q", sw, c)
				}
			}
			if !strings.Contains(logB.String(), "switch fs1 is held by controller ctl-a") {
				t.Errorf("B's log does not say who holds fs1")
			}
			if m := metricsText(t, addrB); !strings.Contains(m, `ipcc_cluster_lease_held{lease="switch:fs1"} 0`) || !strings.Contains(m, `ipcc_cluster_lease_token{lease="switch:fs1"} 1`) {
				t.Errorf("B's metrics:\n%s", grepLines(m, "ipcc_cluster"))
			}
			// B's API: live state and changes are the active controller's
			// (503, naming it); stored state and sign-in are served (the
			// request goes on to authentication or validation).
			for _, tc := range []struct {
				method, path string
				want         int
			}{
				{"GET", "/api/v1/agent/", http.StatusServiceUnavailable},
				{"GET", "/api/v1/ws", http.StatusServiceUnavailable},
				{"POST", "/api/v1/queues", http.StatusServiceUnavailable},
				{"GET", "/api/v1/calls", http.StatusUnauthorized},
				{"POST", "/api/v1/auth/login", http.StatusBadRequest},
			} {
				req, _ := http.NewRequest(tc.method, "http://"+addrB+tc.path, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if refused := res.StatusCode == http.StatusServiceUnavailable; refused != (tc.want == http.StatusServiceUnavailable) {
					t.Errorf("standby B: %s %s: %d %s, want %d", tc.method, tc.path, res.StatusCode, body, tc.want)
				}
				if tc.want == http.StatusServiceUnavailable && (res.Header.Get("X-IPCC-Active-Controller") != "ctl-a" || !strings.Contains(string(body), `"active_controller":"ctl-a"`)) {
					t.Errorf("standby B: %s %s does not name the active controller: %v %s", tc.method, tc.path, res.Header, body)
				}
			}
			// Once A advertises its API (cluster.advertise_url), B forwards
			// those requests to it instead, the WebSocket included.
			if err := advertise(ctx, st, "ctl-a", "http://"+addrA); err != nil {
				t.Fatal(err)
			}
			res, err := http.Get("http://" + addrB + "/api/v1/agent/state")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("X-IPCC-Active-Controller") != "" {
				t.Errorf("standby B did not forward GET /api/v1/agent/state to A: %d %v", res.StatusCode, res.Header)
			}
			var login struct{ Token string }
			lr, err := http.Post("http://"+addrB+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"cluster-admin-pw"}`))
			if err != nil {
				t.Fatal(err)
			}
			_ = json.NewDecoder(lr.Body).Decode(&login)
			lr.Body.Close()
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			conn, _, err := websocket.Dial(wctx, "ws://"+addrB+"/api/v1/ws", &websocket.DialOptions{HTTPHeader: http.Header{
				"Authorization": {"Bearer " + login.Token}, "X-Ipcc-Tenant": {auth.DefaultTenant}}})
			if err != nil {
				t.Errorf("WebSocket through standby B: %v", err)
			} else {
				_, hello, err := conn.Read(wctx)
				if err != nil || !strings.Contains(string(hello), `"type":"hello"`) {
					t.Errorf("WebSocket through standby B: first message %s, %v", hello, err)
				}
				_ = conn.Close(websocket.StatusNormalClosure, "")
			}
			wcancel()
			// A controller that advertises nothing: B answers 503 again.
			if err := advertise(ctx, st, "ctl-a", ""); err != nil {
				t.Fatal(err)
			}
			if res, err := http.Get("http://" + addrB + "/api/v1/agent/state"); err != nil {
				t.Error(err)
			} else if res.Body.Close(); res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("standby B without A's URL: %d", res.StatusCode)
			}

			if m := metricsText(t, addrA); !strings.Contains(m, `ipcc_cluster_lease_held{lease="switch:fs1"} 1`) {
				t.Errorf("A's metrics:\n%s", grepLines(m, "ipcc_cluster"))
			}

			// Calls on both switches are each handled once.
			placeCalls := func(n int, from string) []string {
				var legs []string
				for i := 0; i < n; i++ {
					f := sim.FrontFreeSWITCH
					if i%2 == 1 {
						f = sim.FrontAsterisk
					}
					leg, err := s.PlaceCall(sim.CallSpec{Front: f, From: fmt.Sprintf("%s%02d", from, i), To: "4001"})
					if err != nil {
						t.Fatal(err)
					}
					legs = append(legs, leg)
				}
				return legs
			}
			handledOnce := func(legs []string) {
				t.Helper()
				eventually(t, "every call's record is complete", 20*time.Second, func() bool {
					calls, _ := st.ListCalls(ctx, auth.DefaultTenant, store.CallFilter{Limit: 1000})
					done := 0
					for _, c := range calls {
						for _, l := range legs {
							if c.Leg == l && c.EndedAt != nil {
								done++
							}
						}
					}
					return done >= len(legs)
				})
				time.Sleep(300 * time.Millisecond)
				calls, _ := st.ListCalls(ctx, auth.DefaultTenant, store.CallFilter{Limit: 1000})
				for _, l := range legs {
					n := 0
					for _, c := range calls {
						if c.Leg == l {
							n++
						}
					}
					if n != 1 {
						t.Errorf("call %s handled %d times", l, n)
					}
				}
			}
			handledOnce(placeCalls(4, "138001380"))

			// A dies without a word. Its leases run out; only then does B
			// take the switches, with the next fencing token.
			leasesA, err := st.ListLeases(ctx)
			if err != nil || len(leasesA) != 2 {
				t.Fatalf("leases %+v %v", leasesA, err)
			}
			if err := a.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = a.Wait()
			killed = true
			leasesA, _ = st.ListLeases(ctx) // A's last renewal
			eventually(t, "controller B takes over", 30*time.Second, func() bool {
				code, checks, err := readyz(addrB)
				return err == nil && code == 200 && checks["switch:fs1"] == "ok" && checks["switch:ast1"] == "ok"
			})
			leasesB, _ := st.ListLeases(ctx)
			for i, l := range leasesB {
				was := leasesA[i]
				if l.Holder != "ctl-b" || l.Token != was.Token+1 || l.AcquiredAt.Before(was.ExpiresAt) {
					t.Errorf("lease %s after the takeover: %+v (before: %+v)", l.Name, l, was)
				}
			}
			if m := metricsText(t, addrB); !strings.Contains(m, `ipcc_cluster_lease_held{lease="switch:fs1"} 1`) || !strings.Contains(m, `ipcc_cluster_lease_token{lease="switch:fs1"} 2`) {
				t.Errorf("B's metrics after the takeover:\n%s", grepLines(m, "ipcc_cluster"))
			}
			handledOnce(placeCalls(4, "138001381"))
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A controller whose switch lease is taken from it (it was paused past the
// lease, and another controller took over) stops at once, saying why.
func TestServeStopsWhenItsLeaseIsTaken(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t, store.SQLite)
	s := sim.New(sim.Options{Logger: quietLog(), ARIAddr: "-", RecordingDir: t.TempDir()})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	switches, _ := json.Marshal([]map[string]string{{"name": "fs1", "kind": "freeswitch", "esl_addr": s.ESLAddr(), "esl_password": "ClueCon"}})
	addr := freeAddr(t)
	env := []string{"IPCC_DATABASE_URL=" + url, "IPCC_HTTP_ADDR=" + addr, "IPCC_SWITCHES=" + string(switches), "IPCC_CLUSTER_CONTROLLER_ID=ctl-a",
		"IPCC_CLUSTER_LEASE_TTL=3s", "IPCC_TTS_ENGINE=none", "IPCC_AUTH_BCRYPT_COST=4", "IPCC_ADMIN_PASSWORD=cluster-admin-pw", "IPCC_TTS_CACHE_DIR=" + t.TempDir()}
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &logs, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve", "--log-format", "text"})
		done <- root.ExecuteContext(ctx)
	}()
	eventually(t, "the controller drives fs1", 30*time.Second, func() bool {
		code, _, err := readyz(addr)
		return err == nil && code == 200
	})
	st, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Another controller takes the lease (as it would after this one's
	// lease expired during a long pause).
	if _, err := st.DB().ExecContext(ctx, `UPDATE cluster_leases SET holder = 'ctl-b', instance = 'other', host = 'host-b', token = token + 1, expires_at = ?`,
		time.Now().Add(time.Hour).UTC()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "lease switch:fs1 lost") || !strings.Contains(err.Error(), "taken over by controller ctl-b on host host-b (token 2)") {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve went on without its lease:\n%s", logs.String())
	}
	ls, _ := st.ListLeases(ctx)
	if len(ls) != 1 || ls[0].Holder != "ctl-b" || ls[0].Token != 2 {
		t.Fatalf("the stopping controller touched the other's lease: %+v", ls)
	}
}
