package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The control API: JSON over HTTP under /sim/v1/, for `ipcc sim`, the demo
// and tests in other processes. Durations on the wire are milliseconds.
//
//	POST /sim/v1/calls                 place a call   {front, from, from_name, to, id, press:[{after_ms,digits}], hangup_after_ms, vars}
//	GET  /sim/v1/calls                 list legs
//	GET  /sim/v1/calls/{id}            inspect a leg
//	POST /sim/v1/calls/{id}/press      {digits}
//	POST /sim/v1/calls/{id}/hangup     far end hangs up
//	POST /sim/v1/calls/{id}/answer     far end answers (ringing outbound leg)
//	POST /sim/v1/calls/{id}/hold       the party's phone holds the call  (/unhold: takes it off)
//	PUT  /sim/v1/endpoints/{number}    define a phone {behavior, answer_after_ms, hangup_after_ms, press, amd, amd_after_ms}
//	GET  /sim/v1/endpoints             list phones
//	PUT  /sim/v1/trunks/{name}         script a gateway/trunk {behavior: up|congested|down, cause}
//	GET  /sim/v1/trunks                list scripted trunks
//	GET  /sim/v1/hearing               who hears whom now and its history
type control struct{ s *Sim }

func newControl(s *Sim) http.Handler { return &control{s: s} }

type wirePress struct {
	AfterMS int64  `json:"after_ms"`
	Digits  string `json:"digits"`
}

type wireCall struct {
	ID            string            `json:"id"`
	Front         string            `json:"front"`
	From          string            `json:"from"`
	FromName      string            `json:"from_name"`
	To            string            `json:"to"`
	Press         []wirePress       `json:"press"`
	HangupAfterMS int64             `json:"hangup_after_ms"`
	Vars          map[string]string `json:"vars"`
}

