package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Profile is a compliance profile of predictive dialing: the abandon cap
// and the period it is measured over, the connect time (an answered callee
// with no agent within it is abandoned), whether the abandoned callee must
// hear a message, and how long an abandoned number must not be called
// again. Sources are in docs/outbound.md.
type Profile struct {
	Name    string        `json:"name"`
	CapPct  float64       `json:"cap_pct"`
	Period  time.Duration `json:"-"`
	Connect time.Duration `json:"-"`
	// NoRepeat: an abandoned number is not called again within it.
	NoRepeat time.Duration `json:"-"`
	// Lang of the default abandon message.
	Lang   string `json:"lang"`
	Source string `json:"source"`
}

// MarshalJSON writes the spans as hours and milliseconds.
func (p Profile) MarshalJSON() ([]byte, error) {
	type plain Profile
	return json.Marshal(struct {
		plain
		PeriodHours   float64 `json:"period_hours"`
		ConnectMS     int64   `json:"connect_ms"`
		NoRepeatHours float64 `json:"no_repeat_hours"`
	}{plain(p), p.Period.Hours(), p.Connect.Milliseconds(), p.NoRepeat.Hours()})
}

// Profiles are the built-in compliance profiles; "custom" takes the
// campaign's own abandon_cap_pct, connect_ms and a 24 h period.
var Profiles = map[string]Profile{
	"us": {Name: "us", CapPct: 3, Period: 30 * 24 * time.Hour, Connect: 2 * time.Second, Lang: "en",
		Source: "FTC Telemarketing Sales Rule 16 CFR 310.4(b)(4); FCC 47 CFR 64.1200(a)(7)"},
	"uk": {Name: "uk", CapPct: 3, Period: 24 * time.Hour, Connect: 2 * time.Second, NoRepeat: 72 * time.Hour, Lang: "en",
		Source: "Ofcom, Revised statement of policy on the persistent misuse of an electronic communications network or service (2016), A1.35–A1.40"},
	"cn": {Name: "cn", CapPct: 3, Period: 24 * time.Hour, Connect: 2 * time.Second, Lang: "zh-CN",
		Source: "no statutory abandon cap; MIIT 《通信短信息和语音呼叫服务管理规定》 (consent, calling hours, frequency): calling window and per-day attempt limits apply"},
	"custom": {Name: "custom", CapPct: 3, Period: 24 * time.Hour, Connect: 2 * time.Second, Lang: "zh-CN", Source: "the campaign's own settings"},
}

// DefaultAbandonMessage is said (TTS) to an abandoned callee when the
// campaign sets no message, by language.
var DefaultAbandonMessage = map[string]string{
	"zh-CN": "您好，很抱歉现在没有空闲的客服人员接听您的电话，我们稍后会再与您联系。谢谢！",
	"en":    "Hello. We are sorry, no representative is free to take this call. We will call you again later. Thank you.",
}

// Message is a prompt file or a text said with TTS.
type Message struct {
	// Prompt is a prompt file path as the switch reads it.
	Prompt string `json:"prompt,omitempty"`
	// Text is said with TTS in Lang (zh-CN or en) when there is no prompt.
	Text string `json:"text,omitempty"`
	Lang string `json:"lang,omitempty"`
}

// Media renders the message for the switch.
func (m Message) Media() []controller.Media {
	switch {
	case m.Prompt != "":
		return []controller.Media{{Kind: controller.MediaFile, Value: m.Prompt}}
	case m.Text != "":
		lang := m.Lang
		if lang == "" {
			lang = "zh-CN"
		}
		return []controller.Media{{Kind: controller.MediaTTS, Value: m.Text, Lang: lang}}
	}
	return nil
}

// Profile is the campaign's compliance profile with its own settings
// applied (a lower cap, a shorter connect time; custom: its own).
func (s *Settings) Profile() Profile {
	p, ok := Profiles[s.Compliance]
	if !ok {
		p = Profiles["cn"]
	}
	if s.AbandonCapPct > 0 && (p.Name == "custom" || s.AbandonCapPct < p.CapPct) {
		p.CapPct = s.AbandonCapPct
	}
	if c := time.Duration(s.ConnectMS) * time.Millisecond; c > 0 && (p.Name == "custom" || c < p.Connect) {
		p.Connect = c
	}
	return p
}

// AbandonMedia is what an abandoned callee hears: the campaign's message,
// else the profile language's default.
func (s *Settings) AbandonMedia() []controller.Media {
	if s.AbandonMessage != nil {
		if m := s.AbandonMessage.Media(); m != nil {
			return m
		}
	}
	p := s.Profile()
	return Message{Text: DefaultAbandonMessage[p.Lang], Lang: p.Lang}.Media()
}

