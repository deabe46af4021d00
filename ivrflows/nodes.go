package ivrflows

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
)

// playPrompt plays p; a digit that interrupts it is kept for the next
// input node.
func (r *run) playPrompt(p Prompt, interruptible bool) (string, error) {
	m := r.media(p)
	if len(m) == 0 {
		return "", nil
	}
	d, err := r.call.Play(r.ctx, controller.PlayOptions{Media: m, Interruptible: interruptible})
	if err != nil && !r.fatal(err) {
		r.call.Note("flow", "prompt failed: "+truncate(err.Error(), 200))
	}
	return d, err
}

func (r *run) play(n *Node) step {
	d, err := r.playPrompt(n.Prompt, n.Interruptible)
	if r.fatal(err) {
		return r.end(n.ID, err)
	}
	detail, nt := "", (*Note)(nil)
	if d != "" {
		r.pending = d
		detail, nt = "interrupted by "+d, note("interrupted", "digits", d)
	} else if err != nil {
		detail, nt = "prompt failed", note("prompt_failed")
	}
	return step{edge: "next", to: n.Next, detail: detail, note: nt}
}

// gather prompts and collects, first using a digit that interrupted an
// earlier prompt.
func (r *run) gather(prompt Prompt, c controller.Collect) (string, error) {
	if p := r.pending; p != "" {
		r.pending = ""
		switch {
		case c.Terminator != controller.NoDigit && p == string(c.Terminator):
			return "", controller.ErrCollectTooShort
		case c.Max == 1:
			return p, nil
		}
		rest := controller.Collect{
			Min: max(1, c.Min-1), Max: c.Max - 1, Terminator: c.Terminator, Reset: c.Reset,
			FirstDigitTimeout: c.InterDigitTimeout, InterDigitTimeout: c.InterDigitTimeout,
		}
		if c.Complete != nil {
			rest.Complete = func(d string) bool { return c.Complete(p + d) }
			if c.Complete(p) {
				return p, nil
			}
		}
		more, err := r.call.PlayAndCollect(r.ctx, rest)
		if errors.Is(err, controller.ErrCollectTimeout) && more == "" && c.Min <= 1 {
			return p, nil
		}
		return p + more, err
	}
	c.Prompt = r.media(prompt)
	return r.call.PlayAndCollect(r.ctx, c)
}

func retries(n *Node) int {
	if n.Retries > 0 {
		return n.Retries
	}
	return defaultRetries
}

func orDefault(d Duration, def time.Duration) time.Duration {
	if d > 0 {
		return d.D()
	}
	return def
}

// shortcut returns the node a shortcut code leads to.
func (r *run) shortcut(digits string) (string, bool) {
	to, ok := r.flow.Shortcuts[digits]
	return to, ok && digits != ""
}

// retryPrompt is what to play before the next attempt (and before the
// fallback) after a timeout or an invalid entry.
func retryPrompt(n *Node, timedOut bool, prompt Prompt) Prompt {
	extra := n.InvalidPrompt
	if timedOut {
		extra = n.TimeoutPrompt
	}
	out := append(Prompt{}, extra...)
	return append(out, prompt...)
}

func (r *run) menu(n *Node) step {
	maxLen := r.flow.longestShortcut()
	hashKey := false
	for k := range n.Options {
		maxLen = max(maxLen, len(k))
		hashKey = hashKey || strings.Contains(k, "#")
	}
	// One wait for the whole entry: the controller drops digits queued
	// when a wait ends, so reading digit by digit would lose the rest of a
	// shortcut typed quickly. A one-digit choice is therefore accepted
	// after the inter-digit timeout (or '#') when longer keys exist.
	term := '#'
	if maxLen <= 1 || hashKey {
		term = controller.NoDigit
	}
	c := controller.Collect{Min: 1, Max: max(1, maxLen), Terminator: term, Reset: controller.NoDigit,
		FirstDigitTimeout: orDefault(n.Timeout, 5*time.Second), InterDigitTimeout: orDefault(n.InterDigitTimeout, 2*time.Second),
		Complete: r.menuComplete(n)}
	return r.gatherRetrying(n, c, nil, func(digits string, err error, tried []string) (step, bool) {
		to, ok := n.Options[digits]
		if !ok || err != nil {
			return step{}, false
		}
		keys := strings.Join(append(tried, digits), ",")
		return step{edge: "options." + digits, to: to, detail: keys, note: note("keys", "keys", keys)}, true
	})
}

