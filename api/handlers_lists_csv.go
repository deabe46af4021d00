package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/schedule"
)

// CSV import and export of the blacklist and the VIP whitelist. Every row
// is checked before anything is stored; the first bad row gives a 400 naming
// its line, column and why (field = the column's name), and nothing is
// imported. A first row starting "number" is a header. Rows whose number
// and kind exist already replace that entry.

var (
	blacklistCSVColumns = []string{"number", "kind", "reason", "expires_at"}
	whitelistCSVColumns = []string{"number", "kind", "name", "priority", "expires_at"}
)

// csvColumnName names a 1-based column of an import file.
func csvColumnName(columns []string, col int) string {
	if col >= 1 && col <= len(columns) {
		return columns[col-1]
	}
	return "extra column"
}

// readImportCSV reads an import body and calls row for each record (cells
// trimmed, an exported file's formula apostrophes taken off) with its line;
// row answers the 1-based column and message of a problem, or 0 and "".
func readImportCSV(body []byte, columns []string, row func(rec []string) (key string, col int, msg string)) (int, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // Excel's UTF-8 BOM
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	seen := map[string]int{}
	n := 0
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return 0, errInvalid("csv", "line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
			}
			return 0, errInvalid("csv", "%v", err)
		}
		line, _ := r.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "number") {
			continue
		}
		if len(rec) > len(columns) {
			col := len(columns) + 1
			return 0, errInvalid(csvColumnName(columns, col), "line %d, column %d (%s): %d columns, expected at most %d (%s)", line, col, csvColumnName(columns, col), len(rec), len(columns), strings.Join(columns, ","))
		}
		for i, cell := range rec {
			if why := badText(cell); why != "" {
				return 0, errInvalid(csvColumnName(columns, i+1), "line %d, column %d (%s): holds %s", line, i+1, csvColumnName(columns, i+1), why)
			}
			// An exported file imports back as it was: the apostrophe the
			// export put before a formula-like cell comes off.
			rec[i] = strings.TrimSpace(reports.UnsafeCSVCell(cell))
		}
		for len(rec) < len(columns) {
			rec = append(rec, "")
		}
		key, col, msg := row(rec)
		if msg != "" {
			return 0, errInvalid(csvColumnName(columns, col), "line %d, column %d (%s): %s", line, col, csvColumnName(columns, col), msg)
		}
		if prev, dup := seen[key]; dup {
			return 0, errInvalid("number", "line %d, column 1 (number): %s repeats line %d", line, key, prev)
		}
		seen[key] = line
		n++
	}
	if n == 0 {
		return 0, errInvalid("csv", "no rows to import (expected %s)", strings.Join(columns, ","))
	}
	return n, nil
}

// fieldColumn turns a validation error into the column it names.
func fieldColumn(columns []string, err error) (int, string) {
	var es schedule.Errors
	if errors.As(err, &es) && len(es) > 0 {
		col := 1
		for i, name := range columns {
			if name == es[0].Field {
				col = i + 1
			}
		}
		return col, es[0].Message
	}
	return 1, err.Error()
}

func parseExpiry(v string) (*time.Time, string) {
	if v == "" {
		return nil, ""
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Sprintf("%q is not an RFC 3339 time such as 2026-12-31T23:59:59+08:00", v)
	}
	return &t, ""
}

func matchKind(v string) dialplan.MatchKind {
	if v == "" {
		return dialplan.Exact
	}
	return dialplan.MatchKind(strings.ToLower(v))
}

func (s *Server) importBlacklist(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var entries []dialplan.BlacklistEntry
	_, err = readImportCSV(body, blacklistCSVColumns, func(rec []string) (string, int, string) {
		e := dialplan.BlacklistEntry{Number: dialplan.Clean(rec[0]), Kind: matchKind(rec[1]), Reason: rec[2]}
		exp, msg := parseExpiry(rec[3])
		if msg != "" {
			return "", 4, msg
		}
		e.ExpiresAt = exp
		if err := e.Validate(); err != nil {
			col, msg := fieldColumn(blacklistCSVColumns, err)
			return "", col, msg
		}
		entries = append(entries, e)
		return string(e.Kind) + " " + e.Number, 0, ""
	})
	if err != nil {
		return err
	}
	added, updated, err := s.opt.Store.ImportBlacklist(c.Request().Context(), tenant, entries)
	if err != nil {
		return err
	}
	setAudit(c, "", map[string]any{"added": added, "updated": updated})
	return c.JSON(http.StatusOK, importResult{Added: added, Updated: updated})
}

func (s *Server) importWhitelist(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var entries []dialplan.WhitelistEntry
	_, err = readImportCSV(body, whitelistCSVColumns, func(rec []string) (string, int, string) {
		e := dialplan.WhitelistEntry{Number: dialplan.Clean(rec[0]), Kind: matchKind(rec[1]), Name: rec[2]}
		if rec[3] != "" {
			p, err := strconv.Atoi(rec[3])
			if err != nil {
				return "", 4, fmt.Sprintf("priority %q is not a whole number 0-100", rec[3])
			}
			e.Priority = p
		}
		exp, msg := parseExpiry(rec[4])
		if msg != "" {
			return "", 5, msg
		}
		e.ExpiresAt = exp
		if err := e.Validate(); err != nil {
			col, msg := fieldColumn(whitelistCSVColumns, err)
			return "", col, msg
		}
		entries = append(entries, e)
		return string(e.Kind) + " " + e.Number, 0, ""
	})
	if err != nil {
		return err
	}
	added, updated, err := s.opt.Store.ImportWhitelist(c.Request().Context(), tenant, entries)
	if err != nil {
		return err
	}
	setAudit(c, "", map[string]any{"added": added, "updated": updated})
	return c.JSON(http.StatusOK, importResult{Added: added, Updated: updated})
}

func exportCSV(c echo.Context, filename string, columns []string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(columns)
	for _, r := range rows {
		_ = w.Write(reports.SafeCSVRecord(r))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("api: export %s: %w", filename, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) exportBlacklist(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	es, err := s.opt.Store.ListBlacklist(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = []string{e.Number, string(e.Kind), e.Reason, csvTime(e.ExpiresAt)}
	}
	return exportCSV(c, "blacklist.csv", blacklistCSVColumns, rows)
}

func (s *Server) exportWhitelist(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	es, err := s.opt.Store.ListWhitelist(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = []string{e.Number, string(e.Kind), e.Name, strconv.Itoa(e.Priority), csvTime(e.ExpiresAt)}
	}
	return exportCSV(c, "whitelist.csv", whitelistCSVColumns, rows)
}
