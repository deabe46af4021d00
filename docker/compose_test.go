package docker

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// compose is compose.yaml decoded, with YAML anchors and merge keys (<<: *ipcc) resolved
// by the YAML decoder as compose resolves them.
type compose struct {
	Services map[string]composeService `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
	Volumes map[string]any `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Profiles    []string          `yaml:"profiles"`
	ReadOnly    bool              `yaml:"read_only"`
	User        string            `yaml:"user"`
	StopGrace   string            `yaml:"stop_grace_period"`
	Build       *struct {
		Context    string            `yaml:"context"`
		Dockerfile string            `yaml:"dockerfile"`
		Args       map[string]string `yaml:"args"`
	} `yaml:"build"`
	Networks map[string]struct {
		IPv4 string `yaml:"ipv4_address"`
	} `yaml:"networks"`
}

func loadCompose(t *testing.T) *compose {
	t.Helper()
	var c compose
	if err := yaml.Unmarshal(readFile(t, "compose.yaml"), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return &c
}

func (c *compose) service(t *testing.T, name string) composeService {
	t.Helper()
	s, ok := c.Services[name]
	if !ok {
		t.Fatalf("compose.yaml: no service %s", name)
	}
	return s
}

// env is the service's environment with compose's variables at their defaults.
func (c *compose) env(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range c.service(t, name).Environment {
		x, err := expandCompose(v, nil)
		if err != nil {
			t.Fatalf("compose.yaml: %s: %s: %v", name, k, err)
		}
		out[k] = x
	}
	return out
}

func (c *compose) ipv4(t *testing.T, name string) string {
	t.Helper()
	for _, n := range c.service(t, name).Networks {
		if n.IPv4 != "" {
			return n.IPv4
		}
	}
	t.Fatalf("compose.yaml: service %s has no fixed ipv4_address (the switches' ACL names it)", name)
	return ""
}

func (c *compose) publishes(t *testing.T, name, spec string) bool {
	t.Helper()
	for _, p := range c.service(t, name).Ports {
		if p == spec {
			return true
		}
	}
	return false
}

// mounts maps a service's mount targets to their sources (a named volume or a path
// relative to docker/), the ":ro" suffix dropped.
func (c *compose) mounts(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range c.service(t, name).Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || len(parts) > 3 {
			t.Fatalf("compose.yaml: %s: volume %q is not source:target[:mode]", name, v)
		}
		if _, dup := out[parts[1]]; dup {
			t.Fatalf("compose.yaml: %s: %s mounted twice", name, parts[1])
		}
		out[parts[1]] = parts[0]
	}
	return out
}

// volumeAt returns the named volume mounted at dir in the service, or at the nearest
// folder above it, and dir's path inside that volume.
func (c *compose) volumeAt(t *testing.T, service, dir string) (string, string) {
	t.Helper()
	m := c.mounts(t, service)
	for d := path.Clean(dir); ; d = path.Dir(d) {
		if src, ok := m[d]; ok && !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
			rel, _ := filepath.Rel(d, dir)
			return src, filepath.ToSlash(rel)
		}
		if d == "/" {
			return "", ""
		}
	}
}

