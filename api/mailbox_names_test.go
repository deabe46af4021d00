package api_test

import (
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Mailbox names follow one strict grammar wherever a mailbox is named:
// defining one, listing its messages, a route's or a queue overflow's
// voicemail target. "../" and friends are refused naming the field.
func TestMailboxNamesAreStrict(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRoutingEnv(t, s)
		for _, bad := range []string{"../x", "..", "a/../b", "a..b", ".hidden", "a\\b", "a b", "x%2F"} {
			{
				e.invalid(e.req("POST", "/api/v1/mailboxes", "a/admin", map[string]any{"id": bad, "owner_type": "tenant"}), "id", "mailbox")
				e.invalid(e.req("POST", "/api/v1/routes", "a/admin", map[string]any{"name": "vm", "did": "4009", "default": map[string]string{"kind": "voicemail", "ref": bad}}), "default.ref", "mailbox")
				e.invalid(e.req("POST", "/api/v1/queues", "a/admin", map[string]any{"id": "vmq", "name": "q", "strategy": "longest-idle",
					"overflow": map[string]any{"voicemail": map[string]string{"kind": "voicemail", "value": bad}}}), "overflow.voicemail.value", "mailbox")
			}
		}
		e.invalid(e.req("GET", "/api/v1/voicemail?mailbox=..%2Fetc", "a/supervisor", nil), "mailbox", "mailbox")
		// Good names still work.
		e.must(201, e.req("POST", "/api/v1/mailboxes", "a/admin", map[string]any{"id": "sales.after-hours_1", "owner_type": "tenant"}))
		e.must(200, e.req("GET", "/api/v1/voicemail?mailbox=sales.after-hours_1", "a/supervisor", nil))
	})
}
