package acd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipcc/ipcc/sites"
)

// Devices are what rings for an agent. They are assigned to users by admins
// and checked wherever one is given, because a device ends up in a dial
// string (PJSIP/<device>, user/<device>): a CR LF or a '/' there dials
// something else entirely. The forms:
//
//	1001, ext:1001, sip:1001   an extension (SIP user): letters, digits and
//	                           . _ - + * #, starting with a letter, digit, * or #
//	tel:+8613800138000         an external number through the default trunk
//	mobile:13800138000         (转手机): digits with an optional leading +
//	raw:<dial string>          a switch dial string, assigned by admins only
//
// CleanDevice returns the canonical form: an extension without its ext: or
// sip: prefix, mobile: as tel:, so one phone has one name.

// MaxDeviceLen bounds a device string.
const MaxDeviceLen = 200

// ErrDeviceInUse: another logged-in agent is on that device.
var ErrDeviceInUse = errors.New("device in use")

// DeviceInUseError names the device and the agent using it.
type DeviceInUseError struct {
	Device  string
	AgentID string
}

func (e *DeviceInUseError) Error() string {
	return fmt.Sprintf("device %s is in use by agent %s, who is logged in on it", e.Device, e.AgentID)
}

// Unwrap lets errors.Is find ErrDeviceInUse.
func (e *DeviceInUseError) Unwrap() error { return ErrDeviceInUse }

// CleanDevice checks a device and returns its canonical form; the error
// names what is wrong (a *FieldError on field "device").
func CleanDevice(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fieldErr("device", "is required: an extension such as 1001, tel:<number> or raw:<dial string>")
	}
	if len(s) > MaxDeviceLen {
		return "", fieldErr("device", "at most %d characters, got %d", MaxDeviceLen, len(s))
	}
	kind, rest, found := strings.Cut(s, ":")
	if !found {
		kind, rest = "", s
	}
	switch strings.ToLower(kind) {
	case "raw":
		for _, r := range rest {
			if r <= ' ' || r == 0x7f || r > 0x7e {
				return "", fieldErr("device", "raw dial string %q holds a space, control or non-ASCII character", rest)
			}
		}
		if rest == "" {
			return "", fieldErr("device", "raw: needs a dial string")
		}
		return "raw:" + rest, nil
	case "tel", "mobile":
		n := strings.TrimPrefix(rest, "+")
		if len(n) < 3 || len(n) > 32 || strings.Trim(n, "0123456789") != "" {
			return "", fieldErr("device", "%s: needs a phone number (3-32 digits, optional leading +), got %q", kind, rest)
		}
		return "tel:" + rest, nil
	case "", "ext", "sip":
		if !ValidExtension(rest) {
			return "", fieldErr("device", "%q is not an extension: 1-64 letters, digits, '.', '_', '-', '+', '*' or '#', starting with a letter, digit, * or # (no spaces, '/', '@', ',' or control characters)", rest)
		}
		return rest, nil
	}
	return "", fieldErr("device", "unknown device kind %q: use an extension such as 1001, tel:<number> or raw:<dial string>", kind)
}

// ValidExtension reports whether s is an extension (SIP user) as devices
// name them (the rule is the sites package's, which places extensions on
// switches).
func ValidExtension(s string) bool { return sites.ValidExtension(s) }

// sameDevice compares devices by their canonical forms (an agent restored
// from an older version may hold "sip:1001").
func sameDevice(a, b string) bool {
	if a == b {
		return true
	}
	if !strings.ContainsAny(a, ": \t") && !strings.ContainsAny(b, ": \t") {
		return false // both bare extensions already: equal only if identical
	}
	ca, err1 := CleanDevice(a)
	cb, err2 := CleanDevice(b)
	return err1 == nil && err2 == nil && ca == cb
}
