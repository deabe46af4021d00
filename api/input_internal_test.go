package api

import "testing"

func TestCheckJSONTextNamesThePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, field string }{
		{"clean document", `{"a":"x","b":[1,"y",{"c":null}]}`, "-"},
		{"escaped backslash before u0000 is text", `{"a":"\\u0000"}`, "-"},
		{"top-level field", `{"a":"x\u0000"}`, "a"},
		{"after other fields and containers", `{"a":{"b":[1,2]},"c":[true,{"d":"x"}],"e":"\u0000"}`, "e"},
		{"inside an array", `{"queues":["a","b","c\u0000"]}`, "queues[2]"},
		{"nested object", `{"options":{"1":"sales","2":"su\u0000p"}}`, "options.2"},
		{"object in an array", `{"rows":[{"n":"1"},{"n":"\u0000"}]}`, "rows[1].n"},
		{"invalid UTF-8", "{\"a\":[\"ok\"],\"b\":\"\xc3\x28\"}", "b"},
		{"bad key", `{"a":{"b\u0000":1}}`, `a.b\x00`},
		{"syntax errors are left to the decoder", `{"a":"\u0000"`, "a"},
		{"truncated before the bad text", `{"a":`, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkJSONText([]byte(tt.doc))
			switch {
			case tt.field == "-" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field == "-":
			case err == nil:
				t.Fatalf("accepted, want a 400 naming %s", tt.field)
			case err.(*Error).Field != tt.field:
				t.Fatalf("field %q, want %q (%v)", err.(*Error).Field, tt.field, err)
			}
		})
	}
}
