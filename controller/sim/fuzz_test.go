package sim

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

// eslSeeds returns the commands clients wrote in the reference transcripts.
func eslSeeds(f *testing.F) []string {
	var out []string
	for _, name := range []string{"esl-errors.txt", "esl-sendmsg.txt", "esl-subscriptions.txt"} {
		raw, err := os.ReadFile(refFile(f, name))
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, ">>> ") {
				continue
			}
			var cmd []string
			for _, c := range lines[i+1:] {
				if strings.HasPrefix(c, "<<< ") || strings.HasPrefix(c, ">>> ") || strings.HasPrefix(c, "### ") {
					break
				}
				cmd = append(cmd, strings.ReplaceAll(c, `\r`, "\r"))
			}
			out = append(out, strings.Join(cmd, "\n"))
		}
	}
	return out
}

// FuzzESLCommand feeds arbitrary bytes through the command reader and, for
// what parses, the api and sendmsg handlers: bad input must get a reply,
// never a panic.
func FuzzESLCommand(f *testing.F) {
	for _, s := range eslSeeds(f) {
		f.Add([]byte(s + "\n\n"))
	}
	f.Add([]byte("api originate {origination_uuid=x}user/1001 &park()\n\n"))
	f.Add([]byte("sendmsg x\nContent-Length: 99999999\n\n"))
	f.Add([]byte("api uuid_record x start\n\n"))
	f.Add([]byte("api uuid_audio $ID start read mute -1\n\n"))
	f.Add([]byte("api uuid_audio $ID start write level\n\n"))
	f.Add([]byte("api uuid_phone_event $ID talk\n\n"))
	s := New(Options{ESLAddr: "-", ARIAddr: "-", RecordingDir: f.TempDir()})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	id, _ := s.PlaceCall(CallSpec{From: "1", To: "2"})
	defer s.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for range 4 {
			k, err := readCommand(r)
			if err != nil {
				return
			}
			line := strings.ReplaceAll(k.line, "$ID", id)
			if strings.Contains(line, "uuid_record") {
				continue // would write files where the fuzzer says
			}
			verb, rest, _ := strings.Cut(line, " ")
			switch verb {
			case "api", "bgapi":
				// originate waits for an answer; keep fuzzing fast.
				if !strings.HasPrefix(strings.TrimSpace(rest), "originate") {
					_ = s.esl.api(rest, nil)
				} else {
					parseOriginate(strings.TrimPrefix(strings.TrimSpace(rest), "originate"))
				}
			case "sendmsg":
				_ = s.esl.sendmsg(rest, k)
			case "sendevent":
				_ = s.esl.sendevent(rest, k)
			}
		}
	})
}

// FuzzARIRequest feeds arbitrary bodies, paths and query strings through the
// ARI parameter decoding and the REST router.
func FuzzARIRequest(f *testing.F) {
	f.Add("POST", "channels", "endpoint=PJSIP/1001&app=ipcc", []byte(`{"variables":{"A":"1"}}`))
	f.Add("POST", "channels", "app=ipcc", []byte(`"{bad json"`))
	f.Add("POST", "bridges/b1/addChannel", "channel=a,b", []byte(nil))
	f.Add("DELETE", "channels/x", "reason_code=abc", []byte(nil))
	f.Add("POST", "channels/x/play", "media=sound:beep&playbackId=p", []byte(`{"media":["sound:a","number:5"]}`))
	f.Add("GET", "recordings/live/../x", "", []byte(`[]`))
	s := New(Options{ESLAddr: "-", ARIAddr: "-", RecordingDir: f.TempDir()})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	s.PlaceCall(CallSpec{ID: "x", Front: FrontAsterisk, From: "1", To: "2"})
	defer s.Close()
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := decodeARIBody(params{v: q, vars: map[string]string{}}, body)
		if err != nil {
			return
		}
		parts := strings.Split(strings.Trim(path, "/"), "/")
		m := s.model
		m.mu.Lock()
		st, _ := s.ari.route(method, parts, p)
		m.mu.Unlock()
		if st < 200 || st > 599 || st == http.StatusOK && method == "" {
			t.Fatalf("status %d", st)
		}
	})
}
