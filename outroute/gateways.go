package outroute

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// GatewayPolicy is the platform's restriction of the switch gateways a
// tenant's trunks may name (config media.trunk_gateways): tenant id → the
// gateways it may use; the key "*" applies to every tenant not listed. A
// tenant with no entry and no "*" may name any gateway. It applies to the
// tenant's trunks when they are saved and when calls are placed (a trunk
// saved before the restriction is skipped), and to the gateway a tenant
// without routes dials through (media.default_trunk or a campaign's trunk).
type GatewayPolicy map[string][]string

// AnyTenant is the GatewayPolicy key of every tenant not listed.
const AnyTenant = "*"

// RuleGateway: the platform does not let the tenant use the gateway.
const RuleGateway = "gateway_not_allowed"

// For returns the gateways tenant may use, or nil when it may use any.
func (p GatewayPolicy) For(tenant string) []string {
	if gws, ok := p[tenant]; ok {
		return gws
	}
	return p[AnyTenant]
}

func (p GatewayPolicy) restricts(tenant string) bool {
	_, own := p[tenant]
	_, all := p[AnyTenant]
	return own || all
}

// Allowed tells whether tenant's trunks may name gateway.
func (p GatewayPolicy) Allowed(tenant, gateway string) bool {
	if !p.restricts(tenant) {
		return true
	}
	return slices.Contains(p.For(tenant), gateway)
}

// Check returns Errors with one FieldError naming field when tenant may
// not use gateway.
func (p GatewayPolicy) Check(tenant, field, gateway string) error {
	if p.Allowed(tenant, gateway) {
		return nil
	}
	return Errors{FieldError{Field: field, Message: p.refusal(tenant, gateway)}}
}

func (p GatewayPolicy) refusal(tenant, gateway string) string {
	gws := p.For(tenant)
	if len(gws) == 0 {
		return fmt.Sprintf("gateway %q is not allowed: the platform lets tenant %s use no gateway (the platform's gateway restriction)", gateway, tenant)
	}
	return fmt.Sprintf("gateway %q is not allowed: the platform lets tenant %s use only %s (the platform's gateway restriction)", gateway, tenant, strings.Join(gws, ", "))
}

// Validate checks the policy's names.
func (p GatewayPolicy) Validate() error {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs Errors
	for _, k := range keys {
		if k == "" {
			errs = append(errs, FieldError{Field: "trunk_gateways", Message: "a tenant id (or * for every tenant) is required"})
		}
		for i, g := range p[k] {
			if !tokenRe.MatchString(g) {
				errs = append(errs, FieldError{Field: fmt.Sprintf("trunk_gateways.%s[%d]", k, i), Message: fmt.Sprintf("%q is not a gateway name", g)})
			}
		}
	}
	return errsOrNil(errs)
}

// SetGatewayPolicy sets a fixed gateway restriction (nil: none).
func (s *Service) SetGatewayPolicy(p GatewayPolicy) {
	s.SetGatewayRules(NewGatewayRules(p))
}

// SetGatewayRules makes the service follow the platform's live gateway
// restriction (nil: none).
func (s *Service) SetGatewayRules(r *GatewayRules) {
	s.mu.Lock()
	s.gateways = r
	s.mu.Unlock()
}

func (s *Service) gatewayPolicy() GatewayPolicy {
	s.mu.Lock()
	r := s.gateways
	s.mu.Unlock()
	return r.Policy()
}

// allowedTrunks returns trunks with those whose gateway the platform does
// not allow the tenant marked Blocked (the same map when nothing is).
func (p GatewayPolicy) allowedTrunks(tenant string, trunks map[string]Trunk) map[string]Trunk {
	if !p.restricts(tenant) {
		return trunks
	}
	out := make(map[string]Trunk, len(trunks))
	for id, t := range trunks {
		if !p.Allowed(tenant, t.Gateway) {
			t.Blocked = p.refusal(tenant, t.Gateway)
		}
		out[id] = t
	}
	return out
}
