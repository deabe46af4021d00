package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestHandlerServesTheBuild(t *testing.T) {
	h := newHandler(fstest.MapFS{
		"dist/index.html":          {Data: []byte("<!doctype html><div id=root></div>")},
		"dist/assets/app-abc1.js":  {Data: []byte("console.log(1)")},
		"dist/favicon.svg":         {Data: []byte("<svg/>")},
		"dist/.gitkeep":            {Data: nil},
		"dist/assets/app-abc1.css": {Data: []byte("body{}")},
	})
	tests := []struct {
		name, path, status, cache, body string
	}{
		{"hashed assets are cached for good", "/assets/app-abc1.js", "200", "public, max-age=31536000, immutable", "console.log"},
		{"other files are revalidated", "/favicon.svg", "200", "no-cache", "<svg"},
		{"the root is the page", "/", "200", "no-cache", "id=root"},
		{"a console route falls back to the page", "/agent/calls", "200", "no-cache", "id=root"},
		{"a missing asset is a 404, not the page", "/assets/old-1234.js", "404", "no-store", "not found"},
		{"dot files are not served", "/.gitkeep", "404", "no-store", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.path)
			if got := strconv.Itoa(rec.Code); got != tc.status {
				t.Fatalf("status %s, want %s", got, tc.status)
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
				t.Errorf("CSP %q does not restrict scripts to this origin", csp)
			}
		})
	}
}

func TestHandlerWithoutBuildSaysHowToBuild(t *testing.T) {
	h := newHandler(fstest.MapFS{"dist/.gitkeep": {Data: nil}})
	rec := get(t, h, "/agent")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "make run") {
		t.Fatalf("got %d %q, want the how-to-build page", rec.Code, rec.Body.String())
	}
}

func TestHandlerRefusesWrites(t *testing.T) {
	h := newHandler(fstest.MapFS{"dist/index.html": {Data: []byte("x")}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST got %d", rec.Code)
	}
}
