package tts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// defaultEspeakVoices maps language tags (lower case) to espeak-ng voices.
// Tags not listed fall back to their primary subtag ("fr-CA" → "fr"), which
// is how most espeak-ng voices are named.
var defaultEspeakVoices = map[string]string{
	"zh-cn": "cmn",
	"zh":    "cmn",
	"cmn":   "cmn",
	"en":    "en",
	"en-us": "en-us",
	"en-gb": "en-gb",
}

// Espeak synthesises with the espeak-ng command on this host. The text goes
// in on stdin, never on the command line, so a prompt starting with "-"
// cannot be taken for an option.
type Espeak struct {
	// Binary is the command to run; "" means "espeak-ng" on $PATH.
	Binary string
	// Voices overrides or extends the language → voice map.
	Voices map[string]string
	// Speed in words per minute; 0 keeps the espeak-ng default (175).
	Speed int
}

// Kind is "espeak-ng".
func (e *Espeak) Kind() string { return "espeak-ng" }

func (e *Espeak) binary() string {
	if e.Binary != "" {
		return e.Binary
	}
	return "espeak-ng"
}

// Available reports whether the espeak-ng binary can be found.
func (e *Espeak) Available() error {
	if _, err := exec.LookPath(e.binary()); err != nil {
		return fmt.Errorf("tts: espeak-ng: %w (install it with: apt-get install -y espeak-ng)", err)
	}
	return nil
}

// Voice returns the espeak-ng voice used for lang.
func (e *Espeak) Voice(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "" {
		l = "en"
	}
	for _, m := range []map[string]string{e.Voices, defaultEspeakVoices} {
		if v, ok := m[l]; ok {
			return v
		}
		if i := strings.IndexAny(l, "-_"); i > 0 {
			if v, ok := m[l[:i]]; ok {
				return v
			}
		}
	}
	if i := strings.IndexAny(l, "-_"); i > 0 {
		return l[:i]
	}
	return l
}

// Synthesize runs espeak-ng -v <voice> -w dst --stdin with the text on stdin.
func (e *Espeak) Synthesize(ctx context.Context, req Request, dst string) error {
	if strings.TrimSpace(req.Text) == "" {
		return wrapErr(e.Kind(), req, ErrEmptyText)
	}
	voice := req.Voice
	if voice == "" {
		voice = e.Voice(req.Lang)
	}
	args := []string{"-v", voice, "-b", "1", "-w", dst}
	if e.Speed > 0 {
		args = append(args, "-s", strconv.Itoa(e.Speed))
	}
	args = append(args, "--stdin")
	cmd := exec.CommandContext(ctx, e.binary(), args...)
	cmd.Stdin = strings.NewReader(req.Text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			err = fmt.Errorf("%w: %s", err, abbreviate(msg, 200))
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return wrapErr(e.Kind(), req, fmt.Errorf("voice %q: %w", voice, err))
	}
	st, err := os.Stat(dst)
	if err != nil {
		return wrapErr(e.Kind(), req, fmt.Errorf("voice %q: no output: %w", voice, err))
	}
	if st.Size() <= 44 {
		// espeak-ng exits 0 with an empty file for a voice it cannot load.
		return wrapErr(e.Kind(), req, fmt.Errorf("voice %q: produced no audio: %s", voice, abbreviate(strings.TrimSpace(stderr.String()), 200)))
	}
	return nil
}
