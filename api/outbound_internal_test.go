package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ipcc/ipcc/outroute"
)

func TestRefusalAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rule   string
		status int
	}{
		{outroute.RuleBlockedPrefix, http.StatusForbidden},
		{outroute.RuleNumberType, http.StatusForbidden},
		{outroute.RuleCountry, http.StatusForbidden},
		{outroute.RuleNoRoute, http.StatusForbidden},
		{outroute.RuleMaxConcurrent, http.StatusTooManyRequests},
		{outroute.RuleMaxCPS, http.StatusTooManyRequests},
		{outroute.RuleTrunksBusy, http.StatusTooManyRequests},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			// Wrapped as the dispatcher wraps it (a bad transfer target).
			err := fmt.Errorf("bad target: %w", &outroute.Refusal{Rule: tc.rule, Detail: "why"})
			for name, got := range map[string]error{"toAPIError": toAPIError(err), "agentCallError": agentCallError(err)} {
				e, ok := got.(*Error)
				if !ok || e.Status != tc.status || e.Code != "outbound_refused" || e.Rule != tc.rule || e.Field != "number" {
					t.Fatalf("%s: %#v", name, got)
				}
			}
		})
	}
	if refusalError(fmt.Errorf("other")) != nil {
		t.Fatal("a plain error became a refusal")
	}
}
