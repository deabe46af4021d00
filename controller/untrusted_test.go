package controller

import (
	"strings"
	"testing"
	"time"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"a plain number is kept", "13800138000", 128, "13800138000"},
		{"a SIP caller with a domain is kept", "+8613800138000@carrier.example", 128, "+8613800138000@carrier.example"},
		{"Chinese names are kept", "张三", 128, "张三"},
		{"NUL is dropped", "1380013\x008000", 128, "13800138000"},
		{"CR LF and tab are dropped", "Bob\r\nX-Evil: 1\t", 128, "BobX-Evil: 1"},
		{"escape sequences lose their ESC", "\x1b[2Jname", 128, "[2Jname"},
		{"DEL and C1 controls are dropped", "a\x7fb\u0085c", 128, "abc"},
		{"invalid UTF-8 becomes U+FFFD", "Zh\xe5ng", 128, "Zh\uFFFDng"},
		{"long text is cut in runes", strings.Repeat("号", 10), 4, "号号号号"},
		{"long ASCII is cut", "123456", 4, "1234"},
		{"empty stays empty", "", 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in, tt.max); got != tt.want {
				t.Errorf("CleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

// The call the handler sees carries clean caller data, whatever the driver
// reported; the driver's own map is left alone.
func TestArrivedCallerDataIsCleaned(t *testing.T) {
	h := newHarness(t, nil)
	vars := map[string]string{"ipcc_trunk": "e1\x00", "bad\nname": "v", "\x00": "dropped", "ok": "fine"}
	h.sw.emit(Event{Type: EventCallArrived, Leg: "in-1", ANI: "139\x00" + strings.Repeat("9", 200), ANIName: "A\xffB\r\n", DNIS: "40\r\n01", Vars: vars})
	var c *Call
	select {
	case c = <-h.calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no call")
	}
	if c.ANI() != "139"+strings.Repeat("9", MaxNumberLen-3) || c.ANIName() != "A\uFFFDB" || c.DNIS() != "4001" {
		t.Errorf("ani %q name %q dnis %q", c.ANI(), c.ANIName(), c.DNIS())
	}
	got := c.Vars()
	if len(got) != 3 || got["ipcc_trunk"] != "e1" || got["badname"] != "v" || got["ok"] != "fine" {
		t.Errorf("vars %q", got)
	}
	if vars["ipcc_trunk"] != "e1\x00" {
		t.Errorf("the driver's map was changed: %q", vars)
	}
}
