// Package egress decides where ipcc's outbound HTTP requests on behalf of
// tenants may go: flow http nodes (on calls, in simulations and in
// `ipcc flow run`) and webhook deliveries. A tenant admin writes those
// URLs, so without a policy the controller would fetch its own network for
// them (server-side request forgery): internal services, the cloud
// metadata endpoint, other hosts' ports.
//
// The policy is platform configuration (egress.allow), never a tenant's.
// Loopback, private (RFC 1918, IPv6 unique local), carrier-grade NAT,
// link-local (with the cloud metadata addresses 169.254.169.254 and
// fd00:ec2::254), unspecified, multicast and reserved addresses are denied
// unless a CIDR or host:port of the allow list covers them. The check is
// made on the address actually connected to (net.Dialer's Control), after
// name resolution, so a name that resolves to a public address when
// checked and to 127.0.0.1 when dialled (DNS rebinding) gets nowhere.
// Proxies from the environment are ignored by these clients: a proxy would
// connect on ipcc's behalf, out of the policy's sight.
package egress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Failed is the one message users (tenant admins, supervisors) see for a
// request that got no answer, whatever the reason: denied by the policy,
// connection refused, timed out, no such host, TLS failure. Telling them
// apart would let a tenant map the controller's network and scan ports;
// the reason is logged on the server.
const Failed = "no response (the address is not allowed, not reachable or did not answer in time)"

// blocked are the address ranges denied unless allowed, with the name the
// logs give them. More specific ranges come first.
var blocked = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (private)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// DeniedError is a connection the policy refused. Its text is for server
// logs; show users Failed.
type DeniedError struct {
	Host  string         // as the request named it
	Addr  netip.AddrPort // the address it was about to connect to
	Range string         // why, e.g. "loopback"
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("egress: %s (%s) is %s and not in egress.allow", e.Host, e.Addr, e.Range)
}

// Policy decides which addresses may be reached. The zero value is not
// usable; use New or Default.
type Policy struct {
	nets  []netip.Prefix
	hosts map[string]bool // "host:port", host lower-case (names) or an IP
	log   *slog.Logger
}

// Default is the policy with nothing allowed beyond public addresses.
func Default() *Policy {
	p, _ := New(nil, nil)
	return p
}

// New builds a policy from allow entries: a CIDR ("10.20.0.0/16",
// "fd12::/64") or a single address ("10.20.0.5") allows those addresses on
// every port; host:port ("crm.internal:8443", "127.0.0.1:8089",
// "[::1]:8080") allows that host name or address on that port only,
// whatever the name resolves to. Denials are logged to log (nil: not
// logged).
func New(allow []string, log *slog.Logger) (*Policy, error) {
	p := &Policy{hosts: map[string]bool{}, log: log}
	for i, e := range allow {
		e = strings.TrimSpace(e)
		if err := p.add(e); err != nil {
			return nil, fmt.Errorf("egress.allow[%d] %q: %w", i, e, err)
		}
	}
	return p, nil
}

func (p *Policy) add(e string) error {
	if e == "" {
		return errors.New("empty entry")
	}
	if pfx, err := netip.ParsePrefix(e); err == nil {
		p.nets = append(p.nets, pfx.Masked())
		return nil
	}
	if a, err := netip.ParseAddr(e); err == nil {
		p.nets = append(p.nets, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		return nil
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		return errors.New("use a CIDR (10.0.0.0/8), an address (10.0.0.5) or host:port (crm.internal:8443)")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return fmt.Errorf("bad host %q", host)
	}
	p.hosts[hostKey(host, n)] = true
	return nil
}

func hostKey(host string, port int) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().WithZone("").String()
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// Check decides whether a request to host (as the URL names it) may
// connect to addr.
func (p *Policy) Check(host string, addr netip.AddrPort) error {
	ip := addr.Addr().Unmap().WithZone("")
	if p.hosts[hostKey(host, int(addr.Port()))] || p.hosts[hostKey(ip.String(), int(addr.Port()))] {
		return nil
	}
	for _, n := range p.nets {
		if n.Contains(ip) {
			return nil
		}
	}
	if r := blockedRange(ip); r != "" {
		return &DeniedError{Host: host, Addr: netip.AddrPortFrom(ip, addr.Port()), Range: r}
	}
	return nil
}

// blockedRange names the denied range ip is in ("" when public). An IPv4
// address inside NAT64 or 6to4 is judged by that IPv4 address.
func blockedRange(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			if r := blockedRange(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
				return r + " (in NAT64)"
			}
		case sixToFour.Contains(ip):
			if r := blockedRange(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); r != "" {
				return r + " (in 6to4)"
			}
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.name
		}
	}
	return ""
}

// DialContext connects to addr (host:port) over network, checking every
// address it actually tries against the policy.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("egress: dialling %q: %w", address, err)
			}
			if err := p.Check(host, ap); err != nil {
				if p.log != nil {
					p.log.Warn("outbound connection denied by the egress policy", "host", host, "addr", ap.String(), "err", err)
				}
				return err
			}
			return nil
		}}
	return d.DialContext(ctx, network, addr)
}

// Transport is an HTTP transport that dials through the policy and ignores
// proxy settings from the environment.
func (p *Policy) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client is an HTTP client through the policy that does not follow
// redirects (a redirect is an answer, not a new destination) and gives up
// after timeout (0: the request's context decides).
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     p.Transport(),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Denied tells whether err is (or wraps) a denial by a policy.
func Denied(err error) bool {
	var d *DeniedError
	return errors.As(err, &d)
}
