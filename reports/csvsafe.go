package reports

import (
	"regexp"
	"strings"
)

// plainNumber is a cell a spreadsheet reads as a number, not a formula:
// "+8613800138000", "-1500", "0.25".
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// SafeCSVCell neutralises a cell a spreadsheet program would run as a
// formula (CSV injection): a value starting with = + - @, a tab or a
// carriage return gets a leading apostrophe, unless it is a plain number.
// Caller numbers, notes and names come from outside (a SIP peer chooses
// its caller id), so every CSV cell goes through this; JSON is unchanged.
func SafeCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if !plainNumber.MatchString(s) {
			return "'" + s
		}
	}
	return s
}

// SafeCSVRecord applies SafeCSVCell to every cell of rec, in place.
func SafeCSVRecord(rec []string) []string {
	for i, c := range rec {
		rec[i] = SafeCSVCell(c)
	}
	return rec
}

// UnsafeCSVCell undoes SafeCSVCell for a cell read back from a CSV file
// (an export imported again): the apostrophe SafeCSVCell would have added
// is taken off, anything else is left alone.
func UnsafeCSVCell(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && rest != "" && SafeCSVCell(rest) == s {
		return rest
	}
	return s
}
