package dialplan

import (
	"fmt"
	"sort"
	"strings"
)

// AreaMobile is the area AreaCode gives a Chinese mobile number that no
// AreaCodes entry places.
const AreaMobile = "mobile"

// ValidNumber tells whether s is 1-32 digits with an optional leading '+'.
func ValidNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	return s != "" && len(s) <= 32 && allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Clean removes the formatting people and switches put in numbers: spaces,
// '-', '.', '(' and ')'. A leading '+' is kept.
func Clean(number string) string {
	var b strings.Builder
	for i, c := range strings.TrimSpace(number) {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0:
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Normalize turns a caller number into its national form for matching.
// With country code cc (e.g. "86"), "+86...", "0086..." and, for cc 86, a
// 13-digit "861..." mobile lose the country code; the rest gets the trunk
// prefix '0' unless it is a Chinese mobile number (11 digits starting with
// 1) or cc is "1" (NANP has no trunk 0). So with cc 86:
//
//	+86 138 0000 0000 -> 13800000000
//	+86 10 8888 6666  -> 01088886666
//	0086755 1234 5678 -> 075512345678
//
// Without cc only Clean is applied.
func Normalize(number, cc string) string {
	n := Clean(number)
	if cc == "" {
		return n
	}
	rest, ok := strings.CutPrefix(n, "+"+cc)
	if !ok {
		rest, ok = strings.CutPrefix(n, "00"+cc)
	}
	if !ok && cc == "86" && len(n) == 13 && strings.HasPrefix(n, "861") {
		rest, ok = n[2:], true
	}
	if !ok || rest == "" {
		return n
	}
	if cc == "1" || strings.HasPrefix(rest, "0") || (cc == "86" && isCNMobile(rest)) {
		return rest
	}
	return "0" + rest
}

func isCNMobile(n string) bool {
	return len(n) == 11 && n[0] == '1' && n[1] >= '3' && n[1] <= '9' && allDigits(n)
}

// AreaCode tells the area of a national number (see Normalize) and how it
// was found:
//
//  1. the longest prefix of the number in table (e.g. a mobile segment
//     "1380013" -> "010", or any override);
//  2. China's landline plan: after the trunk 0, Beijing (10) and the 2x
//     cities (020 Guangzhou ... 029 Xi'an) have two-digit codes, every
//     other area three digits, so 01088886666 -> "010",
//     02012345678 -> "020", 075512345678 -> "0755", 057187654321 -> "0571";
//  3. an 11-digit number starting 13-19 is AreaMobile.
//
// Anything else has no area ("").
func AreaCode(national string, table map[string]string) (area, how string) {
	best := ""
	for p := range table {
		if len(p) > len(best) && strings.HasPrefix(national, p) {
			best = p
		}
	}
	if best != "" {
		return table[best], "area table prefix " + best
	}
	if len(national) >= 9 && national[0] == '0' && allDigits(national) {
		if national[1] == '1' || national[1] == '2' {
			return national[:3], "landline, 3-digit area code"
		}
		return national[:4], "landline, 4-digit area code"
	}
	if isCNMobile(national) {
		return AreaMobile, "mobile number"
	}
	return "", ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MaxMailboxLen is the longest voicemail mailbox name.
const MaxMailboxLen = 64

// ValidMailbox checks a voicemail mailbox name wherever one is given (a
// mailbox definition, a voicemail target of a route or queue, a flow's
// voicemail node, a listing filter): 1-64 ASCII letters, digits, '-', '_'
// and '.', starting with a letter or digit, never "..". Names end up in
// file paths and in what supervisors read, so nothing else is accepted.
func ValidMailbox(s string) error {
	if s == "" || len(s) > MaxMailboxLen {
		return fmt.Errorf("mailbox name must be 1-%d characters, got %d", MaxMailboxLen, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_' || c == '.'))
		if !ok {
			return fmt.Errorf("mailbox name %q may only hold letters, digits, '-', '_' and '.', starting with a letter or digit", s)
		}
	}
	if strings.Contains(s, "..") {
		return fmt.Errorf("mailbox name %q must not contain \"..\"", s)
	}
	return nil
}
