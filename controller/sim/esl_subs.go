package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fsEventNames are the event names the simulator knows; others in an
// "event" list are ignored like FreeSWITCH ignores unknown keywords.
var fsEventNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE
	CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD
	CHANNEL_UNHOLD CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_OUTGOING
	CHANNEL_PARK CHANNEL_UNPARK CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID API LOG INBOUND_CHAN
	OUTBOUND_CHAN STARTUP SHUTDOWN PUBLISH UNPUBLISH TALK NOTALK SESSION_CRASH MODULE_LOAD MODULE_UNLOAD DTMF
	MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT PRESENCE_PROBE MESSAGE_WAITING MESSAGE_QUERY ROSTER CODEC
	BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE PRIVATE_COMMAND HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE
	EXE_SCHEDULE RE_SCHEDULE RELOADXML NOTIFY PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE
	REQUEST_PARAMS CHANNEL_DATA GENERAL COMMAND SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED
	SEND_INFO RECV_INFO RECV_RTCP_MESSAGE CALL_SECURE NAT RECORD_START RECORD_STOP PLAYBACK_START PLAYBACK_STOP
	CALL_UPDATE FAILURE SOCKET_DATA MEDIA_BUG_START MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA
	CALL_SETUP_REQ CALL_SETUP_RESULT CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED ALL`) {
		fsEventNames[n] = true
	}
}

// subscribe handles "event [plain|json|xml] <list>".
func (c *eslConn) subscribe(rest string) string {
	f := strings.Fields(rest)
	format := "plain"
	if len(f) > 0 {
		switch strings.ToLower(f[0]) {
		case "plain", "json", "xml":
			format = strings.ToLower(f[0])
		}
		f = f[1:]
	}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	any := false
	custom := false
	for _, tok := range f {
		up := strings.ToUpper(tok)
		switch {
		case up == "ALL":
			c.all = true
			any = true
		case up == "CUSTOM":
			custom = true
			c.allCustom = true
			any = true
		case fsEventNames[up]:
			c.events[up] = true
			any = true
		case custom:
			c.subclasses[tok] = true
			any = true
		}
	}
	if !any {
		return "-ERR no keywords supplied"
	}
	c.format = format
	return "+OK event listener enabled " + format
}

func (c *eslConn) nix(rest string) string {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	any := false
	custom := false
	for _, tok := range strings.Fields(rest) {
		up := strings.ToUpper(tok)
		switch {
		case up == "ALL":
			c.all = false
			c.events = map[string]bool{}
			c.subclasses = map[string]bool{}
			c.allCustom = false
			any = true
		case up == "CUSTOM":
			custom = true
			c.allCustom = false
			any = true
		case fsEventNames[up]:
			delete(c.events, up)
			any = true
		case custom:
			delete(c.subclasses, tok)
			any = true
		}
	}
	if !any {
		return "-ERR no keywords supplied"
	}
	return "+OK events nixed"
}

func (c *eslConn) filter(rest string) string {
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "-ERR command not found"
	}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if strings.EqualFold(f[0], "delete") {
		switch {
		case len(f) < 2:
			return "-ERR invalid syntax"
		case strings.EqualFold(f[1], "all"):
			c.filters = nil
			return "+OK filter deleted. [all][]"
		}
		val := strings.Join(f[2:], " ")
		kept := c.filters[:0]
		for _, h := range c.filters {
			if !(strings.EqualFold(h.k, f[1]) && (val == "" || h.v == val)) {
				kept = append(kept, h)
			}
		}
		c.filters = kept
		return fmt.Sprintf("+OK filter deleted. [%s][%s]", f[1], val)
	}
	if len(f) < 2 {
		return "-ERR invalid syntax"
	}
	val := strings.Join(f[1:], " ")
	c.filters = append(c.filters, hdr{f[0], val})
	return fmt.Sprintf("+OK filter added. [%s]=[%s]", f[0], val)
}

func (c *eslConn) myevents(rest string) string {
	f := strings.Fields(rest)
	if len(f) != 1 {
		// Seen on the wire: "myevents plain <uuid>" on an inbound socket.
		return "-ERR invalid uuid"
	}
	// An unknown uuid is accepted but controls nothing (linger then fails).
	c.s.m.mu.Lock()
	known := c.s.fsChan(f[0]) != nil
	c.s.m.mu.Unlock()
	if known {
		c.qmu.Lock()
		c.myUUID = f[0]
		c.format = "plain"
		c.qmu.Unlock()
	}
	return "+OK Events Enabled"
}

func (c *eslConn) setLinger(verb, rest string) string {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.myUUID == "" {
		return "-ERR not controlling a session"
	}
	if verb == "nolinger" {
		c.lingerSet = false
		return "+OK will not linger"
	}
	secs := 600
	if n, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil && n > 0 {
		secs = n
	}
	c.lingerSet = true
	c.linger = time.Duration(secs) * time.Second
	return fmt.Sprintf("+OK will linger %d seconds", secs)
}

// wants returns the format to deliver e in, or "" (c.s.mu held).
func (c *eslConn) wants(e *eslEvent) string {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if !c.authed {
		return ""
	}
	format := c.format
	if format == "" {
		format = "plain"
	}
	if c.myUUID != "" {
		if e.get("Unique-ID") == c.myUUID {
			return format
		}
		return ""
	}
	if len(c.filters) > 0 {
		ok := false
		for _, f := range c.filters {
			if e.get(f.k) == f.v {
				ok = true
				break
			}
		}
		if !ok {
			return ""
		}
	}
	switch {
	case c.all:
		return format
	case e.name == "CUSTOM" && e.subclass != "":
		if c.subclasses[e.subclass] {
			return format
		}
	case e.name == "CUSTOM":
		if c.allCustom {
			return format
		}
	case c.events[e.name]:
		return format
	}
	return ""
}

// mayWant is wants before the event is rendered: from its name alone, so
// it is true for a connection whose filters or myevents uuid would decide
// (those need the headers).
func (c *eslConn) mayWant(name, subclass string) bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	switch {
	case !c.authed:
		return false
	case c.myUUID != "", c.all:
		return true
	case name == "CUSTOM" && subclass != "":
		return c.subclasses[subclass]
	case name == "CUSTOM":
		return c.allCustom
	}
	return c.events[name]
}

// channelGone runs the myevents end of session: notices and disconnect.
func (c *eslConn) channelGone(ch *Channel, destroyed bool) {
	c.qmu.Lock()
	mine := c.myUUID != "" && c.myUUID == ch.ID
	linger, lingerSet, sent := c.linger, c.lingerSet, c.lingerSent
	if mine && !destroyed && lingerSet {
		c.lingerSent = true
	}
	c.qmu.Unlock()
	if !mine {
		return
	}
	if !destroyed {
		if lingerSet && !sent {
			c.push(noticeFrame(fmt.Sprintf("Controlled-Session-UUID: %s\nContent-Disposition: linger\nChannel-Name: %s\nLinger-Time: %d\n",
				ch.ID, ch.Name, int(linger.Seconds())), ""))
		}
		return
	}
	final := noticeFrame(fmt.Sprintf("Controlled-Session-UUID: %s\nContent-Disposition: disconnect\n", ch.ID), disconnectText)
	if !lingerSet {
		c.push(final)
		c.finish()
		return
	}
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		t := time.NewTimer(linger)
		defer t.Stop()
		select {
		case <-t.C:
			c.push(final)
			c.finish()
		case <-c.s.closing:
		}
	}()
}