// menuComplete says when a menu entry is final: no option or shortcut is
// longer and starts with it, so waiting for more digits cannot change the
// choice (a valid one is taken at once, an impossible one is invalid at once).
func (r *run) menuComplete(n *Node) func(string) bool {
	return func(digits string) bool {
		for k := range n.Options {
			if len(k) > len(digits) && strings.HasPrefix(k, digits) {
				return false
			}
		}
		for k := range r.flow.Shortcuts {
			if len(k) > len(digits) && strings.HasPrefix(k, digits) {
				return false
			}
		}
		return true
	}
}

func (r *run) collect(n *Node) step {
	maxDigits := n.Max
	if maxDigits == 0 {
		maxDigits = 64
	}
	c := controller.Collect{Min: max(1, n.Min), Max: maxDigits, Terminator: '#', Reset: '*',
		FirstDigitTimeout: orDefault(n.Timeout, 5*time.Second), InterDigitTimeout: orDefault(n.InterDigitTimeout, 3*time.Second)}
	shortcuts := len(r.flow.Shortcuts) > 0
	if shortcuts {
		// '*' must reach us to tell a shortcut; a '*' that starts no
		// shortcut restarts the entry, as the switch would have done, and
		// the count towards max restarts with it: the switch only stops at
		// its own Max, so Complete decides when the entry is full.
		c.Reset = controller.NoDigit
		c.Min = 1
		c.Max = maxCollectEntry
		c.Complete = r.collectComplete(maxDigits)
	}
	var re *regexp.Regexp
	if n.Pattern != "" {
		var err error
		if re, err = regexp.Compile("^(?:" + n.Pattern + ")$"); err != nil {
			o := Outcome{Kind: OutcomeError, Reason: "bad pattern: " + err.Error(), ReasonNote: note("bad_pattern", "error", err.Error())}
			return step{edge: "error", end: &o}
		}
	}
	var clean func(string) string
	if shortcuts {
		clean = afterLastReset
	}
	return r.gatherRetrying(n, c, clean, func(digits string, err error, _ []string) (step, bool) {
		if err != nil || len(digits) < max(1, n.Min) || len(digits) > maxDigits || (re != nil && !re.MatchString(digits)) {
			return step{}, false
		}
		r.vars[n.Variable] = digits
		return step{edge: "next", to: n.Next, detail: fmt.Sprintf("%s=%q", n.Variable, digits), note: note("collected", "variable", n.Variable, "digits", digits)}, true
	})
}

// maxCollectEntry is how many keys (digits and '*' resets) a collect with
// shortcuts lets the caller type before the entry ends regardless.
const maxCollectEntry = 64

// afterLastReset is what counts of a collect entry typed with shortcuts:
// the digits after the last '*'.
func afterLastReset(digits string) string {
	if i := strings.LastIndexByte(digits, '*'); i >= 0 {
		return digits[i+1:]
	}
	return digits
}

// collectComplete says when a collect entry typed with shortcuts is final:
// it is a shortcut no longer shortcut starts with, or the digits after the
// last '*' reached max and no shortcut can still be typed.
func (r *run) collectComplete(maxDigits int) func(string) bool {
	return func(digits string) bool {
		for _, tail := range resetTails(digits) {
			for k := range r.flow.Shortcuts {
				if len(k) > len(tail) && strings.HasPrefix(k, tail) {
					return false
				}
			}
			if _, ok := r.flow.Shortcuts[tail]; ok {
				return true
			}
		}
		return len(afterLastReset(digits)) >= maxDigits
	}
}

