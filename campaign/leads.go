package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/ipcc/ipcc/store"
)

// Mapping says which CSV columns (by header) hold what. Empty Phone and
// Name are looked for under common headers (phone, mobile, 电话, 手机,
// 号码; name, 姓名, 客户). Fields maps custom field names to columns; nil
// takes every other column as a custom field named after its header.
type Mapping struct {
	Phone  string            `json:"phone,omitempty"`
	Name   string            `json:"name,omitempty"`
	Agent  string            `json:"agent,omitempty"` // column naming the agent the lead is assigned to
	Fields map[string]string `json:"fields,omitempty"`
}

// ImportOptions tune one lead import.
type ImportOptions struct {
	// Encoding: "" or "auto" (UTF-8 when the file is valid UTF-8, else
	// GBK), "utf-8" or "gbk" (read as GB18030, its superset).
	Encoding string
	Mapping  Mapping
	// Country is the calling code of numbers written without one.
	Country string
	// Strict refuses the whole file when any row is rejected; otherwise
	// the good rows are imported (in one transaction) and the rejected
	// ones reported.
	Strict bool
	// DryRun checks the file and reports without storing anything.
	DryRun bool
	// Agent resolves the agent column's value (a user id or username) to
	// an agent id; false rejects the row. Nil accepts the value as given.
	Agent func(name string) (string, bool)
}

// RejectedRow is one row not imported, with why. Row numbers count the header
// as row 1, as spreadsheets show them.
type RejectedRow struct {
	Row    int    `json:"row"`
	Reason string `json:"reason"`
}

// ImportReport tells what an import did.
type ImportReport struct {
	Encoding string `json:"encoding"`
	Rows     int    `json:"rows"`
	Imported int    `json:"imported"`
	// RejectedCount counts every rejected row; Rejected lists the first
	// MaxRejectedListed of them.
	RejectedCount int           `json:"rejected_count"`
	Rejected      []RejectedRow `json:"rejected"`
	Duplicates    int           `json:"duplicates"`
	DryRun        bool          `json:"dry_run"`
	// Stored is false when nothing was stored (dry run, strict refusal).
	Stored bool `json:"stored"`
}

// MaxRejectedListed bounds the rejected rows an import report lists.
const MaxRejectedListed = 1000

// ErrRejectedRows is returned by a strict import that refused the file.
var ErrRejectedRows = errors.New("campaign: rows were rejected, nothing was imported")

var (
	phoneHeaders = []string{"phone", "mobile", "number", "tel", "telephone", "电话", "手机", "手机号", "号码", "电话号码", "联系电话"}
	nameHeaders  = []string{"name", "姓名", "客户", "客户名称", "名称"}
)

// importBatch is how many leads go to the store at once.
const importBatch = 5000

