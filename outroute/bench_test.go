package outroute

import (
	"context"
	"fmt"
	"testing"

	"github.com/ipcc/ipcc/controller"
)

// BenchmarkPlanAndEach is the routing cost of one outbound call with a
// configuration already read: classify, guard, 50 routes, caller-ID pool,
// caps, one trunk taken and given back.
func BenchmarkPlanAndEach(b *testing.B) {
	cfg := &Config{Home: "86", Settings: Settings{MaxConcurrent: 1000, MaxCPS: 1e9, CallerIDPool: "p"},
		Trunks: map[string]Trunk{"a": {ID: "a", Gateway: "gw-a", Channels: 1000}, "b": {ID: "b", Gateway: "gw-b"}},
		Pools:  map[string]*Pool{"p": {ID: "p", Numbers: []PoolNumber{{Number: "075588880001"}, {Number: "01088880003"}}}}}
	for i := range 49 {
		cfg.Routes = append(cfg.Routes, Route{ID: fmt.Sprintf("r%02d", i), Priority: i, Match: Match{Prefixes: []string{fmt.Sprintf("+8609%02d", i)}}, Trunks: []string{"a"}})
	}
	cfg.Routes = append(cfg.Routes, Route{ID: "z", Priority: 100, Trunks: []string{"a", "b"}})
	svc := NewService(StaticSource{Config: cfg}, nil, nil, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, err := svc.Plan(ctx, "t", PlanRequest{Number: "010 6234 5678", Source: SourceCampaign})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Each("", func(controller.Endpoint, Trunk) error { return nil }); err != nil {
			b.Fatal(err)
		}
		c.Release()
	}
}
