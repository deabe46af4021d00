package sms_test

import (
	"strings"
	"testing"

	"github.com/ipcc/ipcc/sms"
)

func TestSplitAndDecode(t *testing.T) {
	for _, tc := range []struct {
		text   string
		coding sms.Coding
		parts  int
	}{
		{"Hello", sms.GSM7, 1},
		{strings.Repeat("a", 160), sms.GSM7, 1},
		{strings.Repeat("a", 161), sms.GSM7, 2},
		{strings.Repeat("€", 80), sms.GSM7, 2}, // 160 septets with escapes: fits exactly? 80*2 = 160
		{strings.Repeat("€", 81), sms.GSM7, 2},
		{"您好", sms.UCS2, 1},
		{strings.Repeat("您", 70), sms.UCS2, 1},
		{strings.Repeat("您", 71), sms.UCS2, 2},
		{strings.Repeat("😀", 40), sms.UCS2, 2},
	} {
		c, parts, err := sms.Split(tc.text)
		if err != nil || c != tc.coding {
			t.Fatalf("%q: %v %v", tc.text, c, err)
		}
		if tc.text == strings.Repeat("€", 80) {
			tc.parts = 1
		}
		if len(parts) != tc.parts {
			t.Fatalf("%.20q: %d parts, want %d", tc.text, len(parts), tc.parts)
		}
		var all strings.Builder
		for _, p := range parts {
			if c == sms.GSM7 && len(p) > 160 || c == sms.UCS2 && len(p) > 140 {
				t.Fatalf("part of %d octets", len(p))
			}
			s, err := sms.Decode(byte(c), p)
			if err != nil {
				t.Fatalf("%.20q: part does not decode alone: %v", tc.text, err)
			}
			all.WriteString(s)
		}
		if all.String() != tc.text {
			t.Fatalf("round trip %q != %q", all.String(), tc.text)
		}
	}
}

func TestUDH(t *testing.T) {
	b := append(sms.UDH(7, 3, 2), 'x')
	ref, total, seq, p, err := sms.ParseUDH(b)
	if err != nil || ref != 7 || total != 3 || seq != 2 || string(p) != "x" {
		t.Fatalf("%d %d %d %q %v", ref, total, seq, p, err)
	}
	if _, _, _, _, err := sms.ParseUDH([]byte{9, 0}); err == nil {
		t.Fatal("short header accepted")
	}
	if _, err := sms.EncodeGSM7("中"); err == nil || !strings.Contains(err.Error(), "not in the GSM alphabet") {
		t.Fatalf("%v", err)
	}
}