func TestComposeFile(t *testing.T) {
	c := loadCompose(t)
	for _, s := range []string{"ipcc", "ipcc-standby", "postgres", "freeswitch", "asterisk"} {
		c.service(t, s)
	}
	// Every bind-mounted file or folder is here, every named volume is declared.
	for name := range c.Services {
		for target, src := range c.mounts(t, name) {
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.FromSlash(src)); err != nil {
					t.Errorf("compose.yaml: %s mounts %s at %s: %v", name, src, target, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("compose.yaml: %s mounts volume %s, not declared under volumes:", name, src)
			}
		}
	}
	// Each FreeSWITCH / Asterisk file of conf/ is mounted at its own path in the
	// switch's configuration folder, and nothing is mounted from conf/ that is not there.
	for svc, pair := range map[string][2]string{"freeswitch": {"conf/freeswitch", "/etc/freeswitch"}, "asterisk": {"conf/asterisk", "/etc/asterisk"}} {
		m := c.mounts(t, svc)
		err := filepath.WalkDir(pair[0], func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(pair[0], p)
			want := path.Join(pair[1], filepath.ToSlash(rel))
			if m[want] != "./"+filepath.ToSlash(p) {
				t.Errorf("compose.yaml: %s does not mount ./%s at %s (got %q)", svc, filepath.ToSlash(p), want, m[want])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The controllers' addresses lie in the network's subnet.
	subnet := c.Networks["voice"].IPAM.Config
	if len(subnet) != 1 {
		t.Fatalf("compose.yaml: network voice needs one subnet (the ACL names fixed addresses)")
	}
	_, ipnet, err := net.ParseCIDR(subnet[0].Subnet)
	if err != nil {
		t.Fatalf("compose.yaml: subnet: %v", err)
	}
	seen := map[string]string{}
	for name := range c.Services {
		ip := c.ipv4(t, name)
		if !ipnet.Contains(net.ParseIP(ip)) {
			t.Errorf("compose.yaml: %s's address %s is outside %s", name, ip, ipnet)
		}
		if other, dup := seen[ip]; dup {
			t.Errorf("compose.yaml: %s and %s share %s", name, other, ip)
		}
		seen[ip] = name
	}

	for _, svc := range []string{"ipcc", "ipcc-standby"} {
		cfg := composeIPCC(t, svc)
		s := c.service(t, svc)
		// The configuration is mounted where the command reads it.
		if cmd := strings.Join(s.Command, " "); cmd != "serve --config /etc/ipcc/ipcc.yaml" {
			t.Errorf("compose.yaml: %s command %q", svc, cmd)
		}
		if c.mounts(t, svc)["/etc/ipcc/ipcc.yaml"] != "./conf/ipcc-compose.yaml" {
			t.Errorf("compose.yaml: %s does not mount conf/ipcc-compose.yaml at /etc/ipcc/ipcc.yaml", svc)
		}
		// The API is published on http.addr's port.
		_, port := hostPort(t, "http.addr", cfg.HTTP.Addr)
		published := false
		for _, p := range s.Ports {
			if strings.HasSuffix(p, ":"+port) {
				published = true
			}
		}
		if !published {
			t.Errorf("compose.yaml: %s does not publish http.addr's port %s", svc, port)
		}
		if !s.ReadOnly {
			t.Errorf("compose.yaml: %s should run with a read-only root file system", svc)
		}
		// The database is the postgres service with its user, password and database.
		u, host, dbPort := urlHostPort(t, "database.url", cfg.Database.URL)
		pg := c.env(t, "postgres")
		pw, _ := u.User.Password()
		if host != "postgres" || dbPort != "5432" || u.User.Username() != pg["POSTGRES_USER"] || pw != pg["POSTGRES_PASSWORD"] || strings.TrimPrefix(u.Path, "/") != pg["POSTGRES_DB"] {
			t.Errorf("compose.yaml: %s's database.url %s does not match the postgres service (%v)", svc, cfg.Database.URL, pg)
		}
		// Each controller has its own name.
		if cfg.Cluster.ControllerID == "" {
			t.Errorf("%s: no cluster.controller_id", svc)
		}
		// The switches are the compose services, on the ports their files open.
		fs := switchNamed(t, cfg, "freeswitch")
		if h, p := hostPort(t, "esl_addr", fs.ESLAddr); h != "freeswitch" || p != "8021" {
			t.Errorf("%s: esl_addr %s is not the freeswitch service's event socket", svc, fs.ESLAddr)
		}
		ast := switchNamed(t, cfg, "asterisk")
		if _, h, p := urlHostPort(t, "ari_url", ast.ARIURL); h != "asterisk" || p != "8088" {
			t.Errorf("%s: ari_url %s is not the asterisk service's ARI", svc, ast.ARIURL)
		}

		// Media: FreeSWITCH writes at ipcc's own paths, on the same volume.
		for _, dir := range []string{cfg.Media.RecordingDir, cfg.Media.VoicemailDir, cfg.Media.PromptDir, cfg.TTS.CacheDir} {
			vi, ri := c.volumeAt(t, svc, dir)
			vf, rf := c.volumeAt(t, "freeswitch", dir)
			if vi == "" || vi != vf || ri != rf {
				t.Errorf("compose.yaml: %s is not the same volume folder in %s (%s/%s) and freeswitch (%s/%s)", dir, svc, vi, ri, vf, rf)
			}
		}
		// Asterisk's prompts: the same volume at tts.switch_dir.
		if va, _ := c.volumeAt(t, "asterisk", cfg.TTS.SwitchDir); va == "" {
			t.Errorf("compose.yaml: asterisk does not see tts.switch_dir %s", cfg.TTS.SwitchDir)
		}
		// Asterisk's recording spool is ipcc's recording_read_dir of ast1.
		d := ast.Dirs(cfg.Media)
		va, ra := c.volumeAt(t, "asterisk", d.Recordings)
		vi, ri := c.volumeAt(t, svc, d.RecordingsRead)
		if va == "" || va != vi || ra != ri {
			t.Errorf("compose.yaml: ast1's recording_dir %s (asterisk: %s/%s) and recording_read_dir %s (%s: %s/%s) are not one folder",
				d.Recordings, va, ra, d.RecordingsRead, svc, vi, ri)
		}
		if !strings.HasPrefix(d.RecordingsRead+"/", strings.TrimRight(cfg.Media.RecordingDir, "/")+"/") {
			t.Errorf("%s: ast1's recording_read_dir %s is not under media.recording_dir %s (retention would not see it)", svc, d.RecordingsRead, cfg.Media.RecordingDir)
		}
	}
	// Only one controller migrates.
	if e := c.env(t, "ipcc-standby"); e["IPCC_DATABASE_AUTO_MIGRATE"] != "false" {
		t.Error("compose.yaml: ipcc-standby must not migrate (IPCC_DATABASE_AUTO_MIGRATE false, docs/cluster.md)")
	}
	if a, b := composeIPCC(t, "ipcc").Cluster.ControllerID, composeIPCC(t, "ipcc-standby").Cluster.ControllerID; a == b {
		t.Errorf("compose.yaml: both controllers are called %s", a)
	}
	// The event socket and ARI are not published on the host; SIP, WSS are.
	for _, tc := range []struct {
		svc, port string
		want      bool
	}{{"freeswitch", "8021", false}, {"asterisk", "8088", false}, {"freeswitch", "7443", true}, {"asterisk", "8089", true}, {"freeswitch", "5060", true}} {
		got := false
		for _, p := range c.service(t, tc.svc).Ports {
			if strings.Contains(p, ":"+tc.port) || strings.HasPrefix(p, tc.port+":") {
				got = true
			}
		}
		if got != tc.want {
			t.Errorf("compose.yaml: %s publishes %s: %v, want %v", tc.svc, tc.port, got, tc.want)
		}
	}
	// The image is built from this repository with docker/Dockerfile and the registries
	// as build arguments.
	b := c.service(t, "ipcc").Build
	if b == nil || b.Context != ".." || b.Dockerfile != "docker/Dockerfile" {
		t.Fatalf("compose.yaml: ipcc must build from .. with docker/Dockerfile: %+v", b)
	}
	args := []string{}
	for k := range b.Args {
		args = append(args, k)
	}
	sort.Strings(args)
	df := parseDockerfile(t)
	for _, a := range args {
		if !df.declares(a) {
			t.Errorf("compose.yaml: build argument %s is not an ARG of the Dockerfile", a)
		}
	}
}

// The FreeSWITCH SIP profile's WSS certificate folder is the mounted tls folder.
func TestComposeMountsTLS(t *testing.T) {
	c := loadCompose(t)
	root, err := parseXML("internal.xml", readFile(t, "conf/freeswitch/sip_profiles/internal.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := root.params()["tls-cert-dir"]
	if src := c.mounts(t, "freeswitch")[dir]; src != "./conf/tls/freeswitch" {
		t.Errorf("compose.yaml: freeswitch mounts %q at tls-cert-dir %s, want ./conf/tls/freeswitch", src, dir)
	}
	http, err := parseINI("http.conf", readFile(t, "conf/asterisk/http.conf"), ";")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tlscertfile", "tlsprivatekey"} {
		f, _ := sections(http, "general")[0].get(k)
		if src := c.mounts(t, "asterisk")[path.Dir(f)]; src != "./conf/tls/asterisk" {
			t.Errorf("compose.yaml: asterisk's %s %s is not in the mounted ./conf/tls/asterisk (got %q)", k, f, src)
		}
	}
}