type wireEndpoint struct {
	Number        string      `json:"number"`
	Behavior      string      `json:"behavior"`
	AnswerAfterMS int64       `json:"answer_after_ms"`
	HangupAfterMS int64       `json:"hangup_after_ms"`
	Press         []wirePress `json:"press"`
	AMD           string      `json:"amd,omitempty"`
	AMDAfterMS    int64       `json:"amd_after_ms,omitempty"`
	Front         Front       `json:"front,omitempty"` // the switch it is registered on ("" = both)
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func presses(w []wirePress) ([]Press, error) {
	out := make([]Press, 0, len(w))
	for _, p := range w {
		if p.Digits == "" {
			return nil, errField("press.digits", "missing")
		}
		if p.AfterMS < 0 {
			return nil, errField("press.after_ms", "must not be negative")
		}
		out = append(out, Press{After: ms(p.AfterMS), Digits: p.Digits})
	}
	return out, nil
}

type apiError struct {
	status  int
	code    string
	message string
	field   string
}

func (c *control) fail(w http.ResponseWriter, e apiError) {
	body := map[string]any{"error": map[string]string{"code": e.code, "message": e.message, "field": e.field}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}

func (c *control) ok(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// failErr maps Go API errors onto the JSON error shape.
func (c *control) failErr(w http.ResponseWriter, err error) {
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		c.fail(w, apiError{http.StatusBadRequest, "invalid_argument", fe.Message, fe.Field})
	case errors.Is(err, ErrNotFound):
		c.fail(w, apiError{http.StatusNotFound, "not_found", err.Error(), "id"})
	default:
		c.fail(w, apiError{http.StatusInternalServerError, "internal", err.Error(), ""})
	}
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errField("body", "invalid JSON: "+err.Error())
	}
	return nil
}

func (c *control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/sim/v1/")
	if !ok {
		c.fail(w, apiError{http.StatusNotFound, "not_found", "no such resource", ""})
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	route := parts[0]
	if len(parts) > 2 {
		route += "/*/" + parts[2]
	} else if len(parts) == 2 {
		route += "/*"
	}
	switch route + " " + r.Method {
	case "calls POST":
		var in wireCall
		if err := decode(r, &in); err != nil {
			c.failErr(w, err)
			return
		}
		pr, err := presses(in.Press)
		if err != nil {
			c.failErr(w, err)
			return
		}
		if in.HangupAfterMS < 0 {
			c.failErr(w, errField("hangup_after_ms", "must not be negative"))
			return
		}
		id, err := c.s.PlaceCall(CallSpec{ID: in.ID, Front: Front(in.Front), From: in.From, FromName: in.FromName,
			To: in.To, Press: pr, HangupAfter: ms(in.HangupAfterMS), Vars: in.Vars})
		if err != nil {
			c.failErr(w, err)
			return
		}
		info, _ := c.s.Call(id)
		c.ok(w, http.StatusCreated, info)
	case "calls GET":
		c.ok(w, http.StatusOK, map[string]any{"calls": c.s.Calls()})
	case "calls/* GET":
		info, err := c.s.Call(parts[1])
		if err != nil {
			c.failErr(w, err)
			return
		}
		c.ok(w, http.StatusOK, info)
	case "calls/*/press POST":
		var in struct {
			Digits string `json:"digits"`
		}
		if err := decode(r, &in); err != nil {
			c.failErr(w, err)
			return
		}
		c.done(w, parts[1], c.s.Press(parts[1], in.Digits))
	case "calls/*/hangup POST":
		c.done(w, parts[1], c.s.HangupCall(parts[1]))
	case "calls/*/answer POST":
		c.done(w, parts[1], c.s.AnswerCall(parts[1]))
	case "calls/*/hold POST", "calls/*/unhold POST":
		c.done(w, parts[1], c.s.PhoneHold(parts[1], parts[2] == "hold"))
	case "endpoints/* PUT", "endpoints POST":
		var in wireEndpoint
		if err := decode(r, &in); err != nil {
			c.failErr(w, err)
			return
		}
		if len(parts) == 2 {
			in.Number = parts[1]
		}
		pr, err := presses(in.Press)
		if err != nil {
			c.failErr(w, err)
			return
		}
		if in.AnswerAfterMS < 0 || in.HangupAfterMS < 0 || in.AMDAfterMS < 0 {
			c.failErr(w, errField("answer_after_ms", "durations must not be negative"))
			return
		}
		spec := EndpointSpec{Number: in.Number, Behavior: in.Behavior, AnswerAfter: ms(in.AnswerAfterMS),
			HangupAfter: ms(in.HangupAfterMS), Press: pr, AMD: in.AMD, AMDAfter: ms(in.AMDAfterMS), Front: in.Front}
		if err := c.s.DefineEndpoint(spec); err != nil {
			c.failErr(w, err)
			return
		}
		c.ok(w, http.StatusOK, in)
	case "trunks/* PUT":
		var in struct {
			Behavior string `json:"behavior"`
			Cause    string `json:"cause"`
			Peer     Front  `json:"peer"`
			Prefix   string `json:"prefix"`
		}
		if err := decode(r, &in); err != nil {
			c.failErr(w, err)
			return
		}
		if err := c.s.DefineTrunk(TrunkSpec{Name: parts[1], Behavior: in.Behavior, Cause: in.Cause, Peer: in.Peer, Prefix: in.Prefix}); err != nil {
			c.failErr(w, err)
			return
		}
		c.ok(w, http.StatusOK, map[string]string{"name": parts[1], "behavior": in.Behavior, "cause": in.Cause, "peer": string(in.Peer), "prefix": in.Prefix})
	case "trunks GET":
		c.ok(w, http.StatusOK, map[string]any{"trunks": c.s.Trunks()})
	case "endpoints GET":
		c.ok(w, http.StatusOK, map[string]any{"endpoints": c.s.endpoints()})
	case "hearing GET":
		c.ok(w, http.StatusOK, map[string]any{"history": c.s.HearingHistory()})
	default:
		known := map[string]bool{"calls": true, "calls/*": true, "calls/*/press": true, "calls/*/hangup": true,
			"calls/*/answer": true, "endpoints": true, "endpoints/*": true, "hearing": true,
			"trunks": true, "trunks/*": true}
		if known[route] {
			c.fail(w, apiError{http.StatusMethodNotAllowed, "method_not_allowed", r.Method + " not allowed here", ""})
			return
		}
		c.fail(w, apiError{http.StatusNotFound, "not_found", "no such resource", ""})
	}
}

func (c *control) done(w http.ResponseWriter, id string, err error) {
	if err != nil {
		c.failErr(w, err)
		return
	}
	info, err := c.s.Call(id)
	if err != nil {
		c.failErr(w, err)
		return
	}
	c.ok(w, http.StatusOK, info)
}

func (s *Sim) endpoints() []wireEndpoint {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]wireEndpoint, 0, len(m.phones))
	for _, e := range m.phones {
		w := wireEndpoint{Number: e.Number, Behavior: e.Behavior, AnswerAfterMS: e.AnswerAfter.Milliseconds(), HangupAfterMS: e.HangupAfter.Milliseconds(),
			AMD: e.AMD, AMDAfterMS: e.AMDAfter.Milliseconds(), Front: e.Front}
		for _, p := range e.Press {
			w.Press = append(w.Press, wirePress{AfterMS: p.After.Milliseconds(), Digits: p.Digits})
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}
