package dispatch

import (
	"testing"

	"github.com/ipcc/ipcc/controller"
)

func TestAgentsFault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cause controller.Cause
		rang  bool
		want  bool
	}{
		{controller.CauseNoAnswer, true, true},                // rang out on the phone
		{controller.CauseNoUserResponse, true, true},          // the same, as some phones say it
		{controller.CauseNoAnswer, false, false},              // the switch gave up before the phone rang
		{controller.CauseUserBusy, false, true},               // busy or do-not-disturb
		{controller.CauseCallRejected, true, true},            // declined
		{controller.CauseSubscriberAbsent, false, true},       // phone not registered
		{"USER_NOT_REGISTERED", false, true},                  // FreeSWITCH's word for it
		{controller.CauseUnallocatedNumber, false, true},      // no such device
		{controller.CauseNormalTemporaryFailure, true, false}, // the switch or network failed
		{controller.CauseCongestion, false, false},            // no circuit
		{"RECOVERY_ON_TIMER_EXPIRE", false, false},            // SIP timer on the switch
		{controller.CauseOriginatorCancel, true, false},       // ipcc cancelled it
		{controller.CauseNormalClearing, true, false},         // hung up after answering: not a no-answer
		{controller.CauseSystemShutdown, false, false},        // the switch stopping
		{"", false, false},                                    // nobody said why
	} {
		if got := agentsFault(tc.cause, tc.rang); got != tc.want {
			t.Errorf("agentsFault(%q, rang=%v) = %v, want %v", tc.cause, tc.rang, got, tc.want)
		}
	}
}
