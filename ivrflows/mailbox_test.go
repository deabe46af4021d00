package ivrflows

import (
	"strings"
	"testing"
)

// A voicemail node's mailbox obeys the mailbox name grammar: a static name
// is checked by the validator, one built from variables when it is
// rendered (the node then takes no message and ends in error).
func TestVoicemailMailboxNames(t *testing.T) {
	static := `{"id":"f","start":"vm","nodes":[{"id":"vm","type":"voicemail","mailbox":"../etc"}]}`
	f, err := Parse([]byte(static))
	if err != nil {
		t.Fatal(err)
	}
	errs := Validate(f)
	if errs == nil || !strings.Contains(errs.Error(), "mailbox") || !strings.Contains(errs.Error(), "..") {
		t.Fatalf("validation of a static ../ mailbox: %v", errs)
	}
	dynamic := mustFlow(t, `{"id":"f","start":"vm","variables":{"box":"../../etc"},"nodes":[{"id":"vm","type":"voicemail","mailbox":"${box}"}]}`)
	r := dry(t, dynamic, "1", DryRunOptions{Tenant: "t1"})
	if len(r.Stored.Voicemails) != 0 || r.Result.Outcome.Kind != OutcomeError {
		t.Fatalf("rendered ../ mailbox: outcome %+v, stored %+v", r.Result.Outcome, r.Stored.Voicemails)
	}
	fine := mustFlow(t, `{"id":"f","start":"vm","variables":{"box":"sales"},"nodes":[{"id":"vm","type":"voicemail","mailbox":"box-${box}"}]}`)
	if r := dry(t, fine, "1", DryRunOptions{Tenant: "t1"}); len(r.Stored.Voicemails) != 1 || r.Stored.Voicemails[0].Mailbox != "box-sales" {
		t.Fatalf("a rendered good mailbox: %+v", r.Stored.Voicemails)
	}
}
