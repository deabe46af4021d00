package dispatch

import "github.com/ipcc/ipcc/controller"

// Whose failure is an offer that was not answered? Only the agent's own
// phone can make an agent not ready (no-answer): it rang and nobody picked
// up, it refused the call (busy, declined), or it is not there to ring
// (not registered, an extension that does not exist). Everything else is
// ipcc's or the switch's doing — a command that failed or timed out, a
// leg the switch could not set up, congestion, a leg cancelled by ipcc, a
// call that ended meanwhile — and must never cost the agent: the offer is
// withdrawn, the agent stays available and the call is offered again.

// phoneRefused lists the hangup causes that are the agent's phone's
// answer, whether or not it was reported ringing.
var phoneRefused = map[controller.Cause]bool{
	controller.CauseUserBusy:           true, // busy, or do-not-disturb
	controller.CauseCallRejected:       true, // declined on the phone
	controller.CauseSubscriberAbsent:   true, // not registered (Asterisk, sim)
	"USER_NOT_REGISTERED":              true, // not registered (FreeSWITCH)
	controller.CauseUnallocatedNumber:  true, // the device does not exist
	controller.CauseNoRouteDestination: true,
	"INVALID_NUMBER_FORMAT":            true,
}

// agentsFault reports whether an agent's leg that ended unanswered with
// cause counts against the agent. rang: the switch reported the phone
// ringing. A ring timeout only counts when the phone actually rang.
func agentsFault(cause controller.Cause, rang bool) bool {
	switch cause {
	case controller.CauseNoAnswer, controller.CauseNoUserResponse:
		return rang
	}
	return phoneRefused[cause]
}
