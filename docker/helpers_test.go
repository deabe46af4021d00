// Package docker holds no Go code: its tests check the deployment files in this folder
// (Dockerfile, compose.yaml, the switch configurations in conf/, the systemd unit and the
// Kubernetes manifests) against each other and against what ipcc and docs/switches.md need.
package docker

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ipcc/ipcc/config"
)

// readFile reads a file of this folder (path relative to docker/).
func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

// --- XML (FreeSWITCH) ---

// xmlNode is a generic XML element.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xmlNode  `xml:",any"`
}

func (n xmlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns every descendant (depth first, document order) named name.
func (n xmlNode) find(name string) []xmlNode {
	var out []xmlNode
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
		out = append(out, c.find(name)...)
	}
	return out
}

// params maps <param name= value=> of n's descendants.
func (n xmlNode) params() map[string]string {
	m := map[string]string{}
	for _, p := range n.find("param") {
		m[p.attr("name")] = p.attr("value")
	}
	return m
}

// parseXML checks that b is one well-formed XML document (FreeSWITCH's loader refuses
// anything else) and returns its root element.
func parseXML(name string, b []byte) (xmlNode, error) {
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	var root xmlNode
	if err := d.Decode(&root); err != nil {
		return root, fmt.Errorf("%s: %w", name, err)
	}
	// nothing but comments and space after the root
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return root, fmt.Errorf("%s: after the root element: %w", name, err)
		}
		switch tok := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if strings.TrimSpace(string(tok)) != "" {
				return root, fmt.Errorf("%s: text after the root element: %q", name, tok)
			}
		default:
			return root, fmt.Errorf("%s: a second root element (%T)", name, tok)
		}
	}
	return root, nil
}

// --- ini (Asterisk, systemd) ---

// iniSection is one [section] of an Asterisk .conf or systemd unit file: its name, the
// templates it names in "(...)" after the name ("!" marks a template itself), and its
// key/value lines in order (keys repeat: exten, same, SystemCallFilter).
type iniSection struct {
	Name      string
	Templates []string
	Lines     [][2]string
	Line      int
}

func (s iniSection) get(key string) (string, bool) {
	v, ok := "", false
	for _, kv := range s.Lines {
		if kv[0] == key {
			v, ok = kv[1], true // the last one wins
		}
	}
	return v, ok
}

func (s iniSection) all(key string) []string {
	var out []string
	for _, kv := range s.Lines {
		if kv[0] == key {
			out = append(out, kv[1])
		}
	}
	return out
}

var sectionRe = regexp.MustCompile(`^\[([^\]]+)\](?:\(([^)]*)\))?\s*$`)

// parseINI parses Asterisk's configuration format (";" comments, "key = value" and
// "key => value" lines, "[name](template,...)" headers) or, with comment "#", a systemd
// unit. Errors name the file and line.
func parseINI(name string, b []byte, comment string) ([]iniSection, error) {
	var out []iniSection
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.Index(line, comment); i >= 0 {
			line = line[:i]
		}
		if comment == "#" && strings.HasPrefix(strings.TrimSpace(sc.Text()), ";") {
			continue // systemd also takes ';' comments
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			m := sectionRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%s:%d: bad section header %q", name, n, line)
			}
			s := iniSection{Name: m[1], Line: n}
			if m[2] != "" {
				for _, t := range strings.Split(m[2], ",") {
					s.Templates = append(s.Templates, strings.TrimSpace(t))
				}
			}
			out = append(out, s)
			continue
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s:%d: %q before any [section]", name, n, line)
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is neither [section] nor key = value", name, n, line)
		}
		v = strings.TrimPrefix(v, ">") // exten => ...
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, fmt.Errorf("%s:%d: empty key", name, n)
		}
		out[len(out)-1].Lines = append(out[len(out)-1].Lines, [2]string{k, v})
	}
	return out, sc.Err()
}

// sections returns the sections named name (Asterisk allows one name several times, e.g.
// an endpoint, its auth and its aor).
func sections(all []iniSection, name string) []iniSection {
	var out []iniSection
	for _, s := range all {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// --- YAML (compose, Kubernetes) ---

// yamlDocs decodes every document of a (multi-document) YAML file into generic maps.
func yamlDocs(t *testing.T, rel string) []map[string]any {
	t.Helper()
	d := yaml.NewDecoder(strings.NewReader(string(readFile(t, rel))))
	var out []map[string]any
	for {
		var m map[string]any
		err := d.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// dig walks maps and lists: keys for maps, ints for lists. It fails the test, naming
// the path, when a step is missing.
func dig(t *testing.T, where string, v any, path ...any) any {
	t.Helper()
	cur := v
	for i, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%s: %v is not a map", where, path[:i])
			}
			if cur, ok = m[p]; !ok {
				t.Fatalf("%s: %v has no key %q", where, path[:i], p)
			}
		case int:
			l, ok := cur.([]any)
			if !ok || p >= len(l) {
				t.Fatalf("%s: %v has no item %d", where, path[:i], p)
			}
			cur = l[p]
		}
	}
	return cur
}

func str(t *testing.T, where string, v any, path ...any) string {
	t.Helper()
	s, ok := dig(t, where, v, path...).(string)
	if !ok {
		t.Fatalf("%s: %v is not a string", where, path)
	}
	return s
}

// composeVar expands compose's ${VAR:-default}, ${VAR-default} and ${VAR} from env (a
// variable missing from env takes its default; ${VAR:?msg} fails when unset).
var composeVarRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

func expandCompose(s string, env map[string]string) (string, error) {
	var err error
	out := composeVarRe.ReplaceAllStringFunc(s, func(m string) string {
		g := composeVarRe.FindStringSubmatch(m)
		v, set := env[g[1]]
		switch g[2] {
		case ":-":
			if v == "" {
				return g[3]
			}
		case "-":
			if !set {
				return g[3]
			}
		case ":?", "?":
			if v == "" {
				err = fmt.Errorf("%s is required: %s", g[1], g[3])
			}
		}
		return v
	})
	return out, err
}

// loadIPCC loads an ipcc configuration through the real loader (config.Load) with the
// given IPCC_* environment only.
func loadIPCC(t *testing.T, path string, env map[string]string) *config.Config {
	t.Helper()
	list := []string{}
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	cfg, err := config.Load(path, list)
	if err != nil {
		t.Fatalf("ipcc configuration %s does not load: %v", path, err)
	}
	return cfg
}

func hostPort(t *testing.T, where, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s: %q is not host:port: %v", where, addr, err)
	}
	return h, p
}

func urlHostPort(t *testing.T, where, raw string) (*url.URL, string, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %q is not a URL: %v", where, raw, err)
	}
	h, p := u.Hostname(), u.Port()
	return u, h, p
}
