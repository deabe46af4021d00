package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ipcc.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsWithoutFile(t *testing.T) {
	old := SearchPaths
	SearchPaths = []string{filepath.Join(t.TempDir(), "none.yaml")}
	defer func() { SearchPaths = old }()
	c, err := Load("", []string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":8080" || c.Database.URL != "sqlite:./data/ipcc.db" || !c.Database.AutoMigrate || c.Auth.TokenTTL != time.Hour || c.Log.Format != "json" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	p := writeFile(t, "http:\n  addr: \":9000\"\ndatabase:\n  url: sqlite:/tmp/a.db\n")
	c, err := Load(p, []string{"IPCC_HTTP_ADDR=127.0.0.1:7000", "IPCC_DATABASE_URL=postgres://x@h/db", "IPCC_AUTH_TOKEN_TTL=2h", "IPCC_DATABASE_AUTO_MIGRATE=false", "OTHER=1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:7000" || c.Database.URL != "postgres://x@h/db" || c.Auth.TokenTTL != 2*time.Hour || c.Database.AutoMigrate {
		t.Fatalf("overrides not applied: %+v", c)
	}
	if c.File != p {
		t.Fatalf("file = %q", c.File)
	}
}

func TestTrunkGateways(t *testing.T) {
	c, err := Load(writeFile(t, "media:\n  trunk_gateways:\n    acme: [gw-acme, gw-backup]\n    '*': [gw-shared]\n"), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Media.TrunkGateways; len(g) != 2 || len(g["acme"]) != 2 || g["*"][0] != "gw-shared" {
		t.Fatalf("trunk_gateways: %+v", g)
	}
}

func TestSwitchesFromEnvJSON(t *testing.T) {
	c, err := Load(writeFile(t, ""), []string{`IPCC_SWITCHES=[{"name":"fs1","kind":"freeswitch","esl_addr":"127.0.0.1:8021","esl_password":"ClueCon"},{"name":"a1","kind":"asterisk","ari_url":"http://127.0.0.1:8088","ari_user":"ari","ari_password":"ari"}]`})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Switches) != 2 || c.Switches[1].ARIApp != "ipcc" {
		t.Fatalf("switches: %+v", c.Switches)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  []string
		want []string
	}{
		{"unknown top-level key", "htp:\n  addr: x\n", nil, []string{"htp"}},
		{"unknown nested key", "http:\n  adr: \":80\"\n", nil, []string{"http.adr"}},
		{"bad duration", "http:\n  read_timeout: soon\n", nil, []string{"read_timeout"}},
		{"bad addr", "http:\n  addr: nope\n", nil, []string{"http.addr"}},
		{"bad env value", "", []string{"IPCC_AUTH_TOKEN_TTL=forever"}, []string{"token_ttl"}},
		{"ttl out of range", "auth:\n  token_ttl: 48h\n", nil, []string{"auth.token_ttl"}},
		{"session shorter than a token", "auth:\n  token_ttl: 2h\n  session_max_age: 1h\n", nil, []string{"auth.session_max_age"}},
		{"short secret", "auth:\n  jwt_secret: abc\n", nil, []string{"auth.jwt_secret"}},
		{"bad log format", "log:\n  format: xml\n", nil, []string{"log.format"}},
		{"bad body limit", "http:\n  body_limit: lots\n", nil, []string{"http.body_limit"}},
		{"bad db scheme", "database:\n  url: mysql://x\n", nil, []string{"database.url"}},
		{"bad switch kind", "switches:\n  - name: x\n    kind: pbx\n", nil, []string{"switches[0].kind"}},
		{"switch missing addr", "switches:\n  - name: fs\n    kind: freeswitch\n", nil, []string{"switches[0].esl_addr", "switches[0].esl_password"}},
		{"duplicate switch", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u}\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u}\n", nil, []string{"switches[1].name"}},
		{"asterisk tts rate it cannot play", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u, tts_sample_rate: 22050}\n", nil, []string{"switches[0].tts_sample_rate", "22050"}},
		{"freeswitch music on hold with a space", "switches:\n  - {name: f, kind: freeswitch, esl_addr: 'h:8021', esl_password: p, music_on_hold: 'moh loops=1'}\n", nil, []string{"switches[0].music_on_hold", "moh loops=1"}},
		{"asterisk music on hold that is a path", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u, music_on_hold: /tmp/x.wav}\n", nil, []string{"switches[0].music_on_hold", "not a music class"}},
		{"freeswitch tts rate out of range", "switches:\n  - {name: f, kind: freeswitch, esl_addr: 'h:8021', esl_password: p, tts_sample_rate: 4000}\n", nil, []string{"switches[0].tts_sample_rate"}},
		{"relative switch recording dir", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u, recording_read_dir: mnt/pbx}\n", nil, []string{"switches[0].recording_read_dir"}},
		{"asterisk voicemail outside its spool", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u, voicemail_dir: /var/lib/vm}\n", nil, []string{"switches[0].voicemail_dir", "/var/spool/asterisk/recording"}},
		{"unknown switch key", "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u, colour: red}\n", nil, []string{"colour"}},
		{"bad switches env", "", []string{"IPCC_SWITCHES={"}, []string{"IPCC_SWITCHES"}},
		{"bad yaml", "http: [\n", nil, []string{"parse"}},
		{"bad tts engine", "tts:\n  engine: say\n", nil, []string{"tts.engine"}},
		{"http tts without url", "tts:\n  engine: http\n", nil, []string{"tts.http_url"}},
		{"retention interval too short", "retention:\n  interval: 5s\n", nil, []string{"retention.interval"}},
		{"high-water of 100%", "retention:\n  disk_high_water_percent: 100\n", nil, []string{"retention.disk_high_water_percent"}},
		{"negative high-water from env", "", []string{"IPCC_RETENTION_DISK_HIGH_WATER_PERCENT=-1"}, []string{"retention.disk_high_water_percent"}},
		{"advertise URL with a path", "cluster:\n  advertise_url: http://10.0.0.5:8080/api\n", nil, []string{"cluster.advertise_url", "no path"}},
		{"advertise URL not http", "", []string{"IPCC_CLUSTER_ADVERTISE_URL=ftp://10.0.0.5"}, []string{"cluster.advertise_url"}},
		{"webhook attempts zero", "webhooks:\n  max_attempts: 0\n", nil, []string{"webhooks.max_attempts"}},
		{"webhook timeout too long", "webhooks:\n  timeout: 1h\n", nil, []string{"webhooks.timeout"}},
		{"unknown webhooks key", "webhooks:\n  retries: 3\n", nil, []string{"webhooks.retries"}},
		{"bad trunk gateway", "media:\n  trunk_gateways:\n    acme: [gw-acme, 'bad gw']\n", nil, []string{"media.trunk_gateways.acme[1]", "bad gw"}},
		{"site trunk missing", twoSitesYAML("", "    trunks: [{to: fs1, gateway: to-fs1}]\n"), nil,
			[]string{"switches[0].trunks: no trunk to \"ast1\", whose phones (devices) callers arriving on fs1 may be offered"}},
		{"site trunk to an unknown switch", twoSitesYAML("    trunks: [{to: ast9, gateway: to-ast1}]\n", "    trunks: [{to: fs1, gateway: to-fs1}]\n"), nil,
			[]string{"switches[0].trunks[0].to: no switch is named \"ast9\""}},
		{"unknown site trunk key", twoSitesYAML("    trunks: [{to: ast1, gw: to-ast1}]\n", "    trunks: [{to: fs1, gateway: to-fs1}]\n"), nil,
			[]string{"gw"}},
		{"bad device pattern", strings.Replace(twoSitesYAML("    trunks: [{to: ast1, gateway: to-ast1}]\n", "    trunks: [{to: fs1, gateway: to-fs1}]\n"), "'1000-1999'", "'1000-199'", 1), nil,
			[]string{"switches[0].devices[0]", "same number of digits"}},
		{"bad site name", strings.Replace(twoSitesYAML("    trunks: [{to: ast1, gateway: to-ast1}]\n", "    trunks: [{to: fs1, gateway: to-fs1}]\n"), "site: beijing", "site: 'bei jing'", 1), nil,
			[]string{"switches[0].site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = []string{}
			}
			_, err := Load(writeFile(t, tt.file), env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestMissingExplicitFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), []string{}); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v", err)
	}
}

// The example file documents every key and loads cleanly.
func TestExampleDocumentsEveryKey(t *testing.T) {
	c, err := Load("ipcc.example.yaml", []string{})
	if err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	_ = c
	b, _ := os.ReadFile("ipcc.example.yaml")
	text := string(b)
	for _, k := range Keys() {
		section, leaf, _ := strings.Cut(k, ".")
		if !strings.Contains(text, section+":") || !regexp.MustCompile(`(?m)^\s+`+regexp.QuoteMeta(leaf)+`:`).MatchString(text) {
			t.Errorf("example does not document %s", k)
		}
	}
	for _, k := range []string{"name", "kind", "esl_addr", "esl_password", "ari_url", "ari_user", "ari_password", "ari_app",
		"tts_sample_rate", "recording_dir", "recording_read_dir", "voicemail_dir", "voicemail_read_dir", "music_on_hold", "amd_app", "amd_context", "trunk_gateways"} {
		if !strings.Contains(text, k+":") {
			t.Errorf("example does not document switches[].%s", k)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1MB": 1 << 20, "512KB": 512 << 10, "2M": 2 << 20, "100": 100, "1 GB": 1 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1.5MB", "abc"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestEgressAllow(t *testing.T) {
	c, err := Load("", []string{"IPCC_EGRESS_ALLOW=10.20.0.0/16, crm.internal:8443"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Egress.Allow, "|"); got != "10.20.0.0/16|crm.internal:8443" {
		t.Fatalf("allow %q", got)
	}
	if c, err := Load("", []string{}); err != nil || len(c.Egress.Allow) != 0 {
		t.Fatalf("default allow %v %v", c, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ipcc.yaml")
	if err := os.WriteFile(path, []byte("egress:\n  allow: [\"127.0.0.1:8089\", \"not an entry\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, []string{}); err == nil || !strings.Contains(err.Error(), `egress.allow: [1] "not an entry"`) {
		t.Fatalf("bad entry: %v", err)
	}
}

func TestTrustedProxiesAndLoginLimits(t *testing.T) {
	c, err := Load(writeFile(t, "http:\n  trusted_proxies: [10.0.0.0/8, 192.0.2.10]\n"), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.TrustedProxies(); len(got) != 2 || got[0] != "10.0.0.0/8" || got[1] != "192.0.2.10" {
		t.Fatalf("from the file: %q", got)
	}
	if c.Auth.LoginUserFailures != 5 || c.Auth.LoginAddressFailures != 30 || c.Auth.LoginUserTotalFailures != 50 || c.Auth.LoginLockoutMax != 15*time.Minute || c.Auth.SessionMaxAge != 12*time.Hour {
		t.Fatalf("auth defaults: %+v", c.Auth)
	}
	c, err = Load(writeFile(t, ""), []string{"IPCC_HTTP_TRUSTED_PROXIES=10.0.0.0/8, 2001:db8::/32", "IPCC_AUTH_LOGIN_USER_FAILURES=3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.TrustedProxies(); len(got) != 2 || got[1] != "2001:db8::/32" || c.Auth.LoginUserFailures != 3 {
		t.Fatalf("from the environment: %q %+v", got, c.Auth)
	}
	for env, key := range map[string]string{"IPCC_HTTP_TRUSTED_PROXIES=10.0.0.0/33": "http.trusted_proxies", "IPCC_AUTH_LOGIN_USER_FAILURES=0": "auth.login_user_failures", "IPCC_AUTH_LOGIN_LOCKOUT_MAX=0s": "auth.login_lockout_max"} {
		if _, err := Load(writeFile(t, ""), []string{env}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: %v", env, err)
		}
	}
}

// A switch's media directories: FreeSWITCH writes where ipcc reads
// (media.*), Asterisk into its spool; read directories follow unless set.
func TestSwitchDirs(t *testing.T) {
	media := Media{RecordingDir: "/var/lib/ipcc/recordings", VoicemailDir: "/var/lib/ipcc/voicemail"}
	for _, tc := range []struct {
		name string
		sw   Switch
		want SwitchDirs
	}{
		{"freeswitch defaults", Switch{Kind: "freeswitch"},
			SwitchDirs{"/var/lib/ipcc/recordings", "/var/lib/ipcc/recordings", "/var/lib/ipcc/voicemail", "/var/lib/ipcc/voicemail"}},
		{"asterisk on this host", Switch{Kind: "asterisk"},
			SwitchDirs{AsteriskSpool, AsteriskSpool, AsteriskSpool + "/voicemail", AsteriskSpool + "/voicemail"}},
		{"asterisk spool mounted here", Switch{Kind: "asterisk", RecordingReadDir: "/var/lib/ipcc/recordings/pbx1"},
			SwitchDirs{AsteriskSpool, "/var/lib/ipcc/recordings/pbx1", AsteriskSpool + "/voicemail", "/var/lib/ipcc/recordings/pbx1/voicemail"}},
		{"asterisk with its own voicemail folder", Switch{Kind: "asterisk", RecordingDir: "/srv/spool/rec", VoicemailDir: "/srv/spool/rec/vm", VoicemailReadDir: "/mnt/vm"},
			SwitchDirs{"/srv/spool/rec", "/srv/spool/rec", "/srv/spool/rec/vm", "/mnt/vm"}},
	} {
		if got := tc.sw.Dirs(media); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestSwitchTTSRateDefault(t *testing.T) {
	c, err := Load(writeFile(t, "switches:\n  - {name: a, kind: asterisk, ari_url: 'http://h:8088', ari_user: u}\n  - {name: f, kind: freeswitch, esl_addr: 'h:8021', esl_password: p, tts_sample_rate: 16000}\n"), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Switches[0].TTSSampleRate != 8000 || c.Switches[1].TTSSampleRate != 16000 {
		t.Fatalf("rates %d %d", c.Switches[0].TTSSampleRate, c.Switches[1].TTSSampleRate)
	}
}

// twoSitesYAML is a FreeSWITCH (fs1, site beijing, phones 1000-1999) and an
// Asterisk (ast1, site shanghai, phones 2000-2999) with the trunk lines given.
func twoSitesYAML(fsTrunks, astTrunks string) string {
	return "switches:\n" +
		"  - name: fs1\n    kind: freeswitch\n    esl_addr: 10.0.1.5:8021\n    esl_password: secret\n    site: beijing\n    devices: ['1000-1999']\n" + fsTrunks +
		"  - name: ast1\n    kind: asterisk\n    ari_url: http://10.0.2.6:8088\n    ari_user: ipcc\n    site: shanghai\n    devices: ['2*']\n" + astTrunks
}

func TestTwoSites(t *testing.T) {
	c, err := Load(writeFile(t, twoSitesYAML("    trunks: [{to: ast1, gateway: to-ast1, prefix: '88'}]\n", "    trunks: [{to: fs1, gateway: to-fs1}]\n")), []string{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Sites()
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Route("fs1", "2001")
	if err != nil || r.Home != "ast1" || r.Trunk.Gateway != "to-ast1" || r.Trunk.Prefix != "88" || m.Site("fs1") != "beijing" {
		t.Fatalf("%+v %v", r, err)
	}
}
