package egress

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDefaultPolicyDeniesNonPublicAddresses(t *testing.T) {
	p := Default()
	for addr, want := range map[string]string{
		"127.0.0.1:80":                 "loopback",
		"127.9.9.9:8080":               "loopback",
		"[::1]:80":                     "loopback",
		"[::ffff:127.0.0.1]:80":        "loopback",
		"10.1.2.3:443":                 "private",
		"172.16.0.1:443":               "private",
		"172.31.255.255:443":           "private",
		"192.168.1.1:80":               "private",
		"100.64.0.1:80":                "carrier-grade NAT",
		"169.254.169.254:80":           "cloud metadata",
		"169.254.1.1:80":               "link-local",
		"[fd00:ec2::254]:80":           "cloud metadata",
		"[fd12:3456::1]:80":            "unique local (private)",
		"[fe80::1]:80":                 "link-local",
		"[fe80::1%eth0]:80":            "link-local",
		"0.0.0.0:80":                   "unspecified",
		"[::]:80":                      "unspecified",
		"224.0.0.1:80":                 "multicast",
		"[ff02::1]:80":                 "multicast",
		"255.255.255.255:80":           "reserved",
		"[64:ff9b::7f00:1]:80":         "loopback (in NAT64)",
		"[2002:a00:1::1]:80":           "private (in 6to4)",
		"93.184.216.34:443":            "",
		"[2606:2800:220:1::248]:443":   "",
		"[64:ff9b::5db8:d822]:80":      "",
		"[2002:5db8:d822::1]:80":       "",
		"8.8.8.8:53":                   "",
		"172.32.0.1:80":                "",
		"[2001:4860:4860::8888]:443":   "",
		"[2001:0:4136:e378::1]:80":     "Teredo",
		"198.18.0.1:80":                "benchmarking",
		"192.0.0.170:80":               "IETF protocol assignments",
		"[64:ff9b:1::a00:1]:80":        "local NAT64",
		"[100::1]:80":                  "discard",
		"[fec0::1]:80":                 "site-local",
		"[::ffff:169.254.169.254]:443": "cloud metadata",
	} {
		err := p.Check("example.com", netip.MustParseAddrPort(addr))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s denied: %v", addr, err)
		case want != "" && (err == nil || err.(*DeniedError).Range != want):
			t.Errorf("%s: %v, want denied as %s", addr, err, want)
		}
	}
}

func TestAllowList(t *testing.T) {
	p, err := New([]string{"10.20.0.0/16", "192.168.1.5", "crm.internal:8443", "127.0.0.1:8089", "[::1]:9000"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host, addr string
		ok         bool
	}{
		{"x", "10.20.3.4:80", true},
		{"x", "10.21.0.1:80", false},
		{"x", "192.168.1.5:1234", true},
		{"x", "192.168.1.6:1234", false},
		{"crm.internal", "10.9.9.9:8443", true},
		{"CRM.Internal.", "10.9.9.9:8443", true},
		{"crm.internal", "10.9.9.9:8444", false},
		{"other.internal", "10.9.9.9:8443", false},
		{"localhost", "127.0.0.1:8089", true},
		{"localhost", "127.0.0.1:8090", false},
		{"x", "[::1]:9000", true},
		{"x", "169.254.169.254:80", false},
	} {
		err := p.Check(tc.host, netip.MustParseAddrPort(tc.addr))
		if (err == nil) != tc.ok {
			t.Errorf("%s at %s: %v, want allowed=%v", tc.host, tc.addr, err, tc.ok)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "host", "host:0", "host:99999", "http://x:80", ":80"} {
		if _, err := New([]string{bad}, nil); err == nil || !strings.Contains(err.Error(), "egress.allow[0]") {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestClientChecksTheAddressItConnectsTo(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("internal secret"))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	get := func(c *http.Client, target string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		return c.Do(req)
	}

	// A name is judged by the address it resolves to when dialled: a
	// public-looking name pointing at loopback (DNS rebinding) is denied.
	for _, target := range []string{srv.URL, "http://localhost:" + u.Port()} {
		res, err := get(Default().Client(0), target)
		if err == nil {
			res.Body.Close()
			t.Fatalf("%s: reached a loopback server with the default policy", target)
		}
		if !Denied(err) {
			t.Fatalf("%s: %v, want a denial", target, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server hit %d times", n)
	}

	// Allowed explicitly (as tests and the demo do), it works.
	for _, allow := range []string{"127.0.0.0/8", "127.0.0.1:" + u.Port(), "localhost:" + u.Port()} {
		p, err := New([]string{allow, "::1/128"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		target := srv.URL
		if strings.HasPrefix(allow, "localhost") {
			target = "http://localhost:" + u.Port()
		}
		res, err := get(p.Client(0), target)
		if err != nil {
			t.Fatalf("allow %s: %v", allow, err)
		}
		res.Body.Close()
	}
}

// Proxies from the environment would connect on ipcc's behalf, out of the
// policy's sight: these clients never use them.
func TestClientIgnoresProxySettings(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.example:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	if tr := Default().Transport(); tr.Proxy != nil {
		t.Fatal("transport has a proxy function")
	}
	if c := Default().Client(time.Second); c.Transport.(*http.Transport).Proxy != nil {
		t.Fatal("client has a proxy function")
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer target.Close()
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer hop.Close()
	p, _ := New([]string{"127.0.0.0/8"}, nil)
	res, err := p.Client(5 * time.Second).Get(hop.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || hits.Load() != 0 {
		t.Fatalf("status %d, target hit %d times", res.StatusCode, hits.Load())
	}
}
