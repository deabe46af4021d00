package acd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Durations are whole milliseconds in JSON, in fields named *_ms.
func TestDurationJSON(t *testing.T) {
	var q struct{ D Duration }
	for in, want := range map[string]time.Duration{`{"D":90000}`: 90 * time.Second, `{"D":20}`: 20 * time.Millisecond, `{"D":0}`: 0, `{"D":1.5e4}`: 15 * time.Second} {
		if err := json.Unmarshal([]byte(in), &q); err != nil || q.D.D() != want {
			t.Errorf("%s: %v %v", in, q.D.D(), err)
		}
	}
	for _, in := range []string{`{"D":"soon"}`, `{"D":"20s"}`, `{"D":true}`, `{"D":0.5}`, `{"D":1e300}`} {
		if err := json.Unmarshal([]byte(in), &q); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	b, _ := json.Marshal(QueueConfig{ID: "q", Name: "q", Strategy: RingAll, RingTimeout: Duration(15 * time.Second),
		Announcements: Announcements{PositionInterval: Duration(30 * time.Second)}, Limits: QueueLimits{MaxWait: Duration(3 * time.Minute)}})
	if !strings.Contains(string(b), `"ring_timeout_ms":15000`) || !strings.Contains(string(b), `"position_interval_ms":30000`) || !strings.Contains(string(b), `"max_wait_ms":180000`) {
		t.Fatalf("encoded %s", b)
	}
	var back QueueConfig
	if err := json.Unmarshal(b, &back); err != nil || back.RingTimeout.D() != 15*time.Second {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
}

// Queues stored before durations became milliseconds ("15s", or seconds)
// are read with their values; nothing is lost.
func TestLegacyQueueDocument(t *testing.T) {
	doc := `{"id":"sales","name":"Sales","strategy":"ring-all","ring_timeout":"15s","wrap_up":30,"service_level":"20s",
	 "announcements":{"lang":"en","position":true,"position_interval":"45s"},"limits":{"max_length":3,"max_wait":"5m"},"survey_flow":"survey"}`
	q, err := QueueFromRow(&store.ACDQueue{ID: "sales", Name: "Sales", Strategy: "ring-all", Config: doc})
	if err != nil {
		t.Fatal(err)
	}
	if q.RingTimeout.D() != 15*time.Second || q.WrapUp.D() != 30*time.Second || q.ServiceLevel.D() != 20*time.Second ||
		q.Announcements.PositionInterval.D() != 45*time.Second || q.Limits.MaxWait.D() != 5*time.Minute ||
		q.Limits.MaxLength != 3 || q.Announcements.Lang != "en" || !q.Announcements.Position || q.SurveyFlow != "survey" {
		t.Fatalf("legacy queue read as %+v", q)
	}
	if _, err := QueueFromRow(&store.ACDQueue{ID: "bad", Config: `{"ring_timeout":"soon"}`}); err == nil || !strings.Contains(err.Error(), "ring_timeout") {
		t.Fatalf("a bad legacy value: %v", err)
	}
}

// FuzzQueueConfig: any JSON either fails to decode, fails validation with a
// field error, or is a configuration the engine accepts and uses.
func FuzzQueueConfig(f *testing.F) {
	f.Add(`{"id":"sales","name":"Sales","strategy":"ring-all","ring_timeout_ms":15000,"limits":{"max_length":3,"when_no_agents":"leave"},"overflow":{"queue_full":{"kind":"number","value":"+86100"}}}`)
	f.Add(`{"id":"q","name":"Q","strategy":"weighted-random","announcements":{"position":true,"position_interval_ms":5000}}`)
	f.Add(`{"id":"x","name":"y","strategy":"lottery"}`)
	f.Fuzz(func(t *testing.T, in string) {
		var q QueueConfig
		if err := json.Unmarshal([]byte(in), &q); err != nil {
			return
		}
		if err := q.Validate(); err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("validation error without a field: %v", err)
			}
			return
		}
		h := newHarness(t, Options{})
		if err := h.e.SetQueue(h.ctx, q); err != nil {
			t.Fatalf("valid config refused: %v", err)
		}
		if err := h.e.SetMembers(h.ctx, q.ID, []Member{{AgentID: "a", Level: 1}}); err != nil {
			t.Fatal(err)
		}
		_ = h.e.Login(h.ctx, LoginRequest{AgentID: "a"})
		_, _ = h.e.Enqueue(h.ctx, CallRequest{CallID: "c", QueueID: q.ID})
		h.clk.Advance(time.Hour)
		if err := h.e.do(func(c *core) error { return checkInvariants(c) }); err != nil {
			t.Fatal(err)
		}
	})
}

