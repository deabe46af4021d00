package docker

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile is docker/Dockerfile split into its global ARGs and stages, each with its
// instructions (continuation lines joined, comments dropped).
type dockerfile struct {
	globalArgs []string
	stages     []stage
}

type stage struct {
	Name, From string
	Line       int
	Instr      []instr
}

type instr struct {
	Cmd, Args string
	Line      int
}

func (s stage) all(cmd string) []instr {
	var out []instr
	for _, in := range s.Instr {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func (s stage) last(cmd string) (instr, bool) {
	all := s.all(cmd)
	if len(all) == 0 {
		return instr{}, false
	}
	return all[len(all)-1], true
}

// declares: an ARG of that name, global or in any stage.
func (d dockerfile) declares(name string) bool {
	is := func(a string) bool { n, _, _ := strings.Cut(a, "="); return strings.TrimSpace(n) == name }
	for _, a := range d.globalArgs {
		if is(a) {
			return true
		}
	}
	for _, s := range d.stages {
		for _, in := range s.all("ARG") {
			if is(in.Args) {
				return true
			}
		}
	}
	return false
}

func (d dockerfile) stage(name string) (stage, bool) {
	for _, s := range d.stages {
		if s.Name == name {
			return s, true
		}
	}
	return stage{}, false
}

var fromRe = regexp.MustCompile(`(?i)^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$`)

var knownInstr = map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true, "ADD": true, "COPY": true,
	"ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true, "ONBUILD": true, "STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true}

func parseDockerfileText(text string) (dockerfile, error) {
	var d dockerfile
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				continue
			}
			line = strings.TrimSuffix(line, "\\") + " " + next
		}
		cmd, args, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		args = strings.TrimSpace(args)
		if !knownInstr[cmd] {
			return d, fmt.Errorf("Dockerfile:%d: unknown instruction %q", start, cmd)
		}
		switch {
		case cmd == "FROM":
			m := fromRe.FindStringSubmatch(args)
			if m == nil {
				return d, fmt.Errorf("Dockerfile:%d: bad FROM %q", start, args)
			}
			d.stages = append(d.stages, stage{From: m[1], Name: m[2], Line: start})
		case len(d.stages) == 0:
			if cmd != "ARG" {
				return d, fmt.Errorf("Dockerfile:%d: %s before the first FROM", start, cmd)
			}
			d.globalArgs = append(d.globalArgs, args)
		default:
			s := &d.stages[len(d.stages)-1]
			s.Instr = append(s.Instr, instr{Cmd: cmd, Args: args, Line: start})
		}
	}
	if len(d.stages) == 0 {
		return d, fmt.Errorf("Dockerfile: no FROM")
	}
	return d, nil
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	d, err := parseDockerfileText(string(readFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkDockerfile returns what the Dockerfile lacks: a web stage (npm ci, vite build) whose
// dist is copied into the Go build, a static build (CGO_ENABLED=0) with the registries as
// build arguments, and final images that run ipcc as a non-root user.
func checkDockerfile(d dockerfile) []string {
	var bad []string
	names := map[string]bool{}
	for _, s := range d.stages {
		if s.Name != "" {
			names[s.Name] = true
		}
		for _, in := range s.all("COPY") {
			if m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(in.Args); m != nil && !names[m[1]] {
				bad = append(bad, fmt.Sprintf("Dockerfile:%d: COPY --from=%s names no earlier stage", in.Line, m[1]))
			}
		}
	}
	web, ok := d.stage("web")
	if !ok {
		bad = append(bad, "Dockerfile: no stage web (the console)")
	} else {
		runs := ""
		for _, in := range web.all("RUN") {
			runs += in.Args + "\n"
		}
		for _, w := range []string{"npm ci", "npm run build", "NPM_REGISTRY"} {
			if !strings.Contains(runs, w) {
				bad = append(bad, "Dockerfile: stage web does not run "+w)
			}
		}
	}
	build, ok := d.stage("build")
	if !ok {
		bad = append(bad, "Dockerfile: no stage build")
	} else {
		env := ""
		for _, in := range build.all("ENV") {
			env += in.Args + " "
		}
		if !strings.Contains(env, "CGO_ENABLED=0") {
			bad = append(bad, "Dockerfile: stage build does not set CGO_ENABLED=0 (static binary)")
		}
		if !strings.Contains(env, "GOPROXY=${GOPROXY}") || !d.declares("GOPROXY") {
			bad = append(bad, "Dockerfile: GOPROXY is not a build argument passed to the Go build")
		}
		copied := false
		for _, in := range build.all("COPY") {
			if strings.Contains(in.Args, "--from=web") && strings.Contains(in.Args, "web/dist") {
				copied = true
			}
		}
		if !copied {
			bad = append(bad, "Dockerfile: the console's web/dist is not copied into the build stage (go:embed)")
		}
		runs := ""
		for _, in := range build.all("RUN") {
			runs += in.Args + "\n"
		}
		if !strings.Contains(runs, "go build") || !strings.Contains(runs, "./cmd/ipcc") {
			bad = append(bad, "Dockerfile: stage build does not go build ./cmd/ipcc")
		}
	}
	final := d.stages[len(d.stages)-1]
	if final.From != "scratch" {
		bad = append(bad, "Dockerfile: the default (last) stage is FROM "+final.From+", want scratch (the static binary alone)")
	}
	for _, s := range d.stages {
		ep, ok := s.last("ENTRYPOINT")
		if !ok {
			continue // a build stage
		}
		var argv []string
		if err := json.Unmarshal([]byte(ep.Args), &argv); err != nil || len(argv) == 0 || argv[0] != "/usr/local/bin/ipcc" {
			bad = append(bad, fmt.Sprintf("Dockerfile:%d: stage %s: ENTRYPOINT must be the exec form [\"/usr/local/bin/ipcc\"], got %s", ep.Line, s.Name, ep.Args))
		}
		u, ok := s.last("USER")
		if !ok {
			bad = append(bad, "Dockerfile: stage "+s.Name+" runs as root (no USER)")
		} else if usr, _, _ := strings.Cut(u.Args, ":"); usr == "0" || usr == "root" {
			bad = append(bad, "Dockerfile: stage "+s.Name+" runs as root")
		} else if usr != "10001" {
			bad = append(bad, "Dockerfile: stage "+s.Name+" USER "+usr+", want 10001 (the uid the Kubernetes manifests and the passwd line use)")
		}
		cmd, _ := s.last("CMD")
		if !strings.Contains(cmd.Args, `"serve", "--config", "/etc/ipcc/ipcc.yaml"`) {
			bad = append(bad, "Dockerfile: stage "+s.Name+" CMD is not serve --config /etc/ipcc/ipcc.yaml")
		}
	}
	return bad
}

func TestDockerfile(t *testing.T) {
	d := parseDockerfile(t)
	if bad := checkDockerfile(d); len(bad) > 0 {
		t.Fatalf("Dockerfile:\n%s", strings.Join(bad, "\n"))
	}
	// The files it copies from the repository exist (the context is the repository).
	for _, s := range d.stages {
		for _, in := range s.all("COPY") {
			if strings.HasPrefix(in.Args, "--from") {
				continue
			}
			f := strings.Fields(in.Args)
			for _, src := range f[:len(f)-1] {
				if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(src))); err != nil {
					t.Errorf("Dockerfile:%d: COPY %s: %v", in.Line, src, err)
				}
			}
		}
	}
	// The image's own configuration loads through ipcc's loader, without environment.
	cfg := loadIPCC(t, "ipcc.yaml", nil)
	if !strings.HasPrefix(cfg.Database.URL, "sqlite:/var/lib/ipcc/") {
		t.Errorf("ipcc.yaml: database %s is not in the image's volume /var/lib/ipcc", cfg.Database.URL)
	}
	for _, dir := range []string{cfg.Media.RecordingDir, cfg.Media.VoicemailDir, cfg.Media.PromptDir, cfg.TTS.CacheDir} {
		if !strings.HasPrefix(dir, "/var/lib/ipcc/") {
			t.Errorf("ipcc.yaml: %s is outside the image's volume /var/lib/ipcc", dir)
		}
	}
	// No "# syntax=" line: BuildKit would fetch that frontend image from a registry.
	if strings.HasPrefix(string(readFile(t, "Dockerfile")), "# syntax=") {
		t.Error("Dockerfile: a # syntax= directive makes BuildKit pull a frontend image; the built-in one suffices")
	}
	// The ignore file keeps what the build needs.
	ign := string(readFile(t, "../.dockerignore"))
	for _, keep := range []string{"go.mod", "web", "cmd", "docker"} {
		for _, l := range strings.Split(ign, "\n") {
			if strings.TrimSpace(l) == keep {
				t.Errorf(".dockerignore leaves out %s, which the build needs", keep)
			}
		}
	}

	for _, tc := range []struct{ old, repl, want string }{
		{"ENV CGO_ENABLED=0", "ENV CGO_ENABLED=1", "CGO_ENABLED=0"},
		{"USER 10001:10001\nWORKDIR /var/lib/ipcc\nEXPOSE 8080\nVOLUME [\"/var/lib/ipcc\"]\nENTRYPOINT [\"/usr/local/bin/ipcc\"]\nCMD [\"serve\", \"--config\", \"/etc/ipcc/ipcc.yaml\"]\n\n# 3b", "USER root\nWORKDIR /var/lib/ipcc\nEXPOSE 8080\nVOLUME [\"/var/lib/ipcc\"]\nENTRYPOINT [\"/usr/local/bin/ipcc\"]\nCMD [\"serve\", \"--config\", \"/etc/ipcc/ipcc.yaml\"]\n\n# 3b", "runs as root"},
		{"FROM scratch AS static", "FROM debian:bookworm-slim AS static", "want scratch"},
		{"COPY --from=web /src/web/dist/ ./web/dist/", "COPY --from=webui /src/web/dist/ ./web/dist/", "names no earlier stage"},
		{"npm ci --no-audit", "npm install --no-audit", "does not run npm ci"},
	} {
		text := string(readFile(t, "Dockerfile"))
		if !strings.Contains(text, tc.old) {
			t.Fatalf("Dockerfile has no %q to break", tc.old)
		}
		d, err := parseDockerfileText(strings.Replace(text, tc.old, tc.repl, 1))
		if err != nil {
			t.Fatal(err)
		}
		if bad := checkDockerfile(d); !strings.Contains(strings.Join(bad, "\n"), tc.want) {
			t.Errorf("Dockerfile with %q → %q: want a problem %q, got %q", tc.old, tc.repl, tc.want, bad)
		}
	}
	if _, err := parseDockerfileText("RUN true\n"); err == nil {
		t.Error("a Dockerfile without FROM parsed")
	}
}

