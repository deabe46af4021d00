package crm

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/ipcc/ipcc/store"
)

var numberRe = regexp.MustCompile(`^\+?[0-9]{3,20}$`)

// CleanNumber strips spaces, dashes, dots and brackets from a phone number
// and checks what is left is 3-20 digits with an optional leading +.
func CleanNumber(n string) (string, error) {
	c := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(n))
	if !numberRe.MatchString(c) {
		return "", fmt.Errorf("%q is not a phone number (3-20 digits, optional leading +)", n)
	}
	return c, nil
}

// CheckCustomer validates and normalises a customer against the tenant's
// field definitions.
func CheckCustomer(defs []Field, c *store.Customer) error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return invalid("name: required")
	}
	if n := len([]rune(c.Name)); n > 100 {
		return invalid("name: %d characters, at most 100", n)
	}
	if n := len([]rune(c.Company)); n > 200 {
		return invalid("company: %d characters, at most 200", n)
	}
	if len(c.Numbers) > 10 {
		return invalid("numbers: %d, at most 10", len(c.Numbers))
	}
	nums := []string{}
	for i, n := range c.Numbers {
		cn, err := CleanNumber(n)
		if err != nil {
			return invalid("numbers[%d]: %v", i, err)
		}
		if slices.Contains(nums, cn) {
			return invalid("numbers[%d] %s: listed twice", i, cn)
		}
		nums = append(nums, cn)
	}
	c.Numbers = nums
	tags := []string{}
	for i, t := range c.Tags {
		t = strings.TrimSpace(t)
		if t == "" || len([]rune(t)) > 30 {
			return invalid("tags[%d] %q: 1-30 characters", i, t)
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) > 20 {
		return invalid("tags: %d, at most 20", len(tags))
	}
	c.Tags = tags
	vals, err := ValidateValues("fields", defs, c.Fields)
	if err != nil {
		return invalid("%v", err)
	}
	c.Fields = vals
	return nil
}

// CSV columns before the custom fields.
var csvHead = []string{"name", "company", "numbers", "tags"}

// MaxImportRows bounds one CSV import.
const MaxImportRows = 50000

// ParseCSV reads customers from CSV: a header naming name, company,
// numbers and tags (numbers and tags separated by ";") and any custom
// fields by name. Every row is checked; the first bad one is named with
// its line and nothing is returned.
func ParseCSV(r io.Reader, defs []Field, tenant string) ([]store.Customer, []int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, invalid("line 1: the file is empty (a header is needed: name,company,numbers,tags,...)")
		}
		return nil, nil, invalid("line 1: %v", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff")
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if _, dup := col[h]; dup {
			return nil, nil, invalid("line 1: column %q appears twice", h)
		}
		known := slices.Contains(csvHead, h) || slices.ContainsFunc(defs, func(f Field) bool { return f.Name == h })
		if !known {
			return nil, nil, invalid("line 1: column %q is neither name, company, numbers, tags nor a customer field", h)
		}
		col[h] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, nil, invalid("line 1: the header has no name column")
	}
	var out []store.Customer
	var lines []int
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, invalid("line %d: %v", line, err)
		}
		if len(out) >= MaxImportRows {
			return nil, nil, invalid("line %d: more than %d rows; split the file", line, MaxImportRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		c := store.Customer{TenantID: tenant, Name: get("name"), Company: get("company"), Numbers: split(get("numbers")), Tags: split(get("tags")), Fields: map[string]any{}}
		for _, f := range defs {
			if v := get(f.Name); v != "" {
				c.Fields[f.Name] = v
			}
		}
		if err := CheckCustomer(defs, &c); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", line, err)
		}
		for _, n := range c.Numbers {
			if prev, ok := seen[n]; ok {
				return nil, nil, invalid("line %d: number %s is also on line %d", line, n, prev)
			}
			seen[n] = line
		}
		out = append(out, c)
		lines = append(lines, line)
	}
	return out, lines, nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '；' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// WriteCSV writes customers in the import format; mask hides numbers
// (138****1234) for roles that must not see them.
func WriteCSV(w io.Writer, defs []Field, cs []store.Customer, mask func(string) string) error {
	cw := csv.NewWriter(w)
	head := slices.Clone(csvHead)
	for _, f := range defs {
		head = append(head, f.Name)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, c := range cs {
		nums := slices.Clone(c.Numbers)
		if mask != nil {
			for i := range nums {
				nums[i] = mask(nums[i])
			}
		}
		rec := []string{c.Name, c.Company, strings.Join(nums, ";"), strings.Join(c.Tags, ";")}
		for _, f := range defs {
			v, ok := c.Fields[f.Name]
			if !ok {
				rec = append(rec, "")
				continue
			}
			rec = append(rec, fmt.Sprint(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Mask hides the middle of a number for roles that must not see it, as
// outbound campaigns do: 13812345678 or +8613812345678 → 138****5678,
// 01066667777 → 010****7777.
func Mask(n string) string {
	d := strings.TrimPrefix(n, "+")
	if rest, ok := strings.CutPrefix(n, "+86"); ok {
		d = rest
		if len(d) != 11 || d[0] != '1' {
			d = "0" + d
		}
	}
	if len(d) < 8 {
		if len(d) <= 4 {
			return strings.Repeat("*", len(d))
		}
		return d[:2] + strings.Repeat("*", len(d)-4) + d[len(d)-2:]
	}
	return d[:3] + "****" + d[len(d)-4:]
}

// CustomerSettings are a tenant's customer custom fields and whether
// agents see customers' numbers masked.
type CustomerSettings struct {
	Fields []Field `json:"fields"`
	// MaskNumbers shows agents numbers as 138****5678 (supervisors and
	// admins see them whole).
	MaskNumbers bool `json:"mask_numbers"`
}
