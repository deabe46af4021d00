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
