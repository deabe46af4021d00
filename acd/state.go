package acd

import "fmt"

// State is an agent's state.
type State uint8

// Agent states.
const (
	LoggedOut State = iota
	Available
	NotReady
	Ringing // reserved: an offer is ringing the agent
	OnCall
	WrapUp
)

var stateNames = [...]string{"logged-out", "available", "not-ready", "ringing", "on-call", "wrap-up"}

// String is the state's name ("on-call").
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// ParseState reads a state name.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("acd: unknown agent state %q", s)
}

// MarshalText writes the state name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state name, so Go clients can decode snapshots.
func (s *State) UnmarshalText(b []byte) error {
	st, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// Not-ready reasons the engine itself uses. Others (break, lunch, training,
// meeting, ...) are free text chosen by the tenant.
const (
	ReasonNoAnswer = "no-answer"
	ReasonBreak    = "break"
	ReasonLunch    = "lunch"
	ReasonTraining = "training"
	ReasonLogin    = "login"
)

// Pending is what an agent asked for while busy; it applies when the call
// and wrap-up end.
type Pending uint8

// Pending requests.
const (
	PendingNone Pending = iota
	PendingNotReady
	PendingLogout
)

// Status is the part of an agent the state machine decides on.
type Status struct {
	State         State
	Reason        string // not-ready reason
	Pending       Pending
	PendingReason string
}

// InputKind names an input of the agent state machine.
type InputKind uint8

// Inputs of the agent state machine.
const (
	InLogin       InputKind = iota + 1
	InLogout                // agent or supervisor logs out
	InReady                 // agent or supervisor sets ready
	InNotReady              // with Reason
	InOffer                 // the engine offers a call
	InAnswer                // the agent answered the offer
	InNoAnswer              // the ring timeout passed or the agent's leg failed
	InOfferCancel           // the caller left or another agent answered first
	InCallEnd               // the call the agent was on ended; WrapUp says whether wrap-up follows
	InWrapUpEnd             // wrap-up time over or ended by the agent
	InTakeBack              // the switch has the agent talking on a call the engine did not connect (taken back after a takeover)
)

var inputNames = [...]string{"", "login", "logout", "ready", "not-ready", "offer", "answer", "no-answer", "offer-cancel", "call-end", "wrap-up-end", "take-back"}

// String is the input's name.
func (k InputKind) String() string {
	if int(k) < len(inputNames) {
		return inputNames[k]
	}
	return fmt.Sprintf("input(%d)", k)
}

// Input is one input of the agent state machine.
type Input struct {
	Kind   InputKind
	Reason string // InNotReady
	WrapUp bool   // InCallEnd: the queue has wrap-up time
}

// Action is a side effect the engine carries out after a transition.
type Action uint8

// Actions of the state machine.
const (
	ActCancelOffer Action = iota + 1 // withdraw the ringing offer and requeue the call
	ActStartWrapUp                   // arm the wrap-up timer
	ActStopWrapUp                    // disarm it
)

// next is the agent state machine: a pure function of the status and one
// input. It returns the new status, the actions to carry out, and an error
// (wrapping ErrBadState) when the input is not allowed in this state; then
// the status is returned unchanged.
func next(s Status, in Input) (Status, []Action, error) {
	bad := func() (Status, []Action, error) {
		return s, nil, fmt.Errorf("%w: %s while %s", ErrBadState, in.Kind, s.State)
	}
	// afterCall is where an agent goes when its call work is done.
	afterCall := func() Status {
		switch s.Pending {
		case PendingLogout:
			return Status{State: LoggedOut}
		case PendingNotReady:
			return Status{State: NotReady, Reason: s.PendingReason}
		}
		return Status{State: Available}
	}
	switch in.Kind {
	case InLogin:
		if s.State != LoggedOut {
			return bad()
		}
		return Status{State: Available}, nil, nil
	case InLogout:
		switch s.State {
		case Available, NotReady:
			return Status{State: LoggedOut}, nil, nil
		case Ringing:
			return Status{State: LoggedOut}, []Action{ActCancelOffer}, nil
		case OnCall, WrapUp:
			s.Pending, s.PendingReason = PendingLogout, ""
			return s, nil, nil
		}
		return bad()
	case InReady:
		switch s.State {
		case Available, NotReady:
			return Status{State: Available}, nil, nil
		case OnCall, WrapUp:
			s.Pending, s.PendingReason = PendingNone, ""
			return s, nil, nil
		}
		return bad()
	case InNotReady:
		if in.Reason == "" {
			return s, nil, fmt.Errorf("%w: not-ready needs a reason", ErrBadState)
		}
		switch s.State {
		case Available, NotReady:
			return Status{State: NotReady, Reason: in.Reason}, nil, nil
		case Ringing:
			return Status{State: NotReady, Reason: in.Reason}, []Action{ActCancelOffer}, nil
		case OnCall, WrapUp:
			s.Pending, s.PendingReason = PendingNotReady, in.Reason
			return s, nil, nil
		}
		return bad()
	case InOffer:
		if s.State != Available {
			return bad()
		}
		return Status{State: Ringing}, nil, nil
	case InAnswer:
		if s.State != Ringing {
			return bad()
		}
		return Status{State: OnCall}, nil, nil
	case InNoAnswer:
		if s.State != Ringing {
			return bad()
		}
		return Status{State: NotReady, Reason: ReasonNoAnswer}, nil, nil
	case InOfferCancel:
		if s.State != Ringing {
			return bad()
		}
		return Status{State: Available}, nil, nil
	case InCallEnd:
		if s.State != OnCall {
			return bad()
		}
		if in.WrapUp {
			s.State = WrapUp
			return s, []Action{ActStartWrapUp}, nil
		}
		return afterCall(), nil, nil
	case InWrapUpEnd:
		if s.State != WrapUp {
			return bad()
		}
		return afterCall(), []Action{ActStopWrapUp}, nil
	case InTakeBack:
		// The previous controller connected the agent and died before
		// the engine's answer was written: they talk, whatever the
		// restored state says, unless they were busy elsewhere.
		switch s.State {
		case Available, Ringing:
			return Status{State: OnCall}, nil, nil
		}
		return bad()
	}
	return bad()
}
