// Package sites knows where agents' phones live when ipcc drives several
// switches (branches, or a FreeSWITCH and an Asterisk side by side): which
// switch each extension is registered on, and which inter-switch trunk a
// switch dials to reach another switch's phones. The controller asks it
// before every originate to an extension (docs/sites.md).
//
// A device pattern is one of
//
//	2001        that extension exactly
//	2000-2999   a numeric range: digit strings of the same length, inclusive
//	20*         every extension beginning with 20 (a lone * is every
//	            extension not claimed otherwise: the switch's default)
//
// An exact device beats a range, a range beats a prefix, a longer prefix
// beats a shorter one. Two switches may not claim the same device at the
// same precedence (the same exact device, overlapping ranges, the same
// prefix).
package sites

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Trunk is an inter-switch trunk: on its switch, Gateway (a FreeSWITCH
// sofia gateway, an Asterisk PJSIP endpoint) reaches switch To; Prefix is
// put before the extension dialled through it, so that To's dialplan can
// tell calls for its phones from calls for ipcc.
type Trunk struct {
	To      string
	Gateway string
	Prefix  string
}

// Switch is what one configured switch says about its site.
type Switch struct {
	Name string
	// Site labels the branch the switch serves (logs and traces).
	Site    string
	Devices []string
	Trunks  []Trunk
}

// Map answers where a device lives and how to reach it.
type Map struct {
	exact    map[string]string // extension → switch
	ranges   []span            // sorted by lo
	prefixes []prefix          // longest first
	trunks   map[[2]string]Trunk
	site     map[string]string
	homed    map[string]bool // switches that have devices
}

type span struct {
	lo, hi string // same length, digits
	sw     string
	key    string
}

type prefix struct {
	p   string
	sw  string
	key string
}

// New checks the switches' devices and trunks and builds the map. Every
// problem names its key as configured: switches[i].devices[j],
// switches[i].trunks[j].to, ... . Switches without devices and trunks
// leave the map empty: every extension then rings on the caller's switch,
// as with one switch.
func New(switches []Switch) (*Map, error) {
	m := &Map{exact: map[string]string{}, trunks: map[[2]string]Trunk{}, site: map[string]string{}, homed: map[string]bool{}}
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	index := map[string]int{}
	for i, s := range switches {
		index[s.Name] = i
	}
	exactKey := map[string]string{}
	prefixKey := map[string]string{}
	for i, s := range switches {
		m.site[s.Name] = s.Site
		for j, d := range s.Devices {
			key := fmt.Sprintf("switches[%d].devices[%d]", i, j)
			d = strings.TrimSpace(d)
			switch {
			case d == "":
				bad(key, "empty device pattern: use an extension (2001), a range (2000-2999) or a prefix (20*)")
			case strings.HasSuffix(d, "*") && !strings.ContainsAny(d[:len(d)-1], "*-"):
				p := d[:len(d)-1]
				if p != "" && !ValidExtension(p) {
					bad(key, "prefix %q: only letters, digits and . _ - + # before the *", p)
					continue
				}
				if other, dup := prefixKey[p]; dup {
					bad(key, "prefix %q is already claimed by %s", d, other)
					continue
				}
				prefixKey[p] = key + " (" + s.Name + ")"
				m.prefixes = append(m.prefixes, prefix{p: p, sw: s.Name, key: key})
				m.homed[s.Name] = true
			case strings.Count(d, "-") == 1 && digits(strings.Split(d, "-")[0]) && digits(strings.Split(d, "-")[1]):
				lo, hi, _ := strings.Cut(d, "-")
				if len(lo) != len(hi) {
					bad(key, "range %q: both ends need the same number of digits (2000-2999)", d)
					continue
				}
				if lo > hi {
					bad(key, "range %q: the first end is above the second", d)
					continue
				}
				m.ranges = append(m.ranges, span{lo: lo, hi: hi, sw: s.Name, key: key})
				m.homed[s.Name] = true
			case ValidExtension(d):
				if other, dup := exactKey[d]; dup {
					bad(key, "device %q is already placed by %s", d, other)
					continue
				}
				exactKey[d] = key + " (" + s.Name + ")"
				m.exact[d] = s.Name
				m.homed[s.Name] = true
			default:
				bad(key, "%q is not an extension (2001), a range (2000-2999) or a prefix (20*)", d)
			}
		}
		seen := map[string]bool{}
		for j, t := range s.Trunks {
			key := fmt.Sprintf("switches[%d].trunks[%d]", i, j)
			switch _, known := index[t.To]; {
			case t.To == "":
				bad(key+".to", "must name the switch the trunk reaches")
				continue
			case t.To == s.Name:
				bad(key+".to", "a trunk from %s to itself is never used: phones on the caller's switch are rung directly", s.Name)
				continue
			case !known:
				bad(key+".to", "no switch is named %q", t.To)
				continue
			case seen[t.To]:
				bad(key+".to", "a second trunk to %q (one trunk per pair of switches)", t.To)
				continue
			}
			seen[t.To] = true
			if !token(t.Gateway) {
				bad(key+".gateway", "%q is not a gateway or trunk name (1-64 letters, digits, '.', '_', '-')", t.Gateway)
				continue
			}
			if t.Prefix != "" && !digits(t.Prefix) || len(t.Prefix) > 16 {
				bad(key+".prefix", "%q: up to 16 digits (a dial string's number takes no * or #)", t.Prefix)
				continue
			}
			m.trunks[[2]string{s.Name, t.To}] = t
		}
	}
	// Overlapping ranges on two switches.
	sort.Slice(m.ranges, func(a, b int) bool {
		if len(m.ranges[a].lo) != len(m.ranges[b].lo) {
			return len(m.ranges[a].lo) < len(m.ranges[b].lo)
		}
		return m.ranges[a].lo < m.ranges[b].lo
	})
	for a := range m.ranges {
		for b := 0; b < a; b++ {
			p, r := m.ranges[b], m.ranges[a]
			if len(p.lo) == len(r.lo) && r.lo <= p.hi && p.lo <= r.hi && p.sw != r.sw {
				bad(r.key, "range %s-%s overlaps %s-%s of %s (%s)", r.lo, r.hi, p.lo, p.hi, p.key, p.sw)
			}
		}
	}
	sort.SliceStable(m.prefixes, func(a, b int) bool { return len(m.prefixes[a].p) > len(m.prefixes[b].p) })
	// A caller may arrive on any switch: each must reach every other
	// switch that has phones.
	for i, s := range switches {
		for _, o := range switches {
			if o.Name == s.Name || !m.homed[o.Name] {
				continue
			}
			if _, ok := m.trunks[[2]string{s.Name, o.Name}]; !ok {
				bad(fmt.Sprintf("switches[%d].trunks", i), "no trunk to %q, whose phones (devices) callers arriving on %s may be offered: add {to: %s, gateway: <the gateway on %s that reaches %s>}",
					o.Name, s.Name, o.Name, s.Name, o.Name)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return m, nil
}

// Empty reports whether no switch places any device (one switch, or
// several that all ring agents on the caller's switch).
func (m *Map) Empty() bool { return m == nil || len(m.homed) == 0 }

// Home is the switch extension ext is registered on; ok is false when no
// pattern claims it.
func (m *Map) Home(ext string) (sw string, ok bool) {
	if m == nil {
		return "", false
	}
	if sw, ok := m.exact[ext]; ok {
		return sw, true
	}
	if digits(ext) {
		for _, r := range m.ranges { // a handful: a scan is enough
			if len(r.lo) == len(ext) && r.lo <= ext && ext <= r.hi {
				return r.sw, true
			}
		}
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(ext, p.p) {
			return p.sw, true
		}
	}
	return "", false
}

// Site is the site label of a switch ("" when none).
func (m *Map) Site(sw string) string {
	if m == nil {
		return ""
	}
	return m.site[sw]
}

// Route says how a call on switch from reaches extension ext.
type Route struct {
	// Home is the switch the phone is on; "" when no pattern claims it
	// (it is rung on the caller's switch).
	Home string
	// Local: the phone is rung on the caller's switch itself, so media
	// stays there.
	Local bool
	// Trunk is the inter-switch trunk to dial through when not Local.
	Trunk Trunk
}

// ErrNoTrunk: the phone is on another switch and no trunk reaches it.
var ErrNoTrunk = errors.New("no inter-switch trunk")

// Route finds how a call on switch from reaches extension ext.
func (m *Map) Route(from, ext string) (Route, error) {
	home, ok := m.Home(ext)
	if !ok || home == from {
		return Route{Home: home, Local: true}, nil
	}
	t, ok := m.trunks[[2]string{from, home}]
	if !ok {
		return Route{Home: home}, fmt.Errorf("%w: phone %s is on switch %s and no trunk from %s to %s is configured (switches[].trunks)", ErrNoTrunk, ext, home, from, home)
	}
	return Route{Home: home, Trunk: t}, nil
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// ValidExtension reports whether s is an extension (SIP user) as devices
// name them: 1-64 letters, digits, * and #, and . _ - + after the first.
// (acd checks agents' devices with it too.)
func ValidExtension(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '*', c == '#':
		case i > 0 && (c == '.' || c == '_' || c == '-' || c == '+'):
		default:
			return false
		}
	}
	return true
}

func token(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
