package fsreal_test

import (
	"testing"

	"github.com/ipcc/ipcc/controller/freeswitch/fsreal"
	"github.com/ipcc/ipcc/controller/switchtest"
)

func TestContractRealFreeSWITCH(t *testing.T) {
	switchtest.Run(t, fsreal.FromEnv(t))
}
