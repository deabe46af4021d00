package ivrflows

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ipcc/ipcc/controller"
)

// What a flow may hand a switch to play. Flow documents are written by
// tenant admins and ${var} values come from callers and CRMs, so every
// media value is checked by the validator (the text as written) and again
// when it is rendered, before it reaches a driver.
//
// A prompt file is a sound name relative to the switch's sound directory
// (FreeSWITCH's sound_prefix, Asterisk's sounds directory), such as
// ivr/zh-CN/welcome.wav: parts of letters, digits, '_', '-', '+' and '.',
// separated by '/'. Not allowed: absolute paths, '..' and '.' parts, empty
// parts, '\', ':' (so no URL and no switch scheme such as sound: or
// http://: a switch would fetch a URL from its own network, outside ipcc's
// egress policy), control characters, and more than 255 bytes. Put custom
// prompts under the switch's sound directory.

const maxPromptFile = 255

var (
	promptPartRe = regexp.MustCompile(`^[\p{L}\p{N}_+.-]+$`)
	// numberRe and digitsRe are what every driver says (FreeSWITCH's say
	// module reads numbers with up to 6 decimals and digits 0-9 only).
	numberRe = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)
	digitsRe = regexp.MustCompile(`^[0-9]{1,64}$`)
	toneRe   = regexp.MustCompile(`^[A-Za-z0-9_+/,.%()=-]{1,128}$`)
)

// The check functions say why a value may not be played, as a phrase that
// follows the value: mediaError(kind, value, err) reads
// `prompt file "/etc/shadow" is an absolute path: ...`.

// checkPromptFile says why name may not be played as a prompt file.
func checkPromptFile(name string) error {
	switch {
	case name == "":
		return errors.New("is empty")
	case len(name) > maxPromptFile:
		return fmt.Errorf("is longer than %d bytes", maxPromptFile)
	case !utf8.ValidString(name):
		return errors.New("is not valid UTF-8")
	case hasControl(name):
		return errors.New("has a control character")
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		return errors.New("is an absolute path: use a sound name relative to the switch's sound directory, such as ivr/welcome.wav")
	case strings.Contains(name, ":"):
		return errors.New("is a URL or has a scheme: use a sound name relative to the switch's sound directory (a switch would fetch a URL from its own network)")
	case strings.Contains(name, `\`):
		return errors.New("has '\\': parts of a sound name are separated by '/'")
	}
	for _, part := range strings.Split(name, "/") {
		switch {
		case part == "..":
			return errors.New("has a '..' part: prompt files stay inside the switch's sound directory")
		case part == "" || part == ".":
			return errors.New("has an empty or '.' part")
		case !promptPartRe.MatchString(part):
			return errors.New("has a character other than letters, digits, '_', '-', '+' and '.' in a part of the path")
		}
	}
	return nil
}

// hasControl tells whether s has a control character (CR, LF, NUL, ...).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// speakable is text to speak with line breaks and other control
// characters as spaces and invalid UTF-8 dropped.
func speakable(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// checkTTS says why text written in a flow may not be spoken: line breaks
// and tabs are fine (they are spoken as pauses), other control characters
// are not.
func checkTTS(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return errors.New("has a control character")
	}
	return nil
}

func checkNumber(s string) error {
	if !numberRe.MatchString(s) {
		return errors.New("is not a number such as 1250 or -3.5")
	}
	return nil
}

func checkDigits(s string) error {
	if !digitsRe.MatchString(s) {
		return errors.New("is not 1-64 digits 0-9")
	}
	return nil
}

func checkTone(s string) error {
	if !toneRe.MatchString(s) {
		return errors.New("is not a tone name such as beep or a tone list such as 440+480/2000,0/4000")
	}
	return nil
}

// mediaError puts a check's reason after the value it is about.
func mediaError(kind, value string, err error) error {
	if kind != "" {
		kind += " "
	}
	return fmt.Errorf("%s%s %w", kind, strconv.Quote(value), err)
}

// mediaItem renders one prompt item for the call's language; an item whose
// rendered value may not reach a switch is an error.
func (r *run) mediaItem(it PromptItem) (controller.Media, error) {
	def := r.flow.startLanguage()
	m := controller.Media{Lang: r.lang}
	var err error
	kind := ""
	switch {
	case it.File != nil:
		m.Kind, kind = controller.MediaFile, "prompt file"
		if m.Value, err = render(it.File.Pick(r.lang, def), r.vars, nil); err == nil {
			err = checkPromptFile(m.Value)
		}
	case it.TTS != nil:
		m.Kind, kind = controller.MediaTTS, "text"
		if m.Value, err = render(it.TTS.Pick(r.lang, def), r.vars, nil); err == nil {
			if m.Value = strings.TrimSpace(speakable(m.Value)); m.Value == "" {
				err = errors.New("is empty")
			}
		}
	case it.Number != "":
		m.Kind, kind = controller.MediaNumber, "number"
		if m.Value, err = render(it.Number, r.vars, nil); err == nil {
			err = checkNumber(m.Value)
		}
	case it.Digits != "":
		m.Kind, kind = controller.MediaDigits, "digits"
		if m.Value, err = render(it.Digits, r.vars, nil); err == nil {
			err = checkDigits(m.Value)
		}
	case it.Tone != "":
		m.Kind, m.Value, kind = controller.MediaTone, it.Tone, "tone"
		err = checkTone(m.Value)
	case it.Silence > 0:
		m.Kind, m.Value = controller.MediaSilence, strconv.Itoa(it.Silence)
	case it.Library != "":
		kind, m.Value = "library prompt", it.Library
		if r.in.opt.Library == nil {
			err = errors.New("cannot be played: no prompts library is wired")
			break
		}
		var lm controller.Media
		if lm, err = r.in.opt.Library.LibraryMedia(r.ctx, r.in.opt.Tenant, it.Library, r.lang); err == nil {
			return lm, nil
		}
	default:
		return m, errors.New("empty prompt item")
	}
	if err != nil {
		return m, mediaError(kind, m.Value, err)
	}
	return m, nil
}

// media turns a prompt into controller media in the call's language. An
// item that cannot be played safely (an empty ${var}, a file name from a
// variable that leaves the sound directory, a control character) is left
// out and the trace says why: the rest of the prompt still plays.
func (r *run) media(p Prompt) []controller.Media {
	out := make([]controller.Media, 0, len(p))
	for i, it := range p {
		m, err := r.mediaItem(it)
		if err != nil {
			r.call.Note("flow", fmt.Sprintf("node %q prompt item %d not played: %s", r.node, i, truncate(err.Error(), 200)))
			continue
		}
		out = append(out, m)
	}
	return out
}
