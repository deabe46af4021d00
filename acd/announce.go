package acd

import (
	"fmt"
	"strings"
	"time"
)

// PromptKind names a queue announcement.
type PromptKind string

// Announcements.
const (
	PromptEntry    PromptKind = "entry"         // the queue's entry prompt (Name)
	PromptPosition PromptKind = "position"      // position and estimated wait, to the caller
	PromptWhisper  PromptKind = "agent-whisper" // queue name and waited time, to the agent before connecting
	PromptAgentID  PromptKind = "agent-id"      // the agent's work number, to the caller after connecting
)

// Prompt is one announcement. Text is the rendered sentence for TTS; the
// other fields let the wiring assemble recorded prompts instead.
type Prompt struct {
	Kind PromptKind `json:"kind"`
	Lang string     `json:"lang"`
	Text string     `json:"text,omitempty"`
	// Name is the entry prompt (a recording or TTS text).
	Name string `json:"name,omitempty"`
	// Position is the caller's 1-based place (PromptPosition).
	Position int `json:"position,omitempty"`
	// Wait is the estimated wait (PromptPosition; -1 unknown) or the time
	// the caller waited (PromptWhisper).
	Wait        time.Duration `json:"-"`
	QueueName   string        `json:"queue_name,omitempty"`
	AgentNumber string        `json:"agent_number,omitempty"`
	// CallbackKey and VoicemailKey are the keys a position announcement
	// offers (see Announcements); the wiring collects them.
	CallbackKey  string `json:"callback_key,omitempty"`
	VoicemailKey string `json:"voicemail_key,omitempty"`
}

// Render is the prompt's sentence in its language (zh-CN unless "en").
func (p Prompt) Render() string {
	en := p.Lang == "en"
	switch p.Kind {
	case PromptEntry:
		return p.Name
	case PromptPosition:
		if en {
			s := fmt.Sprintf("You are number %d in the queue.", p.Position)
			if p.Wait >= 0 {
				s += " The estimated wait is " + FormatWait(roundUpMinute(p.Wait), "en") + "."
			}
			if p.CallbackKey != "" {
				s += " To be called back, press " + keyName(p.CallbackKey, true) + "."
			}
			if p.VoicemailKey != "" {
				s += " To leave a message, press " + keyName(p.VoicemailKey, true) + "."
			}
			return s
		}
		s := fmt.Sprintf("您现在排在第%d位", p.Position)
		if p.Wait >= 0 {
			s += "，预计等待" + FormatWait(roundUpMinute(p.Wait), "zh-CN")
		}
		if p.CallbackKey != "" {
			s += "，如需回电请按" + keyName(p.CallbackKey, false)
		}
		if p.VoicemailKey != "" {
			s += "，留言请按" + keyName(p.VoicemailKey, false)
		}
		return s
	case PromptWhisper:
		if en {
			return fmt.Sprintf("%s, waited %s", p.QueueName, FormatWait(p.Wait, "en"))
		}
		return fmt.Sprintf("%s，等待时间%s", p.QueueName, FormatWait(p.Wait, "zh-CN"))
	case PromptAgentID:
		if en {
			return fmt.Sprintf("Agent %s is serving you.", p.AgentNumber)
		}
		return fmt.Sprintf("%s号话务员为您服务", p.AgentNumber)
	}
	return ""
}

// keyName says a key as a caller reads it on the phone.
func keyName(k string, en bool) string {
	switch {
	case k == "*" && en:
		return "star"
	case k == "#" && en:
		return "hash"
	case k == "*":
		return "星号键"
	case k == "#":
		return "井号键"
	}
	return k
}

// roundUpMinute rounds an estimate up to whole minutes, at least one.
func roundUpMinute(d time.Duration) time.Duration {
	m := (d + time.Minute - 1) / time.Minute
	if m < 1 {
		m = 1
	}
	return m * time.Minute
}

// FormatWait spells a duration for a prompt, to the second: zh-CN
// "1分25秒", "2分钟", "25秒", "1小时5分"; en "1 minute 25 seconds".
func FormatWait(d time.Duration, lang string) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	h, m, sec := s/3600, s/60%60, s%60
	if lang == "en" {
		var parts []string
		unit := func(n int64, one string) {
			if n == 1 {
				parts = append(parts, "1 "+one)
			} else if n > 1 {
				parts = append(parts, fmt.Sprintf("%d %ss", n, one))
			}
		}
		unit(h, "hour")
		unit(m, "minute")
		unit(sec, "second")
		if len(parts) == 0 {
			return "0 seconds"
		}
		return strings.Join(parts, " ")
	}
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%d小时", h)
	}
	switch {
	case m > 0 && sec == 0 && h == 0:
		fmt.Fprintf(&b, "%d分钟", m)
	case m > 0:
		fmt.Fprintf(&b, "%d分", m)
	}
	if sec > 0 || s == 0 {
		fmt.Fprintf(&b, "%d秒", sec)
	}
	return b.String()
}

// callerLang is the language of the prompts e's caller hears: the one
// they chose in the IVR, else the queue's ("" when neither is set: the
// wiring then uses the tenant's default language).
func (e *entry) callerLang() string {
	if e.lang != "" {
		return e.lang
	}
	return e.q.cfg.Announcements.Lang
}

func (c *core) armAnnounce(e *entry) {
	e.annTimer = c.after(e.q.cfg.positionInterval(), func() {
		if c.calls[e.callID] != e || e.agent != nil {
			return
		}
		if e.heapIdx >= 0 {
			c.announcePosition(e)
		}
		c.armAnnounce(e)
	})
}

func (c *core) announcePosition(e *entry) {
	pos := c.position(e)
	p := Prompt{Kind: PromptPosition, Lang: e.callerLang(), Position: pos, Wait: c.estimate(e.q, pos),
		CallbackKey: e.q.cfg.Announcements.CallbackKey, VoicemailKey: e.q.cfg.Announcements.VoicemailKey}
	p.Text = p.Render()
	c.emit(Announce{Tenant: c.tenant, CallID: e.callID, QueueID: e.q.cfg.ID, Prompt: p, At: c.now()})
}
