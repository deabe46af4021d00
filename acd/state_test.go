package acd

import (
	"errors"
	"slices"
	"testing"
)

func TestNextTable(t *testing.T) {
	st := func(s State) Status { return Status{State: s} }
	nr := func(r string) Status { return Status{State: NotReady, Reason: r} }
	tests := []struct {
		name string
		from Status
		in   Input
		to   Status
		acts []Action
		bad  bool
	}{
		{"login makes a logged-out agent available", st(LoggedOut), Input{Kind: InLogin}, st(Available), nil, false},
		{"login twice is refused", st(Available), Input{Kind: InLogin}, st(Available), nil, true},
		{"logout from available", st(Available), Input{Kind: InLogout}, st(LoggedOut), nil, false},
		{"logout from not-ready", nr("lunch"), Input{Kind: InLogout}, st(LoggedOut), nil, false},
		{"logout while ringing cancels the offer", st(Ringing), Input{Kind: InLogout}, st(LoggedOut), []Action{ActCancelOffer}, false},
		{"logout on a call waits for its end", st(OnCall), Input{Kind: InLogout}, Status{State: OnCall, Pending: PendingLogout}, nil, false},
		{"logout in wrap-up waits for its end", st(WrapUp), Input{Kind: InLogout}, Status{State: WrapUp, Pending: PendingLogout}, nil, false},
		{"logout when logged out is refused", st(LoggedOut), Input{Kind: InLogout}, st(LoggedOut), nil, true},
		{"ready from not-ready", nr("break"), Input{Kind: InReady}, st(Available), nil, false},
		{"ready on a call clears a pending not-ready", Status{State: OnCall, Pending: PendingNotReady, PendingReason: "break"}, Input{Kind: InReady}, st(OnCall), nil, false},
		{"ready while ringing is refused", st(Ringing), Input{Kind: InReady}, st(Ringing), nil, true},
		{"not-ready from available", st(Available), Input{Kind: InNotReady, Reason: "break"}, nr("break"), nil, false},
		{"not-ready changes the reason", nr("break"), Input{Kind: InNotReady, Reason: "lunch"}, nr("lunch"), nil, false},
		{"not-ready while ringing cancels the offer", st(Ringing), Input{Kind: InNotReady, Reason: "break"}, nr("break"), []Action{ActCancelOffer}, false},
		{"not-ready on a call is pending", st(OnCall), Input{Kind: InNotReady, Reason: "lunch"}, Status{State: OnCall, Pending: PendingNotReady, PendingReason: "lunch"}, nil, false},
		{"not-ready needs a reason", st(Available), Input{Kind: InNotReady}, st(Available), nil, true},
		{"offer rings an available agent", st(Available), Input{Kind: InOffer}, st(Ringing), nil, false},
		{"offer to a ringing agent is refused", st(Ringing), Input{Kind: InOffer}, st(Ringing), nil, true},
		{"offer to an agent on a call is refused", st(OnCall), Input{Kind: InOffer}, st(OnCall), nil, true},
		{"offer to a not-ready agent is refused", nr("break"), Input{Kind: InOffer}, nr("break"), nil, true},
		{"answer connects", st(Ringing), Input{Kind: InAnswer}, st(OnCall), nil, false},
		{"answer without an offer is refused", st(Available), Input{Kind: InAnswer}, st(Available), nil, true},
		{"no answer sets not-ready no-answer", st(Ringing), Input{Kind: InNoAnswer}, nr(ReasonNoAnswer), nil, false},
		{"offer cancel returns to available", st(Ringing), Input{Kind: InOfferCancel}, st(Available), nil, false},
		{"call end with wrap-up", st(OnCall), Input{Kind: InCallEnd, WrapUp: true}, st(WrapUp), []Action{ActStartWrapUp}, false},
		{"call end without wrap-up", st(OnCall), Input{Kind: InCallEnd}, st(Available), nil, false},
		{"call end applies a pending not-ready", Status{State: OnCall, Pending: PendingNotReady, PendingReason: "lunch"}, Input{Kind: InCallEnd}, nr("lunch"), nil, false},
		{"call end applies a pending logout", Status{State: OnCall, Pending: PendingLogout}, Input{Kind: InCallEnd}, st(LoggedOut), nil, false},
		{"call end when not on a call is refused", st(Available), Input{Kind: InCallEnd}, st(Available), nil, true},
		{"wrap-up end makes available", st(WrapUp), Input{Kind: InWrapUpEnd}, st(Available), []Action{ActStopWrapUp}, false},
		{"wrap-up end applies a pending not-ready", Status{State: WrapUp, Pending: PendingNotReady, PendingReason: "break"}, Input{Kind: InWrapUpEnd}, nr("break"), []Action{ActStopWrapUp}, false},
		{"wrap-up end applies a pending logout", Status{State: WrapUp, Pending: PendingLogout}, Input{Kind: InWrapUpEnd}, st(LoggedOut), []Action{ActStopWrapUp}, false},
		{"wrap-up end outside wrap-up is refused", st(OnCall), Input{Kind: InWrapUpEnd}, st(OnCall), nil, true},
		{"take-back of an available agent puts them on call", st(Available), Input{Kind: InTakeBack}, st(OnCall), nil, false},
		{"take-back of a ringing agent puts them on call", st(Ringing), Input{Kind: InTakeBack}, st(OnCall), nil, false},
		{"take-back of an agent not ready is refused", nr("lunch"), Input{Kind: InTakeBack}, nr("lunch"), nil, true},
		{"take-back of an agent on call is refused", st(OnCall), Input{Kind: InTakeBack}, st(OnCall), nil, true},
		{"unknown input is refused", st(Available), Input{Kind: 99}, st(Available), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, acts, err := next(tc.from, tc.in)
			if tc.bad != (err != nil) {
				t.Fatalf("err = %v, want error %v", err, tc.bad)
			}
			if err != nil && !errors.Is(err, ErrBadState) {
				t.Fatalf("err %v does not wrap ErrBadState", err)
			}
			if got != tc.to {
				t.Fatalf("next(%+v, %s) = %+v, want %+v", tc.from, tc.in.Kind, got, tc.to)
			}
			if !slices.Equal(acts, tc.acts) {
				t.Fatalf("actions %v, want %v", acts, tc.acts)
			}
		})
	}
}

func TestStateNames(t *testing.T) {
	for s := LoggedOut; s <= WrapUp; s++ {
		p, err := ParseState(s.String())
		if err != nil || p != s {
			t.Fatalf("ParseState(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParseState("dancing"); err == nil {
		t.Fatal("ParseState accepted an unknown state")
	}
}
