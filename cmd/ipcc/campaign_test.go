package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestCampaignCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := []string{"IPCC_DATABASE_URL=" + storetest.URL(t, store.SQLite), "IPCC_AUTH_BCRYPT_COST=4", "IPCC_ADMIN_PASSWORD=first-admin-pw"}
	// The default tenant is made with the first user.
	if _, _, err := run(t, ctx, env, "bob-password\n", "user", "create", "--username", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, ctx, env, "", "campaign", "list", "--tenant", "nobody"); err == nil {
		t.Fatal("a campaign command in an unknown tenant worked")
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := write("c.json", `{"id":"spring","name":"Spring","type":"progressive","settings":{"queue_id":"sales"}}`)
	if out, _, err := run(t, ctx, env, "", "campaign", "create", "--file", c); err != nil || !strings.Contains(out, `"status": "draft"`) {
		t.Fatalf("create: %s %v", out, err)
	}
	leads := write("l.csv", "姓名,手机,agent\n张三,13812345678,bob\n李四,010-1234,\n王五,13900001111,\n")
	out, _, err := run(t, ctx, env, "", "campaign", "import", "spring", leads, "--strict")
	if err == nil || !strings.Contains(out, `"row": 3`) {
		t.Fatalf("strict import: %s %v", out, err)
	}
	out, _, err = run(t, ctx, env, "", "campaign", "import", "spring", leads)
	if err != nil || !strings.Contains(out, `"imported": 2`) {
		t.Fatalf("import: %s %v", out, err)
	}
	for _, step := range [][]string{{"start", "running"}, {"pause", "paused"}, {"start", "running"}} {
		if out, _, err := run(t, ctx, env, "", "campaign", step[0], "spring"); err != nil || !strings.Contains(out, step[1]) {
			t.Fatalf("%s: %s %v", step[0], out, err)
		}
	}
	if out, _, err := run(t, ctx, env, "", "campaign", "dnc-add", "--campaign", "spring", "--reason", "asked", "13900001111"); err != nil || !strings.Contains(out, "1 numbers added") {
		t.Fatalf("dnc-add: %s %v", out, err)
	}
	if out, _, err := run(t, ctx, env, "", "campaign", "progress", "spring"); err != nil || !strings.Contains(out, `"pending": 2`) {
		t.Fatalf("progress: %s %v", out, err)
	}
	if out, _, err := run(t, ctx, env, "", "campaign", "pacing", "spring"); err != nil || !strings.Contains(out, `"period_hours": 24`) || !strings.Contains(out, `"name": "cn"`) {
		t.Fatalf("pacing: %s %v", out, err)
	}
	if out, _, err := run(t, ctx, env, "", "campaign", "report", "spring", "--section", "outcomes"); err != nil || !strings.HasPrefix(out, "outcome,attempts") {
		t.Fatalf("report: %s %v", out, err)
	}
	out, _, err = run(t, ctx, env, "", "campaign", "export", "spring")
	if err != nil || !strings.Contains(out, "+8613812345678,张三,") {
		t.Fatalf("export: %s %v", out, err)
	}
	if out, _, err := run(t, ctx, env, "", "campaign", "list"); err != nil || !strings.Contains(out, "spring  Spring  progressive  running") {
		t.Fatalf("list: %q %v", out, err)
	}
}
