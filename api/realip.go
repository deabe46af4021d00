package api

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// ParseTrustedProxies reads trusted proxy entries: CIDRs ("10.0.0.0/8") or
// single addresses ("192.0.2.10"). Entries may also be comma-separated
// lists (as an environment variable gives them).
func ParseTrustedProxies(entries []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, e := range entries {
		for _, f := range strings.FieldsFunc(e, func(r rune) bool { return r == ',' || r == ' ' }) {
			if _, n, err := net.ParseCIDR(f); err == nil {
				out = append(out, n)
				continue
			}
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is neither an IP address nor a CIDR such as 10.0.0.0/8", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		}
	}
	return out, nil
}

// ipExtractor decides the client address of a request (c.RealIP(): audit
// rows, logs, login limits). X-Forwarded-For and X-Real-IP are believed
// only when the direct peer is a trusted proxy; then the client is the
// nearest address in X-Forwarded-For that is not a trusted proxy. Without
// trusted proxies the headers are ignored: anyone can write them.
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	nets, err := ParseTrustedProxies(trusted)
	if err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	if len(nets) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range nets {
		opts = append(opts, echo.TrustIPRange(n))
	}
	xff, realIP := echo.ExtractIPFromXFFHeader(opts...), echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		if len(r.Header[echo.HeaderXForwardedFor]) > 0 {
			return xff(r)
		}
		return realIP(r)
	}, nil
}
