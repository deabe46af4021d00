package outroute

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestGatewayPolicy(t *testing.T) {
	p := GatewayPolicy{"acme": {"gw-acme", "gw-backup"}, "*": {"gw-shared"}, "locked": {}}
	for _, tc := range []struct {
		tenant, gw string
		want       bool
	}{
		{"acme", "gw-acme", true},
		{"acme", "gw-backup", true},
		{"acme", "gw-shared", false}, // its own list replaces "*"
		{"beta", "gw-shared", true},
		{"beta", "gw-acme", false},
		{"locked", "gw-shared", false},
	} {
		if got := p.Allowed(tc.tenant, tc.gw); got != tc.want {
			t.Errorf("Allowed(%s, %s) = %v, want %v", tc.tenant, tc.gw, got, tc.want)
		}
	}
	if !(GatewayPolicy(nil)).Allowed("any", "gw") || !(GatewayPolicy{"acme": {"gw-acme"}}).Allowed("beta", "anything") {
		t.Error("a tenant the policy does not name, with no *, is restricted")
	}
	var es Errors
	if err := p.Check("acme", "gateway", "gw-x"); !errors.As(err, &es) || es[0].Field != "gateway" ||
		!strings.Contains(es[0].Message, `gateway "gw-x" is not allowed: the platform lets tenant acme use only gw-acme, gw-backup`) {
		t.Errorf("Check: %v", err)
	}
	if err := p.Check("locked", "gateway", "gw-x"); err == nil || !strings.Contains(err.Error(), "use no gateway") {
		t.Errorf("Check of a tenant with no gateway: %v", err)
	}
	if err := (GatewayPolicy{"acme": {"bad gw"}}).Validate(); err == nil || !strings.Contains(err.Error(), "trunk_gateways.acme[0]") {
		t.Errorf("Validate: %v", err)
	}
}

// The live service refuses calls through gateways the platform does not
// allow the tenant: a route's forbidden trunk is skipped (the next one
// carries the call, or the call is refused naming why), and a tenant
// without routes may not dial through a forbidden default trunk.
func TestServiceGatewayPolicy(t *testing.T) {
	cfg := &Config{Home: "86", Trunks: map[string]Trunk{"old": {ID: "old", Gateway: "gw-old"}, "ok": {ID: "ok", Gateway: "gw-acme"}},
		Routes: []Route{{ID: "all", Trunks: []string{"old", "ok"}}}}
	svc := NewService(fixedSource{cfg}, func() time.Time { return time.Now() }, nil, nil)
	svc.SetGatewayPolicy(GatewayPolicy{"acme": {"gw-acme"}})
	ctx := context.Background()
	c, err := svc.Plan(ctx, "acme", PlanRequest{Number: "13812345678"})
	if err != nil || len(c.Trunks) != 1 || c.Trunks[0].ID != "ok" || !strings.Contains(strings.Join(c.Notes, "\n"), `old: gateway "gw-old" is not allowed`) {
		t.Fatalf("plan %+v %v", c, err)
	}
	c.Release()
	cfg.Routes[0].Trunks = []string{"old"}
	var ref *Refusal
	if _, err := svc.Plan(ctx, "acme", PlanRequest{Number: "13812345678"}); !errors.As(err, &ref) || ref.Rule != RuleNoTrunk {
		t.Fatalf("only a forbidden trunk: %v", err)
	}
	// Another tenant is not restricted by acme's entry.
	if c, err := svc.Plan(ctx, "beta", PlanRequest{Number: "13812345678"}); err != nil {
		t.Fatalf("beta: %v", err)
	} else {
		c.Release()
	}
	cfg.Routes = nil
	if _, err := svc.Plan(ctx, "acme", PlanRequest{Number: "13812345678", DefaultTrunk: "gw-default"}); !errors.As(err, &ref) || ref.Rule != RuleGateway {
		t.Fatalf("forbidden default trunk: %v", err)
	}
	if c, err := svc.Plan(ctx, "acme", PlanRequest{Number: "13812345678", DefaultTrunk: "gw-acme"}); err != nil {
		t.Fatalf("allowed default trunk: %v", err)
	} else {
		c.Release()
	}
}
