package reports

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// HourSlot is the inbound traffic of one local hour (来电流量分布). Date is
// the local day, or empty in the totals.
type HourSlot struct {
	Date     string `json:"date,omitempty"`
	Hour     int    `json:"hour"`
	Offered  int64  `json:"offered"`
	Answered int64  `json:"answered"`
}

// Hourly is the inbound traffic by hour: 24 slots per local day of the
// range and 24 slots of totals over the whole range.
type Hourly struct {
	Timezone string     `json:"timezone"`
	Days     []HourSlot `json:"days"`
	Totals   []HourSlot `json:"totals"`
}

// HourlyHeader is the CSV header of the hourly report; the totals follow the
// days with date "total".
var HourlyHeader = []string{"date", "hour", "offered", "answered"}

// CSV writes the report's records.
func (h *Hourly) CSV(emit func([]string) error) error {
	for _, rows := range [][]HourSlot{h.Days, h.Totals} {
		for _, r := range rows {
			d := r.Date
			if d == "" {
				d = "total"
			}
			if err := emit([]string{d, strconv.Itoa(r.Hour), i64(r.Offered), i64(r.Answered)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Hourly counts inbound calls offered (every inbound call that reached ipcc)
// and answered (by an agent or a dialled person: disposition "answered"),
// each placed by its start time in the tenant's zone.
func (s *Service) Hourly(ctx context.Context, q Query) (*Hourly, error) {
	var w where
	w.add("c.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.add("c.direction = 'inbound'")
	w.in("c.queue_id", q.Queues)
	w.number("c.", q.Number)
	b := s.sql.bucket15("c.started_at")
	sql := `SELECT ` + b + ` AS bucket, COUNT(*) AS offered, SUM(CASE WHEN c.disposition = 'answered' THEN 1 ELSE 0 END) AS answered
 FROM calls c` + w.String() + ` GROUP BY ` + b
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(sql), w.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: hourly of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	type key struct {
		date string
		hour int
	}
	counts := map[key]*HourSlot{}
	h := &Hourly{Timezone: q.Loc.String()}
	totals := make([]HourSlot, 24)
	for i := range totals {
		totals[i].Hour = i
	}
	for rows.Next() {
		var bucket, offered, answered int64
		if err := rows.Scan(&bucket, &offered, &answered); err != nil {
			return nil, fmt.Errorf("reports: hourly of %s: %w", q.Tenant, err)
		}
		t := time.Unix(bucket*900, 0).In(q.Loc)
		k := key{t.Format("2006-01-02"), t.Hour()}
		c := counts[k]
		if c == nil {
			c = &HourSlot{Date: k.date, Hour: k.hour}
			counts[k] = c
		}
		c.Offered += offered
		c.Answered += answered
		totals[k.hour].Offered += offered
		totals[k.hour].Answered += answered
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: hourly of %s: %w", q.Tenant, err)
	}
	for _, d := range q.days() {
		for hr := 0; hr < 24; hr++ {
			slot := HourSlot{Date: d.Date, Hour: hr}
			if c := counts[key{d.Date, hr}]; c != nil {
				slot = *c
			}
			h.Days = append(h.Days, slot)
		}
	}
	h.Totals = totals
	return h, nil
}

// QueueRow is one queue's statistics (队列统计).
type QueueRow struct {
	Queue string `json:"queue"`
	Name  string `json:"name"`
	// Offered: inbound calls that reached the queue.
	Offered  int64 `json:"offered"`
	Answered int64 `json:"answered"`
	// Abandoned: the caller hung up waiting or while an agent rang.
	Abandoned   int64   `json:"abandoned"`
	AbandonRate float64 `json:"abandon_rate"`
	// Overflowed: sent on by the queue's overflow rules; Callbacks: the
	// caller asked to be called back; Other: failed or otherwise ended.
	Overflowed int64 `json:"overflowed"`
	Callbacks  int64 `json:"callbacks"`
	Other      int64 `json:"other"`
	// AvgWaitMS over every offered call, MaxWaitMS the longest, AvgAnswerMS
	// over answered calls (average speed of answer).
	AvgWaitMS   int64 `json:"avg_wait_ms"`
	MaxWaitMS   int64 `json:"max_wait_ms"`
	AvgAnswerMS int64 `json:"avg_answer_ms"`
	AvgTalkMS   int64 `json:"avg_talk_ms"`
	// AnsweredInSL were answered within ServiceLevelThresholdMS;
	// ServiceLevel = AnsweredInSL ÷ Offered (abandons all count).
	ServiceLevelThresholdMS int64   `json:"service_level_threshold_ms"`
	AnsweredInSL            int64   `json:"answered_in_sl"`
	ServiceLevel            float64 `json:"service_level"`
}

// QueueHeader is the CSV header of QueueRow.
var QueueHeader = []string{"queue", "name", "offered", "answered", "abandoned", "abandon_rate", "overflowed", "callbacks", "other",
	"avg_wait_ms", "max_wait_ms", "avg_answer_ms", "avg_talk_ms", "service_level_threshold_ms", "answered_in_sl", "service_level"}

// CSV is the row's CSV record.
func (r *QueueRow) CSV() []string {
	return []string{r.Queue, r.Name, i64(r.Offered), i64(r.Answered), i64(r.Abandoned), f4(r.AbandonRate), i64(r.Overflowed), i64(r.Callbacks), i64(r.Other),
		i64(r.AvgWaitMS), i64(r.MaxWaitMS), i64(r.AvgAnswerMS), i64(r.AvgTalkMS), i64(r.ServiceLevelThresholdMS), i64(r.AnsweredInSL), f4(r.ServiceLevel)}
}

func f4(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

// Queues computes each queue's statistics over the inbound calls that
// reached it and started in the range. A call is counted in the queue it was
// last in (an overflowed call that is answered elsewhere counts there).
func (s *Service) Queues(ctx context.Context, q Query) ([]QueueRow, error) {
	var w where
	w.add("c.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.add("c.direction = 'inbound'")
	w.add("c.queue_id <> ''")
	w.in("c.queue_id", q.Queues)
	slMS := q.ServiceLevel.Milliseconds()
	sql := `SELECT c.queue_id AS queue, COUNT(*) AS offered,
 SUM(CASE WHEN c.disposition = 'answered' THEN 1 ELSE 0 END) AS answered,
 SUM(CASE WHEN ` + abandonedSQL + ` THEN 1 ELSE 0 END) AS abandoned,
 SUM(CASE WHEN c.disposition LIKE 'overflow%' THEN 1 ELSE 0 END) AS overflowed,
 SUM(CASE WHEN c.disposition = 'callback_requested' THEN 1 ELSE 0 END) AS callbacks,
 SUM(c.wait_ms) AS wait_sum, MAX(c.wait_ms) AS wait_max,
 SUM(CASE WHEN c.disposition = 'answered' THEN c.wait_ms ELSE 0 END) AS answer_sum,
 SUM(CASE WHEN c.disposition = 'answered' THEN c.talk_ms ELSE 0 END) AS talk_sum,
 SUM(CASE WHEN c.disposition = 'answered' AND c.wait_ms <= ` + strconv.FormatInt(slMS, 10) + ` THEN 1 ELSE 0 END) AS in_sl
 FROM calls c` + w.String() + ` GROUP BY c.queue_id ORDER BY c.queue_id`
	type agg struct {
		Queue                                               string `db:"queue"`
		Offered, Answered, Abandoned, Overflowed, Callbacks int64
		WaitSum, WaitMax, AnswerSum, TalkSum, InSL          int64
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(sql), w.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: queues of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	names, err := s.queueNames(ctx, q.Tenant)
	if err != nil {
		return nil, err
	}
	out := []QueueRow{}
	for rows.Next() {
		var a agg
		if err := rows.Scan(&a.Queue, &a.Offered, &a.Answered, &a.Abandoned, &a.Overflowed, &a.Callbacks, &a.WaitSum, &a.WaitMax, &a.AnswerSum, &a.TalkSum, &a.InSL); err != nil {
			return nil, fmt.Errorf("reports: queues of %s: %w", q.Tenant, err)
		}
		out = append(out, QueueRow{Queue: a.Queue, Name: names[a.Queue], Offered: a.Offered, Answered: a.Answered, Abandoned: a.Abandoned,
			AbandonRate: ratio(a.Abandoned, a.Offered), Overflowed: a.Overflowed, Callbacks: a.Callbacks,
			Other:     a.Offered - a.Answered - a.Abandoned - a.Overflowed - a.Callbacks,
			AvgWaitMS: avg(a.WaitSum, a.Offered), MaxWaitMS: a.WaitMax, AvgAnswerMS: avg(a.AnswerSum, a.Answered), AvgTalkMS: avg(a.TalkSum, a.Answered),
			ServiceLevelThresholdMS: slMS, AnsweredInSL: a.InSL, ServiceLevel: ratio(a.InSL, a.Offered)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: queues of %s: %w", q.Tenant, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Queue < out[j].Queue })
	return out, nil
}

func (s *Service) queueNames(ctx context.Context, tenant string) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, name FROM acd_queues WHERE tenant_id = ?`), tenant); err != nil {
		return nil, fmt.Errorf("reports: queue names of %s: %w", tenant, err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Name
	}
	return m, nil
}
