package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The platform restricts the gateways tenants' trunks may name
// (media.trunk_gateways): tenant a may use gw-a only, every other tenant
// gw-shared only. Naming another gateway — in a trunk or in a campaign's
// trunk setting — is refused with an error naming the field and the
// allowed gateways; the dry run skips a trunk saved before the restriction.
func TestTrunkGatewayRestriction(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		policy := outroute.GatewayPolicy{"a": {"gw-a"}, "*": {"gw-shared"}}
		e := newRoutingEnv(t, s, func(o *api.Options) { o.TrunkGateways = policy })
		e.must(201, e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "main", "gateway": "gw-a"}))
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "other", "gateway": "gw-shared"}), "gateway",
			`gateway "gw-shared" is not allowed: the platform lets tenant a use only gw-a`)
		e.invalid(e.req("PUT", "/api/v1/outbound/trunks/main", "a/admin", map[string]any{"gateway": "gw-b"}), "gateway", "use only gw-a")
		e.must(201, e.req("POST", "/api/v1/outbound/trunks", "b/admin", map[string]any{"id": "main", "gateway": "gw-shared"}))
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "b/admin", map[string]any{"id": "theirs", "gateway": "gw-a"}), "gateway", "use only gw-shared")
		// A campaign's trunk (the gateway of a tenant without routes).
		camp := func(trunk string) map[string]any {
			return map[string]any{"id": "c-" + trunk, "name": "C", "type": "preview", "settings": map[string]any{"queue_id": "sales", "trunk": trunk}}
		}
		e.invalid(e.req("POST", "/api/v1/campaigns", "a/admin", camp("gw-b")), "settings.trunk", `gateway "gw-b" is not allowed`)
		// A trunk saved before the platform restricted it is skipped when
		// calls are routed.
		if err := s.CreateOutbound(t.Context(), "a", store.OutboundTrunk, "old", `{"id":"old","gateway":"gw-old"}`); err != nil {
			t.Fatal(err)
		}
		e.must(201, e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "all", "trunks": []string{"old"}}))
		var d struct {
			Refused      bool
			Rule, Reason string
		}
		e.must(200, e.req("POST", "/api/v1/outbound/decide", "a/supervisor", map[string]any{"number": "13812345678"})).decode(t, &d)
		if !d.Refused || d.Rule != outroute.RuleNoTrunk || !strings.Contains(d.Reason, `old: gateway "gw-old" is not allowed`) {
			t.Fatalf("decide through a forbidden gateway: %+v", d)
		}
	})
}

// A superadmin changes the restriction live through the API: an entry set
// for a tenant replaces the configuration's for it at once (saving a trunk
// and routing follow), deleting it brings the configuration's back, the
// entries say where they come from, and it survives a new controller on
// the same database (read back with Load). Only superadmins may.
func TestPlatformTrunkGatewaysAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s, func(o *api.Options) { o.TrunkGateways = outroute.GatewayPolicy{"a": {"gw-a"}} })
		e.tok["super"] = e.login("", "admin", "super-secret-pw")
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "new", "gateway": "gw-new"}), "gateway", "use only gw-a")
		for _, who := range []string{"a/admin", "a/supervisor"} {
			if r := e.req("PUT", "/api/v1/platform/trunk-gateways/a", who, map[string]any{"gateways": []string{"gw-new"}}); r.Status != 403 {
				t.Fatalf("%s set the platform's restriction: %d %s", who, r.Status, r.Body)
			}
		}
		e.invalid(e.req("PUT", "/api/v1/platform/trunk-gateways/a", "super", map[string]any{"gateways": []string{"gw-a", "bad gw"}}), "gateways[1]", `"bad gw" is not a gateway name`)
		e.invalid(e.req("PUT", "/api/v1/platform/trunk-gateways/a", "super", map[string]any{"gateways": []string{"gw-a", "gw-a"}}), "gateways[1]", "listed twice")
		e.invalid(e.req("PUT", "/api/v1/platform/trunk-gateways/a", "super", map[string]any{}), "gateways", "required")
		e.must(404, e.req("PUT", "/api/v1/platform/trunk-gateways/nobody", "super", map[string]any{"gateways": []string{}}))

		e.must(200, e.req("PUT", "/api/v1/platform/trunk-gateways/a", "super", map[string]any{"gateways": []string{"gw-new"}}))
		e.must(200, e.req("PUT", "/api/v1/platform/trunk-gateways/b", "super", map[string]any{"gateways": []string{}}))
		e.must(201, e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "new", "gateway": "gw-new"}))
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "old", "gateway": "gw-a"}), "gateway", "use only gw-new")
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "b/admin", map[string]any{"id": "any", "gateway": "gw-x"}), "gateway", "use no gateway")

		var entries []outroute.GatewayEntry
		e.must(200, e.req("GET", "/api/v1/platform/trunk-gateways", "super", nil)).decode(t, &entries)
		want := `[{a [gw-new] api [gw-a]} {b [] api []}]`
		if got := fmt.Sprint(entriesShort(entries)); got != want {
			t.Fatalf("entries %s, want %s", got, want)
		}
		// Another controller on the database reads the same.
		again := outroute.NewGatewayRules(outroute.GatewayPolicy{"a": {"gw-a"}})
		if err := again.Load(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		if !again.Policy().Allowed("a", "gw-new") || again.Policy().Allowed("a", "gw-a") || again.Policy().Allowed("b", "gw-x") {
			t.Fatalf("loaded policy %v", again.Policy())
		}

		e.must(204, e.req("DELETE", "/api/v1/platform/trunk-gateways/a", "super", nil))
		e.must(404, e.req("DELETE", "/api/v1/platform/trunk-gateways/a", "super", nil))
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "newer", "gateway": "gw-new"}), "gateway", "use only gw-a")
		entries = nil
		e.must(200, e.req("GET", "/api/v1/platform/trunk-gateways", "super", nil)).decode(t, &entries)
		if got := fmt.Sprint(entriesShort(entries)); got != `[{a [gw-a] config []} {b [] api []}]` {
			t.Fatalf("entries after delete %s", got)
		}
	})
}

type gwShort struct {
	Tenant   string
	Gateways []string
	Source   string
	Config   []string
}

func entriesShort(es []outroute.GatewayEntry) []gwShort {
	out := []gwShort{}
	for _, e := range es {
		out = append(out, gwShort{e.Tenant, e.Gateways, e.Source, e.Config})
	}
	return out
}
