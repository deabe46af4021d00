package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A supervisor's simulation runs http nodes through the egress policy: a
// service on the controller's own network is not reached and nothing of
// it comes back, only the neutral error.
func TestFlowSimulateDoesNotReachInternalServices(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		var hits atomic.Int32
		internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			_, _ = w.Write([]byte(`{"data": {"secret": "internal-only"}}`))
		}))
		defer internal.Close()
		e := newFlowEnv(t, s)
		doc := `{"id": "probe", "start": "get", "nodes": [
			{"id": "get", "type": "http", "url": "` + internal.URL + `/admin", "response": {"secret": "data.secret"}, "next": "bye", "error": "bye"},
			{"id": "bye", "type": "hangup"}]}`
		e.must(201, "POST", "/api/v1/flows", "", doc, e.tok["a/admin"])
		code, body := e.call("POST", "/api/v1/flows/probe/simulate", "", map[string]any{}, e.tok["a/supervisor"])
		if code != http.StatusOK || strings.Contains(string(body), "internal-only") || !strings.Contains(string(body), egress.Failed) {
			t.Fatalf("%d %s", code, body)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("internal service reached %d times", n)
		}
	})
}
