package tts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CacheOptions tune a Cache.
type CacheOptions struct {
	// SwitchDir is the cache directory as the media server sees it (a shared
	// mount may have another path there); "" means the same path.
	SwitchDir string
	// RenderTimeout bounds one synthesis; 0 means 60s. A render runs detached
	// from the request that started it, so a caller hanging up does not waste
	// the work for the others waiting on the same text.
	RenderTimeout time.Duration
	// SampleRate, when set, converts every render whose request names no
	// format to 16-bit mono PCM at this rate; 0 keeps the engine's. A
	// request's Format (the switch's, see controller.Options.PromptFormats)
	// takes precedence.
	SampleRate int
	// MaxConcurrent bounds simultaneous syntheses (each may be a process or
	// an HTTP request); 0 means 4. Waiting for a slot counts against
	// RenderTimeout.
	MaxConcurrent int
}

// Cache is a Renderer that keeps rendered prompts as content-addressed WAV
// files in a directory: the name is the sha256 of engine kind, lang, voice
// and text, so a restart finds earlier renders and a changed text or voice
// never reuses a stale file. Concurrent requests for one text render once.
// Every file carries its text in a RIFF INFO ICMT chunk.
type Cache struct {
	dir       string
	switchDir string
	engine    Engine
	timeout   time.Duration
	rate      int
	slots     chan struct{}

	mu       sync.Mutex
	inflight map[string]*flight
}

type flight struct {
	done chan struct{}
	err  error
}

// NewCache creates dir if needed and returns a cache rendering with engine.
func NewCache(dir string, engine Engine, opts CacheOptions) (*Cache, error) {
	if engine == nil {
		return nil, errors.New("tts: cache: no engine")
	}
	if dir == "" {
		return nil, errors.New("tts: cache: no directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tts: cache: %w", err)
	}
	c := &Cache{
		dir:       dir,
		switchDir: opts.SwitchDir,
		engine:    engine,
		timeout:   opts.RenderTimeout,
		rate:      opts.SampleRate,
		inflight:  map[string]*flight{},
	}
	if c.switchDir == "" {
		c.switchDir = dir
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	n := opts.MaxConcurrent
	if n <= 0 {
		n = 4
	}
	c.slots = make(chan struct{}, n)
	c.removeStaleTemps()
	return c, nil
}

// format resolves req.Format against the cache's default rate.
func (c *Cache) format(req Request) (rate int, ext string, err error) {
	rate, ext = req.Format.SampleRate, req.Format.Ext
	if rate == 0 {
		rate = c.rate
	}
	if ext == "" {
		ext = "wav"
	}
	if rate != 0 && (rate < 8000 || rate > 48000) {
		return 0, "", fmt.Errorf("format %s: sample rate must be between 8000 and 48000 Hz", req.Format)
	}
	switch ext {
	case "wav":
	case "wav16":
		if rate != 16000 {
			return 0, "", fmt.Errorf("format %s: a .wav16 file holds 16000 Hz audio", req.Format)
		}
	default:
		return 0, "", fmt.Errorf("format %s: extension must be wav or wav16", req.Format)
	}
	return rate, ext, nil
}

// Key is the content address of req for this cache's engine and the
// request's format (sample rate and file extension): the same text for two
// switches that play different formats is two files.
func (c *Cache) Key(req Request) string {
	rate, ext, err := c.format(req)
	if err != nil {
		rate, ext = req.Format.SampleRate, req.Format.Ext
	}
	parts := []string{c.engine.Kind(), strconv.Itoa(rate), req.Lang, req.Voice, req.Text}
	if ext != "wav" {
		// Keys of plain .wav renders stay what they were before formats.
		parts = append(parts, ext)
	}
	h := sha256.New()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0}) // separator: ("ab","c") and ("a","bc") differ
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileName is the cache file of req: its key with the format's extension.
func (c *Cache) fileName(req Request) string {
	_, ext, err := c.format(req)
	if err != nil {
		ext = "wav"
	}
	return c.Key(req) + "." + ext
}

// LocalPath is where the WAV for req lives (or will live) on this host.
func (c *Cache) LocalPath(req Request) string {
	return filepath.Join(c.dir, c.fileName(req))
}

// Render returns the switch-side path of the WAV for req, synthesising it
// first unless a previous render (in this process or an earlier one) left it.
func (c *Cache) Render(ctx context.Context, req Request) (string, error) {
	if strings.TrimSpace(req.Text) == "" {
		return "", wrapErr(c.engine.Kind(), req, ErrEmptyText)
	}
	if _, _, err := c.format(req); err != nil {
		return "", wrapErr(c.engine.Kind(), req, err)
	}
	key := c.Key(req)
	name := c.fileName(req)
	final := filepath.Join(c.dir, name)
	switchPath := filepath.Join(c.switchDir, name)
	if st, err := os.Stat(final); err == nil && st.Size() > 0 {
		return switchPath, nil
	}

	c.mu.Lock()
	f, ok := c.inflight[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		c.inflight[key] = f
		go c.render(f, key, final, req)
	}
	c.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return switchPath, nil
	case <-ctx.Done():
		return "", wrapErr(c.engine.Kind(), req, ctx.Err())
	}
}

func (c *Cache) render(f *flight, key, final string, req Request) {
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(f.done)
	}()
	// Another process sharing the directory may have finished meanwhile.
	if st, err := os.Stat(final); err == nil && st.Size() > 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		f.err = wrapErr(c.engine.Kind(), req, fmt.Errorf("waiting for a free render slot: %w", ctx.Err()))
		return
	}
	tmp := filepath.Join(c.dir, "."+key+".tmp-"+randomSuffix()+".wav")
	defer os.Remove(tmp) // no-op after the rename
	if err := c.engine.Synthesize(ctx, req, tmp); err != nil {
		f.err = wrapErr(c.engine.Kind(), req, err)
		return
	}
	data, err := os.ReadFile(tmp)
	if err != nil {
		f.err = wrapErr(c.engine.Kind(), req, err)
		return
	}
	if rate, _, _ := c.format(req); rate > 0 {
		if data, err = Resample(data, rate); err != nil {
			f.err = wrapErr(c.engine.Kind(), req, err)
			return
		}
	}
	stamped, err := SetComment(data, req.Text)
	if err != nil {
		f.err = wrapErr(c.engine.Kind(), req, fmt.Errorf("stamping text: %w", err))
		return
	}
	if err := writeFileSync(tmp, stamped); err != nil {
		f.err = wrapErr(c.engine.Kind(), req, err)
		return
	}
	// Rename is atomic: readers see no file or the whole file.
	if err := os.Rename(tmp, final); err != nil {
		f.err = wrapErr(c.engine.Kind(), req, err)
	}
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// removeStaleTemps deletes temporary files a crashed render left behind.
// Only old ones: another process may be rendering into this directory now.
func (c *Cache) removeStaleTemps() {
	matches, _ := filepath.Glob(filepath.Join(c.dir, ".*.tmp-*"))
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(m)
		}
	}
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
