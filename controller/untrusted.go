package controller

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Caller data reaches ipcc from outside: a SIP peer or an E1 span sets the
// caller number and name, a dialplan copies headers into channel
// variables. None of it is trusted. It is cleaned once, where events enter
// the controller, so every consumer (routing, flows, records, webhooks,
// logs) sees text a database and a screen accept: valid UTF-8, no control
// characters, bounded length. PostgreSQL refuses NUL and invalid UTF-8 in
// text, so without this a call whose caller number held a NUL got no
// record at all.
const (
	// MaxNumberLen bounds a caller or dialled number (runes). A SIP user
	// part with a domain fits; a longer one is cut.
	MaxNumberLen = 128
	// MaxNameLen bounds a caller name (runes).
	MaxNameLen = 128
	// MaxVarNameLen and MaxVarValueLen bound a channel variable.
	MaxVarNameLen  = 128
	MaxVarValueLen = 4096
	// maxErrLen bounds a switch's failure text.
	maxErrLen = 1024
)

// CleanText makes untrusted text safe to store and show: invalid UTF-8
// becomes U+FFFD, control characters (C0, DEL, C1; tabs and line breaks
// included) are dropped, and the result is cut to max runes. Text that is
// already clean is returned as is without allocating.
func CleanText(s string, max int) string {
	if clean(s, max) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), max*utf8.UTFMax))
	n := 0
	for _, r := range s { // ranging yields U+FFFD for each invalid byte
		if n >= max {
			break
		}
		if isControl(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// clean reports whether s needs no change: the common case of a printable
// ASCII number is checked byte by byte.
func clean(s string, max int) bool {
	if len(s) > max*utf8.UTFMax {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return len(s) <= max
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if isControl(r) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// sanitizeEvent cleans the caller data of a switch event (see CleanText).
// The driver's Vars map is not modified: a cleaned copy replaces it when
// anything changed.
func sanitizeEvent(ev *Event) {
	ev.ANI = CleanText(ev.ANI, MaxNumberLen)
	ev.DNIS = CleanText(ev.DNIS, MaxNumberLen)
	ev.ANIName = CleanText(ev.ANIName, MaxNameLen)
	ev.Digit = CleanText(ev.Digit, 8)
	ev.Err = CleanText(ev.Err, maxErrLen)
	ev.Vars = cleanVars(ev.Vars)
}

// cleanVars returns vars with names and values cleaned; a name that is
// empty once cleaned is dropped. vars itself is returned when it is clean.
func cleanVars(vars map[string]string) map[string]string {
	dirty := false
	for k, v := range vars {
		if !clean(k, MaxVarNameLen) || !clean(v, MaxVarValueLen) {
			dirty = true
			break
		}
	}
	if !dirty {
		return vars
	}
	out := make(map[string]string, len(vars))
	for k, v := range vars {
		k = CleanText(k, MaxVarNameLen)
		if k == "" {
			continue
		}
		out[k] = CleanText(v, MaxVarValueLen)
	}
	return out
}

// CheckEndpoint refuses an originate target whose parts could change what a
// driver's dial string reaches (PJSIP/<number>, user/<number>,
// sofia/gateway/<trunk>/<number>): control characters, spaces, '/', '@',
// '&', ',' and the like in an extension, number or trunk; control
// characters and spaces in a raw dial string. The API checks devices
// against a stricter grammar first; this is the last line before any
// driver, whatever code built the endpoint.
func CheckEndpoint(ep Endpoint) error {
	switch ep.Kind {
	case EndpointExtension, EndpointExternal:
		if !dialToken(ep.Number, 64) {
			return fmt.Errorf("%w: number %q: only letters, digits and . _ - + * # (no spaces, '/', '@', '&', ',' or control characters)", ErrInvalidArgument, ep.Number)
		}
		if ep.Kind == EndpointExternal && ep.Trunk != "" && !dialToken(ep.Trunk, 64) {
			return fmt.Errorf("%w: trunk %q: only letters, digits and . _ - + * #", ErrInvalidArgument, ep.Trunk)
		}
		return nil
	case EndpointRaw:
		if ep.Number == "" || len(ep.Number) > 512 {
			return fmt.Errorf("%w: raw dial string of %d bytes", ErrInvalidArgument, len(ep.Number))
		}
		for i := 0; i < len(ep.Number); i++ {
			if c := ep.Number[i]; c <= ' ' || c == 0x7f {
				return fmt.Errorf("%w: raw dial string %q holds a space or control character", ErrInvalidArgument, ep.Number)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: endpoint kind %d", ErrInvalidArgument, ep.Kind)
}

// dialToken: 1-max of letters, digits and . _ - + * #.
func dialToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c == '.' || c == '_' || c == '-' || c == '+' || c == '*' || c == '#'
		if !ok {
			return false
		}
	}
	return true
}
