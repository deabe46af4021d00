package api_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

// testWAV is n bytes of 16-bit PCM at rate Hz, mono.
func testWAV(rate, n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	b.Write(make([]byte, n))
	return b.Bytes()
}

// withPrompts serves the API with a prompt directory and a TTS engine.
func withPrompts(t *testing.T, e *env) {
	t.Helper()
	c, err := tts.NewCache(t.TempDir(), tts.Silent{}, tts.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: e.store, Auth: e.auth, BodyLimit: 1 << 20, Version: "test", Logger: quiet, PromptDir: t.TempDir(), TTS: c})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.srv, e.http = srv, hs
}

func (e *env) raw(method, path, ctype string, body []byte, headers ...string) resp {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: b, Header: res.Header}
}

func TestPromptsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		withPrompts(t, e)
		admin, sup, agent, otherAdmin := bearer(tok["a/admin"]), bearer(tok["a/supervisor"]), bearer(tok["a/agent"]), bearer(tok["b/admin"])

		// Bad uploads: 400 naming the problem at the field.
		for _, c := range []struct {
			path  string
			body  []byte
			field string
			msg   string
		}{
			{"/api/v1/prompts?name=welcome", []byte("ID3 not a wav"), "file", "not a WAV file"},
			{"/api/v1/prompts?name=welcome", testWAV(44100, 88200), "file", "44100 Hz"},
			{"/api/v1/prompts?name=../etc", testWAV(8000, 16000), "name", "must be 1-64"},
			{"/api/v1/prompts?name=w&language=fr", testWAV(8000, 16000), "language", "zh-CN, en"},
		} {
			r := e.raw("POST", c.path, "audio/wav", c.body, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != c.field || !strings.Contains(string(r.Body), c.msg) {
				t.Fatalf("%s: %d %s %s %s", c.path, r.Status, code, field, r.Body)
			}
		}
		if r := e.raw("POST", "/api/v1/prompts?name=welcome", "audio/wav", testWAV(8000, 24000), agent...); r.Status != 403 {
			t.Fatalf("agent upload: %d", r.Status)
		}
		// A good raw upload and a multipart one.
		r := e.raw("POST", "/api/v1/prompts?name=welcome&language=zh-CN", "audio/wav", testWAV(8000, 24000), admin...)
		if r.Status != 201 || !strings.Contains(string(r.Body), `"duration_ms":1500`) {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		if r := e.raw("POST", "/api/v1/prompts?name=welcome", "audio/wav", testWAV(8000, 24000), admin...); r.Status != 409 {
			t.Fatalf("duplicate: %d %s", r.Status, r.Body)
		}
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		w.WriteField("name", "beep")
		fw, _ := w.CreateFormFile("file", "beep.wav")
		fw.Write(testWAV(16000, 3200))
		w.Close()
		if r := e.raw("POST", "/api/v1/prompts", w.FormDataContentType(), mp.Bytes(), admin...); r.Status != 201 {
			t.Fatalf("multipart: %d %s", r.Status, r.Body)
		}
		// A TTS prompt needs both languages.
		if r := e.do("POST", "/api/v1/prompts", map[string]any{"name": "hello", "texts": map[string]string{"en": "Hello"}}, admin...); r.Status != 400 {
			t.Fatalf("tts without zh-CN: %d", r.Status)
		} else if _, f := r.errCode(t); f != "texts.zh-CN" {
			t.Fatalf("field %q", f)
		}
		if r := e.do("POST", "/api/v1/prompts", map[string]any{"name": "hello", "texts": map[string]string{"en": "Hello", "zh-CN": "您好"}}, admin...); r.Status != 201 {
			t.Fatalf("tts: %d %s", r.Status, r.Body)
		}

		// Play: the file as uploaded, the TTS prompt synthesised per language.
		if r := e.do("GET", "/api/v1/prompts/welcome/audio", nil, sup...); r.Status != 200 || !bytes.Equal(r.Body, testWAV(8000, 24000)) {
			t.Fatalf("play: %d %d bytes", r.Status, len(r.Body))
		}
		for _, l := range []string{"zh-CN", "en"} {
			if r := e.do("GET", "/api/v1/prompts/hello/audio?lang="+l, nil, sup...); r.Status != 200 || string(r.Body[:4]) != "RIFF" {
				t.Fatalf("tts %s: %d", l, r.Status)
			}
		}
		if r := e.do("GET", "/api/v1/prompts/hello/audio?lang=fr", nil, sup...); r.Status != 400 {
			t.Fatalf("tts fr: %d", r.Status)
		}

		// A flow naming an unknown library prompt is not published; one
		// naming welcome is, and welcome then lists it in used_by.
		flow := func(name string) map[string]any {
			return map[string]any{"id": "main", "name": "Main", "start": "hi", "language": "zh-CN", "nodes": []map[string]any{
				{"id": "hi", "type": "play", "prompt": []map[string]string{{"library": name}}, "next": "bye"},
				{"id": "bye", "type": "hangup"}}}
		}
		if r := e.do("POST", "/api/v1/flows", flow("nosuch"), admin...); r.Status != 201 {
			t.Fatalf("create flow: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/flows/main/publish", nil, admin...); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"prompt[0].library"`) || !strings.Contains(string(r.Body), "nosuch") {
			t.Fatalf("publish with unknown prompt: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/flows/main", flow("welcome"), admin...); r.Status != 200 {
			t.Fatalf("put flow: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/flows/main/publish", nil, admin...); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		var list []struct {
			Name   string   `json:"name"`
			Kind   string   `json:"kind"`
			UsedBy []string `json:"used_by"`
		}
		e.do("GET", "/api/v1/prompts", nil, sup...).json(t, &list)
		if len(list) != 3 || list[2].Name != "welcome" || strings.Join(list[2].UsedBy, ",") != "flow:main" || list[1].Kind != "tts" || len(list[0].UsedBy) != 0 {
			t.Fatalf("list: %+v", list)
		}
		// Deleting a used prompt is refused naming the flow; an unused one goes.
		if r := e.do("DELETE", "/api/v1/prompts/welcome", nil, admin...); r.Status != 409 || !strings.Contains(string(r.Body), "flow:main") {
			t.Fatalf("delete used: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/prompts/beep", nil, admin...); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/prompts/beep/audio", nil, sup...); r.Status != 404 {
			t.Fatalf("deleted audio: %d", r.Status)
		}

		// Another tenant neither lists nor plays nor deletes them.
		var other []any
		e.do("GET", "/api/v1/prompts", nil, otherAdmin...).json(t, &other)
		if len(other) != 0 {
			t.Fatalf("tenant b lists %v", other)
		}
		for _, m := range []string{"GET /api/v1/prompts/welcome/audio", "DELETE /api/v1/prompts/hello"} {
			mp := strings.SplitN(m, " ", 2)
			if r := e.do(mp[0], mp[1], nil, otherAdmin...); r.Status != 404 {
				t.Fatalf("tenant b %s: %d", m, r.Status)
			}
		}
	})
}

// Queue announcements may name library prompts: an unknown one is a 400 at
// its field, a known one is saved and listed in the prompt's used_by (so
// deleting it is refused naming the queue). A simulated flow shows a
// library prompt's text or file with a URL that plays it.
func TestPromptsLibraryInQueuesAndSimulate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		withPrompts(t, e)
		admin, sup := bearer(tok["a/admin"]), bearer(tok["a/supervisor"])
		if r := e.raw("POST", "/api/v1/prompts?name=sorry", "audio/wav", testWAV(8000, 16000), admin...); r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/prompts", map[string]any{"name": "hello", "texts": map[string]string{"en": "Hello", "zh-CN": "您好"}}, admin...); r.Status != 201 {
			t.Fatalf("tts: %d %s", r.Status, r.Body)
		}
		queue := func(ann map[string]any) map[string]any {
			return map[string]any{"id": "support", "name": "Support", "strategy": "ring-all", "announcements": ann}
		}
		for _, c := range []struct {
			ann   map[string]any
			field string
			msg   string
		}{
			{map[string]any{"entry_prompts": map[string]string{"en": "library:nosuch"}}, "announcements.entry_prompts.en", `library prompt \"nosuch\" is not in the tenant's prompts library`},
			{map[string]any{"overflow_prompt": "library:Bad!"}, "announcements.overflow_prompt", "a name is 1-64"},
			{map[string]any{"position": true, "position_prompt": []string{"library:hello", "{position}", "library:nosuch"}}, "announcements.position_prompt[2]", `library prompt \"nosuch\" is not in the tenant's prompts library`},
			{map[string]any{"agent_id_prompts": map[string][]string{"en": {"{position}"}}}, "announcements.agent_id_prompts.en[0]", "{position} is not a value of this announcement: use {agent}"},
		} {
			r := e.do("POST", "/api/v1/queues", queue(c.ann), admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != c.field || !strings.Contains(string(r.Body), c.msg) {
				t.Fatalf("%v: %d %s %s %s", c.ann, r.Status, code, field, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/queues", queue(map[string]any{"entry_prompt": "library:hello", "overflow_prompts": map[string]string{"en": "library:sorry"}}), admin...); r.Status != 201 {
			t.Fatalf("queue: %d %s", r.Status, r.Body)
		}
		// A second queue names library prompts only in its generated
		// sentences: it is listed among their uses too.
		if r := e.do("POST", "/api/v1/queues", map[string]any{"id": "sales", "name": "Sales", "strategy": "ring-all", "announcements": map[string]any{
			"position": true, "position_prompts": map[string][]string{"en": {"library:hello", "{position}"}}, "agent_id_prompt": []string{"library:sorry", "{agent}"}}}, admin...); r.Status != 201 {
			t.Fatalf("queue with sentences: %d %s", r.Status, r.Body)
		}
		var sales struct {
			Announcements struct {
				PositionPrompts map[string][]string `json:"position_prompts"`
			} `json:"announcements"`
		}
		e.do("GET", "/api/v1/queues/sales", nil, sup...).json(t, &sales)
		if got := strings.Join(sales.Announcements.PositionPrompts["en"], " "); got != "library:hello {position}" {
			t.Fatalf("stored position prompt %q", got)
		}
		var list []struct {
			Name   string   `json:"name"`
			UsedBy []string `json:"used_by"`
		}
		e.do("GET", "/api/v1/prompts", nil, sup...).json(t, &list)
		if len(list) != 2 || strings.Join(list[0].UsedBy, ",") != "queue:sales,queue:support" || strings.Join(list[1].UsedBy, ",") != "queue:sales,queue:support" {
			t.Fatalf("list: %+v", list)
		}
		if r := e.do("DELETE", "/api/v1/prompts/sorry", nil, admin...); r.Status != 409 || !strings.Contains(string(r.Body), "queue:support") {
			t.Fatalf("delete used by a queue: %d %s", r.Status, r.Body)
		}

		flow := map[string]any{"id": "main", "name": "Main", "start": "hi", "language": "en", "nodes": []map[string]any{
			{"id": "hi", "type": "play", "prompt": []map[string]string{{"library": "hello"}, {"library": "sorry"}}, "next": "bye"},
			{"id": "bye", "type": "hangup"}}}
		if r := e.do("POST", "/api/v1/flows", flow, admin...); r.Status != 201 {
			t.Fatalf("create flow: %d %s", r.Status, r.Body)
		}
		var sim struct {
			Lines []struct {
				Kind   string `json:"kind"`
				Detail string `json:"detail"`
				Prompt *struct {
					Library, Kind, Lang, Text, File string
					AudioURL                        string `json:"audio_url"`
				} `json:"prompt"`
			} `json:"lines"`
		}
		e.do("POST", "/api/v1/flows/main/simulate", map[string]any{}, sup...).json(t, &sim)
		var got []string
		for _, l := range sim.Lines {
			if l.Kind == "play" && l.Prompt != nil {
				p := l.Prompt
				got = append(got, strings.Join([]string{p.Library, p.Kind, p.Lang, p.Text, p.File, p.AudioURL}, "|"))
			}
		}
		want := []string{"hello|tts|en|Hello||/api/v1/prompts/hello/audio?lang=en", "sorry|file|en||sorry.wav|/api/v1/prompts/sorry/audio"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("simulated prompts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if r := e.do("DELETE", "/api/v1/prompts/hello", nil, admin...); r.Status != 409 || !strings.Contains(string(r.Body), "flow:main") || !strings.Contains(string(r.Body), "queue:support") {
			t.Fatalf("delete used twice: %d %s", r.Status, r.Body)
		}
	})
}

// A queue's hold music names library prompts like its announcements: an
// unknown prompt or a value that is not library:NAME is a 400 at its
// field; a known one is saved, listed in the prompt's used_by, and the
// prompt cannot be deleted while the queue uses it. Cleared, it can.
func TestPromptsLibraryAsQueueHoldMusic(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		withPrompts(t, e)
		admin, sup := bearer(tok["a/admin"]), bearer(tok["a/supervisor"])
		if r := e.raw("POST", "/api/v1/prompts?name=acme-music", "audio/wav", testWAV(8000, 16000), admin...); r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/prompts", map[string]any{"name": "please-hold", "texts": map[string]string{"en": "Please hold", "zh-CN": "请稍候"}}, admin...); r.Status != 201 {
			t.Fatalf("tts: %d %s", r.Status, r.Body)
		}
		queue := func(hold, agentHold string) map[string]any {
			return map[string]any{"id": "support", "name": "Support", "strategy": "ring-all", "hold_music": hold, "agent_hold_music": agentHold}
		}
		for _, c := range []struct {
			hold, agentHold, field, msg string
		}{
			{"library:nosuch", "", "hold_music", `hold_music: library prompt \"nosuch\" is not in the tenant's prompts library`},
			{"", "library:nosuch", "agent_hold_music", `agent_hold_music: library prompt \"nosuch\" is not in the tenant's prompts library`},
			{"moh", "", "hold_music", "must be library:NAME"},
			{"", "library:Bad!", "agent_hold_music", "a name is 1-64"},
		} {
			r := e.do("POST", "/api/v1/queues", queue(c.hold, c.agentHold), admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != c.field || !strings.Contains(string(r.Body), c.msg) {
				t.Fatalf("%+v: %d %s %s %s", c, r.Status, code, field, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/queues", queue("library:acme-music", "library:please-hold"), admin...); r.Status != 201 {
			t.Fatalf("queue: %d %s", r.Status, r.Body)
		}
		var got struct {
			HoldMusic      string `json:"hold_music"`
			AgentHoldMusic string `json:"agent_hold_music"`
		}
		e.do("GET", "/api/v1/queues/support", nil, sup...).json(t, &got)
		if got.HoldMusic != "library:acme-music" || got.AgentHoldMusic != "library:please-hold" {
			t.Fatalf("stored hold music %+v", got)
		}
		var list []struct {
			Name   string   `json:"name"`
			UsedBy []string `json:"used_by"`
		}
		e.do("GET", "/api/v1/prompts", nil, sup...).json(t, &list)
		uses := map[string]string{}
		for _, p := range list {
			uses[p.Name] = strings.Join(p.UsedBy, ",")
		}
		if uses["acme-music"] != "queue:support" || uses["please-hold"] != "queue:support" {
			t.Fatalf("used_by: %+v", list)
		}
		for _, n := range []string{"acme-music", "please-hold"} {
			if r := e.do("DELETE", "/api/v1/prompts/"+n, nil, admin...); r.Status != 409 || !strings.Contains(string(r.Body), "queue:support") {
				t.Fatalf("delete %s used as hold music: %d %s", n, r.Status, r.Body)
			}
		}
		if r := e.do("PUT", "/api/v1/queues/support", queue("", ""), admin...); r.Status != 200 {
			t.Fatalf("clear hold music: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/prompts/please-hold", nil, admin...); r.Status != 204 {
			t.Fatalf("delete unused: %d %s", r.Status, r.Body)
		}
	})
}
