package api

import (
	"path/filepath"
	"testing"
)

// Audio is served and voicemail deleted only inside the media roots: a
// path stored in the database cannot make ipcc read or remove other files.
func TestInMedia(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec, vm := filepath.Join(dir, "recordings"), filepath.Join(dir, "voicemail")
	s := &Server{opt: Options{MediaRoots: []string{rec, "", vm}}}
	for _, tc := range []struct {
		path string
		want bool
	}{
		{filepath.Join(rec, "a", "2026-11-22", "c1.wav"), true},
		{filepath.Join(vm, "a", "m.wav"), true},
		{filepath.Join(rec, "..", "etc", "passwd"), false},
		{filepath.Join(rec, "a", "..", "..", "secret.wav"), false},
		{rec + "2/x.wav", false}, // a sibling that shares the prefix
		{"/etc/passwd", false},
		{filepath.Join(rec, "..rec.wav"), true}, // a name starting with two dots is inside
	} {
		if got := s.inMedia(tc.path); got != tc.want {
			t.Errorf("inMedia(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	for _, roots := range [][]string{nil, {"", ""}} {
		if !(&Server{opt: Options{MediaRoots: roots}}).inMedia("/anything") {
			t.Errorf("roots %q: without roots nothing is refused", roots)
		}
	}
}
