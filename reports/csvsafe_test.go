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
