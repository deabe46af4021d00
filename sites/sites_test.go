package sites

import (
	"errors"
	"strings"
	"testing"
)

func twoSites() []Switch {
	return []Switch{
		{Name: "fs1", Site: "beijing", Devices: []string{"1000-1999", "8001", "9*"}, Trunks: []Trunk{{To: "ast1", Gateway: "to-ast1", Prefix: "88"}}},
		{Name: "ast1", Site: "shanghai", Devices: []string{"2000-2999", "1500", "95*"}, Trunks: []Trunk{{To: "fs1", Gateway: "to-fs1"}}},
	}
}

func TestHomeAndRoute(t *testing.T) {
	m, err := New(twoSites())
	if err != nil {
		t.Fatal(err)
	}
	for ext, want := range map[string]string{
		"1001": "fs1", "1999": "fs1", "2000": "ast1", "2999": "ast1",
		"1500": "ast1", // exact beats the range
		"8001": "fs1", "9001": "fs1",
		"9501": "ast1", // the longer prefix wins
		"3001": "", "10000": "", "ann": "",
	} {
		got, ok := m.Home(ext)
		if got != want || ok != (want != "") {
			t.Errorf("Home(%s) = %q, %v; want %q", ext, got, ok, want)
		}
	}
	r, err := m.Route("fs1", "2001")
	if err != nil || r.Local || r.Home != "ast1" || r.Trunk.Gateway != "to-ast1" || r.Trunk.Prefix != "88" {
		t.Fatalf("fs1 → 2001: %+v, %v", r, err)
	}
	r, err = m.Route("ast1", "1001")
	if err != nil || r.Local || r.Trunk.Gateway != "to-fs1" {
		t.Fatalf("ast1 → 1001: %+v, %v", r, err)
	}
	for _, c := range [][2]string{{"fs1", "1001"}, {"ast1", "2001"}, {"fs1", "3001"}} {
		if r, err := m.Route(c[0], c[1]); err != nil || !r.Local {
			t.Errorf("%s → %s should stay local: %+v, %v", c[0], c[1], r, err)
		}
	}
	if m.Site("ast1") != "shanghai" || m.Empty() {
		t.Fatal("site labels")
	}
}

func TestNoDevicesIsEmpty(t *testing.T) {
	m, err := New([]Switch{{Name: "fs1"}, {Name: "ast1"}})
	if err != nil || !m.Empty() {
		t.Fatalf("%v %v", m, err)
	}
	if r, err := m.Route("fs1", "2001"); err != nil || !r.Local {
		t.Fatal(r, err)
	}
}

// A map built without the check (a test's) still refuses a missing trunk
// with an error naming both switches.
func TestRouteWithoutTrunk(t *testing.T) {
	m := &Map{exact: map[string]string{"2001": "ast1"}, trunks: map[[2]string]Trunk{}, homed: map[string]bool{"ast1": true}}
	_, err := m.Route("fs1", "2001")
	if !errors.Is(err, ErrNoTrunk) || !strings.Contains(err.Error(), "switch ast1") || !strings.Contains(err.Error(), "from fs1 to ast1") {
		t.Fatal(err)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	cases := []struct {
		mod  func(s []Switch)
		want string
	}{
		{func(s []Switch) { s[0].Devices = append(s[0].Devices, "") }, "switches[0].devices[3]: empty device pattern"},
		{func(s []Switch) { s[0].Devices = append(s[0].Devices, "10-200") }, "switches[0].devices[3]: range \"10-200\": both ends need the same number of digits"},
		{func(s []Switch) { s[0].Devices = append(s[0].Devices, "300-200") }, "switches[0].devices[3]: range \"300-200\": the first end is above the second"},
		{func(s []Switch) { s[1].Devices = append(s[1].Devices, "1900-2100") }, "switches[1].devices[3]: range 1900-2100 overlaps 1000-1999 of switches[0].devices[0] (fs1)"},
		{func(s []Switch) { s[1].Devices = append(s[1].Devices, "8001") }, "switches[1].devices[3]: device \"8001\" is already placed by switches[0].devices[1] (fs1)"},
		{func(s []Switch) { s[1].Devices = append(s[1].Devices, "9*") }, "switches[1].devices[3]: prefix \"9*\" is already claimed by switches[0].devices[2] (fs1)"},
		{func(s []Switch) { s[0].Devices = append(s[0].Devices, "a/b") }, "switches[0].devices[3]: \"a/b\" is not an extension"},
		{func(s []Switch) { s[0].Trunks = nil }, "switches[0].trunks: no trunk to \"ast1\", whose phones (devices) callers arriving on fs1 may be offered"},
		{func(s []Switch) { s[0].Trunks[0].To = "ast9" }, "switches[0].trunks[0].to: no switch is named \"ast9\""},
		{func(s []Switch) { s[0].Trunks[0].To = "fs1" }, "switches[0].trunks[0].to: a trunk from fs1 to itself"},
		{func(s []Switch) { s[0].Trunks = append(s[0].Trunks, s[0].Trunks[0]) }, "switches[0].trunks[1].to: a second trunk to \"ast1\""},
		{func(s []Switch) { s[1].Trunks[0].Gateway = "to fs1" }, "switches[1].trunks[0].gateway: \"to fs1\" is not a gateway"},
		{func(s []Switch) { s[0].Trunks[0].Prefix = "88x" }, "switches[0].trunks[0].prefix: \"88x\""},
	}
	for _, c := range cases {
		s := twoSites()
		c.mod(s)
		_, err := New(s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

// A switch without phones (a PSTN gateway switch) still needs trunks to
// the switches with phones, but nobody needs a trunk to it.
func TestSwitchWithoutPhones(t *testing.T) {
	s := []Switch{
		{Name: "edge", Trunks: []Trunk{{To: "ast1", Gateway: "to-ast1"}}},
		{Name: "ast1", Devices: []string{"*"}},
	}
	m, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := m.Home("anything"); h != "ast1" {
		t.Fatal(h)
	}
}