// Entry and overflow prompts are text or "library:NAME"; a bad one is an
// error naming its field. LibraryRefs lists the library ones by field.
func TestAnnouncementPrompts(t *testing.T) {
	base := func(a Announcements) QueueConfig {
		return QueueConfig{ID: "q", Name: "Q", Strategy: RingAll, Announcements: a}
	}
	for _, c := range []struct {
		a     Announcements
		field string
	}{
		{Announcements{EntryPrompt: "library:Bad Name"}, "announcements.entry_prompt"},
		{Announcements{EntryPrompts: map[string]string{"en": "library:"}}, "announcements.entry_prompts.en"},
		{Announcements{OverflowPrompt: "   "}, "announcements.overflow_prompt"},
		{Announcements{OverflowPrompts: map[string]string{"fr": "Au revoir"}}, "announcements.overflow_prompts.fr"},
		{Announcements{OverflowPrompts: map[string]string{"zh-CN": "library:../x"}}, "announcements.overflow_prompts.zh-CN"},
		{Announcements{EntryPrompt: strings.Repeat("x", 501)}, "announcements.entry_prompt"},
	} {
		q := base(c.a)
		err := q.Validate()
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != c.field {
			t.Errorf("%+v: %v, want an error at %s", c.a, err, c.field)
		}
	}
	q := base(Announcements{EntryPrompt: "欢迎致电", EntryPrompts: map[string]string{"en": "library:welcome-en"},
		OverflowPrompt: "library:sorry", OverflowPrompts: map[string]string{"en": "Sorry, goodbye"}})
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	refs := q.Announcements.LibraryRefs()
	want := []PromptRef{{"announcements.entry_prompts.en", "welcome-en"}, {"announcements.overflow_prompt", "sorry"}}
	if len(refs) != len(want) || refs[0] != want[0] || refs[1] != want[1] {
		t.Fatalf("refs %+v, want %+v", refs, want)
	}
}

// A queue's hold music is a library prompt or nothing (the switch's
// music on hold): text or a class name is an error at its field.
// LibraryRefs lists it after the announcements; HoldMusicFor picks the
// agent's hold music, falling back to the waiting music.
func TestHoldMusic(t *testing.T) {
	for _, c := range []struct {
		hold, agent, field string
	}{
		{"moh", "", "hold_music"},
		{"local_stream://moh", "", "hold_music"},
		{"", "Please hold", "agent_hold_music"},
		{"", "library:Bad Name", "agent_hold_music"},
		{"library:", "", "hold_music"},
	} {
		q := QueueConfig{ID: "q", Name: "Q", Strategy: RingAll, HoldMusic: c.hold, AgentHoldMusic: c.agent}
		err := q.Validate()
		if fe, ok := err.(*FieldError); !ok || fe.Field != c.field {
			t.Errorf("%+v: %v, want an error at %s", c, err, c.field)
		}
	}
	q := QueueConfig{ID: "q", Name: "Q", Strategy: RingAll, Announcements: Announcements{EntryPrompt: "library:welcome"}, HoldMusic: "library:music"}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(q.LibraryRefs()), "[{announcements.entry_prompt welcome} {hold_music music}]"; got != want {
		t.Errorf("refs %s, want %s", got, want)
	}
	if q.HoldMusicFor(false) != "music" || q.HoldMusicFor(true) != "music" {
		t.Errorf("hold music %q / agent %q, want music for both", q.HoldMusicFor(false), q.HoldMusicFor(true))
	}
	q.AgentHoldMusic = "library:please-hold"
	if q.HoldMusicFor(false) != "music" || q.HoldMusicFor(true) != "please-hold" {
		t.Errorf("hold music %q / agent %q", q.HoldMusicFor(false), q.HoldMusicFor(true))
	}
	if (&QueueConfig{}).HoldMusicFor(true) != "" {
		t.Error("no hold music set, yet one is named")
	}
}

