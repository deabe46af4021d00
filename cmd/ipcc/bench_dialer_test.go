package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
)

func TestInterpolate(t *testing.T) {
	cases := []struct {
		name   string
		xs, ys []float64
		x      float64
		want   float64
		ok     bool
	}{
		{"between two points", []float64{1, 3}, []float64{54, 56}, 2, 55, true},
		{"unsorted points", []float64{3, 1, 2}, []float64{56, 54, 55.5}, 1.5, 54.75, true},
		{"on a point", []float64{1, 2, 3}, []float64{54, 55, 56}, 2, 55, true},
		{"below the range", []float64{1, 3}, []float64{54, 56}, 0.5, 0, false},
		{"above the range", []float64{1, 3}, []float64{54, 56}, 4, 0, false},
		{"one point", []float64{1}, []float64{54}, 1, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := interpolate(c.xs, c.ys, c.x)
			if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
				t.Fatalf("interpolate(%v, %v, %v) = %v, %v; want %v, %v", c.xs, c.ys, c.x, got, ok, c.want, c.ok)
			}
		})
	}
}

// A short frontier: every curve gets its points, and the looser budgets
// of the production rule abandon more.
func TestDialerFrontierShort(t *testing.T) {
	o := campaign.DefaultSim()
	o.Duration = 5 * time.Minute
	curves := runDialerFrontier(o, 1, nil)
	if len(curves) != len(frontierCurves()) {
		t.Fatalf("%d curves", len(curves))
	}
	for _, c := range curves {
		if len(c.points) != len(c.budgets) {
			t.Fatalf("%s: %d points for %d budgets", c.name, len(c.points), len(c.budgets))
		}
		for _, p := range c.points {
			if p.talk <= 0 || p.talk > 60 {
				t.Fatalf("%s budget %v: talk %v", c.name, p.budget, p.talk)
			}
		}
	}
	pts := curves[0].points
	if first, last := pts[0], pts[len(pts)-1]; last.abandonPct <= first.abandonPct || last.talk <= first.talk {
		t.Fatalf("budget %v: %.2f talk %.2f%%; budget %v: %.2f talk %.2f%%: want more talk and abandons with the looser budget",
			first.budget, first.talk, first.abandonPct, last.budget, last.talk, last.abandonPct)
	}
	var b strings.Builder
	writeDialerFrontier(&b, o, 1, curves, time.Second)
	if !strings.Contains(b.String(), "talk at 3%") || !strings.Contains(b.String(), "known parameters") || !strings.Contains(b.String(), "ORACLE (bench only)") {
		t.Fatalf("frontier table:\n%s", b.String())
	}
	// --frontier-curves keeps the named ones, in the table's order.
	sel := runDialerFrontier(o, 1, []string{"oracle", "average"})
	if len(sel) != 2 || sel[0].key != "average" || sel[1].key != "oracle" {
		t.Fatalf("selected %d curves: %+v", len(sel), sel)
	}
}