// resetTails lists digits and every part of it that starts at a '*': the
// entries a caller may have restarted with.
func resetTails(digits string) []string {
	out := []string{digits}
	for i := 1; i < len(digits); i++ {
		if digits[i] == '*' {
			out = append(out, digits[i:])
		}
	}
	return out
}

// shortcutAfterReset finds a shortcut typed after a '*' restarted a collect
// entry ("12*0" is the shortcut *0).
func (r *run) shortcutAfterReset(digits string) (code, to string, ok bool) {
	for _, tail := range resetTails(digits)[1:] {
		if to, ok := r.shortcut(tail); ok {
			return tail, to, true
		}
	}
	return "", "", false
}

// gatherRetrying is the attempt loop menus and digit collection share: play
// the prompt (the invalid/timeout prompt before it on later attempts),
// collect, follow a shortcut, then let accept take the entry (clean, when
// set, first trims it). A timeout, an error or an entry accept refuses
// costs an attempt; after the last the fallback is taken. accept is also
// given the earlier attempts ("timeout", "invalid 7") for its step detail.
func (r *run) gatherRetrying(n *Node, c controller.Collect, clean func(string) string, accept func(digits string, err error, tried []string) (step, bool)) step {
	prompt := n.Prompt
	var tried []string
	timedOut := false
	for attempt := 1; attempt <= retries(n); attempt++ {
		if attempt > 1 {
			prompt = retryPrompt(n, timedOut, n.Prompt)
		}
		digits, err := r.gather(prompt, c)
		if r.fatal(err) {
			return r.end(n.ID, err)
		}
		if to, ok := r.shortcut(digits); ok {
			return step{edge: "shortcut " + digits, to: to}
		}
		if clean != nil {
			if code, to, ok := r.shortcutAfterReset(digits); ok {
				return step{edge: "shortcut " + code, to: to}
			}
			digits = clean(digits)
		}
		timedOut = digits == "" && (err == nil || errors.Is(err, controller.ErrCollectTimeout) || errors.Is(err, controller.ErrCollectTooShort))
		switch {
		case timedOut:
			tried = append(tried, "timeout")
			continue
		case err != nil && !errors.Is(err, controller.ErrCollectTimeout) && !errors.Is(err, controller.ErrCollectTooShort):
			tried = append(tried, "error")
			r.call.Note("flow", fmt.Sprintf("node %q: %s", n.ID, truncate(err.Error(), 200)))
			continue
		}
		if st, ok := accept(digits, err, tried); ok {
			return st
		}
		tried = append(tried, "invalid "+digits)
	}
	if p := retryPrompt(n, timedOut, nil); len(p) > 0 {
		if _, err := r.playPrompt(p, false); r.fatal(err) {
			return r.end(n.ID, err)
		}
	}
	return step{edge: "fallback", to: n.Fallback, detail: strings.Join(tried, ","), note: note("keys", "keys", strings.Join(tried, ","))}
}

func (r *run) eval(src string, asBool bool) (any, error) {
	p, err := r.program(src, asBool)
	if err != nil {
		return nil, err
	}
	v, err := r.budget.eval(p, r.vars)
	if err != nil {
		var be *BudgetError
		if errors.As(err, &be) {
			return nil, fmt.Errorf("evaluate %q: %w", src, be)
		}
		return nil, fmt.Errorf("evaluate %q: %s", src, firstLine(err.Error()))
	}
	return v, nil
}

// budgetSpent ends the run when its expressions spent the budget of the
// whole call (a flow burning CPU in a loop of inputs that time out).
func (r *run) budgetSpent(n *Node) (step, bool) {
	if r.budget.spent == nil {
		return step{}, false
	}
	o := Outcome{Kind: OutcomeLimit, Reason: r.budget.spent.Error(), ReasonNote: note("budget", "error", r.budget.spent.Error())}
	return step{edge: "limit", end: &o, detail: r.budget.spent.Error(), note: o.ReasonNote}, true
}

