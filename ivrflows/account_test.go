package ivrflows

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeCRM answers the sample account flow's lookup in process (no
// network): the account's balance and whether the birth date matches.
type fakeCRM struct {
	balance float64
	asked   []string
}

func (c *fakeCRM) RoundTrip(req *http.Request) (*http.Response, error) {
	var in struct{ Account, Birth string }
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		_ = json.Unmarshal(b, &in)
	}
	c.asked = append(c.asked, req.Method+" "+req.URL.Path+" "+in.Account+"/"+in.Birth)
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rec).Encode(map[string]any{"data": map[string]any{
		"balance": c.balance, "name": "Li Lei", "verified": in.Birth == "900501"}})
	return rec.Result(), nil
}

// The sample account flow says the figures it looked up on both paths, and
// hearing them again says them again: no prompt item of a run is empty.
func TestAccountFlowSaysTheFigures(t *testing.T) {
	doc, err := readExample("account.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := mustFlow(t, doc)
	for _, tc := range []struct {
		name    string
		balance float64
		path    string
		says    []string
		sms     string
	}{
		{"in debt", -1250.5, "ask_account ask_birth lookup check_identity figures which_balance in_debt sms_once sms_topup sms_sent topup_told after_balance which_balance in_debt sms_once after_balance",
			[]string{"digits(zh-CN) 5678", "number(zh-CN) 1250", "欠费"}, "尾号5678的账户已欠费1250元"},
		{"in credit", 310.2, "ask_account ask_birth lookup check_identity figures which_balance play_balance after_balance which_balance play_balance after_balance",
			[]string{"digits(zh-CN) 5678", "number(zh-CN) 310", "余额"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crm := &fakeCRM{balance: tc.balance}
			mem := &MemoryLog{}
			r := dry(t, f, "12345678,900501,1,h", DryRunOptions{HTTP: &http.Client{Transport: crm}, SMS: mem})
			var nodes []string
			for _, v := range r.Result.Visits {
				nodes = append(nodes, v.Node)
			}
			if got := strings.Join(nodes, " "); got != tc.path {
				t.Fatalf("path\n got %s\nwant %s\ntrace:\n%s", got, tc.path, linesOf(r, ""))
			}
			if len(crm.asked) != 1 || crm.asked[0] != "POST /api/v1/accounts/12345678/balance 12345678/900501" {
				t.Fatalf("CRM asked %q", crm.asked)
			}
			plays := linesOf(r, "play")
			for _, want := range tc.says {
				if strings.Count(plays, want) != 2 {
					t.Errorf("%q said %d times, want twice (once, then again after 1):\n%s", want, strings.Count(plays, want), plays)
				}
			}
			for _, l := range strings.Split(plays, "\n") {
				if strings.HasSuffix(l, ")") || strings.HasSuffix(l, `""`) || strings.HasSuffix(l, " ") {
					t.Errorf("empty prompt item %q:\n%s", l, plays)
				}
			}
			texts := strings.Join(mem.Texts, "\n")
			if tc.sms == "" && texts != "" || tc.sms != "" && (len(mem.Texts) != 1 || !strings.Contains(texts, tc.sms)) {
				t.Errorf("texts %q, want one containing %q", mem.Texts, tc.sms)
			}
		})
	}
}
