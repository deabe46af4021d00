package sim

import (
	"fmt"
	"sort"
	"time"
)

// Trunk behaviours: what a gateway (FreeSWITCH sofia/gateway/<name>/...)
// or trunk endpoint (Asterisk PJSIP/<number>@<name>) does with every
// originate through it, whatever the number.
const (
	// TrunkUp dials as usual (the default; removes a scripted failure).
	TrunkUp = "up"
	// TrunkCongested: the carrier answers the INVITE with 503 Service
	// Unavailable (or an E1 has no free channel): the channel is created
	// and ends without ringing. FreeSWITCH reports what sofia maps 503 to,
	// NORMAL_TEMPORARY_FAILURE (the originate's "-ERR
	// NORMAL_TEMPORARY_FAILURE", as in the reference's failed SIP
	// originate); Asterisk cause 34, NORMAL_CIRCUIT_CONGESTION (res_pjsip
	// maps 503 to AST_CAUSE_CONGESTION; Dial status CONGESTION).
	TrunkCongested = "congested"
	// TrunkDown: the gateway is down (its OPTIONS pings fail). FreeSWITCH
	// refuses the originate at once with "-ERR GATEWAY_DOWN"; Asterisk
	// (every contact of the trunk's AOR unreachable) answers POST /channels
	// with 500 "Allocation failed". Neither creates a channel (both checked
	// on the real servers).
	TrunkDown = "down"
)

// TrunkSpec scripts a gateway/trunk.
type TrunkSpec struct {
	Name     string `json:"name"`
	Behavior string `json:"behavior"` // up, congested, down
	// Cause overrides the hang-up cause name (e.g. SWITCH_CONGESTION,
	// NORMAL_CIRCUIT_CONGESTION on a FreeSWITCH E1 with no free channel).
	Cause string `json:"cause,omitempty"`
	// Peer makes the trunk an inter-switch trunk to the other front: a
	// number dialled through it (Prefix taken off; a number without the
	// prefix fails NO_ROUTE_DESTINATION) rings the phone registered on
	// Peer (EndpointSpec.Front), as the far switch's dialplan would; a
	// phone not registered there fails SUBSCRIBER_ABSENT. The leg stays
	// on the originating front, CallInfo.Reached names Peer. The far
	// switch's own half of the call (its trunk leg and phone leg) is not
	// modelled: its controller connection sees nothing of it.
	Peer   Front  `json:"peer,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// cause is what the front reports for the trunk's failure.
func (t TrunkSpec) cause(f Front) string {
	if t.Cause != "" {
		return t.Cause
	}
	switch {
	case t.Behavior == TrunkDown && f == FrontFreeSWITCH:
		return "GATEWAY_DOWN"
	case t.Behavior == TrunkDown:
		return "NO_ROUTE_DESTINATION" // chan_pjsip's cause; ARI shows none
	case f == FrontFreeSWITCH:
		return "NORMAL_TEMPORARY_FAILURE"
	}
	return "NORMAL_CIRCUIT_CONGESTION"
}

// trunkFailDelay is how long a rejected INVITE takes to come back.
const trunkFailDelay = 20 * time.Millisecond

// DefineTrunk scripts the gateway/trunk t.Name; behaviour up removes a
// script.
func (s *Sim) DefineTrunk(t TrunkSpec) error {
	if t.Name == "" {
		return fmt.Errorf("sim: define trunk: %w", errField("name", "missing"))
	}
	switch t.Behavior {
	case TrunkUp, TrunkCongested, TrunkDown:
	default:
		return fmt.Errorf("sim: define trunk: %w", errField("behavior", "must be up, congested or down"))
	}
	if t.Cause != "" && !isCauseName(t.Cause) {
		return fmt.Errorf("sim: define trunk: %w", errField("cause", "not a cause name such as SWITCH_CONGESTION"))
	}
	switch t.Peer {
	case "", FrontFreeSWITCH, FrontAsterisk:
	default:
		return fmt.Errorf("sim: define trunk: %w", errField("peer", "must be freeswitch, asterisk or empty"))
	}
	if t.Prefix != "" && t.Peer == "" {
		return fmt.Errorf("sim: define trunk: %w", errField("prefix", "only an inter-switch trunk (peer) takes a prefix off"))
	}
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	if t.Behavior == TrunkUp && t.Peer == "" {
		delete(s.model.trunks, t.Name)
		return nil
	}
	s.model.trunks[t.Name] = t
	return nil
}

// Trunks lists the scripted trunks.
func (s *Sim) Trunks() []TrunkSpec {
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	out := make([]TrunkSpec, 0, len(s.model.trunks))
	for _, t := range s.model.trunks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func isCauseName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != "" && len(s) <= 40
}
