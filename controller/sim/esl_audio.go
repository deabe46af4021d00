package sim

import (
	"strconv"
	"strings"
)

// Replies of mod_commands' uuid_audio and uuid_phone_event (no capture in
// the reference transcripts; the texts follow mod_commands.c).
const (
	usageAudio      = "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n"
	usagePhoneEvent = "-USAGE: <uuid>\n"
)

// uuidAudio handles "uuid_audio <uuid> start read|write mute|level <n>"
// and "uuid_audio <uuid> stop" (m.mu held). A read mute silences what the
// party says, a write mute what they hear; stop removes the media bug, so
// both pass again. Like FreeSWITCH, a missing channel gets its error line
// followed by "+OK" (the command falls through to its success reply).
func (s *eslServer) uuidAudio(f []string) string {
	m := s.m
	if len(f) < 2 {
		return usageAudio
	}
	c := s.fsChan(f[0])
	if c == nil {
		return "-ERR No Such Channel!\n+OK\n"
	}
	if strings.EqualFold(f[1], "stop") {
		if c.MuteIn || c.MuteOut {
			c.MuteIn, c.MuteOut = false, false
			m.hearGen++
		}
		return "+OK\n"
	}
	dir := strings.ToLower(audioArg(f, 2))
	if !strings.EqualFold(f[1], "start") || len(f) < 5 || (dir != "read" && dir != "write") {
		return usageAudio
	}
	level, _ := strconv.Atoi(f[4]) // atoi: garbage reads as 0
	switch strings.ToLower(f[3]) {
	case "mute":
		// A zero level clears the mute (the bug detaches on the next frame).
		on := level != 0
		if dir == "read" && c.MuteIn != on {
			c.MuteIn = on
			m.hearGen++
		}
		if dir == "write" && c.MuteOut != on {
			c.MuteOut = on
			m.hearGen++
		}
	case "level":
		// A volume change: who hears whom stays the same.
	default:
		return usageAudio
	}
	return "+OK\n"
}

// uuidPhoneEvent handles "uuid_phone_event <uuid> [talk|hold]" (m.mu held):
// mod_sofia sends a NOTIFY with that event to the phone. The simulator's
// registered phones honour "talk" while they ring by answering. FreeSWITCH
// replies "-ERR Operation Failed" for a missing channel.
func (s *eslServer) uuidPhoneEvent(f []string) string {
	if len(f) < 1 {
		// The usage line, then the status of the message never sent.
		return usagePhoneEvent + "-ERR Operation Failed\n"
	}
	c := s.fsChan(f[0])
	if c == nil {
		return "-ERR Operation Failed\n"
	}
	event := strings.ToLower(audioArg(f, 1))
	if (event == "" || strings.HasPrefix(event, "talk")) && !c.Inbound && c.State == StateRinging && c.talk != nil {
		c.talk()
	}
	return "+OK Success\n"
}

func audioArg(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}