// Import reads a CSV lead list into campaign c: header row first, then one
// lead per row. Numbers are normalised (Normalize); a row is rejected, with
// its row number and reason, for a bad number, a duplicate (in the file or
// already in the campaign), an unknown agent or a malformed line. The good
// rows are stored in one transaction: all of them or none.
func Import(ctx context.Context, st *store.Store, c *Campaign, r io.Reader, opt ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{DryRun: opt.DryRun, Rejected: []RejectedRow{}}
	if opt.Country == "" {
		opt.Country = c.Settings.Country()
	}
	dec, enc, err := decode(r, opt.Encoding)
	if err != nil {
		return nil, err
	}
	rep.Encoding = enc
	cr := csv.NewReader(dec)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("campaign: the file is empty (a header row is required)")
		}
		return nil, fmt.Errorf("campaign: header row: %w", err)
	}
	header = slices.Clone(header)
	cols, err := resolveColumns(header, opt.Mapping)
	if err != nil {
		return nil, err
	}
	existing, err := st.CampaignPhones(ctx, c.TenantID, c.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]int{} // phone → row, within the file
	agents := map[string]string{}
	reject := func(row int, reason string) {
		rep.RejectedCount++
		if len(rep.Rejected) < MaxRejectedListed {
			rep.Rejected = append(rep.Rejected, RejectedRow{Row: row, Reason: reason})
		}
	}
	row := 1
	eof := false
	fields := map[string]string{}
	batch := make([]store.Lead, 0, importBatch)
	next := func() ([]store.Lead, error) {
		batch = batch[:0]
		for !eof && len(batch) < importBatch {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					rep.Rows++
					reject(pe.StartLine, "malformed CSV line: "+pe.Err.Error())
					continue
				}
				return nil, fmt.Errorf("campaign: read the row after row %d: %w", row, err)
			}
			// Rows are numbered by the line they start on, as a
			// spreadsheet shows them (blank lines count there too).
			row, _ = cr.FieldPos(0)
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			rep.Rows++
			get := func(i int) string {
				if i < 0 || i >= len(rec) {
					return ""
				}
				return strings.TrimSpace(rec[i])
			}
			phone, _, perr := Normalize(get(cols.phone), opt.Country)
			if perr != nil {
				reject(row, perr.Error())
				continue
			}
			if first, dup := seen[phone]; dup {
				rep.Duplicates++
				reject(row, fmt.Sprintf("duplicate of row %d (%s)", first, phone))
				continue
			}
			if existing[phone] {
				rep.Duplicates++
				reject(row, "already in the campaign ("+phone+")")
				continue
			}
			l := store.Lead{Phone: phone, Name: get(cols.name), Row: row}
			if len(l.Name) > 200 {
				reject(row, "name is longer than 200 bytes")
				continue
			}
			if a := get(cols.agent); a != "" {
				id, ok := agents[a]
				if !ok {
					id, ok = a, true
					if opt.Agent != nil {
						id, ok = opt.Agent(a)
					}
					if !ok {
						id = ""
					}
					agents[a] = id
				}
				if id == "" {
					reject(row, fmt.Sprintf("no agent %q", a))
					continue
				}
				l.AgentID = id
			}
			clear(fields)
			for name, i := range cols.fields {
				if v := get(i); v != "" {
					fields[name] = v
				}
			}
			if len(fields) > 0 {
				b, _ := json.Marshal(fields)
				if len(b) > 8192 {
					reject(row, "custom fields are longer than 8 KiB")
					continue
				}
				l.Fields = string(b)
			}
			seen[phone] = row
			batch = append(batch, l)
			rep.Imported++
		}
		if eof && (opt.DryRun || (opt.Strict && rep.RejectedCount > 0)) {
			return nil, errNotStored
		}
		return batch, nil
	}
	err = st.ImportLeads(ctx, c.TenantID, c.ID, next)
	switch {
	case errors.Is(err, errNotStored):
		rep.Imported = 0
		if opt.Strict && rep.RejectedCount > 0 && !opt.DryRun {
			return rep, ErrRejectedRows
		}
		return rep, nil
	case err != nil:
		return nil, err
	}
	rep.Stored = true
	return rep, nil
}

var errNotStored = errors.New("not stored")

type columns struct {
	phone, name, agent int
	fields             map[string]int
}

func resolveColumns(header []string, m Mapping) (columns, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		if _, dup := idx[strings.ToLower(h)]; !dup {
			idx[strings.ToLower(h)] = i
		}
	}
	find := func(name string, defaults []string, what string, required bool) (int, error) {
		if name != "" {
			i, ok := idx[strings.ToLower(name)]
			if !ok {
				return -1, fmt.Errorf("campaign: mapping.%s: no column %q in the header (%s)", what, name, strings.Join(header, ", "))
			}
			return i, nil
		}
		for _, d := range defaults {
			if i, ok := idx[d]; ok {
				return i, nil
			}
		}
		if required {
			return -1, fmt.Errorf("campaign: mapping.%s: no phone column found in the header (%s); name it in the mapping", what, strings.Join(header, ", "))
		}
		return -1, nil
	}
	var c columns
	var err error
	if c.phone, err = find(m.Phone, phoneHeaders, "phone", true); err != nil {
		return c, err
	}
	if c.name, err = find(m.Name, nameHeaders, "name", false); err != nil {
		return c, err
	}
	if c.agent, err = find(m.Agent, []string{"agent", "座席", "坐席", "工号"}, "agent", false); err != nil {
		return c, err
	}
	c.fields = map[string]int{}
	if m.Fields != nil {
		for name, col := range m.Fields {
			i, ok := idx[strings.ToLower(col)]
			if !ok {
				return c, fmt.Errorf("campaign: mapping.fields.%s: no column %q in the header", name, col)
			}
			c.fields[name] = i
		}
		return c, nil
	}
	for i, h := range header {
		if i != c.phone && i != c.name && i != c.agent && h != "" {
			c.fields[h] = i
		}
	}
	return c, nil
}

