package api

import (
	"bytes"
	"context"
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

// csvList is a number list kept as CSV (the blacklist, the VIP whitelist):
// its export file, its columns, how an entry is read from a row and written
// to one, and where the entries are kept.
type csvList[E any] struct {
	file    string
	columns []string
	// entry reads an entry from a row's cells (one a column), or names the
	// 1-based column and message of a problem; the entry is validated after.
	entry func(rec []string) (E, int, string)
	// key tells two rows for the same entry (kind and number).
	key   func(E) string
	cells func(E) []string
	list  func(ctx context.Context, tenant string) ([]E, error)
	save  func(ctx context.Context, tenant string, es []E) (added, updated int, err error)
}

// listEntry is an entry of a csvList that validates itself.
type listEntry[E any] interface {
	*E
	Validate() error
}

func (s *Server) blacklistCSV() csvList[dialplan.BlacklistEntry] {
	return csvList[dialplan.BlacklistEntry]{
		file:    "blacklist.csv",
		columns: blacklistCSVColumns,
		entry: func(rec []string) (dialplan.BlacklistEntry, int, string) {
			e := dialplan.BlacklistEntry{Number: dialplan.Clean(rec[0]), Kind: matchKind(rec[1]), Reason: rec[2]}
			var msg string
			if e.ExpiresAt, msg = parseExpiry(rec[3]); msg != "" {
				return e, 4, msg
			}
			return e, 0, ""
		},
		key: func(e dialplan.BlacklistEntry) string { return string(e.Kind) + " " + e.Number },
		cells: func(e dialplan.BlacklistEntry) []string {
			return []string{e.Number, string(e.Kind), e.Reason, csvTime(e.ExpiresAt)}
		},
		list: s.opt.Store.ListBlacklist,
		save: s.opt.Store.ImportBlacklist,
	}
}

func (s *Server) whitelistCSV() csvList[dialplan.WhitelistEntry] {
	return csvList[dialplan.WhitelistEntry]{
		file:    "whitelist.csv",
		columns: whitelistCSVColumns,
		entry: func(rec []string) (dialplan.WhitelistEntry, int, string) {
			e := dialplan.WhitelistEntry{Number: dialplan.Clean(rec[0]), Kind: matchKind(rec[1]), Name: rec[2]}
			if rec[3] != "" {
				p, err := strconv.Atoi(rec[3])
				if err != nil {
					return e, 4, fmt.Sprintf("priority %q is not a whole number 0-100", rec[3])
				}
				e.Priority = p
			}
			var msg string
			if e.ExpiresAt, msg = parseExpiry(rec[4]); msg != "" {
				return e, 5, msg
			}
			return e, 0, ""
		},
		key: func(e dialplan.WhitelistEntry) string { return string(e.Kind) + " " + e.Number },
		cells: func(e dialplan.WhitelistEntry) []string {
			return []string{e.Number, string(e.Kind), e.Name, strconv.Itoa(e.Priority), csvTime(e.ExpiresAt)}
		},
		list: s.opt.Store.ListWhitelist,
		save: s.opt.Store.ImportWhitelist,
	}
}

func (s *Server) importBlacklist(c echo.Context) error { return importCSVList(c, s.blacklistCSV()) }
func (s *Server) importWhitelist(c echo.Context) error { return importCSVList(c, s.whitelistCSV()) }
func (s *Server) exportBlacklist(c echo.Context) error { return exportCSVList(c, s.blacklistCSV()) }
func (s *Server) exportWhitelist(c echo.Context) error { return exportCSVList(c, s.whitelistCSV()) }

// importCSVList imports the request's CSV into the tenant's list l: every
// row is read and validated before any is stored.
func importCSVList[E any, P listEntry[E]](c echo.Context, l csvList[E]) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var entries []E
	_, err = readImportCSV(body, l.columns, func(rec []string) (string, int, string) {
		e, col, msg := l.entry(rec)
		if msg != "" {
			return "", col, msg
		}
		if err := P(&e).Validate(); err != nil {
			col, msg := fieldColumn(l.columns, err)
			return "", col, msg
		}
		entries = append(entries, e)
		return l.key(e), 0, ""
	})
	if err != nil {
		return err
	}
	added, updated, err := l.save(c.Request().Context(), tenant, entries)
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

// exportCSVList answers the tenant's list l as a CSV file.
func exportCSVList[E any](c echo.Context, l csvList[E]) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	es, err := l.list(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = l.cells(e)
	}
	return exportCSV(c, l.file, l.columns, rows)
}