func (s *Settings) validateCompliance() error {
	if _, ok := Profiles[s.Compliance]; s.Compliance != "" && !ok {
		return FieldError{"settings.compliance", fmt.Sprintf("%q: want us, uk, cn or custom", s.Compliance)}
	}
	p := Profiles[s.Compliance]
	if s.Compliance == "" {
		p = Profiles["cn"]
	}
	if s.AbandonCapPct < 0 || s.AbandonCapPct > 50 {
		return FieldError{"settings.abandon_cap_pct", "0 (the profile's) to 50"}
	}
	if p.Name != "custom" && s.AbandonCapPct > p.CapPct {
		return FieldError{"settings.abandon_cap_pct", fmt.Sprintf("the %s profile allows at most %g%%", p.Name, p.CapPct)}
	}
	if s.ConnectMS < 0 || s.ConnectMS > 10000 {
		return FieldError{"settings.connect_ms", "0 (the profile's, 2000) to 10000"}
	}
	if p.Name != "custom" && s.ConnectMS > p.Connect.Milliseconds() {
		return FieldError{"settings.connect_ms", fmt.Sprintf("the %s profile allows at most %d ms", p.Name, p.Connect.Milliseconds())}
	}
	if m := s.AbandonMessage; m != nil && m.Lang != "" && m.Lang != "zh-CN" && m.Lang != "en" {
		return FieldError{"settings.abandon_message.lang", "zh-CN or en"}
	}
	if s.MinLinesPerAgent < 0 || s.MinLinesPerAgent > 10 {
		return FieldError{"settings.min_lines_per_agent", "0 (default 1) to 10"}
	}
	if s.MaxLinesPerAgent < 0 || s.MaxLinesPerAgent > 20 {
		return FieldError{"settings.max_lines_per_agent", "0 (default 6) to 20"}
	}
	return nil
}

// Pacing is a predictive campaign's pacing as the API shows it: the
// compliance profile, the abandon rate over the profile's period (from the
// stored attempts) and over the pacer's feedback window, and the pacer's
// decisions with their inputs (the last hour, latest last).
type Pacing struct {
	CampaignID string  `json:"campaign_id"`
	Type       Type    `json:"type"`
	Profile    Profile `json:"profile"`
	// Period is the abandon rate over the profile's period.
	Period AbandonFigure `json:"period"`
	// Window is the pacer's feedback window (on the controller dialing).
	Window    AbandonFigure `json:"window"`
	InFlight  int           `json:"in_flight"`
	Decisions []Decision    `json:"decisions"`
}

// AbandonFigure is an abandon rate over a span.
type AbandonFigure struct {
	Hours    float64 `json:"hours"`
	Answers  int     `json:"answers"`
	Abandons int     `json:"abandons"`
	Pct      float64 `json:"pct"`
}

func figure(span time.Duration, answers, abandons int) AbandonFigure {
	f := AbandonFigure{Hours: span.Hours(), Answers: answers, Abandons: abandons}
	if answers > 0 {
		f.Pct = 100 * float64(abandons) / float64(answers)
	}
	return f
}

// Live is what a controller's dialer tells of a campaign it dials.
type Live interface {
	InFlight(tenant, campaign string) int
	Pacer(tenant, campaign string) *Pacer
}

// GetPacing reads a campaign's pacing; d (may be nil) adds the pacer's
// figures and decisions (at most limit of the latest; 0 all of the last
// hour).
func GetPacing(ctx context.Context, st *store.Store, d Live, tenant, id string, limit int, now time.Time) (*Pacing, error) {
	row, err := st.GetCampaign(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	c, err := FromRow(row)
	if err != nil {
		return nil, err
	}
	p := &Pacing{CampaignID: c.ID, Type: c.Type, Profile: c.Settings.Profile(), Decisions: []Decision{}}
	ans, ab, err := st.AbandonCounts(ctx, tenant, id, now.Add(-p.Profile.Period))
	if err != nil {
		return nil, err
	}
	p.Period = figure(p.Profile.Period, ans, ab)
	if d != nil {
		p.InFlight = d.InFlight(tenant, id)
		if pc := d.Pacer(tenant, id); pc != nil {
			wab, wans := pc.Rolling(now)
			p.Window = figure(pc.Config().Window, wans, wab)
			p.Decisions = pc.Explain(limit)
		}
	}
	return p, nil
}
