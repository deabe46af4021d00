package switchtest_test

import (
	"testing"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
)

func TestContractFreeSWITCHOverSimulator(t *testing.T) {
	switchtest.Run(t, switchtest.NewSimWorld(t, sim.FrontFreeSWITCH))
}

func TestContractAsteriskOverSimulator(t *testing.T) {
	switchtest.Run(t, switchtest.NewSimWorld(t, sim.FrontAsterisk))
}

func TestArrivedWhileDisconnected(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			switchtest.RunArrivedWhileDisconnected(t, switchtest.NewSimWorld(t, f))
		})
	}
}
