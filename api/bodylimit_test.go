package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// chunked wraps a body so the client cannot know its length and sends it
// with Transfer-Encoding: chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// A body over the limit is a 413 in the API's error shape whether it
// announced its length or came chunked (a chunked one was a 400 "malformed
// JSON").
func TestBodyLimitAnswers413ForChunkedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	su, tok := e.setup()
	big := `{"username":"` + strings.Repeat("x", 5000) + `"}`
	for _, tt := range []struct{ name, path, body string }{
		{"JSON", "/api/v1/users", big},
		{"CSV import", "/api/v1/blacklist/import", strings.Repeat("13800000000,exact,x,\n", 300)},
	} {
		for _, chunk := range []bool{false, true} {
			var body io.Reader = strings.NewReader(tt.body)
			if chunk {
				body = chunked{body}
			}
			req, _ := http.NewRequest("POST", e.http.URL+tt.path, body)
			req.Header.Set("Authorization", "Bearer "+tok["a/admin"])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 413 || !strings.Contains(string(b), `"code":"request_entity_too_large"`) {
				t.Errorf("%s chunked=%v: %d %s", tt.name, chunk, res.StatusCode, b)
			}
		}
	}
	_ = su
}
