package reports

import "testing"

func TestSafeCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"13800138000":    "13800138000",
		"+8613800138000": "+8613800138000",
		"-1500":          "-1500",
		"0.25":           "0.25",
		"=1+1":           "'=1+1",
		"+1+cmd|' /C x'": "'+1+cmd|' /C x'",
		"-2+3":           "'-2+3",
		"@SUM(A1)":       "'@SUM(A1)",
		"\t=1":           "'\t=1",
		"\r=1":           "'\r=1",
		"lunch:3600000":  "lunch:3600000",
		"a=b":            "a=b",
	} {
		if got := SafeCSVCell(in); got != want {
			t.Errorf("SafeCSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// What SafeCSVCell escapes, UnsafeCSVCell gives back; an apostrophe a user
// typed before ordinary text stays.
func TestUnsafeCSVCellRoundTrip(t *testing.T) {
	for _, in := range []string{"=1+1", "@SUM(A1)", "+abc", "-x", "\tx", "'quoted", "'", "-1500", "+8613800138000", "plain", ""} {
		if got := UnsafeCSVCell(SafeCSVCell(in)); got != in {
			t.Errorf("round trip of %q gives %q", in, got)
		}
	}
	if got := UnsafeCSVCell("'hello"); got != "'hello" {
		t.Errorf("UnsafeCSVCell('hello) = %q", got)
	}
}