// The generated sentences may be replaced by parts: library prompts, text
// and the sentence's own placeholders. A placeholder of another sentence,
// a bad library name or a language not spoken is an error at the part's
// field; LibraryRefs lists the library parts by field; Parts fills in the
// values and leaves out an unknown wait.
func TestAnnouncementSentences(t *testing.T) {
	base := func(a Announcements) QueueConfig {
		return QueueConfig{ID: "q", Name: "Q", Strategy: RingAll, Announcements: a}
	}
	for _, c := range []struct {
		a     Announcements
		field string
		msg   string
	}{
		{Announcements{PositionPrompt: []string{"library:pos", "{agent}"}}, "announcements.position_prompt[1]", "{agent} is not a value of this announcement"},
		{Announcements{AgentIDPrompts: map[string][]string{"en": {"library:Bad"}}}, "announcements.agent_id_prompts.en[0]", "a name is 1-64"},
		{Announcements{WhisperPrompts: map[string][]string{"fr": {"{queue}"}}}, "announcements.whisper_prompts.fr", "not a prompt language"},
		{Announcements{CallbackPrompt: []string{"{position}"}}, "announcements.callback_prompt[0]", "has no values"},
		{Announcements{PositionPrompt: []string{" "}}, "announcements.position_prompt[0]", "1-500 characters"},
		{Announcements{PositionPrompt: make([]string, 21)}, "announcements.position_prompt", "at most 20 parts"},
	} {
		q := base(c.a)
		err := q.Validate()
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%+v: %v, want an error at %s saying %q", c.a, err, c.field, c.msg)
		}
	}
	a := Announcements{Position: true, CallbackKey: "1",
		PositionPrompt:  []string{"library:pos", "{position}", "library:wait", "{wait_minutes}", "分钟", "{callback_key}"},
		PositionPrompts: map[string][]string{"en": {"{position}", "{wait}"}},
		AgentIDPrompt:   []string{"library:agent", "{agent}"}, CallbackPrompts: map[string][]string{"en": {"library:bye"}}}
	q := base(a)
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, r := range q.Announcements.LibraryRefs() {
		refs = append(refs, r.Field+"="+r.Name)
	}
	if got := strings.Join(refs, " "); got != "announcements.position_prompt[0]=pos announcements.position_prompt[2]=wait announcements.agent_id_prompt[0]=agent announcements.callback_prompts.en[0]=bye" {
		t.Fatalf("refs %s", got)
	}
	p := Prompt{Kind: PromptPosition, Lang: "zh-CN", Position: 3, Wait: 90 * time.Second, CallbackKey: "1", Sentence: a.PositionPrompt, Sentences: a.PositionPrompts}
	if got := fmt.Sprint(p.Parts()); got != "[{library pos} {number 3} {library wait} {number 2} {text 分钟} {digits 1}]" {
		t.Errorf("zh-CN parts %s", got)
	}
	p.Lang, p.Wait = "en", -1
	if got := fmt.Sprint(p.Parts()); got != "[{number 3}]" {
		t.Errorf("en parts with an unknown wait %s", got)
	}
	if got := fmt.Sprint(Prompt{Kind: PromptAgentID, Lang: "en", AgentNumber: "A7", Sentence: a.AgentIDPrompt}.Parts()); got != "[{library agent} {text A7}]" {
		t.Errorf("agent parts %s", got)
	}
}
