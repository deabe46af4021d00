package sipua

import (
	"strings"
	"testing"
	"time"
)

// A Phone answers the way its pick says, per dialled user: a Caller
// dialling it directly is answered after the ring and hears what the phone
// says (and the phone hears the caller); a refused call ends the Caller; a
// BYE from the caller ends the phone's call.
func TestPhoneTakesCalls(t *testing.T) {
	tone := make([]int16, 8000)
	for i := range tone {
		tone[i] = int16(8000 * ((i/10)%2*2 - 1)) // a loud square wave
	}
	p := NewPhone(t, "127.0.0.1:0", func(user string) Pickup {
		switch user {
		case "busy":
			return Pickup{Ring: 50 * time.Millisecond, Refuse: "486 Busy Here"}
		case "hangs-up":
			return Pickup{Ring: 50 * time.Millisecond, HangupAfter: 300 * time.Millisecond}
		}
		return Pickup{Ring: 200 * time.Millisecond, Say: tone}
	})

	c := Dial(t, p.Addr(), "13800000001", "2000")
	select {
	case <-c.Answered():
	case <-time.After(2 * time.Second):
		t.Fatal("the phone did not answer")
	}
	rings := p.RingsOf("2000")
	if len(rings) != 1 || rings[0].Call == nil || !strings.Contains(rings[0].From, "13800000001") {
		t.Fatalf("rings %+v", rings)
	}
	if rang := rings[0].Final.Sub(rings[0].At); rang < 200*time.Millisecond {
		t.Errorf("answered after %s, want the 200 ms ring", rang)
	}
	c.Say(tone)
	time.Sleep(600 * time.Millisecond)
	if a := c.Heard(rings[0].Final, time.Now()); a.Loud < 10 {
		t.Errorf("the caller heard %s, want the phone's tone", a)
	}
	if a := rings[0].Call.Heard(rings[0].Final, time.Now()); a.Loud < 10 {
		t.Errorf("the phone heard %s, want the caller's tone", a)
	}
	c.Hangup()
	select {
	case <-rings[0].Call.Ended():
	case <-time.After(2 * time.Second):
		t.Error("the caller's BYE did not end the phone's call")
	}

	b := Dial(t, p.Addr(), "13800000002", "busy")
	select {
	case <-b.Ended():
	case <-time.After(2 * time.Second):
		t.Fatal("a refused call did not end the caller")
	}
	if r := p.RingsOf("busy"); len(r) != 1 || r[0].Call != nil || r[0].Final.IsZero() {
		t.Errorf("busy rings %+v", r)
	}

	h := Dial(t, p.Addr(), "13800000003", "hangs-up")
	select {
	case <-h.Ended():
	case <-time.After(2 * time.Second):
		t.Fatal("the phone did not hang up (BYE) after HangupAfter")
	}
}
