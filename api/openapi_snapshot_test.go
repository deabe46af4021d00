package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite web/openapi.json from the served document")

// The web console's TypeScript types are generated from web/openapi.json
// (npm run gen:api); this test keeps that snapshot equal to what the API
// serves, so a changed route or body fails here until the snapshot and the
// types are regenerated:
//
//	go test ./api -run TestOpenAPISnapshot -update-openapi && (cd web && npm run gen:api)
func TestOpenAPISnapshotIsCurrent(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	r := e.do("GET", "/api/v1/openapi.json", nil)
	var doc map[string]any
	r.json(t, &doc)
	doc["info"].(map[string]any)["version"] = "snapshot"
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const path = "../web/openapi.json"
	if *updateOpenAPI {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("web/openapi.json is not the served document: run\n  go test ./api -run TestOpenAPISnapshot -update-openapi && (cd web && npm run gen:api)")
	}
}
