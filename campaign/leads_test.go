package campaign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func newCampaign(t testing.TB, st *store.Store, id string, mut func(c *campaign.Campaign)) *campaign.Campaign {
	t.Helper()
	c := &campaign.Campaign{TenantID: "acme", ID: id, Name: id, Type: campaign.Progressive, Status: campaign.Draft, Settings: campaign.Settings{QueueID: "sales"}}
	if mut != nil {
		mut(c)
	}
	row, err := c.Row()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCampaign(context.Background(), row); err != nil {
		t.Fatal(err)
	}
	return c
}

const sampleCSV = "\ufeff姓名,手机,城市,agent\n" +
	"张三,138 1234 5678,深圳,bob\n" +
	"李四,010-12345678,北京,\n" +
	"王五,95588,上海,\n" + // service number
	"赵六,+86 138-1234-5678,广州,\n" + // duplicate of row 2
	"钱七,13900001111,杭州,mallory\n" + // unknown agent
	"\n" +
	"孙八,0755 1234 5678,深圳,carol\n"

func agentsBobCarol(name string) (string, bool) {
	return name, name == "bob" || name == "carol"
}

func TestImportReportsRejectedRowsAndImportsTheRest(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c := newCampaign(t, st, "spring", nil)
		rep, err := campaign.Import(ctx, st, c, strings.NewReader(sampleCSV), campaign.ImportOptions{Agent: agentsBobCarol})
		if err != nil {
			t.Fatal(err)
		}
		want := []campaign.RejectedRow{
			{Row: 4, Reason: "service number 95588 is not called by campaigns"},
			{Row: 5, Reason: "duplicate of row 2 (+8613812345678)"},
			{Row: 6, Reason: `no agent "mallory"`},
		}
		if rep.Encoding != "utf-8" || rep.Rows != 6 || rep.Imported != 3 || rep.RejectedCount != 3 || rep.Duplicates != 1 || !rep.Stored || fmt.Sprint(rep.Rejected) != fmt.Sprint(want) {
			t.Fatalf("report %+v", rep)
		}
		leads, _ := st.ListLeads(ctx, "acme", "spring", store.LeadFilter{})
		if len(leads) != 3 {
			t.Fatalf("%d leads", len(leads))
		}
		var f map[string]string
		_ = json.Unmarshal([]byte(leads[0].Fields), &f)
		if leads[0].Name != "张三" || leads[0].Phone != "+8613812345678" || leads[0].AgentID != "bob" || f["城市"] != "深圳" || leads[0].Row != 2 {
			t.Errorf("first lead %+v %v", leads[0], f)
		}
		if leads[2].Phone != "+8675512345678" || leads[2].AgentID != "carol" || leads[2].Row != 8 {
			t.Errorf("last lead %+v", leads[2])
		}
		// The same file again: every row is already there, nothing added.
		rep, err = campaign.Import(ctx, st, c, strings.NewReader(sampleCSV), campaign.ImportOptions{Agent: agentsBobCarol})
		if err != nil || rep.Imported != 0 || !strings.Contains(fmt.Sprint(rep.Rejected), "already in the campaign") {
			t.Fatalf("again: %+v %v", rep, err)
		}
	})
}

func TestImportStrictAndDryRunStoreNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newCampaign(t, st, "spring", nil)
	rep, err := campaign.Import(ctx, st, c, strings.NewReader(sampleCSV), campaign.ImportOptions{Strict: true, Agent: agentsBobCarol})
	if !errors.Is(err, campaign.ErrRejectedRows) || rep.Stored || rep.RejectedCount != 3 {
		t.Fatalf("strict: %+v %v", rep, err)
	}
	rep, err = campaign.Import(ctx, st, c, strings.NewReader(sampleCSV), campaign.ImportOptions{DryRun: true, Agent: agentsBobCarol})
	if err != nil || rep.Stored || !rep.DryRun || rep.RejectedCount != 3 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if n, _ := st.LeadCounts(ctx, "acme", "spring"); len(n) != 0 {
		t.Fatalf("stored %v", n)
	}
}

func TestImportGBKWithMapping(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newCampaign(t, st, "spring", nil)
	utf := "客户名,联系方式,备注\n张三,13812345678,老客户\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	m := campaign.Mapping{Phone: "联系方式", Name: "客户名", Fields: map[string]string{"note": "备注"}}
	rep, err := campaign.Import(ctx, st, c, strings.NewReader(gbk), campaign.ImportOptions{Mapping: m})
	if err != nil || rep.Encoding != "gbk" || rep.Imported != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	leads, _ := st.ListLeads(ctx, "acme", "spring", store.LeadFilter{})
	if leads[0].Name != "张三" || leads[0].Fields != `{"note":"老客户"}` {
		t.Fatalf("%+v", leads[0])
	}
	if _, err := campaign.Import(ctx, st, c, strings.NewReader(utf), campaign.ImportOptions{Mapping: campaign.Mapping{Phone: "tel"}}); err == nil || !strings.Contains(err.Error(), `no column "tel"`) {
		t.Fatalf("bad mapping: %v", err)
	}
}

func TestExportCSV(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newCampaign(t, st, "spring", nil)
	if _, err := campaign.Import(ctx, st, c, strings.NewReader("name,phone,city\nAnn,13812345678,Shenzhen\n"), campaign.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	leads, _ := st.ListLeads(ctx, "acme", "spring", store.LeadFilter{})
	a := &store.CampaignAttempt{TenantID: "acme", CampaignID: "spring", LeadID: leads[0].ID, Kind: store.AttemptCall, AgentID: "bob", CallID: "c-1", Outcome: "answered", Answers: `{"q":"yes"}`}
	if err := st.AddAttempt(ctx, a); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := campaign.Export(ctx, st, c, &b, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || lines[0] != "lead_id,phone,name,city,agent_id,status,attempts,last_outcome,disposition,call_id,call_agent,called_at,answers" ||
		!strings.Contains(lines[1], ",+8613812345678,Ann,Shenzhen,,pending,0,,,c-1,bob,") || !strings.Contains(lines[1], `"{""q"":""yes""}"`) {
		t.Fatalf("%s", b.String())
	}
}

// BenchmarkImport imports b.N leads from one CSV file per run into a fresh
// campaign (IPCC_BENCH_DB=postgres for PostgreSQL; docs/outbound.md keeps
// the figures). Run: go test -run x -bench Import -benchtime 1000000x ./campaign/
func BenchmarkImport(b *testing.B) {
	d := store.SQLite
	if os.Getenv("IPCC_BENCH_DB") == "postgres" {
		d = store.Postgres
	}
	st := storetest.Open(b, d)
	var csv bytes.Buffer
	csv.WriteString("name,phone,city,plan\n")
	for i := range b.N {
		fmt.Fprintf(&csv, "客户%d,1%d%09d,深圳,gold\n", i, 3+i%7, i)
	}
	c := newCampaign(b, st, "bench", nil)
	b.ResetTimer()
	rep, err := campaign.Import(context.Background(), st, c, bytes.NewReader(csv.Bytes()), campaign.ImportOptions{})
	if err != nil || rep.Imported != b.N {
		b.Fatalf("%+v %v", rep, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leads/s")
}
