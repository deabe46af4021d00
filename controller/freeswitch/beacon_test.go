package freeswitch

import (
	"strconv"
	"testing"
	"time"
)

// With a beacon, the driver writes ipcc_seen as soon as it is connected
// and keeps it fresh while connected; without one it writes nothing.
func TestBeaconKeepsIpccSeenFresh(t *testing.T) {
	s := startSim(t)
	d, _ := startDriver(t, s.ESLAddr(), func(c *Config) {
		c.HeartbeatInterval = 100 * time.Millisecond
		c.Beacon = 50 * time.Millisecond
	})
	eventually(t, "connected", d.Connected)
	eventually(t, "ipcc_seen is set", func() bool { return s.GlobalVar(BeaconVariable) != "" })
	first, err := strconv.ParseInt(s.GlobalVar(BeaconVariable), 10, 64)
	if err != nil || time.Since(time.Unix(first, 0)) > 5*time.Second {
		t.Fatalf("ipcc_seen=%q: %v", s.GlobalVar(BeaconVariable), err)
	}
	// Kept fresh: a later beat writes a later second.
	eventually(t, "ipcc_seen moves on", func() bool {
		n, err := strconv.ParseInt(s.GlobalVar(BeaconVariable), 10, 64)
		return err == nil && n > first
	})

	s2 := startSim(t)
	d2, _ := startDriver(t, s2.ESLAddr(), func(c *Config) { c.HeartbeatInterval = 100 * time.Millisecond })
	eventually(t, "connected", d2.Connected)
	time.Sleep(150 * time.Millisecond)
	if v := s2.GlobalVar(BeaconVariable); v != "" {
		t.Fatalf("no beacon configured, yet ipcc_seen=%q", v)
	}
}
