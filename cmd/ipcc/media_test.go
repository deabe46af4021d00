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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
)

// apiCall sends one authenticated request to a running serve and decodes
// the JSON answer into out (when not nil); it returns the status and body.
func apiCall(t *testing.T, addr, tok, method, path, body string, out any) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-IPCC-Tenant", "default")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v (%s)", method, path, err, b)
		}
	}
	return res.StatusCode, b
}

// A message left on an Asterisk switch is written into Asterisk's own
// recording spool (ARI writes nowhere else) and played from the API through
// the spool as mounted on the ipcc host (switches[].recording_read_dir),
// which is neither media.recording_dir nor media.voicemail_dir.
func TestServeAsteriskVoicemailPlaysFromTheAPI(t *testing.T) {
	dir := t.TempDir()
	spool := filepath.Join(dir, "asterisk", "spool", "recording") // the switch's path
	mount := filepath.Join(dir, "mnt", "pbx1")                    // the same folder on the ipcc host
	if err := os.MkdirAll(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(mount), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(spool, mount); err != nil {
		t.Fatal(err)
	}
	s := sim.New(sim.Options{ESLAddr: "-", ARIApp: "ipcc", RecordingDir: spool, MediaDuration: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ariURL := strings.TrimSuffix(s.ARIURL(), "/ari")
	switches := fmt.Sprintf(`[{"name":"pbx1","kind":"asterisk","ari_url":%q,"ari_user":"ari","ari_password":"ari","recording_dir":%q,"recording_read_dir":%q}]`,
		ariURL, spool, mount)
	addr := freeAddr(t)
	env := []string{"IPCC_HTTP_ADDR=" + addr, "IPCC_DATABASE_URL=sqlite:" + filepath.Join(dir, "ipcc.db"), "IPCC_AUTH_BCRYPT_COST=4",
		"IPCC_ADMIN_PASSWORD=admin-password-1", "IPCC_TTS_ENGINE=silent", "IPCC_TTS_CACHE_DIR=" + filepath.Join(dir, "tts"),
		"IPCC_MEDIA_RECORDING_DIR=" + filepath.Join(dir, "media", "recordings"), "IPCC_MEDIA_VOICEMAIL_DIR=" + filepath.Join(dir, "media", "voicemail"),
		"IPCC_SWITCHES=" + switches}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var errb bytes.Buffer
	go func() {
		g := &globals{stdout: &bytes.Buffer{}, stderr: &errb, stdin: strings.NewReader(""), env: env}
		root := newRoot(g)
		root.SetArgs([]string{"serve", "--log-format", "text"})
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	var tok string
	for deadline := time.Now().Add(60 * time.Second); tok == ""; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				lr, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"admin-password-1"}`))
				if err != nil {
					t.Fatal(err)
				}
				var tr struct{ Token string }
				json.NewDecoder(lr.Body).Decode(&tr)
				lr.Body.Close()
				tok = tr.Token
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never became ready: %v\n%s", err, errb.String())
		}
	}
	if st, b := apiCall(t, addr, tok, "POST", "/api/v1/routes", `{"name":"Messages","did":"4555","default":{"kind":"voicemail","ref":"sales"}}`, nil); st != 201 {
		t.Fatalf("create route: %d %s", st, b)
	}
	// The caller listens to the greeting and the beep, speaks for a moment
	// and hangs up. 6 s: with 3 s the caller once hung up still before the
	// recording (abandoned_ivr, no message) in a -race run at load 11.
	if _, err := s.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "13800138099", To: "4555", HangupAfter: 6 * time.Second}); err != nil {
		t.Fatal(err)
	}
	var msgs []struct {
		ID   int64  `json:"id"`
		Path string `json:"path"`
	}
	for deadline := time.Now().Add(60 * time.Second); len(msgs) == 0; time.Sleep(100 * time.Millisecond) {
		apiCall(t, addr, tok, "GET", "/api/v1/voicemail?mailbox=sales", "", &msgs)
		if time.Now().After(deadline) {
			t.Fatalf("no voicemail message\n%s", errb.String())
		}
	}
	if !strings.HasPrefix(msgs[0].Path, mount+"/voicemail/") {
		t.Fatalf("message stored at %s, want under %s/voicemail", msgs[0].Path, mount)
	}
	st, audio := apiCall(t, addr, tok, "GET", fmt.Sprintf("/api/v1/voicemail/%d/audio", msgs[0].ID), "", nil)
	if st != 200 || len(audio) <= 44 || string(audio[:4]) != "RIFF" {
		t.Fatalf("voicemail audio: %d, %d bytes %q", st, len(audio), audio[:min(len(audio), 64)])
	}
	written, err := os.ReadFile(filepath.Join(spool, strings.TrimPrefix(msgs[0].Path, mount)))
	if err != nil || !bytes.Equal(written, audio) {
		t.Fatalf("the API served something else than the switch wrote: %v", err)
	}
}
