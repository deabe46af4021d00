package asterisk

import "github.com/ipcc/ipcc/controller"

// q850Names names Q.850 cause codes as FreeSWITCH and controller.Cause do.
var q850Names = map[int]controller.Cause{
	1:   controller.CauseUnallocatedNumber,
	2:   "NO_ROUTE_TRANSIT_NET",
	3:   controller.CauseNoRouteDestination,
	16:  controller.CauseNormalClearing,
	17:  controller.CauseUserBusy,
	18:  controller.CauseNoUserResponse,
	19:  controller.CauseNoAnswer,
	20:  controller.CauseSubscriberAbsent,
	21:  controller.CauseCallRejected,
	22:  "NUMBER_CHANGED",
	26:  controller.CauseAnsweredElsewhere,
	27:  "DESTINATION_OUT_OF_ORDER",
	28:  "INVALID_NUMBER_FORMAT",
	29:  "FACILITY_REJECTED",
	31:  controller.CauseNormalUnspecified,
	34:  controller.CauseCongestion,
	38:  "NETWORK_OUT_OF_ORDER",
	41:  controller.CauseNormalTemporaryFailure,
	42:  "SWITCH_CONGESTION",
	44:  "REQUESTED_CHAN_UNAVAIL",
	47:  "RESOURCE_UNAVAILABLE",
	50:  "FACILITY_NOT_SUBSCRIBED",
	58:  "BEARERCAPABILITY_NOTAVAIL",
	65:  "BEARERCAPABILITY_NOTIMPL",
	66:  "CHAN_NOT_IMPLEMENTED",
	69:  "FACILITY_NOT_IMPLEMENTED",
	88:  "INCOMPATIBLE_DESTINATION",
	102: "RECOVERY_ON_TIMER_EXPIRE",
	111: "PROTOCOL_ERROR",
	127: "INTERWORKING",
}

// causeFromQ850 maps an Asterisk cause code to a neutral cause. Code 0
// ("Unknown", e.g. a channel sent to a missing extension) is NORMAL_UNSPECIFIED.
func causeFromQ850(code int) controller.Cause {
	if c, ok := q850Names[code]; ok {
		return c
	}
	return controller.CauseFromQ850(code)
}

// q850FromCause is the inverse for causes the controller asks for.
func q850FromCause(c controller.Cause) int {
	if n := c.Q850(); n > 0 && n < 128 {
		return n
	}
	for code, name := range q850Names {
		if name == c {
			return code
		}
	}
	return 0
}

// hangupReasons are the named reasons DELETE /channels/{id} accepts
// (channels.json allowableValues) for the causes they stand for.
var hangupReasons = map[controller.Cause]string{
	controller.CauseNormalClearing:    "normal",
	controller.CauseUserBusy:          "busy",
	controller.CauseCongestion:        "congestion",
	controller.CauseNoAnswer:          "no_answer",
	controller.CauseNoUserResponse:    "timeout",
	controller.CauseCallRejected:      "rejected",
	controller.CauseUnallocatedNumber: "unallocated",
	controller.CauseNormalUnspecified: "normal_unspecified",
	controller.CauseAnsweredElsewhere: "answered_elsewhere",
	"INVALID_NUMBER_FORMAT":           "number_incomplete",
	"BEARERCAPABILITY_NOTAVAIL":       "codec_mismatch",
	"INTERWORKING":                    "interworking",
	"NETWORK_OUT_OF_ORDER":            "failure",
}

// hangupParams picks reason or reason_code for a neutral cause ("" = none).
func hangupParams(c controller.Cause) (reason string, code int) {
	if c == "" {
		return "", 0
	}
	if r, ok := hangupReasons[c]; ok {
		return r, 0
	}
	return "", q850FromCause(c)
}

// switchFailure reports causes that mean the switch or network gave up,
// rather than the party on the leg hanging up.
func switchFailure(code int) bool {
	switch code {
	case 0, 2, 3, 27, 34, 38, 41, 42, 44, 47, 58, 66, 88, 102, 111, 127:
		return true
	}
	return false
}
