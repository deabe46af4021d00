package inbound

import (
	"strings"
	"testing"
)

func TestKeepFlowData(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("长", maxFlowDataValue+10)
	tests := []struct {
		name string
		into map[string]any
		vars map[string]any
		want map[string]any
	}{
		{"plain values are kept", nil, map[string]any{"account": "12345678", "verified": true, "tries": 2, "score": 4.5},
			map[string]any{"account": "12345678", "verified": true, "tries": 2, "score": 4.5}},
		{"objects and lists stay in the flow", nil, map[string]any{"crm": map[string]any{"balance": 1}, "list": []any{1}, "ok": "yes"},
			map[string]any{"ok": "yes"}},
		{"a later flow overwrites", map[string]any{"account": "1"}, map[string]any{"account": "2"}, map[string]any{"account": "2"}},
		{"long values are cut", nil, map[string]any{"note": long}, map[string]any{"note": long[:len(string([]rune(long)[:maxFlowDataValue]))]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keepFlowData(tc.into, tc.vars)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("%s: got %v, want %v", k, got[k], v)
				}
			}
		})
	}
	many := map[string]any{}
	for i := 0; i < maxFlowDataVars+5; i++ {
		many[strings.Repeat("v", i+1)] = "x"
	}
	if got := keepFlowData(nil, many); len(got) != maxFlowDataVars {
		t.Fatalf("kept %d variables, want at most %d", len(got), maxFlowDataVars)
	}
}
