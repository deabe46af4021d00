package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// PreviewCampaign is the demo's preview campaign (回访预览): members of the
// operator queue (the desk agent 1005 too) take its leads on the agent
// desktop, see the customer's data with the number masked, dial or skip
// them, enter the disposition and the script's answers, and schedule a
// call-back of the customer (kept by the agent 30 minutes after it is due).
const PreviewCampaign = "demo-preview"

// previewLeads are the demo campaign's customers (the simulator's outside
// numbers answer at once).
var previewLeads = []struct{ phone, name, plan, city string }{
	{"13800001101", "陈静怡 Chen Jingyi", "5G 畅享 128", "上海 Shanghai"},
	{"13800001102", "黄磊 Huang Lei", "宽带 500M", "北京 Beijing"},
	{"13800001103", "周婷 Zhou Ting", "5G 畅享 199", "广州 Guangzhou"},
	{"13800001104", "吴强 Wu Qiang", "4G 基础 58", "成都 Chengdu"},
	{"13800001105", "郑洁 Zheng Jie", "5G 畅享 128", "杭州 Hangzhou"},
	{"13800001106", "孙浩 Sun Hao", "宽带 1000M", "深圳 Shenzhen"},
	{"13800001107", "马丽 Ma Li", "5G 畅享 299", "南京 Nanjing"},
	{"13800001108", "朱峰 Zhu Feng", "4G 基础 38", "武汉 Wuhan"},
}

// AddPreviewCampaign creates and starts the demo's preview campaign in
// tenant on queue, with masked numbers, a calling window around the clock,
// a short questionnaire and dispositions, and eight leads. A campaign of
// that id already there (from an earlier run, or changed by an admin) is
// left as it is.
func AddPreviewCampaign(ctx context.Context, st *store.Store, tenant, queue string) error {
	if _, err := campaign.Get(ctx, st, tenant, PreviewCampaign); err == nil {
		return nil
	} else if !store.IsNotFound(err) {
		return fmt.Errorf("demo: campaign: %w", err)
	}
	window := &schedule.Schedule{Name: "demo: around the clock", Weekly: map[string][]string{}}
	for _, d := range schedule.Weekdays {
		window.Weekly[d] = []string{"00:00-24:00"}
	}
	c := &campaign.Campaign{TenantID: tenant, ID: PreviewCampaign, Name: "回访预览 Preview follow-up", Type: campaign.Preview,
		Settings: campaign.Settings{QueueID: queue, MaskNumbers: true, Window: window, MaxAttempts: 5, MaxAttemptsPerDay: 5,
			CallbackGraceMS: 30 * 60 * 1000, // a call-back agreed on a call stays the agent's 30 minutes after it is due
			Script: []campaign.Question{
				{ID: "satisfied", Text: "您对目前的套餐满意吗？ Are you satisfied with your plan?", Kind: "yes_no", Required: true},
				{ID: "interest", Text: "想了解哪种新套餐？ Which new plan interests you?", Kind: "choice", Options: []string{"5G 畅享 199", "宽带 1000M", "暂不需要 None"}},
				{ID: "note", Text: "客户意见 Customer's comments", Kind: "text"},
			},
			Dispositions: []campaign.Disposition{
				{Code: "interested", Label: "有意向 Interested", Final: true},
				{Code: "not_interested", Label: "无意向 Not interested", Final: true},
				{Code: "call_back", Label: "稍后回访 Call back later", RetryMS: 3_600_000},
			}}}
	if err := campaign.Create(ctx, st, c); err != nil {
		return fmt.Errorf("demo: campaign: %w", err)
	}
	leads := make([]store.Lead, 0, len(previewLeads))
	for i, l := range previewLeads {
		phone, _, err := campaign.Normalize(l.phone, "86")
		if err != nil {
			return fmt.Errorf("demo: lead %s: %w", l.phone, err)
		}
		fields, _ := json.Marshal(map[string]string{"plan": l.plan, "city": l.city})
		leads = append(leads, store.Lead{Phone: phone, Name: l.name, Fields: string(fields), Row: i + 2})
	}
	if err := st.InsertLeads(ctx, tenant, PreviewCampaign, leads); err != nil {
		return fmt.Errorf("demo: campaign leads: %w", err)
	}
	if _, err := campaign.Act(ctx, st, tenant, PreviewCampaign, campaign.Start); err != nil {
		return fmt.Errorf("demo: start the campaign: %w", err)
	}
	return nil
}
