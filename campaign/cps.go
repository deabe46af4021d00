package campaign

import "github.com/ipcc/ipcc/outroute"

// CPS is the token bucket limiting call attempts per second
// (outroute.CPS: trunks and tenants use the same).
type CPS = outroute.CPS

// NewCPS makes a limiter of rate calls per second.
func NewCPS(rate float64, burst int) *CPS { return outroute.NewCPS(rate, burst) }

// allowTrunk takes a token of the trunk's limiter when the campaign sets
// trunk_cps (campaigns sharing a trunk share its limiter; the last rate
// set wins).
func (d *Dialer) allowTrunk(c *Campaign) bool {
	if c.Settings.TrunkCPS <= 0 {
		return true
	}
	trunk := c.Settings.Trunk
	d.mu.Lock()
	l := d.cps[trunk]
	if l == nil {
		l = NewCPS(c.Settings.TrunkCPS, 0)
		d.cps[trunk] = l
	} else if l.Rate() != c.Settings.TrunkCPS {
		l.SetRate(c.Settings.TrunkCPS)
	}
	d.mu.Unlock()
	return l.Allow(d.opt.Clock.Now())
}
