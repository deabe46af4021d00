// Package outroute owns outbound calls' way out: trunks with channel and
// call-rate limits, routes chosen by the callee's number, campaign, agent
// group and time of day, number rewriting, failover to the next trunk,
// caller-ID pools with local presence, and the toll-fraud guard
// (destinations allowed per tenant, concurrent and CPS caps). Campaigns,
// agents' click-to-dial and transfers to external numbers all leave
// through it (docs/outbound.md, "Outbound routing and caller ID").
package outroute

import (
	"strings"

	"github.com/ipcc/ipcc/dialplan"
)

// Number types a route or the toll-fraud guard tells apart.
const (
	TypeMobile        = "mobile"        // Chinese mobile (1[3-9] + 9 digits)
	TypeLandline      = "landline"      // Chinese landline with its area code, or a home number of another country
	TypeService       = "service"       // 95 and 96 five-digit numbers (95588), 400/800 numbers, 1-prefixed short codes (110, 10086, 12345)
	TypeInternational = "international" // a number of another country than the tenant's
)

// Types lists the number types in the order the docs show them.
var Types = []string{TypeMobile, TypeLandline, TypeService, TypeInternational}

// Number is a callee number as outbound routing sees it.
type Number struct {
	// Raw is the number as given.
	Raw string `json:"raw"`
	// E164 is "+8613812345678" ("+8695588" for a service number); empty
	// for a local landline written without its area code, which only the
	// trunk's own area knows.
	E164 string `json:"e164,omitempty"`
	// Country is the calling code ("86").
	Country string `json:"country"`
	// National is the number as dialled inside its country: 13812345678,
	// 075512345678, 95588; other countries' numbers are 00 + E.164 digits.
	National string `json:"national"`
	// Type is one of Types.
	Type string `json:"type"`
	// Area is a landline's area code with its 0 ("0755"), else "".
	Area string `json:"area,omitempty"`
}

// String is the number for people and logs: E.164, else national.
func (n Number) String() string {
	if n.E164 != "" {
		return n.E164
	}
	return n.National
}

// NumberError says why a string is not a number that can be dialled.
type NumberError struct{ Reason string }

func (e *NumberError) Error() string { return e.Reason }

// Classify reads a dialled number: E.164 (+86..., +1...), international
// with 00, or national for the tenant's home calling code (home, default
// 86). Formatting (spaces, '-', '.', brackets) is ignored.
func Classify(raw, home string) (Number, error) {
	if home == "" {
		home = "86"
	}
	n := Number{Raw: raw}
	s := dialplan.Clean(raw)
	intl := false
	switch {
	case strings.HasPrefix(s, "+"):
		s, intl = s[1:], true
	case strings.HasPrefix(s, "00"):
		s, intl = s[2:], true
	}
	if s == "" || !digits(s) {
		return n, &NumberError{"not a phone number: " + short(raw)}
	}
	if len(s) > 15 {
		return n, &NumberError{"too long for a phone number (at most 15 digits): " + short(raw)}
	}
	cc, rest := home, s
	if intl {
		cc = CallingCode(s)
		rest = s[len(cc):]
		if rest == "" {
			return n, &NumberError{"no number after the calling code +" + cc}
		}
	}
	n.Country = cc
	if cc != home {
		n.Type, n.E164, n.National = TypeInternational, "+"+cc+rest, "00"+cc+rest
		if len(cc)+len(rest) < 7 {
			return n, &NumberError{"too short for an international number: " + short(raw)}
		}
		return n, nil
	}
	if cc == "86" {
		return chinese(n, rest, intl)
	}
	// Another home country: a leading trunk 0 is dropped for E.164.
	nat := strings.TrimPrefix(rest, "0")
	if nat == "" {
		return n, &NumberError{"not a phone number: " + short(raw)}
	}
	n.Type, n.E164 = TypeLandline, "+"+cc+nat
	n.National = "0" + nat
	if cc == "1" {
		n.National = nat
	}
	return n, nil
}

func chinese(n Number, s string, afterCC bool) (Number, error) {
	switch {
	case len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9':
		n.Type, n.E164, n.National = TypeMobile, "+86"+s, s
		return n, nil
	case !afterCC && len(s) == 12 && strings.HasPrefix(s, "01") && s[2] >= '3' && s[2] <= '9':
		n.Type, n.E164, n.National = TypeMobile, "+86"+s[1:], s[1:]
		return n, nil
	case (len(s) == 5 || len(s) == 6) && (strings.HasPrefix(s, "95") || strings.HasPrefix(s, "96")),
		len(s) == 10 && (strings.HasPrefix(s, "400") || strings.HasPrefix(s, "800")),
		len(s) >= 3 && len(s) <= 5 && s[0] == '1':
		n.Type, n.E164, n.National = TypeService, "+86"+s, s
		return n, nil
	}
	if !afterCC {
		if !strings.HasPrefix(s, "0") {
			if len(s) == 7 || len(s) == 8 {
				// A local landline without its area code: the trunk's area.
				n.Type, n.National = TypeLandline, s
				return n, nil
			}
			return n, &NumberError{"not a Chinese mobile, landline or service number: " + s}
		}
		s = s[1:]
	}
	area := 3
	switch {
	case s == "" || s[0] == '0' || s[0] == '1' && !strings.HasPrefix(s, "10"):
		return n, &NumberError{"not a Chinese mobile, landline or service number: " + s}
	case strings.HasPrefix(s, "10") || s[0] == '2':
		area = 2
		if len(s) != 10 {
			return n, &NumberError{"a landline of area 0" + s[:min(2, len(s))] + " has 8 digits after the area code"}
		}
	default:
		if len(s) != 10 && len(s) != 11 {
			return n, &NumberError{"a landline of area 0" + s[:min(3, len(s))] + " has 7 or 8 digits after the area code"}
		}
	}
	n.Type, n.E164, n.National, n.Area = TypeLandline, "+86"+s, "0"+s, "0"+s[:area]
	return n, nil
}

// twoDigitCodes are the ITU-T E.164 calling codes of two digits; 1 and 7
// are the one-digit zones; every other code has three digits.
var twoDigitCodes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58
		60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98`) {
		twoDigitCodes[c] = true
	}
}

// CallingCode is the country calling code at the start of international
// digits (without + or 00): "1", "7", a two-digit code of the ITU list,
// else the first three digits.
func CallingCode(d string) string {
	switch {
	case d == "":
		return ""
	case d[0] == '1' || d[0] == '7':
		return d[:1]
	case len(d) >= 2 && twoDigitCodes[d[:2]]:
		return d[:2]
	case len(d) >= 3:
		return d[:3]
	}
	return d
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func short(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