// TestBuildLocal runs docker/build-local.sh (the Dockerfile's steps without Docker) on
// the console already built in web/dist, then checks the binary and the laid-out image.
// It takes a minute or two: IPCC_TEST_BUILD_LOCAL=1 runs it.
func TestBuildLocal(t *testing.T) {
	if os.Getenv("IPCC_TEST_BUILD_LOCAL") != "1" {
		t.Skip("IPCC_TEST_BUILD_LOCAL=1 runs docker/build-local.sh (a full static build)")
	}
	if _, err := os.Stat("../web/dist/index.html"); err != nil {
		t.Skip("web/dist is not built (make web, or docker/build-local.sh without --skip-web)")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "ipcc")
	cmd := exec.Command("./build-local.sh", "-o", out, "--skip-web", "--rootfs", filepath.Join(dir, "rootfs"))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build-local.sh: %v\n%s", err, b)
	}
	v, err := exec.Command(out, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ipcc version: %v\n%s", err, v)
	}
	bi, err := exec.Command("go", "version", "-m", out).CombinedOutput()
	if err != nil || !strings.Contains(string(bi), "CGO_ENABLED=0") || !strings.Contains(string(bi), "-trimpath=true") {
		t.Errorf("go version -m: not a trimmed cgo-free build: %v\n%s", err, bi)
	}
	if re, err := exec.LookPath("readelf"); err == nil {
		h, _ := exec.Command(re, "-lW", out).CombinedOutput()
		if strings.Contains(string(h), "INTERP") {
			t.Errorf("the binary has a program interpreter (dynamic):\n%s", h)
		}
	}
	for _, f := range []string{"usr/local/bin/ipcc", "etc/ipcc/ipcc.yaml", "etc/passwd", "var/lib/ipcc/media"} {
		if _, err := os.Stat(filepath.Join(dir, "rootfs", f)); err != nil {
			t.Errorf("rootfs: %v", err)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(dir, "rootfs/etc/passwd"))
	if !strings.HasPrefix(string(passwd), "ipcc:x:10001:10001:") {
		t.Errorf("rootfs/etc/passwd: %q", passwd)
	}
	// The laid-out configuration is the one a container reads; it loads.
	loadIPCC(t, filepath.Join(dir, "rootfs/etc/ipcc/ipcc.yaml"), nil)
}

// The shell scripts parse (bash -n), and the build arguments local-bases.sh tells to pass
// are the Dockerfile's.
func TestScripts(t *testing.T) {
	for _, s := range []string{"build-local.sh", "local-bases.sh"} {
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
		if fi, err := os.Stat(s); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable: %v", s, err)
		}
	}
	d := parseDockerfile(t)
	args := regexp.MustCompile(`--build-arg ([A-Z_]+)=`).FindAllStringSubmatch(string(readFile(t, "local-bases.sh")), -1)
	if len(args) == 0 {
		t.Fatal("local-bases.sh names no --build-arg")
	}
	for _, a := range args {
		if !d.declares(a[1]) {
			t.Errorf("local-bases.sh: --build-arg %s is not an ARG of the Dockerfile", a[1])
		}
	}
}