func (r *run) set(n *Node) step {
	var parts []string
	for _, a := range n.Set {
		v, err := r.eval(a.Expr, false)
		if err == nil {
			err = r.setVar(a.Var, v)
		}
		if err != nil {
			if st, ok := r.budgetSpent(n); ok {
				return st
			}
			r.call.Note("flow", fmt.Sprintf("node %q: %s = \"\": %v", n.ID, a.Var, truncate(err.Error(), 300)))
			v = ""
			_ = r.setVar(a.Var, v)
		}
		parts = append(parts, fmt.Sprintf("%s=%s", a.Var, truncate(formatValue(v), 60)))
	}
	return step{edge: "next", to: n.Next, detail: strings.Join(parts, " ")}
}

func (r *run) branch(n *Node) step {
	for i, c := range n.Conditions {
		v, err := r.eval(c.If, true)
		if err != nil {
			if st, ok := r.budgetSpent(n); ok {
				return st
			}
			r.call.Note("flow", fmt.Sprintf("node %q condition %d taken as false: %v", n.ID, i, truncate(err.Error(), 300)))
			continue
		}
		if b, _ := v.(bool); b {
			return step{edge: fmt.Sprintf("conditions[%d]", i), to: c.Next, detail: c.If}
		}
	}
	return step{edge: "else", to: n.Else}
}

func (r *run) schedule(n *Node) step {
	if r.in.opt.Schedules == nil {
		return step{edge: "branches.closed", to: n.Branches["closed"], detail: "no schedules configured, taken as closed", note: note("no_schedules")}
	}
	b, err := r.in.opt.Schedules.Evaluate(r.ctx, r.in.opt.Tenant, n.Schedule, r.in.opt.Clock.Now())
	if r.fatal(err) {
		return r.end(n.ID, err)
	}
	if err != nil {
		return step{edge: "branches.closed", to: n.Branches["closed"], detail: "schedule error, taken as closed: " + truncate(err.Error(), 200),
			note: note("schedule_error", "error", truncate(err.Error(), 200))}
	}
	to, ok := n.Branches[b]
	if !ok {
		return step{edge: "branches.closed", to: n.Branches["closed"], detail: fmt.Sprintf("unknown schedule branch %q, taken as closed", b), note: note("unknown_branch", "branch", b)}
	}
	return step{edge: "branches." + b, to: to, detail: "schedule " + n.Schedule, note: note("schedule", "schedule", n.Schedule)}
}

func (r *run) transfer(n *Node) step {
	if len(n.Prompt) > 0 {
		if _, err := r.playPrompt(n.Prompt, false); r.fatal(err) {
			return r.end(n.ID, err)
		}
	}
	target, err := render(n.Target, r.vars, nil)
	if err == nil && hasControl(target) {
		err = fmt.Errorf("transfer target %s has a control character", strconv.QuoteToASCII(target))
	}
	if err != nil {
		o := Outcome{Kind: OutcomeError, Reason: truncate(err.Error(), 200), ReasonNote: note("failed", "error", truncate(err.Error(), 200))}
		return step{edge: "error", end: &o}
	}
	if n.Kind == TransferFlow && r.in.opt.Flows != nil {
		if r.hops >= maxFlowHops {
			o := Outcome{Kind: OutcomeError, Reason: fmt.Sprintf("more than %d transfers between flows without caller input", maxFlowHops),
				ReasonNote: note("too_many_hops", "max", strconv.Itoa(maxFlowHops))}
			return step{edge: "error", end: &o}
		}
		f, v, err := r.in.opt.Flows.Published(r.ctx, r.in.opt.Tenant, target)
		if err != nil {
			if r.fatal(err) {
				return r.end(n.ID, err)
			}
			o := Outcome{Kind: OutcomeError, Reason: fmt.Sprintf("load flow %q: %s", target, truncate(err.Error(), 200)),
				ReasonNote: note("load_flow", "flow", target, "error", truncate(err.Error(), 200))}
			return step{edge: "error", end: &o}
		}
		r.hops++
		r.flow, r.version = f, v
		r.vars["flow_id"] = f.ID
		r.call.Note("flow", fmt.Sprintf("enter flow %q version %d", f.ID, v))
		return step{edge: "transfer", to: f.Start, detail: fmt.Sprintf("flow %q version %d", f.ID, v), note: note("enter_flow", "flow", f.ID, "version", strconv.Itoa(v))}
	}
	o := Outcome{Kind: OutcomeTransfer, Transfer: &Transfer{Kind: n.Kind, Target: target}}
	return step{edge: "transfer", end: &o, detail: n.Kind + " " + target, note: note("transfer", "kind", n.Kind, "target", target)}
}

