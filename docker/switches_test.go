package docker

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/config"
)

// composeIPCC loads conf/ipcc-compose.yaml as the compose file's ipcc service runs it:
// with that service's environment (compose variables at their defaults).
func composeIPCC(t *testing.T, service string) *config.Config {
	t.Helper()
	c := loadCompose(t)
	env := c.env(t, service)
	return loadIPCC(t, "conf/ipcc-compose.yaml", env)
}

func fsFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir("conf/freeswitch", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("conf/freeswitch", p)
		files[filepath.ToSlash(rel)] = readFile(t, filepath.ToSlash(p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkFreeSWITCH returns what the FreeSWITCH files (path under the configuration
// directory → content) lack for ipcc's switch sw, docs/switches.md's list: the event
// socket with ipcc's password behind an ACL that lets in the controllers' addresses
// (allow), the public context parking every DID for ipcc, WSS on the phones' profile, and
// the contract suite's test contexts.
func checkFreeSWITCH(files map[string][]byte, sw config.Switch, allow []string) []string {
	var bad []string
	roots := map[string]xmlNode{}
	for name, b := range files {
		if !strings.HasSuffix(name, ".xml") {
			continue
		}
		root, err := parseXML(name, b)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		roots[name] = root
	}
	need := func(name string) (xmlNode, bool) {
		r, ok := roots[name]
		if !ok {
			bad = append(bad, name+": missing or not XML")
		}
		return r, ok
	}
	if r, ok := need("autoload_configs/event_socket.conf.xml"); ok {
		p := r.params()
		_, port, _ := strings.Cut(sw.ESLAddr, ":")
		if p["listen-port"] != port {
			bad = append(bad, "event_socket.conf.xml: listen-port "+p["listen-port"]+", ipcc dials port "+port)
		}
		if p["listen-ip"] == "127.0.0.1" || p["listen-ip"] == "::1" || p["listen-ip"] == "" {
			bad = append(bad, "event_socket.conf.xml: listen-ip "+p["listen-ip"]+" is not reachable from the ipcc container")
		}
		if p["password"] != sw.ESLPassword {
			bad = append(bad, "event_socket.conf.xml: password differs from esl_password of switch "+sw.Name)
		}
		if p["apply-inbound-acl"] == "" {
			bad = append(bad, "event_socket.conf.xml: no apply-inbound-acl (docs/switches.md: only the controller may connect)")
		} else if r, ok := need("autoload_configs/acl.conf.xml"); ok {
			var list *xmlNode
			for _, l := range r.find("list") {
				if l.attr("name") == p["apply-inbound-acl"] {
					list = &l
				}
			}
			if list == nil {
				bad = append(bad, "acl.conf.xml: no list "+p["apply-inbound-acl"]+" (event_socket.conf.xml's apply-inbound-acl)")
			} else {
				if list.attr("default") != "deny" {
					bad = append(bad, "acl.conf.xml: list "+list.attr("name")+" must default to deny")
				}
				allowed := map[string]bool{}
				for _, n := range list.find("node") {
					if n.attr("type") == "allow" {
						allowed[n.attr("cidr")] = true
					}
				}
				for _, a := range allow {
					if !allowed[a+"/32"] {
						bad = append(bad, "acl.conf.xml: list "+list.attr("name")+" does not allow the controller at "+a)
					}
				}
			}
		}
	}
	if r, ok := need("dialplan/public.xml"); ok {
		ctx := r.find("context")
		if len(ctx) == 0 || ctx[0].attr("name") != "public" {
			bad = append(bad, "dialplan/public.xml: no context public")
		} else if ext := ctx[0].find("extension"); len(ext) == 0 {
			bad = append(bad, "dialplan/public.xml: context public has no extension")
		} else if !parksForIPCC(ext[0], true) {
			bad = append(bad, "dialplan/public.xml: the first extension of public ("+ext[0].attr("name")+") does not set ipcc_did, hangup_after_bridge=true, loopback_bowout=false and park")
		}
	}
	if r, ok := need("dialplan/ipcc-test.xml"); ok {
		ctxs := map[string]xmlNode{}
		for _, c := range r.find("context") {
			ctxs[c.attr("name")] = c
		}
		if c, ok := ctxs["ipcc-test"]; !ok || len(c.find("extension")) == 0 || !parksForIPCC(c.find("extension")[0], false) {
			bad = append(bad, "dialplan/ipcc-test.xml: context ipcc-test does not park its calls for ipcc")
		}
		phones := map[string]string{}
		for _, e := range ctxs["ipcc-test-phones"].find("extension") {
			for _, c := range e.find("condition") {
				phones[c.attr("expression")] = actions(e)
			}
		}
		for expr, want := range map[string]string{`^answer-(\d+)$`: "answer;park", `^busy-(\d+)$`: "hangup USER_BUSY", `^ring-(\d+)$`: "ring_ready;sleep 120000"} {
			if phones[expr] != want {
				bad = append(bad, "dialplan/ipcc-test.xml: ipcc-test-phones "+expr+" runs "+phones[expr]+", want "+want)
			}
		}
	}
	if r, ok := need("dialplan/default/00_ipcc_9999.xml"); ok {
		if e := r.find("extension"); len(e) == 0 || actions(e[0]) != "answer;sleep 5000;hangup" || e[0].find("condition")[0].attr("expression") != "^9999$" {
			bad = append(bad, "dialplan/default/00_ipcc_9999.xml: 9999 must answer, wait 5 s and hang up")
		}
	}
	if r, ok := need("sip_profiles/internal.xml"); ok {
		p := r.params()
		if p["wss-binding"] == "" || p["tls-cert-dir"] == "" {
			bad = append(bad, "sip_profiles/internal.xml: no wss-binding / tls-cert-dir (browser softphones)")
		}
		for _, k := range []string{"apply-candidate-acl", "rtp-ip", "ext-rtp-ip"} {
			if p[k] == "" {
				bad = append(bad, "sip_profiles/internal.xml: no "+k+" (docs/switches.md, Browser softphone)")
			}
		}
	}
	return bad
}

// actions lists an extension's actions as "app data;app data".
func actions(ext xmlNode) string {
	var out []string
	for _, a := range ext.find("action") {
		out = append(out, strings.TrimSpace(a.attr("application")+" "+a.attr("data")))
	}
	return strings.Join(out, ";")
}

// parksForIPCC: the extension matches digits, names the DID in ipcc_did and parks
// (public also hangs up after bridge); loopback legs stay (loopback_bowout=false).
func parksForIPCC(ext xmlNode, public bool) bool {
	conds := ext.find("condition")
	if len(conds) != 1 || conds[0].attr("field") != "destination_number" || conds[0].attr("expression") != `^(\d+)$` {
		return false
	}
	a := ";" + actions(ext) + ";"
	ok := strings.Contains(a, ";set ipcc_did=$1;") && strings.Contains(a, ";set loopback_bowout=false;") && strings.HasSuffix(a, ";park;")
	if public {
		ok = ok && strings.Contains(a, ";set hangup_after_bridge=true;")
	}
	return ok
}

func switchNamed(t *testing.T, cfg *config.Config, kind string) config.Switch {
	t.Helper()
	for _, s := range cfg.Switches {
		if s.Kind == kind {
			return s
		}
	}
	t.Fatalf("%s has no %s switch", cfg.File, kind)
	return config.Switch{}
}

func TestFreeSWITCHConfigsHandCallsToIPCC(t *testing.T) {
	cfg := composeIPCC(t, "ipcc")
	sw := switchNamed(t, cfg, "freeswitch")
	c := loadCompose(t)
	allow := []string{c.ipv4(t, "ipcc"), c.ipv4(t, "ipcc-standby")}
	files := fsFiles(t)
	if bad := checkFreeSWITCH(files, sw, allow); len(bad) > 0 {
		t.Fatalf("FreeSWITCH configuration:\n%s", strings.Join(bad, "\n"))
	}

	// The check finds what it is for: each broken copy is reported.
	broken := func(name, old, repl string) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range files {
			m[k] = v
		}
		if !strings.Contains(string(m[name]), old) {
			t.Fatalf("%s has no %q to break", name, old)
		}
		m[name] = []byte(strings.Replace(string(m[name]), old, repl, 1))
		return m
	}
	for _, tc := range []struct {
		file, old, repl, want string
	}{
		{"autoload_configs/event_socket.conf.xml", `value="` + sw.ESLPassword + `"`, `value="ClueCon"`, "password differs"},
		{"autoload_configs/event_socket.conf.xml", `<param name="apply-inbound-acl" value="ipcc"/>`, "", "no apply-inbound-acl"},
		{"autoload_configs/acl.conf.xml", `cidr="` + allow[0] + `/32"`, `cidr="10.9.9.9/32"`, "does not allow the controller at " + allow[0]},
		{"autoload_configs/acl.conf.xml", `</list>`, `</lst>`, "acl.conf.xml: XML syntax error"},
		{"dialplan/public.xml", `<action application="park"/>`, "", "does not set ipcc_did"},
		{"dialplan/ipcc-test.xml", `data="USER_BUSY"`, `data="NORMAL_CLEARING"`, "busy"},
		{"sip_profiles/internal.xml", `name="wss-binding"`, `name="wss-bound"`, "no wss-binding"},
	} {
		bad := checkFreeSWITCH(broken(tc.file, tc.old, tc.repl), sw, allow)
		if !strings.Contains(strings.Join(bad, "\n"), tc.want) {
			t.Errorf("%s with %q → %q: want a problem %q, got %q", tc.file, tc.old, tc.repl, tc.want, bad)
		}
	}
}

// checkAsterisk returns what the Asterisk files lack for ipcc's switch sw: ARI enabled
// on the HTTP port ipcc dials, ipcc's read-write user, the Stasis application in the
// contexts of docs/switches.md and docs/testing-real-switches.md, PJSIP agents and WSS.
func checkAsterisk(files map[string][]byte, sw config.Switch) []string {
	var bad []string
	conf := map[string][]iniSection{}
	for name, b := range files {
		s, err := parseINI(name, b, ";")
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		conf[name] = s
	}
	one := func(file, section string) (iniSection, bool) {
		s := sections(conf[file], section)
		if len(s) != 1 {
			bad = append(bad, file+": want one ["+section+"], found "+itoa(len(s)))
			return iniSection{}, false
		}
		return s[0], true
	}
	port := ariPort(sw.ARIURL)
	if g, ok := one("http.conf", "general"); ok {
		if v, _ := g.get("enabled"); v != "yes" {
			bad = append(bad, "http.conf: enabled must be yes")
		}
		if v, _ := g.get("bindport"); v != port {
			bad = append(bad, "http.conf: bindport "+v+", ipcc dials "+port)
		}
		if v, _ := g.get("bindaddr"); v == "127.0.0.1" || v == "" {
			bad = append(bad, "http.conf: bindaddr "+v+" is not reachable from the ipcc container")
		}
		if v, _ := g.get("tlsenable"); v != "yes" {
			bad = append(bad, "http.conf: tlsenable must be yes (WSS for browser softphones)")
		}
	}
	if g, ok := one("ari.conf", "general"); ok {
		if v, _ := g.get("enabled"); v != "yes" {
			bad = append(bad, "ari.conf: enabled must be yes")
		}
	}
	if usr, ok := one("ari.conf", sw.ARIUser); ok {
		if v, _ := usr.get("type"); v != "user" {
			bad = append(bad, "ari.conf: ["+sw.ARIUser+"] type must be user")
		}
		if v, _ := usr.get("read_only"); v != "no" {
			bad = append(bad, "ari.conf: ["+sw.ARIUser+"] read_only must be no")
		}
		if v, _ := usr.get("password"); v != sw.ARIPassword {
			bad = append(bad, "ari.conf: ["+sw.ARIUser+"] password differs from ari_password of switch "+sw.Name)
		}
	}
	dial := func(ctx string) string {
		s, ok := one("extensions.conf", ctx)
		if !ok {
			return ""
		}
		return strings.Join(append(s.all("exten"), s.all("same")...), "\n")
	}
	stasis := "Stasis(" + sw.ARIApp + ",${EXTEN})"
	for ctx, want := range map[string][]string{
		"from-trunk":       {"_X.,1,", stasis},
		"ipcc-test":        {"_X.,1," + stasis},
		"agents":           {"_1XXX,1,Dial(PJSIP/${EXTEN},30)"},
		"ipcc-amd":         {"s,1,AMD()", "Stasis(" + sw.ARIApp + ",ipcc-amd,${AMDSTATUS},${AMDCAUSE})"},
		"ipcc-test-phones": {"_a[n]swer-X.,1,Answer()", "_busy-X.,1,Hangup(17)", "_ri[n]g-X.,1,Ringing()"},
		"default":          {"9999,1,Answer()", "Wait(5)"},
	} {
		got := dial(ctx)
		for _, w := range want {
			if !strings.Contains(got, w) {
				bad = append(bad, "extensions.conf: ["+ctx+"] lacks "+w)
			}
		}
	}
	// PJSIP: a WSS transport, and every endpoint's auth and aor exist.
	pj := conf["pjsip.conf"]
	types := map[string]map[string]bool{} // name → types
	tmpl := map[string]iniSection{}
	for _, s := range pj {
		if isTemplate(s) {
			tmpl[s.Name] = s
			continue
		}
		typ := pjsipType(s, tmpl)
		if typ == "" {
			bad = append(bad, "pjsip.conf: ["+s.Name+"] (line "+itoa(s.Line)+") has no type")
		}
		if types[s.Name] == nil {
			types[s.Name] = map[string]bool{}
		}
		types[s.Name][typ] = true
	}
	wss := false
	for _, s := range pj {
		if p, _ := s.get("protocol"); p == "wss" {
			wss = true
		}
		if isTemplate(s) || pjsipType(s, tmpl) != "endpoint" {
			continue
		}
		for _, ref := range []string{"auth", "aors"} {
			v, _ := s.get(ref)
			want := map[string]string{"auth": "auth", "aors": "aor"}[ref]
			if v == "" || !types[v][want] {
				bad = append(bad, "pjsip.conf: endpoint ["+s.Name+"] "+ref+" = "+v+" names no "+want+" section")
			}
		}
	}
	if !wss {
		bad = append(bad, "pjsip.conf: no transport with protocol wss (browser softphones)")
	}
	if e := sections(pj, "1005"); len(e) == 0 || func() bool { v, _ := e[0].get("webrtc"); return v != "yes" }() {
		bad = append(bad, "pjsip.conf: endpoint [1005] (the browser softphone) must have webrtc = yes")
	}
	return bad
}

func isTemplate(s iniSection) bool { return len(s.Templates) > 0 && s.Templates[0] == "!" }

// pjsipType is a section's type, its own or its templates'.
func pjsipType(s iniSection, tmpl map[string]iniSection) string {
	if v, ok := s.get("type"); ok {
		return v
	}
	for _, tn := range s.Templates {
		if v, ok := tmpl[tn].get("type"); ok {
			return v
		}
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

var ariPortRe = regexp.MustCompile(`^https?://[^/]+:(\d+)`)

// ariPort is the port of an ARI URL ("" without one).
func ariPort(raw string) string {
	if m := ariPortRe.FindStringSubmatch(raw); m != nil {
		return m[1]
	}
	return ""
}

func astFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, n := range []string{"http.conf", "ari.conf", "extensions.conf", "pjsip.conf", "rtp.conf"} {
		files[n] = readFile(t, "conf/asterisk/"+n)
	}
	return files
}

func TestAsteriskConfigsHandCallsToIPCC(t *testing.T) {
	cfg := composeIPCC(t, "ipcc")
	sw := switchNamed(t, cfg, "asterisk")
	files := astFiles(t)
	if bad := checkAsterisk(files, sw); len(bad) > 0 {
		t.Fatalf("Asterisk configuration:\n%s", strings.Join(bad, "\n"))
	}
	for _, tc := range []struct {
		file, old, repl, want string
	}{
		{"ari.conf", "read_only = no", "read_only = yes", "read_only must be no"},
		{"ari.conf", "password = " + sw.ARIPassword, "password = ari", "password differs"},
		{"ari.conf", "[" + sw.ARIUser + "]", "[asterisk]", "want one [" + sw.ARIUser + "]"},
		{"http.conf", "bindport = 8088", "bindport = 8090", "bindport 8090"},
		{"extensions.conf", "_a[n]swer-X.", "_answer-X.", "lacks _a[n]swer-X."},
		{"extensions.conf", " same => n,Stasis(ipcc,${EXTEN})", " same => n,Stasis(other,${EXTEN})", "[from-trunk] lacks Stasis(ipcc"},
		{"pjsip.conf", "aors = 1003", "aors = 1033", "endpoint [1003] aors = 1033 names no aor"},
		{"pjsip.conf", "protocol = wss", "protocol = ws", "no transport with protocol wss"},
		{"extensions.conf", "[agents]", "agents]", "neither [section] nor key = value"},
	} {
		m := map[string][]byte{}
		for k, v := range files {
			m[k] = v
		}
		if !strings.Contains(string(m[tc.file]), tc.old) {
			t.Fatalf("%s has no %q to break", tc.file, tc.old)
		}
		m[tc.file] = []byte(strings.Replace(string(m[tc.file]), tc.old, tc.repl, 1))
		bad := checkAsterisk(m, sw)
		if !strings.Contains(strings.Join(bad, "\n"), tc.want) {
			t.Errorf("%s with %q → %q: want a problem %q, got %q", tc.file, tc.old, tc.repl, tc.want, bad)
		}
	}
	// rtp.conf's range is the one compose publishes.
	rtp, err := parseINI("rtp.conf", files["rtp.conf"], ";")
	if err != nil {
		t.Fatal(err)
	}
	start, _ := sections(rtp, "general")[0].get("rtpstart")
	end, _ := sections(rtp, "general")[0].get("rtpend")
	c := loadCompose(t)
	want := start + "-" + end + ":" + start + "-" + end + "/udp"
	if !c.publishes(t, "asterisk", want) {
		t.Errorf("compose.yaml: asterisk does not publish the RTP range of rtp.conf (%s)", want)
	}
}

func TestParsersRefuseBrokenFiles(t *testing.T) {
	if _, err := parseXML("x.xml", []byte(`<a><b></a>`)); err == nil {
		t.Error("parseXML took mismatched tags")
	}
	if _, err := parseXML("x.xml", []byte(`<a/><b/>`)); err == nil || !strings.Contains(err.Error(), "second root") {
		t.Errorf("parseXML took two roots: %v", err)
	}
	if _, err := parseINI("x.conf", []byte("key = v\n"), ";"); err == nil || !strings.Contains(err.Error(), "x.conf:1") {
		t.Errorf("parseINI took a key before any section: %v", err)
	}
	s, err := parseINI("x.conf", []byte("[a](!,b)\nexten => _X.,1,NoOp() ; note\n same => n,Hangup()\n"), ";")
	if err != nil || len(s) != 1 || s[0].Templates[0] != "!" || s[0].Templates[1] != "b" || s[0].all("exten")[0] != "_X.,1,NoOp()" || s[0].all("same")[0] != "n,Hangup()" {
		t.Errorf("parseINI: %+v, %v", s, err)
	}
	if v, err := expandCompose("a${X:-d}b${Y}c", map[string]string{"Y": "y"}); err != nil || v != "adbyc" {
		t.Errorf("expandCompose: %q, %v", v, err)
	}
	if _, err := expandCompose("${Z:?set Z}", nil); err == nil {
		t.Error("expandCompose took a missing required variable")
	}
}
