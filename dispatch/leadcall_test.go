package dispatch_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dispatch"
)

func TestDialOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&controller.OriginateError{Cause: controller.CauseUserBusy}, dispatch.OutcomeBusy},
		{&controller.OriginateError{Cause: controller.CauseNoAnswer}, dispatch.OutcomeNoAnswer},
		{&controller.OriginateError{Cause: controller.CauseNoUserResponse}, dispatch.OutcomeNoAnswer},
		{&controller.OriginateError{Cause: controller.CauseSubscriberAbsent}, dispatch.OutcomeNoAnswer},
		{&controller.OriginateError{Cause: controller.CauseCallRejected}, dispatch.OutcomeRejected},
		{&controller.OriginateError{Cause: controller.CauseUnallocatedNumber}, dispatch.OutcomeInvalidNumber},
		{&controller.OriginateError{Cause: controller.CauseNoRouteDestination}, dispatch.OutcomeInvalidNumber},
		{&controller.OriginateError{Cause: controller.CauseCongestion}, dispatch.OutcomeFailed},
		{fmt.Errorf("wrapped: %w", &controller.OriginateError{Cause: controller.CauseUserBusy}), dispatch.OutcomeBusy},
		{errors.New("switch gone"), dispatch.OutcomeFailed},
	} {
		if got := dispatch.DialOutcome(tc.err); got != tc.want {
			t.Errorf("DialOutcome(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}