func (r *run) voicemail(n *Node) step {
	mailbox, err := render(n.Mailbox, r.vars, nil)
	if err == nil {
		// A name built from variables (caller input) is checked as a
		// static one is by the validator.
		err = dialplan.ValidMailbox(mailbox)
	}
	if err != nil {
		o := Outcome{Kind: OutcomeError, Reason: truncate(err.Error(), 200), ReasonNote: note("failed", "error", truncate(err.Error(), 200))}
		return step{edge: "error", end: &o, detail: "mailbox " + truncate(mailbox, 80) + " refused", note: note("mailbox_refused", "mailbox", truncate(mailbox, 80))}
	}
	if len(n.Prompt) > 0 {
		if _, err := r.playPrompt(n.Prompt, false); r.fatal(err) {
			return r.end(n.ID, err)
		}
	}
	vm := r.in.opt.Voicemail
	if vm == nil {
		o := Outcome{Kind: OutcomeVoicemail, Mailbox: mailbox}
		return step{edge: "voicemail", end: &o, detail: "mailbox " + mailbox + " (handed to the wiring)", note: note("voicemail", "mailbox", mailbox)}
	}
	maxLen := orDefault(n.MaxLength, 2*time.Minute)
	beep := n.Beep == nil || *n.Beep
	file := path.Join(r.in.opt.RecordingDir, safeName(r.in.opt.Tenant), safeName(mailbox), safeName(r.call.ID())+"-"+safeName(n.ID)+".wav")
	clk := r.in.opt.Clock
	started := clk.Now()
	id, err := r.call.Record(r.ctx, controller.RecordOptions{Path: file, MaxDuration: maxLen, Beep: beep})
	if err != nil {
		if r.fatal(err) {
			return r.end(n.ID, err)
		}
		o := Outcome{Kind: OutcomeError, Reason: "record: " + truncate(err.Error(), 200), ReasonNote: note("record_failed", "error", truncate(err.Error(), 200))}
		return step{edge: "error", end: &o}
	}
	// Any key (or the maximum length, or hanging up) ends the message.
	_, werr := r.call.PlayAndCollect(r.ctx, controller.Collect{Min: 1, Max: 1, Terminator: controller.NoDigit, Reset: controller.NoDigit,
		FirstDigitTimeout: maxLen, InterDigitTimeout: maxLen})
	cctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 5*time.Second)
	defer cancel()
	gone := r.fatal(werr)
	if !gone {
		_ = r.call.StopRecord(cctx, id)
	}
	dur := min(clk.Since(started), maxLen)
	msg := VoicemailMessage{Tenant: r.in.opt.Tenant, Mailbox: mailbox, CallID: r.call.ID(), Caller: r.call.ANI(), Path: file, Duration: dur, DurationMS: dur.Milliseconds(), Created: clk.Now()}
	detail := fmt.Sprintf("mailbox %s, %s recorded to %s", mailbox, dur, file)
	nt := note("recorded", "mailbox", mailbox, "duration", dur.String(), "file", file)
	if err := vm.SaveVoicemail(cctx, msg); err != nil {
		detail += ", not saved: " + truncate(err.Error(), 200)
		nt = note("recorded_not_saved", "mailbox", mailbox, "duration", dur.String(), "file", file, "error", truncate(err.Error(), 200))
	}
	if gone {
		o := r.failed(n.ID, werr)
		if o.Kind == OutcomeCallerHangup {
			o.Mailbox, o.Recorded = mailbox, true
		}
		return step{edge: "end", end: &o, detail: detail, note: nt}
	}
	if n.Next == "" {
		o := Outcome{Kind: OutcomeVoicemail, Mailbox: mailbox, Recorded: true}
		if err := r.call.Hangup(r.ctx, controller.CauseNormalClearing); err == nil {
			o.HungUp = true
		}
		return step{edge: "voicemail", end: &o, detail: detail, note: nt}
	}
	return step{edge: "next", to: n.Next, detail: detail, note: nt}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// safeName keeps a path element to safe characters.
