package recording_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/recording"
)

func TestSettledFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.wav")
	// The switch writes the file a little after the stop.
	go func() {
		time.Sleep(150 * time.Millisecond)
		_ = os.WriteFile(path, []byte("abc"), 0o644)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, sum, err := recording.SettledFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || sum != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("size %d sum %s", n, sum)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, _, err := recording.SettledFile(short, filepath.Join(dir, "never.wav")); !os.IsNotExist(err) {
		t.Fatalf("a file that never appears: %v", err)
	}
}
