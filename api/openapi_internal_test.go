package api

import (
	"reflect"
	"testing"
)

// Generic types get $ref names without brackets, slashes or stars, one per
// instantiation.
func TestOpenAPITypeNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"CallRecord", "CallRecord"},
		{"reportPage[*github.com/ipcc/ipcc/reports.CallRow]", "reportPage_CallRow"},
		{"pair[string,[]github.com/ipcc/ipcc/store.Tenant]", "pair_string_Tenant"},
	} {
		if got := typeName(tc.in); got != tc.want {
			t.Errorf("typeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	schemas := map[string]any{}
	ref := schemaOf(reflect.TypeOf(reportPage[int]{}), schemas)
	if _, ok := schemas["api.reportPage_int"]; !ok || ref["$ref"] != "#/components/schemas/api.reportPage_int" {
		t.Errorf("reportPage[int]: ref %v, schemas %v", ref, keys(schemas))
	}
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
