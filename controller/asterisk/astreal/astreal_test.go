package astreal_test

import (
	"testing"

	"github.com/ipcc/ipcc/controller/asterisk/astreal"
	"github.com/ipcc/ipcc/controller/switchtest"
)

func TestContractRealAsterisk(t *testing.T) {
	switchtest.Run(t, astreal.FromEnv(t))
}
