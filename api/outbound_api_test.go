package api_test

import (
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestOutboundRoutingAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)
		// Trunks: validation names the field; agents may not read.
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "cm", "gateway": "bad gw"}), "gateway", "not a gateway name")
		e.invalid(e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "cm", "gateway": "gw1", "channels": -1}), "channels", "0 (no limit)")
		e.must(201, e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "cm", "gateway": "gw1", "channels": 30, "cps": 5}))
		e.must(201, e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "cu", "gateway": "gw2"}))
		e.must(409, e.req("POST", "/api/v1/outbound/trunks", "a/admin", map[string]any{"id": "cu", "gateway": "gw2"}))
		e.must(403, e.req("GET", "/api/v1/outbound/trunks", "a/agent", nil))
		e.must(403, e.req("POST", "/api/v1/outbound/trunks", "a/supervisor", map[string]any{"id": "x", "gateway": "gw"}))
		var trunks []map[string]any
		e.must(200, e.req("GET", "/api/v1/outbound/trunks", "a/supervisor", nil)).decode(t, &trunks)
		if len(trunks) != 2 {
			t.Fatalf("trunks %v", trunks)
		}
		// Another tenant sees none of them.
		e.must(404, e.req("GET", "/api/v1/outbound/trunks/cm", "b/admin", nil))
		e.invalid(e.req("PUT", "/api/v1/outbound/trunks/cm", "a/admin", map[string]any{"id": "other", "gateway": "gw1"}), "id", "not the one in the path")
		e.must(200, e.req("PUT", "/api/v1/outbound/trunks/cm", "a/admin", map[string]any{"gateway": "gw1", "channels": 10}))

		// Pools and routes.
		e.invalid(e.req("POST", "/api/v1/outbound/caller-id-pools", "a/admin", map[string]any{"id": "p", "numbers": []map[string]any{{"number": "x1"}}}), "numbers[0].number", "not a phone number")
		e.must(201, e.req("POST", "/api/v1/outbound/caller-id-pools", "a/admin", map[string]any{"id": "p", "numbers": []map[string]any{{"number": "075588880001"}, {"number": "01088880003"}}}))
		e.invalid(e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "r", "trunks": []string{"cm", "nope"}}), "trunks[1]", "no trunk \"nope\"")
		e.invalid(e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "r", "trunks": []string{"cm"}, "match": map[string]any{"types": []string{"fax"}}}), "match.types[0]", "not a number type")
		e.invalid(e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "r", "trunks": []string{"cm"}, "match": map[string]any{"schedule_id": "nope"}}), "match.schedule_id", "no schedule")
		e.invalid(e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "r", "trunks": []string{"cm"}, "rewrite": map[string]any{"prepend": "9x"}}), "rewrite.prepend", "1-10 digits")
		e.must(201, e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "mobile", "priority": 10, "match": map[string]any{"types": []string{"mobile"}},
			"trunks": []string{"cm", "cu"}, "caller_id_pool": "p", "rewrite": map[string]any{"prepend": "9"}}))
		e.must(201, e.req("POST", "/api/v1/outbound/routes", "a/admin", map[string]any{"id": "rest", "priority": 100, "trunks": []string{"cu"}}))

		// Dry run: a mobile goes by the mobile route, rewritten, with a pool number.
		var d struct {
			Number   struct{ Type, E164 string }
			Refused  bool
			Rule     string
			Route    struct{ ID string }
			Trunks   []struct{ ID string }
			Dial     string
			CallerID string `json:"caller_id"`
		}
		e.must(200, e.req("POST", "/api/v1/outbound/decide", "a/supervisor", map[string]any{"number": "+86 138 1234 5678"})).decode(t, &d)
		if d.Refused || d.Route.ID != "mobile" || len(d.Trunks) != 2 || d.Dial != "913812345678" || d.Number.Type != "mobile" || d.CallerID == "" {
			t.Fatalf("decide mobile: %+v", d)
		}
		d = struct {
			Number   struct{ Type, E164 string }
			Refused  bool
			Rule     string
			Route    struct{ ID string }
			Trunks   []struct{ ID string }
			Dial     string
			CallerID string `json:"caller_id"`
		}{}
		e.must(200, e.req("POST", "/api/v1/outbound/decide", "a/supervisor", map[string]any{"number": "+852 2123 4567"})).decode(t, &d)
		if !d.Refused || d.Rule != "number_type" {
			t.Fatalf("decide Hong Kong: %+v", d)
		}
		e.invalid(e.req("POST", "/api/v1/outbound/decide", "a/supervisor", map[string]any{"number": ""}), "number", "required")

		// Settings: the fraud guard.
		e.invalid(e.req("PUT", "/api/v1/outbound/settings", "a/admin", map[string]any{"allowed_types": []string{"premium"}}), "allowed_types[0]", "not a number type")
		e.invalid(e.req("PUT", "/api/v1/outbound/settings", "a/admin", map[string]any{"caller_id_pool": "nope"}), "caller_id_pool", "no caller-ID pool")
		e.must(200, e.req("PUT", "/api/v1/outbound/settings", "a/admin", map[string]any{"allowed_types": []string{"mobile", "landline", "international"},
			"allowed_countries": []string{"852"}, "max_concurrent": 20, "max_cps": 5, "caller_id_pool": "p"}))
		var set struct {
			AllowedCountries []string `json:"allowed_countries"`
			MaxConcurrent    int      `json:"max_concurrent"`
		}
		e.must(200, e.req("GET", "/api/v1/outbound/settings", "a/supervisor", nil)).decode(t, &set)
		if set.MaxConcurrent != 20 || len(set.AllowedCountries) != 1 {
			t.Fatalf("settings %+v", set)
		}
		e.must(200, e.req("POST", "/api/v1/outbound/decide", "a/supervisor", map[string]any{"number": "+852 2123 4567"})).decode(t, &d)
		if d.Refused || d.Route.ID != "rest" || d.Dial != "0085221234567" {
			t.Fatalf("Hong Kong allowed: %+v", d)
		}
		// Tenant b's settings are its own.
		var setB map[string]any
		e.must(200, e.req("GET", "/api/v1/outbound/settings", "b/admin", nil)).decode(t, &setB)
		if len(setB) != 0 {
			t.Fatalf("tenant b sees %v", setB)
		}

		// A campaign names a pool of its tenant.
		camp := func(pool string) map[string]any {
			return map[string]any{"id": "c-" + pool, "name": "C", "type": "progressive", "settings": map[string]any{"queue_id": "sales", "caller_id_pool": pool}}
		}
		e.invalid(e.req("POST", "/api/v1/campaigns", "a/admin", camp("nope")), "settings.caller_id_pool", "no caller-ID pool")
		e.invalid(e.req("POST", "/api/v1/campaigns", "b/admin", camp("p")), "settings.caller_id_pool", "no caller-ID pool")
		e.must(201, e.req("POST", "/api/v1/campaigns", "a/admin", camp("p")))

		// In use: a trunk of a route, a pool of the settings.
		r := e.must(409, e.req("DELETE", "/api/v1/outbound/trunks/cu", "a/admin", nil))
		if code, msg, _ := r.apiErr(t); code != "in_use" || !strings.Contains(msg, "route mobile") {
			t.Fatalf("delete used trunk: %s %s", code, msg)
		}
		e.must(409, e.req("DELETE", "/api/v1/outbound/caller-id-pools/p", "a/admin", nil))
		e.must(204, e.req("DELETE", "/api/v1/outbound/routes/mobile", "a/admin", nil))
		e.must(204, e.req("DELETE", "/api/v1/outbound/trunks/cm", "a/admin", nil))
		e.must(404, e.req("DELETE", "/api/v1/outbound/trunks/cm", "a/admin", nil))
	})
}
