package reports

import (
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// dialect holds every SQL fragment that differs between SQLite and
// PostgreSQL, so the reports' queries are written once.
type dialect struct {
	// bucket15 is the 15-minute UTC bucket of a timestamp column as an
	// integer (epoch seconds / 900). Every zone offset in use is a multiple
	// of 15 minutes and DST changes happen on such boundaries, so a bucket
	// maps to exactly one local day and hour, computed in Go.
	bucket15 func(col string) string
	// millisBetween is b - a in whole milliseconds.
	millisBetween func(a, b string) string
	// offeredAgents is a FROM item yielding one row (column value) per
	// element of c.agents_offered (a JSON array of agent ids).
	offeredAgents string
	// contains is true when string needle occurs in hay.
	contains func(hay, needle string) string
}

func dialectOf(d store.Dialect) dialect {
	if d == store.Postgres {
		return dialect{
			bucket15:      func(col string) string { return "FLOOR(EXTRACT(EPOCH FROM " + col + ") / 900)::bigint" },
			millisBetween: func(a, b string) string { return "FLOOR(EXTRACT(EPOCH FROM (" + b + " - " + a + ")) * 1000)::bigint" },
			offeredAgents: "json_array_elements_text(c.agents_offered::json) AS j(value)",
			contains:      func(hay, needle string) string { return "strpos(" + hay + ", " + needle + ") > 0" },
		}
	}
	// SQLite keeps timestamps as text written by modernc.org/sqlite
	// ("2026-11-22 02:39:56.123456789+00:00"), which its date functions read.
	return dialect{
		bucket15: func(col string) string { return "(CAST(strftime('%s', " + col + ") AS INTEGER) / 900)" },
		// SQLite reads a timestamp to the whole millisecond; julianday
		// then turns it into a fraction of a day, so the difference is a
		// whole number of milliseconds give or take a float's error: ROUND,
		// not the truncating CAST alone (120 s read 119,999 ms).
		millisBetween: func(a, b string) string {
			return "CAST(ROUND((julianday(" + b + ") - julianday(" + a + ")) * 86400000.0) AS INTEGER)"
		},
		offeredAgents: "json_each(c.agents_offered) AS j",
		contains:      func(hay, needle string) string { return "instr(" + hay + ", " + needle + ") > 0" },
	}
}

// where builds a WHERE clause with ?-placeholders.
type where struct {
	parts []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.parts = append(w.parts, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?,...)" when vals is not empty.
func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.add(col+" IN ("+ph+")", args...)
}

// between adds col in [from, to); times are bound in UTC so SQLite's text
// timestamps compare in order.
func (w *where) between(col string, from, to time.Time) {
	w.add(col+" >= ? AND "+col+" < ?", from.UTC(), to.UTC())
}

// number adds the partial match of a number against ANI or DNIS, ignoring
// case.
func (w *where) number(prefix, n string) {
	if n == "" {
		return
	}
	// LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's
	// does not, and a SIP caller id can hold letters.
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(n)) + "%"
	w.add("(LOWER("+prefix+"ani) LIKE ? ESCAPE '\\' OR LOWER("+prefix+"dnis) LIKE ? ESCAPE '\\')", like, like)
}

// before adds the keyset condition of a newest-first listing.
func (w *where) before(timeCol, idCol, cursor string) {
	if cursor == "" {
		return
	}
	t, id, err := decodeCursor(cursor)
	if err != nil {
		return // ParseQuery rejected it already
	}
	w.add("("+timeCol+" < ? OR ("+timeCol+" = ? AND "+idCol+" < ?))", t, t, id)
}

func (w *where) String() string {
	if len(w.parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.parts, " AND ")
}