// decode returns a UTF-8 reader of r and the encoding used. Auto-detection
// reads the first 64 KiB: valid UTF-8 (a character cut at the end
// allowed) is UTF-8, anything else GBK.
func decode(r io.Reader, enc string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	switch strings.ToLower(enc) {
	case "", "auto":
		head, err := br.Peek(64 << 10)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, "", fmt.Errorf("campaign: read file: %w", err)
		}
		if validUTF8Prefix(head) {
			return skipBOM(br), "utf-8", nil
		}
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), "gbk", nil
	case "utf-8", "utf8":
		return skipBOM(br), "utf-8", nil
	case "gbk", "gb2312", "gb18030":
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), "gbk", nil
	}
	return nil, "", fmt.Errorf("campaign: encoding %q: want auto, utf-8 or gbk", enc)
}

func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1] // a character cut by the 64 KiB window
	}
	return utf8.Valid(b)
}

func skipBOM(br *bufio.Reader) io.Reader {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	return br
}

// Export writes a campaign's leads with their results as CSV: lead id,
// phone, name, the custom fields (fieldNames; nil = those of the first
// 1000 leads), assigned agent, status, attempts, last outcome,
// disposition, and the last call attempt's call id, agent, time and
// script answers (JSON).
func Export(ctx context.Context, st *store.Store, c *Campaign, w io.Writer, fieldNames []string) error {
	if fieldNames == nil {
		first, err := st.ListLeads(ctx, c.TenantID, c.ID, store.LeadFilter{Limit: 1000})
		if err != nil {
			return err
		}
		set := map[string]bool{}
		for _, l := range first {
			var f map[string]string
			_ = json.Unmarshal([]byte(l.Fields), &f)
			for k := range f {
				set[k] = true
			}
		}
		for k := range set {
			fieldNames = append(fieldNames, k)
		}
		slices.Sort(fieldNames)
	}
	cw := csv.NewWriter(w)
	head := []string{"lead_id", "phone", "name"}
	head = append(head, fieldNames...)
	head = append(head, "agent_id", "status", "attempts", "last_outcome", "disposition", "call_id", "call_agent", "called_at", "answers")
	if err := cw.Write(head); err != nil {
		return err
	}
	var after int64
	for {
		leads, err := st.ListLeads(ctx, c.TenantID, c.ID, store.LeadFilter{AfterID: after, Limit: 1000})
		if err != nil {
			return err
		}
		if len(leads) == 0 {
			break
		}
		ids := make([]int64, len(leads))
		for i, l := range leads {
			ids[i] = l.ID
		}
		last, err := st.LastCallAttempts(ctx, c.TenantID, c.ID, ids)
		if err != nil {
			return err
		}
		for _, l := range leads {
			var f map[string]string
			_ = json.Unmarshal([]byte(l.Fields), &f)
			rec := []string{strconv.FormatInt(l.ID, 10), l.Phone, l.Name}
			for _, k := range fieldNames {
				rec = append(rec, f[k])
			}
			a := last[l.ID]
			called := ""
			if a.ID != 0 {
				called = a.StartedAt.UTC().Format(time.RFC3339)
			}
			answers := a.Answers
			if answers == "{}" {
				answers = ""
			}
			rec = append(rec, l.AgentID, l.Status, strconv.Itoa(l.Attempts), l.LastOutcome, l.Disposition, a.CallID, a.AgentID, called, answers)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		after = leads[len(leads)-1].ID
	}
	cw.Flush()
	return cw.Error()
}
