package inbound

import (
	"errors"
	"testing"

	"github.com/ipcc/ipcc/controller"
)

func TestDialDisposition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"busy", &controller.OriginateError{Cause: controller.CauseUserBusy}, "busy"},
		{"no answer", &controller.OriginateError{Cause: controller.CauseNoAnswer}, "no_answer"},
		{"no user response", &controller.OriginateError{Cause: controller.CauseNoUserResponse}, "no_answer"},
		{"ring withdrawn", &controller.OriginateError{Cause: controller.CauseOriginatorCancel}, "no_answer"},
		{"rejected", &controller.OriginateError{Cause: controller.CauseCallRejected}, "failed"},
		{"switch error", errors.New("connection lost"), "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DialDisposition(tt.err); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
