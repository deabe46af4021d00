// Package web serves the browser console (agent desktop, supervisor console,
// wallboard) built by Vite into web/dist and embedded in the binary.
//
// web/dist is generated (`make web`, which `make run` runs) and not in git;
// a binary built without it serves a page that says how to build it, so
// `go build ./...` works on a fresh clone without Node.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with every page of the console. Scripts come
// only from this origin (no inline script, no eval); styles may be inline
// because Ant Design and ECharts write style elements and attributes at run
// time; media and connections stay on this origin except the WebRTC
// softphone's WebSocket to the switch (wss:) and the tenant's CRM page shown
// in a frame (https:).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob: data:; connect-src 'self' wss: ws:; " +
	"frame-src 'self' https:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

// Handler serves the console from the embedded build.
func Handler() http.Handler { return newHandler(dist) }

// Built reports whether the binary embeds a console build.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

type handler struct {
	files fs.FS
	index []byte // nil: not built
	mod   time.Time
}

func newHandler(root fs.FS) *handler {
	sub, err := fs.Sub(root, "dist")
	if err != nil {
		sub = root
	}
	h := &handler{files: sub, mod: time.Now()}
	if b, err := fs.ReadFile(sub, "index.html"); err == nil {
		h.index = b
	}
	return h
}

func setSecurityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
}

// ServeHTTP answers GET and HEAD: a file of the build when the path names
// one (hashed assets cached for a year), otherwise index.html so the
// console's own router shows the page (SPA fallback).
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	setSecurityHeaders(w)
	if h.index == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(notBuiltPage))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if f, err := h.files.Open(name); err == nil && !strings.HasPrefix(path.Base(name), ".") {
			st, serr := f.Stat()
			_ = f.Close()
			if serr == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					// Vite names assets by their content's hash.
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					w.Header().Set("Cache-Control", "no-cache")
				}
				http.ServeFileFS(w, r, h.files, name)
				return
			}
		} else if err == nil {
			_ = f.Close()
		}
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			// A missing asset is a 404, not the page (a stale tab asking
			// for an old bundle must not get HTML as JavaScript).
			w.Header().Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "index.html", h.mod, bytes.NewReader(h.index))
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ipcc — console not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em}code{background:#eee;padding:0 .3em}</style></head>
<body><h1>The web console is not in this binary</h1>
<p>This ipcc was built without the console (web/dist was empty). The API works at <code>/api/v1</code>.</p>
<p>To build the console into the binary (needs Node 20 and npm):</p>
<pre><code>make run          # builds the console, then the binary, then starts the demo
# or
make web build    # npm ci + vite build into web/dist, then go build</code></pre>
<p>控制台未编译进此程序。请执行 <code>make run</code>（需要 Node 20 与 npm）后重新启动。</p>
</body></html>
`
