package campaign

import (
	"strings"
	"time"
)

// Number kinds Normalize tells apart.
const (
	KindMobile        = "mobile"
	KindLandline      = "landline"
	KindService       = "service"
	KindInternational = "international"
)

// PhoneError says why a number was refused.
type PhoneError struct{ Reason string }

func (e *PhoneError) Error() string { return e.Reason }

// Normalize turns a number as people write it into E.164 ("+8613812345678")
// and tells its kind. country is the calling code assumed for numbers
// written without one ("86"). Chinese numbers: mobiles 1[3-9] followed by 9 digits
// (with or without +86 / 0086 / a leading 0), landlines with their area
// code (010-12345678, 0755 1234 5678, +86 755 12345678). Service numbers
// (95588, 400/800 numbers, five-digit short codes starting with 1) are refused: campaigns do
// not call them.
func Normalize(raw, country string) (string, string, error) {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r == '+':
			return r
		case r == ' ', r == '-', r == '(', r == ')', r == '.', r == '\u00a0', r == '\t', r == '－', r == '　':
			return -1
		case r >= '０' && r <= '９': // full-width digits
			return '0' + (r - '０')
		}
		return 'x'
	}, strings.TrimSpace(raw))
	switch {
	case s == "":
		return "", "", &PhoneError{"empty number"}
	case strings.ContainsRune(s, 'x'):
		return "", "", &PhoneError{"not a phone number: " + trimForReason(raw)}
	case strings.LastIndexByte(s, '+') > 0:
		return "", "", &PhoneError{"'+' only at the start: " + trimForReason(raw)}
	}
	intl := false
	switch {
	case strings.HasPrefix(s, "+"):
		s, intl = s[1:], true
	case strings.HasPrefix(s, "00"):
		s, intl = s[2:], true
	}
	if intl {
		if strings.HasPrefix(s, "86") {
			return chinese(s[2:], true)
		}
		if len(s) < 8 || len(s) > 15 || s[0] == '0' {
			return "", "", &PhoneError{"not a valid international number: " + trimForReason(raw)}
		}
		return "+" + s, KindInternational, nil
	}
	if country == "86" || country == "" {
		return chinese(s, false)
	}
	if country[0] == '0' || len(country) > 3 || strings.Trim(country, "0123456789") != "" {
		return "", "", &PhoneError{"the default calling code " + trimForReason(country) + " is not one"}
	}
	s = strings.TrimPrefix(s, "0")
	if len(country)+len(s) < 8 || len(country)+len(s) > 15 {
		return "", "", &PhoneError{"wrong length for a +" + country + " number: " + trimForReason(raw)}
	}
	return "+" + country + s, KindLandline, nil
}

// chinese normalises a number of China (+86) without its country code;
// afterCC says it came after +86, where no trunk prefix 0 is written.
func chinese(s string, afterCC bool) (string, string, error) {
	switch {
	case len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9':
		return "+86" + s, KindMobile, nil
	case !afterCC && len(s) == 12 && strings.HasPrefix(s, "01") && s[2] >= '3' && s[2] <= '9':
		return "+86" + s[1:], KindMobile, nil // a mobile dialled with a leading 0
	case len(s) == 5 && (strings.HasPrefix(s, "95") || strings.HasPrefix(s, "1")),
		len(s) == 10 && (strings.HasPrefix(s, "400") || strings.HasPrefix(s, "800")),
		len(s) == 3 && s[0] == '1':
		return "", "", &PhoneError{"service number " + s + " is not called by campaigns"}
	}
	if !afterCC {
		if !strings.HasPrefix(s, "0") {
			if len(s) == 7 || len(s) == 8 {
				return "", "", &PhoneError{"landline " + s + " has no area code"}
			}
			return "", "", &PhoneError{"not a Chinese mobile or landline: " + s}
		}
		s = s[1:]
	}
	// Area codes: 10 and 2x (two digits, 8-digit local numbers), else
	// three digits (7 or 8-digit local numbers).
	switch {
	case s == "" || s[0] == '0' || s[0] == '1' && !strings.HasPrefix(s, "10"):
		return "", "", &PhoneError{"not a Chinese mobile or landline: " + s}
	case strings.HasPrefix(s, "10") || s[0] == '2':
		if len(s) != 10 {
			return "", "", &PhoneError{"a landline of area 0" + s[:min(2, len(s))] + " has 8 digits after the area code"}
		}
	default:
		if len(s) != 10 && len(s) != 11 {
			return "", "", &PhoneError{"a landline of area 0" + s[:min(3, len(s))] + " has 7 or 8 digits after the area code"}
		}
	}
	return "+86" + s, KindLandline, nil
}

func trimForReason(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// National is the number as dialled inside its country: a Chinese mobile
// as 13812345678, a landline with its trunk prefix (01012345678); numbers
// of other countries than home (calling code) are dialled 00 + E.164.
func National(e164, home string) string {
	d := strings.TrimPrefix(e164, "+")
	if home == "" {
		home = "86"
	}
	if !strings.HasPrefix(d, home) {
		return "00" + d
	}
	n := d[len(home):]
	if home == "86" && len(n) == 11 && n[0] == '1' {
		return n
	}
	return "0" + n
}

// Mask hides the middle of a number for agents of a masking campaign:
// +8613812345678 → 138****5678, a landline +861012345678 → 010****5678.
func Mask(e164 string) string {
	n := National(e164, "86")
	if len(n) < 8 {
		if len(n) <= 4 {
			return strings.Repeat("*", len(n))
		}
		return n[:2] + strings.Repeat("*", len(n)-4) + n[len(n)-2:]
	}
	return n[:3] + "****" + n[len(n)-4:]
}

// singleZone maps calling codes of countries with one time zone to it.
// Countries spanning several zones (+1, +7, +55, +61, ...) are left out:
// their callees take the campaign's zone.
var singleZone = map[string]string{
	"86": "Asia/Shanghai", "852": "Asia/Hong_Kong", "853": "Asia/Macau", "886": "Asia/Taipei",
	"81": "Asia/Tokyo", "82": "Asia/Seoul", "65": "Asia/Singapore", "60": "Asia/Kuala_Lumpur",
	"66": "Asia/Bangkok", "84": "Asia/Ho_Chi_Minh", "63": "Asia/Manila", "91": "Asia/Kolkata",
	"44": "Europe/London", "49": "Europe/Berlin", "33": "Europe/Paris", "39": "Europe/Rome",
	"34": "Europe/Madrid", "31": "Europe/Amsterdam", "41": "Europe/Zurich", "971": "Asia/Dubai",
}

// CalleeZone is the time zone a number's owner lives in, when the number
// tells it (nil otherwise). All of China (+86, every area code) keeps
// Beijing time, Asia/Shanghai.
func CalleeZone(e164 string) *time.Location {
	d := strings.TrimPrefix(e164, "+")
	for l := 3; l >= 1; l-- {
		if len(d) <= l {
			continue
		}
		if name, ok := singleZone[d[:l]]; ok {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return nil
}