func safeName(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

func (r *run) survey(n *Node) step {
	c := controller.Collect{Min: 1, Max: 1, Terminator: controller.NoDigit, Reset: controller.NoDigit,
		FirstDigitTimeout: orDefault(n.Timeout, 5*time.Second), InterDigitTimeout: time.Second}
	prompt := n.Prompt
	var tried []string
	timedOut := false
	for attempt := 1; attempt <= retries(n); attempt++ {
		if attempt > 1 {
			prompt = retryPrompt(n, timedOut, n.Prompt)
		}
		d, err := r.gather(prompt, c)
		if r.fatal(err) {
			return r.end(n.ID, err)
		}
		label, ok := n.Choices[d]
		if !ok || err != nil {
			timedOut = d == ""
			tried = append(tried, "invalid "+d)
			if timedOut {
				tried[len(tried)-1] = "timeout"
			}
			continue
		}
		score, _ := strconv.Atoi(d)
		detail := fmt.Sprintf("score %d (%s)", score, label)
		nt := note("score", "score", strconv.Itoa(score), "label", label)
		agentVar, queueVar := n.AgentVar, n.QueueVar
		if agentVar == "" {
			agentVar = "agent_id"
		}
		if queueVar == "" {
			queueVar = "queue"
		}
		res := SurveyResult{Tenant: r.in.opt.Tenant, CallID: r.call.ID(), AgentID: formatValue(r.vars[agentVar]),
			Queue: formatValue(r.vars[queueVar]), Score: score, Created: r.in.opt.Clock.Now()}
		r.vars["survey_score"] = score
		if s := r.in.opt.Surveys; s == nil {
			detail += ", not stored: no survey store configured"
			nt = note("score_no_store", "score", strconv.Itoa(score), "label", label)
		} else if err := s.SaveSurvey(context.WithoutCancel(r.ctx), res); err != nil {
			detail += ", not stored: " + truncate(err.Error(), 200)
			nt = note("score_not_stored", "score", strconv.Itoa(score), "label", label, "error", truncate(err.Error(), 200))
		}
		if _, err := r.playPrompt(n.ThankYou, false); r.fatal(err) {
			return r.end(n.ID, err)
		}
		return step{edge: "next", to: n.Next, detail: detail, note: nt}
	}
	to, edge := n.Fallback, "fallback"
	if to == "" {
		to, edge = n.Next, "next"
	}
	return step{edge: edge, to: to, detail: "no rating: " + strings.Join(tried, ","), note: note("no_rating", "keys", strings.Join(tried, ","))}
}

func (r *run) sms(n *Node) step {
	to := r.call.ANI()
	var err error
	if n.To != "" {
		to, err = render(n.To, r.vars, nil)
	}
	text, terr := render(n.Text, r.vars, nil)
	if err = errors.Join(err, terr); err != nil {
		return step{edge: "error", to: n.Error, detail: "sms: " + truncate(err.Error(), 200), note: note("sms_error", "error", truncate(err.Error(), 200))}
	}
	if r.in.opt.SMS == nil {
		return step{edge: "error", to: n.Error, detail: "sms not configured", note: note("sms_off")}
	}
	if err := r.in.opt.SMS.SendSMS(r.ctx, r.in.opt.Tenant, to, text); err != nil {
		if r.fatal(err) {
			return r.end(n.ID, err)
		}
		return step{edge: "error", to: n.Error, detail: "sms to " + to + " failed: " + truncate(err.Error(), 200), note: note("sms_failed", "to", to, "error", truncate(err.Error(), 200))}
	}
	return step{edge: "next", to: n.Next, detail: fmt.Sprintf("sms to %s: %q", to, truncate(text, 80)), note: note("sms_sent", "to", to, "text", truncate(text, 80))}
}
