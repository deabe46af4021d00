package tts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPEngine(t *testing.T) {
	wav := buildWAV(fmtChunk(), chunk{id: "data", body: pcm})
	var got httpRequest
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request shape", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch got.Text {
		case "fail":
			http.Error(w, "quota exceeded", http.StatusTooManyRequests)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>login</html>"))
		default:
			w.Header().Set("Content-Type", "audio/wav")
			w.Write(wav)
		}
	}))
	defer srv.Close()

	h := &HTTP{URL: srv.URL, Name: "acme", Header: http.Header{"Authorization": {"Bearer k"}}, Voices: map[string]string{"zh-CN": "xiaoyan"}}
	dst := filepath.Join(t.TempDir(), "out.wav")
	if err := h.Synthesize(context.Background(), Request{Text: "您好", Lang: "zh-CN"}, dst); err != nil {
		t.Fatal(err)
	}
	if got != (httpRequest{Text: "您好", Lang: "zh-CN", Voice: "xiaoyan"}) || auth != "Bearer k" {
		t.Fatalf("provider saw %+v auth %q", got, auth)
	}
	if b, _ := os.ReadFile(dst); string(b) != string(wav) {
		t.Fatal("written file differs from response")
	}

	tests := []struct {
		text string
		want []string
	}{
		{"fail", []string{"http:acme", "429", "quota exceeded", `"fail"`, `"en"`}},
		{"html", []string{"not a WAV", "text/html"}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			err := h.Synthesize(context.Background(), Request{Text: tc.text, Lang: "en"}, dst)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	// Through the cache: the provider's WAV gains the ICMT text.
	c, _ := NewCache(t.TempDir(), h, CacheOptions{})
	p, err := c.Render(context.Background(), Request{Text: "thank you", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := ReadCommentFile(p); err != nil || s != "thank you" {
		t.Fatalf("ICMT %q, %v", s, err)
	}
}
