package switchbench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// latencies collects durations for percentiles.
type latencies struct{ d []time.Duration }

func (l *latencies) add(d time.Duration) { l.d = append(l.d, d) }

func (l *latencies) n() int { return len(l.d) }

// quantile returns the q-quantile (nearest rank) of the samples.
func (l *latencies) quantile(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	if !slices.IsSorted(l.d) {
		slices.Sort(l.d)
	}
	i := int(q*float64(len(l.d))+0.5) - 1
	return l.d[min(max(i, 0), len(l.d)-1)]
}

func (l *latencies) max() time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	return slices.Max(l.d)
}

// Verdict says whether a figure met its target.
type Verdict uint8

// Verdicts.
const (
	Info   Verdict = iota // no target
	Met                   // target met
	Missed                // target missed
)

func (v Verdict) String() string {
	switch v {
	case Met:
		return "MET"
	case Missed:
		return "MISSED"
	}
	return ""
}

func verdict(ok bool) Verdict {
	if ok {
		return Met
	}
	return Missed
}

// Figure is one measured value, with its target when it has one.
type Figure struct {
	Name    string  `json:"name"`
	Value   string  `json:"value"`
	Target  string  `json:"target,omitempty"`
	Verdict Verdict `json:"verdict"`
}

// Section is one measurement.
type Section struct {
	Title   string   `json:"title"`
	Setup   []string `json:"setup,omitempty"`
	Figures []Figure `json:"figures"`
	Err     string   `json:"error,omitempty"`
}

func (s *Section) info(name, format string, a ...any) {
	s.Figures = append(s.Figures, Figure{Name: name, Value: fmt.Sprintf(format, a...)})
}

func (s *Section) check(name, value, target string, ok bool) {
	s.Figures = append(s.Figures, Figure{Name: name, Value: value, Target: target, Verdict: verdict(ok)})
}

// Missed reports whether any figure of the section missed its target (or
// the section failed).
func (s Section) Missed() bool {
	if s.Err != "" {
		return true
	}
	for _, f := range s.Figures {
		if f.Verdict == Missed {
			return true
		}
	}
	return false
}

// Report is the output of a bench run.
type Report struct {
	Machine  string    `json:"machine"`
	Started  time.Time `json:"started"`
	Sections []Section `json:"sections"`
}

func newReport() *Report {
	return &Report{
		Machine: fmt.Sprintf("%s/%s, GOMAXPROCS=%d, NumCPU=%d, %s", runtime.GOOS, runtime.GOARCH,
			runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version()),
		Started: time.Now().UTC(),
	}
}

// Missed reports whether any target was missed.
func (r *Report) Missed() bool {
	for _, s := range r.Sections {
		if s.Missed() {
			return true
		}
	}
	return false
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "ipcc bench switch — %s — %s\n", r.Started.Format(time.RFC3339), r.Machine)
	for _, s := range r.Sections {
		WriteSection(w, s)
	}
	if r.Missed() {
		fmt.Fprintln(w, "\nresult: at least one target MISSED")
	} else {
		fmt.Fprintln(w, "\nresult: every target MET")
	}
}

// WriteSection prints one section.
func WriteSection(w io.Writer, s Section) {
	fmt.Fprintf(w, "\n== %s\n", s.Title)
	for _, l := range s.Setup {
		fmt.Fprintf(w, "   %s\n", l)
	}
	if s.Err != "" {
		fmt.Fprintf(w, "   FAILED: %s\n", s.Err)
	}
	width := 0
	for _, f := range s.Figures {
		width = max(width, len(f.Name))
	}
	for _, f := range s.Figures {
		line := fmt.Sprintf("   %-*s  %s", width, f.Name, f.Value)
		if f.Target != "" {
			line += fmt.Sprintf("   (target %s: %s)", f.Target, f.Verdict)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func fmtRate(r float64) string { return fmt.Sprintf("%.0f events/s", r) }

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d µs", d.Microseconds())
}
