package tts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeEngine writes a tiny WAV and counts its renders; gate, when set,
// holds every render until closed so tests can pile up concurrent requests.
type fakeEngine struct {
	kind  string
	calls atomic.Int32
	gate  chan struct{}
	err   error
}

func (e *fakeEngine) Kind() string { return e.kind }

func (e *fakeEngine) Synthesize(ctx context.Context, req Request, dst string) error {
	e.calls.Add(1)
	if e.gate != nil {
		select {
		case <-e.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if e.err != nil {
		return e.err
	}
	return os.WriteFile(dst, buildWAV(fmtChunk(), chunk{id: "data", body: pcm}), 0o644)
}

func TestCacheRendersOnceAndStampsText(t *testing.T) {
	dir := t.TempDir()
	eng := &fakeEngine{kind: "fake", gate: make(chan struct{})}
	c, err := NewCache(dir, eng, CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Text: "欢迎致电，请按1", Lang: "zh-CN"}
	const n = 16
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = c.Render(context.Background(), req)
		}()
	}
	// Let the requests pile up on the single in-flight render.
	deadline := time.Now().Add(5 * time.Second)
	for eng.calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(eng.gate)
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("request %d: %q, %v (first %q)", i, paths[i], errs[i], paths[0])
		}
	}
	if got := eng.calls.Load(); got != 1 {
		t.Fatalf("engine called %d times, want 1", got)
	}
	if filepath.Dir(paths[0]) != dir || !strings.HasSuffix(paths[0], c.Key(req)+".wav") {
		t.Fatalf("path %q not content-addressed under %s", paths[0], dir)
	}
	if got, err := ReadCommentFile(paths[0]); err != nil || got != req.Text {
		t.Fatalf("ICMT %q, %v", got, err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}

	// A new cache on the same directory (a restart) reuses the file.
	eng2 := &fakeEngine{kind: "fake"}
	c2, _ := NewCache(dir, eng2, CacheOptions{SwitchDir: "/mnt/switch/tts"})
	p2, err := c2.Render(context.Background(), req)
	if err != nil || eng2.calls.Load() != 0 {
		t.Fatalf("after restart: %q, %v, %d renders", p2, err, eng2.calls.Load())
	}
	if p2 != "/mnt/switch/tts/"+c.Key(req)+".wav" {
		t.Fatalf("switch path %q", p2)
	}
}

func TestCacheKeys(t *testing.T) {
	c, _ := NewCache(t.TempDir(), &fakeEngine{kind: "a"}, CacheOptions{})
	other, _ := NewCache(t.TempDir(), &fakeEngine{kind: "b"}, CacheOptions{})
	base := Request{Text: "hello", Lang: "en"}
	distinct := []struct {
		name string
		k    string
	}{
		{"base", c.Key(base)},
		{"lang", c.Key(Request{Text: "hello", Lang: "en-GB"})},
		{"voice", c.Key(Request{Text: "hello", Lang: "en", Voice: "f1"})},
		{"text", c.Key(Request{Text: "hello!", Lang: "en"})},
		{"engine", other.Key(base)},
		{"field boundary", c.Key(Request{Text: "nhello", Lang: "e"})},
	}
	seen := map[string]string{}
	for _, d := range distinct {
		if prev, ok := seen[d.k]; ok {
			t.Errorf("%s and %s share key %s", d.name, prev, d.k)
		}
		seen[d.k] = d.name
	}
	if c.Key(base) != c.Key(Request{Text: "hello", Lang: "en"}) {
		t.Error("key not stable")
	}
}

func TestCacheErrors(t *testing.T) {
	boom := errors.New("engine exploded")
	eng := &fakeEngine{kind: "fake", err: boom}
	c, _ := NewCache(t.TempDir(), eng, CacheOptions{})
	_, err := c.Render(context.Background(), Request{Text: "press one", Lang: "en"})
	var te *Error
	if !errors.As(err, &te) || !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"press one", `"en"`, "fake"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// A failed render is not cached.
	eng.err = nil
	if _, err := c.Render(context.Background(), Request{Text: "press one", Lang: "en"}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if _, err := c.Render(context.Background(), Request{Text: "  ", Lang: "en"}); !errors.Is(err, ErrEmptyText) {
		t.Fatalf("empty text: %v", err)
	}
	if _, err := NewCache("", eng, CacheOptions{}); err == nil {
		t.Fatal("NewCache without dir")
	}
}

func TestCacheWaiterCancelDoesNotSpoilRender(t *testing.T) {
	eng := &fakeEngine{kind: "fake", gate: make(chan struct{})}
	c, _ := NewCache(t.TempDir(), eng, CacheOptions{})
	req := Request{Text: "hold please", Lang: "en"}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Render(ctx, req)
		errc <- err
	}()
	for eng.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	close(eng.gate)
	if _, err := c.Render(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if eng.calls.Load() != 1 {
		t.Fatalf("renders %d, want 1", eng.calls.Load())
	}
}

func TestCacheBoundsConcurrentRenders(t *testing.T) {
	eng := &fakeEngine{kind: "fake", gate: make(chan struct{})}
	c, _ := NewCache(t.TempDir(), eng, CacheOptions{MaxConcurrent: 2})
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Render(context.Background(), Request{Text: strings.Repeat("x", i+1), Lang: "en"}); err != nil {
				t.Error(err)
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for eng.calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // give a third render the chance to (wrongly) start
	if n := eng.calls.Load(); n != 2 {
		t.Fatalf("%d renders running, want 2", n)
	}
	close(eng.gate)
	wg.Wait()
	if n := eng.calls.Load(); n != 5 {
		t.Fatalf("%d renders in total, want 5", n)
	}
}
