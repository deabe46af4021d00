package acd

import (
	"fmt"
	"strconv"
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
	PromptOverflow PromptKind = "overflow"      // the queue's overflow prompt (Name), to a caller leaving for an overflow target
)

// Prompt is one announcement. Text is the rendered sentence for TTS; the
// other fields let the wiring assemble recorded prompts instead.
type Prompt struct {
	Kind PromptKind `json:"kind"`
	Lang string     `json:"lang"`
	Text string     `json:"text,omitempty"`
	// Name is the entry or overflow prompt: TTS text, or library:NAME for
	// a prompt of the tenant's prompts library (LibraryName).
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
	// Sentence and Sentences (per language) replace the generated
	// sentence (position, whisper, agent ID) when set: the queue's parts
	// (Announcements.PositionPrompt, ...), chosen for the prompt's
	// language when it is played (the wiring may settle Lang first) and
	// played as Parts says.
	Sentence  []string            `json:"-"`
	Sentences map[string][]string `json:"-"`
	// CallbackSentence(s) is what a caller who presses CallbackKey hears
	// (Announcements.CallbackPrompt; none: the generated confirmation).
	CallbackSentence  []string            `json:"-"`
	CallbackSentences map[string][]string `json:"-"`
}

// PartKind says how a part of an announcement is played.
type PartKind string

// Part kinds.
const (
	PartLibrary PartKind = "library" // Value names a prompt of the tenant's prompts library
	PartText    PartKind = "text"    // TTS text
	PartNumber  PartKind = "number"  // a number, said as one
	PartDigits  PartKind = "digits"  // digits said one by one (0-9)
)

// Part is one piece of an announcement made of parts.
type Part struct {
	Kind  PartKind
	Value string
}

// Parts is the announcement as pieces to play, in its language: each part
// of the sentence (see Announcements.PositionPrompt) with its placeholders
// filled in; a placeholder with no value (an unknown wait, a key not set)
// is left out. Without a Sentence it is the generated sentence as one text
// part, or the entry/overflow prompt (text or a library prompt).
func (p Prompt) Parts() []Part {
	return expandSentence(p, sentence(p.Sentence, p.Sentences, p.Lang))
}

// CallbackParts is the call-back confirmation made of parts (nil: the
// generated one).
func (p Prompt) CallbackParts() []Part {
	cs := sentence(p.CallbackSentence, p.CallbackSentences, p.Lang)
	if len(cs) == 0 {
		return nil
	}
	return expandSentence(p, cs)
}

func expandSentence(p Prompt, sentence []string) []Part {
	if len(sentence) == 0 {
		if n, ok := LibraryName(p.Render()); ok && (p.Kind == PromptEntry || p.Kind == PromptOverflow) {
			return []Part{{PartLibrary, n}}
		}
		return []Part{{PartText, p.Render()}}
	}
	en := p.Lang == "en"
	out := make([]Part, 0, len(sentence))
	key := func(k string) {
		switch {
		case k == "":
		case k >= "0" && k <= "9":
			out = append(out, Part{PartDigits, k})
		default:
			out = append(out, Part{PartText, keyName(k, en)})
		}
	}
	for _, s := range sentence {
		if n, ok := LibraryName(s); ok {
			out = append(out, Part{PartLibrary, n})
			continue
		}
		if !isPlaceholder(s) {
			out = append(out, Part{PartText, s})
			continue
		}
		switch s {
		case "{position}":
			out = append(out, Part{PartNumber, strconv.Itoa(p.Position)})
		case "{wait}":
			if p.Wait >= 0 {
				out = append(out, Part{PartText, FormatWait(roundUpMinute(p.Wait), p.Lang)})
			}
		case "{wait_minutes}":
			if p.Wait >= 0 {
				out = append(out, Part{PartNumber, strconv.FormatInt(int64(roundUpMinute(p.Wait)/time.Minute), 10)})
			}
		case "{callback_key}":
			key(p.CallbackKey)
		case "{voicemail_key}":
			key(p.VoicemailKey)
		case "{queue}":
			out = append(out, Part{PartText, p.QueueName})
		case "{waited}":
			out = append(out, Part{PartText, FormatWait(p.Wait, p.Lang)})
		case "{agent}":
			if strings.Trim(p.AgentNumber, "0123456789") == "" {
				out = append(out, Part{PartDigits, p.AgentNumber})
			} else {
				out = append(out, Part{PartText, p.AgentNumber})
			}
		}
	}
	return out
}

// partsText is an announcement made of parts as one line for the event
// stream: values in place, library prompts as library:NAME.
func partsText(parts []Part) string {
	var b []string
	for _, p := range parts {
		if p.Kind == PartLibrary {
			b = append(b, LibraryPrefix+p.Value)
		} else {
			b = append(b, p.Value)
		}
	}
	return strings.Join(b, " ")
}

// Render is the prompt's sentence in its language (zh-CN unless "en").
func (p Prompt) Render() string {
	if len(sentence(p.Sentence, p.Sentences, p.Lang)) > 0 {
		return partsText(p.Parts())
	}
	en := p.Lang == "en"
	switch p.Kind {
	case PromptEntry, PromptOverflow:
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
	a := &e.q.cfg.Announcements
	lang := e.callerLang()
	p := Prompt{Kind: PromptPosition, Lang: lang, Position: pos, Wait: c.estimate(e.q, pos),
		CallbackKey: a.CallbackKey, VoicemailKey: a.VoicemailKey,
		Sentence: a.PositionPrompt, Sentences: a.PositionPrompts}
	if a.CallbackKey != "" {
		p.CallbackSentence, p.CallbackSentences = a.CallbackPrompt, a.CallbackPrompts
	}
	p.Text = p.Render()
	c.emit(Announce{Tenant: c.tenant, CallID: e.callID, QueueID: e.q.cfg.ID, Prompt: p, At: c.now()})
}
