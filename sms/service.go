package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
)

// Event types announced through Events (webhooks).
const (
	EventSent      = "sms.sent"
	EventDelivered = "sms.delivered"
	EventFailed    = "sms.failed"
	EventReceived  = "sms.received"
	EventOptOut    = "sms.opted_out"
)

// EventTypes lists them.
var EventTypes = []string{EventSent, EventDelivered, EventFailed, EventReceived, EventOptOut}

// Events announces what happens to messages (cmd/ipcc wires the webhook
// outbox). A failure to announce is logged, never a failure to send.
type Events interface {
	SMSEvent(ctx context.Context, tenant, eventType string, m store.SMSMessage) error
}

// Errors a send may return before anything is sent.
var (
	ErrOptedOut    = errors.New("the number is on the opt-out list")
	ErrRateLimited = errors.New("rate limit reached")
	ErrNoProvider  = errors.New("no SMS provider is configured")
)

// SettingName is the tenant setting holding Settings (JSON).
const SettingName = "sms"

// Settings are a tenant's SMS limits and rules.
type Settings struct {
	// PerMinute and PerDay bound the tenant's outgoing messages;
	// PerNumberPerHour the messages to one number (against SMS pumping).
	// Zero takes the defaults (60, 5000, 5); -1 is unlimited.
	PerMinute        int `json:"per_minute"`
	PerDay           int `json:"per_day"`
	PerNumberPerHour int `json:"per_number_per_hour"`
	// Language is the templates' language when a send does not name one.
	Language string `json:"language"`
	// AgentNumbers are agents' mobile numbers (agent id → number), for
	// the work-order SMS sent to an order's assignee.
	AgentNumbers map[string]string `json:"agent_numbers,omitempty"`
	// Rules send a template after calls: on "missed_call" (abandoned in
	// the queue, while ringing, or in the IVR), "voicemail" (the caller
	// left a message) and "after_call" (answered by an agent).
	Rules []Rule `json:"rules"`
}

// Rule sends Template to the caller when an inbound call ends with Event.
type Rule struct {
	Event    string `json:"event"`
	Template string `json:"template"`
	Enabled  bool   `json:"enabled"`
}

// RuleEvents are the events a rule can name.
var RuleEvents = []string{"missed_call", "voicemail", "after_call"}

func (s *Settings) limits() (perMin, perDay, perNumber int) {
	d := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return d(s.PerMinute, 60), d(s.PerDay, 5000), d(s.PerNumberPerHour, 5)
}

// Validate checks settings; errors name the field.
func (s *Settings) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"per_minute", s.PerMinute}, {"per_day", s.PerDay}, {"per_number_per_hour", s.PerNumberPerHour}} {
		if f.v < -1 || f.v > 1_000_000 {
			return fmt.Errorf("%s: %d is not -1 (unlimited), 0 (default) or up to 1000000", f.name, f.v)
		}
	}
	if s.Language != "" && !slices.Contains(Languages, s.Language) {
		return fmt.Errorf("language: %q is not one of %s", s.Language, strings.Join(Languages, ", "))
	}
	seen := map[string]bool{}
	for agent, n := range s.AgentNumbers {
		if agent == "" {
			return errors.New("agent_numbers: an empty agent id")
		}
		norm, err := NormalizeNumber("agent_numbers."+agent, n)
		if err != nil {
			return err
		}
		s.AgentNumbers[agent] = norm
	}
	for i, r := range s.Rules {
		if !slices.Contains(RuleEvents, r.Event) {
			return fmt.Errorf("rules[%d].event: %q is not one of %s", i, r.Event, strings.Join(RuleEvents, ", "))
		}
		if seen[r.Event] {
			return fmt.Errorf("rules[%d].event: %q appears twice", i, r.Event)
		}
		seen[r.Event] = true
		if err := ValidName(fmt.Sprintf("rules[%d].template", i), r.Template); err != nil {
			return err
		}
	}
	return nil
}

// Options configure a Service.
type Options struct {
	Store  *store.Store
	Egress *egress.Policy // tenants' gateway URLs and SMSC addresses go through it
	Clock  clock.Clock
	Logger *slog.Logger
	Events Events
	// MaxAttempts bounds the attempts of a message failing temporarily
	// (default 6); Backoff is the wait before attempt n+1 (default 30s
	// doubling up to 1h).
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
	// PollInterval is how often due retries are looked for and SMPP
	// sessions kept bound (default 5s).
	PollInterval time.Duration
}

// Service sends, retries and receives messages.
type Service struct {
	opt  Options
	log  *slog.Logger
	http *http.Client

	mu    sync.Mutex
	links map[string]*smppLink // tenant/provider
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("sms: a store is required")
	}
	if o.Egress == nil {
		o.Egress = egress.Default()
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	return &Service{opt: o, log: o.Logger.With("component", "sms"), http: o.Egress.Client(0), links: map[string]*smppLink{}}, nil
}

// DefaultBackoff waits 30s before the second attempt, doubling up to 1h.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// LoadSettings reads a tenant's settings (defaults when unset).
func (s *Service) LoadSettings(ctx context.Context, tenant string) (*Settings, error) {
	var st Settings
	v, err := s.opt.Store.GetSetting(ctx, tenant, SettingName)
	if store.IsNotFound(err) {
		return &st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(v), &st); err != nil {
		return nil, fmt.Errorf("sms settings of %s: %w", tenant, err)
	}
	return &st, nil
}

// SaveSettings validates and stores a tenant's settings.
func (s *Service) SaveSettings(ctx context.Context, tenant string, st *Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	return s.opt.Store.PutSetting(ctx, tenant, SettingName, string(b))
}

// Request is one message to send: a Text, or a Template with Vars.
type Request struct {
	Tenant   string
	To       string
	Text     string
	Template string
	Language string
	Vars     map[string]string
	Provider string // "" takes the tenant's default provider
	Source   string // ivr, agent, rule, api, cli
	CallID   string
	AgentID  string
}

var numberRe = regexp.MustCompile(`^\+?[0-9]{3,20}$`)

// NormalizeNumber strips spaces and dashes and checks a phone number.
func NormalizeNumber(field, n string) (string, error) {
	n = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(n)
	if !numberRe.MatchString(n) {
		return "", fmt.Errorf("%s: %q is not a phone number (3 to 20 digits, optional leading +)", field, n)
	}
	return n, nil
}

// Compose renders the text of a request.
func (s *Service) Compose(ctx context.Context, r Request) (text, lang string, err error) {
	if r.Template == "" {
		if strings.TrimSpace(r.Text) == "" {
			return "", "", errors.New("text: empty (give text or template)")
		}
		if n := len([]rune(r.Text)); n > 1000 {
			return "", "", fmt.Errorf("text: %d characters, at most 1000", n)
		}
		return r.Text, r.Language, nil
	}
	t, err := s.opt.Store.GetSMSTemplate(ctx, r.Tenant, r.Template)
	if err != nil {
		return "", "", fmt.Errorf("template %q: %w", r.Template, err)
	}
	texts, err := ParseTexts(t.Texts)
	if err != nil {
		return "", "", fmt.Errorf("template %q: %w", r.Template, err)
	}
	st, err := s.LoadSettings(ctx, r.Tenant)
	if err != nil {
		return "", "", err
	}
	tpl, lang := PickText(texts, r.Language, st.Language)
	text, err = Render(tpl, r.Vars)
	if err != nil {
		return "", "", fmt.Errorf("template %q (%s): %w", r.Template, lang, err)
	}
	return text, lang, nil
}

// Send checks and stores a message and makes its first attempt. The
// message is returned with its status: sent (accepted by the provider),
// queued (a temporary failure; tried again later) or failed. Errors
// before storing (bad input, opted out, rate limit, no provider) return no
// message.
func (s *Service) Send(ctx context.Context, r Request) (*store.SMSMessage, error) {
	to, err := NormalizeNumber("to", r.To)
	if err != nil {
		return nil, err
	}
	text, lang, err := s.Compose(ctx, r)
	if err != nil {
		return nil, err
	}
	if out, err := s.opt.Store.SMSOptedOut(ctx, r.Tenant, to); err != nil {
		return nil, err
	} else if out {
		return nil, fmt.Errorf("%s: %w", to, ErrOptedOut)
	}
	limits, err := s.limits(ctx, r.Tenant, to)
	if err != nil {
		return nil, err
	}
	p, err := s.pickProvider(ctx, r.Tenant, r.Provider)
	if err != nil {
		return nil, err
	}
	now := s.opt.Clock.Now().UTC()
	// Stored claimed by this send for a lease, as the retry loop claims
	// due messages: the loop must not send it while this request is at the
	// gateway, and takes it up only if this controller dies before the
	// outcome is stored.
	lease := now.Add(sendLease)
	m := &store.SMSMessage{TenantID: r.Tenant, Direction: store.SMSOut, ProviderID: p.ID, Sender: p.SenderID, Number: to, Body: text,
		Template: r.Template, Language: lang, Source: r.Source, CallID: r.CallID, AgentID: r.AgentID, Status: store.SMSQueued,
		Parts: Parts(text), NextAttemptAt: &lease, CreatedAt: now}
	// The limits are checked by the insert itself, so that concurrent
	// sends (from any controller) cannot together exceed them.
	if full, err := s.opt.Store.CreateSMSMessageWithin(ctx, m, limits); err != nil {
		return nil, err
	} else if full != nil {
		return nil, fmt.Errorf("%w: %d messages %s", ErrRateLimited, full.Max, full.What)
	}
	s.attempt(ctx, m, p)
	return m, nil
}

// SendTemplate sends the tenant's template to a number (crm.SMSSender: the
// work-order SMS).
func (s *Service) SendTemplate(ctx context.Context, tenant, to, template string, vars map[string]string, source string) error {
	_, err := s.Send(ctx, Request{Tenant: tenant, To: to, Template: template, Vars: vars, Source: source})
	return err
}

// AgentNumber is an agent's mobile number from the tenant's settings
// (crm.SMSSender), "" when none is set.
func (s *Service) AgentNumber(ctx context.Context, tenant, agent string) (string, error) {
	st, err := s.LoadSettings(ctx, tenant)
	if err != nil {
		return "", err
	}
	return st.AgentNumbers[agent], nil
}

// limits are the tenant's rate limits a message to to must stay within
// now (unlimited ones left out).
func (s *Service) limits(ctx context.Context, tenant, to string) ([]store.SMSLimit, error) {
	st, err := s.LoadSettings(ctx, tenant)
	if err != nil {
		return nil, err
	}
	perMin, perDay, perNum := st.limits()
	now := s.opt.Clock.Now()
	var out []store.SMSLimit
	for _, c := range []struct {
		limit  int
		number string
		window time.Duration
		what   string
	}{{perMin, "", time.Minute, "per minute"}, {perDay, "", 24 * time.Hour, "per day"}, {perNum, to, time.Hour, "per hour to " + to}} {
		if c.limit >= 0 {
			out = append(out, store.SMSLimit{Max: c.limit, Number: c.number, Since: now.Add(-c.window), What: c.what})
		}
	}
	return out, nil
}

func (s *Service) pickProvider(ctx context.Context, tenant, id string) (*store.SMSProvider, error) {
	if id != "" {
		p, err := s.opt.Store.GetSMSProvider(ctx, tenant, id)
		if err != nil {
			return nil, fmt.Errorf("provider %q: %w", id, err)
		}
		if !p.Enabled {
			return nil, fmt.Errorf("provider %q is disabled", id)
		}
		return p, nil
	}
	ps, err := s.opt.Store.ListSMSProviders(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var first *store.SMSProvider
	for i := range ps {
		if !ps[i].Enabled {
			continue
		}
		if ps[i].IsDefault {
			return &ps[i], nil
		}
		if first == nil {
			first = &ps[i]
		}
	}
	if first == nil {
		return nil, ErrNoProvider
	}
	return first, nil
}

// provider returns the sender of a stored provider.
func (s *Service) provider(p *store.SMSProvider) (Provider, error) {
	switch p.Kind {
	case KindHTTP:
		cfg, err := ParseHTTPConfig([]byte(p.Config))
		if err != nil {
			return nil, err
		}
		return NewHTTPGateway(cfg, s.http, s.opt.Clock.Now), nil
	case KindSMPP:
		return s.link(p)
	}
	return nil, fmt.Errorf("provider %q: unknown kind %q", p.ID, p.Kind)
}

func (s *Service) link(p *store.SMSProvider) (*smppLink, error) {
	key := p.TenantID + "/" + p.ID
	s.mu.Lock()
	l := s.links[key]
	s.mu.Unlock()
	if l != nil && l.raw == p.Config {
		return l, nil
	}
	cfg, err := ParseSMPPConfig([]byte(p.Config))
	if err != nil {
		return nil, err
	}
	tenant, id := p.TenantID, p.ID
	nl := &smppLink{key: key, cfg: *cfg, raw: p.Config, dial: s.opt.Egress.DialContext, log: s.log,
		sink: func(rs []Receipt, in *Inbound) {
			ctx := context.Background()
			for _, r := range rs {
				s.Report(ctx, tenant, id, r)
			}
			if in != nil {
				if _, err := s.Receive(ctx, tenant, id, *in); err != nil {
					s.log.Warn("sms: inbound message not stored", "tenant", tenant, "provider", id, "err", err)
				}
			}
		}}
	s.mu.Lock()
	if old := s.links[key]; old != nil {
		go old.close()
	}
	s.links[key] = nl
	s.mu.Unlock()
	return nl, nil
}

// attempt makes one attempt at m with provider p and stores the outcome.
func (s *Service) attempt(ctx context.Context, m *store.SMSMessage, p *store.SMSProvider) {
	m.Attempts++
	m.ProviderID, m.Sender = p.ID, p.SenderID
	log := s.log.With("tenant", m.TenantID, "sms", m.ID, "provider", p.ID, "attempt", m.Attempts)
	var ids []string
	prov, err := s.provider(p)
	if err == nil {
		if !p.Enabled {
			err = fmt.Errorf("provider %q is disabled", p.ID)
		} else {
			ids, err = prov.Send(ctx, Outgoing{ID: m.ID, From: p.SenderID, To: m.Number, Text: m.Body})
		}
	}
	now := s.opt.Clock.Now().UTC()
	event := ""
	switch {
	case err == nil:
		m.Status, m.Error, m.NextAttemptAt = store.SMSSent, "", nil
		parts := make([]store.SMSPart, len(ids))
		for i, id := range ids {
			parts[i] = store.SMSPart{TenantID: m.TenantID, ProviderID: p.ID, ProviderMsgID: id, MessageID: m.ID, Seq: i + 1, Status: store.SMSSent}
		}
		if len(ids) > 0 && len(ids) != m.Parts {
			m.Parts = len(ids) // the gateway splits by itself
		}
		// The parts are stored after the status (below): a report
		// arriving meanwhile waits for them instead of being overwritten.
		defer func() {
			if perr := s.opt.Store.AddSMSParts(context.WithoutCancel(ctx), parts); perr != nil {
				log.Error("sms: parts not stored; delivery reports will not find the message", "err", perr)
			}
		}()
		event = EventSent
	case IsTemporary(err) && m.Attempts < s.opt.MaxAttempts:
		next := now.Add(s.opt.Backoff(m.Attempts))
		m.Status, m.Error, m.NextAttemptAt = store.SMSQueued, shortErr(err), &next
		log.Warn("sms: temporary failure, will try again", "err", err, "next", next)
	default:
		m.Status, m.Error, m.NextAttemptAt, m.DoneAt = store.SMSFailed, shortErr(err), nil, &now
		log.Warn("sms: failed", "err", err)
		event = EventFailed
	}
	if uerr := s.opt.Store.UpdateSMSAttempt(context.WithoutCancel(ctx), m); uerr != nil {
		log.Error("sms: outcome not stored", "err", uerr)
	}
	if event != "" {
		s.announce(ctx, event, *m)
	}
}

func shortErr(err error) string {
	var d *egress.DeniedError
	if errors.As(err, &d) || egress.Denied(err) || isNetErr(err) {
		return egress.Failed // tenants do not map the controller's network
	}
	t := err.Error()
	if len(t) > 500 {
		t = t[:500]
	}
	return t
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe)
}

func (s *Service) announce(ctx context.Context, event string, m store.SMSMessage) {
	if s.opt.Events == nil {
		return
	}
	if err := s.opt.Events.SMSEvent(context.WithoutCancel(ctx), m.TenantID, event, m); err != nil {
		s.log.Warn("sms: event not announced", "event", event, "sms", m.ID, "err", err)
	}
}

// Report applies a delivery report. A report arriving before the send's
// outcome is stored (SMSCs answer fast) is tried again for a few seconds.
func (s *Service) Report(ctx context.Context, tenant, provider string, r Receipt) {
	ctx = context.WithoutCancel(ctx) // a late retry outlives the request that brought the report
	status := map[string]string{Delivered: store.SMSDelivered, Buffered: store.SMSBuffered, Failed: store.SMSFailed}[r.Outcome]
	if status == "" {
		s.log.Warn("sms: report with unknown outcome", "outcome", r.Outcome)
		return
	}
	apply := func() bool {
		m, err := s.opt.Store.ReportSMSPart(ctx, tenant, provider, r.ProviderMsgID, status, r.Error)
		if store.IsNotFound(err) {
			return false
		}
		if err != nil {
			s.log.Error("sms: report not stored", "tenant", tenant, "provider", provider, "id", r.ProviderMsgID, "err", err)
			return true
		}
		switch m.Status {
		case store.SMSDelivered:
			s.announce(ctx, EventDelivered, *m)
		case store.SMSFailed:
			s.announce(ctx, EventFailed, *m)
		}
		return true
	}
	if apply() {
		return
	}
	go func() {
		for range 50 {
			time.Sleep(100 * time.Millisecond)
			if apply() {
				return
			}
		}
		s.log.Warn("sms: report for an unknown message", "tenant", tenant, "provider", provider, "id", r.ProviderMsgID)
	}()
}

// OptOutKeywords put the sender on the opt-out list when a message is one
// of them (case and surrounding spaces ignored).
var OptOutKeywords = []string{"STOP", "TD", "T", "退订", "UNSUBSCRIBE", "取消"}

// Receive stores an inbound message (with the sender's number, so records
// of customers can be joined on it) and handles opt-out keywords.
func (s *Service) Receive(ctx context.Context, tenant, provider string, in Inbound) (*store.SMSMessage, error) {
	from, err := NormalizeNumber("from", in.From)
	if err != nil {
		return nil, err
	}
	now := s.opt.Clock.Now().UTC()
	m := &store.SMSMessage{TenantID: tenant, Direction: store.SMSIn, ProviderID: provider, Sender: in.To, Number: from, Body: in.Text,
		Source: "inbound", Status: store.SMSReceived, Parts: 1, CreatedAt: now, DoneAt: &now}
	if err := s.opt.Store.CreateSMSMessage(ctx, m); err != nil {
		return nil, err
	}
	s.announce(ctx, EventReceived, *m)
	kw := strings.ToUpper(strings.TrimSpace(in.Text))
	if slices.Contains(OptOutKeywords, kw) {
		added, err := s.opt.Store.AddSMSOptOut(ctx, &store.SMSOptOut{TenantID: tenant, Number: from, Source: "keyword", Note: strings.TrimSpace(in.Text)})
		if err != nil {
			return m, err
		}
		if added {
			s.announce(ctx, EventOptOut, *m)
		}
	}
	return m, nil
}

// Run retries due messages and keeps the SMPP providers bound (so their
// reports and inbound messages arrive) until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.opt.PollInterval)
	defer t.Stop()
	defer s.closeLinks()
	for {
		s.RetryDue(ctx)
		s.keepLinks(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sendLease is how long a message being sent is kept from the retry loop
// (longer than any gateway request takes).
const sendLease = 2 * time.Minute

// RetryDue makes the next attempt of every message due now.
func (s *Service) RetryDue(ctx context.Context) int {
	due, err := s.opt.Store.ClaimDueSMS(ctx, s.opt.Clock.Now(), sendLease, 50)
	if err != nil {
		s.log.Error("sms: due messages", "err", err)
		return 0
	}
	for i := range due {
		m := &due[i]
		p, err := s.opt.Store.GetSMSProvider(ctx, m.TenantID, m.ProviderID)
		if err != nil {
			now := s.opt.Clock.Now().UTC()
			m.Status, m.Error, m.NextAttemptAt, m.DoneAt = store.SMSFailed, "provider: "+err.Error(), nil, &now
			_ = s.opt.Store.UpdateSMSAttempt(ctx, m)
			continue
		}
		s.attempt(ctx, m, p)
	}
	return len(due)
}

func (s *Service) keepLinks(ctx context.Context) {
	ps, err := s.opt.Store.ListSMSProviders(ctx, "")
	if err != nil {
		s.log.Error("sms: providers", "err", err)
		return
	}
	want := map[string]bool{}
	for i := range ps {
		p := &ps[i]
		if p.Kind != KindSMPP || !p.Enabled {
			continue
		}
		want[p.TenantID+"/"+p.ID] = true
		l, err := s.link(p)
		if err != nil {
			continue
		}
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := l.session(dctx); err != nil {
			s.log.Warn("sms: SMSC not bound", "tenant", p.TenantID, "provider", p.ID, "err", err)
		}
		cancel()
	}
	s.mu.Lock()
	for k, l := range s.links {
		if !want[k] {
			delete(s.links, k)
			go l.close()
		}
	}
	s.mu.Unlock()
}

func (s *Service) closeLinks() {
	s.mu.Lock()
	ls := s.links
	s.links = map[string]*smppLink{}
	s.mu.Unlock()
	for _, l := range ls {
		l.close()
	}
}

// tenantZone is the tenant's time zone (the server's when unknown).
func (s *Service) tenantZone(ctx context.Context, tenant string) *time.Location {
	if t, err := s.opt.Store.GetTenant(ctx, tenant); err == nil && t.Timezone != "" {
		if loc, err := time.LoadLocation(t.Timezone); err == nil {
			return loc
		}
	}
	return time.Local
}

// SendSMS is the IVR flows' sms node (ivrflows.SMS): the text to the
// number, through the tenant's default provider. A message queued for a
// retry counts as sent; a refused or failed one is an error.
func (s *Service) SendSMS(ctx context.Context, tenant, to, text string) error {
	m, err := s.Send(ctx, Request{Tenant: tenant, To: to, Text: text, Source: "ivr"})
	if err != nil {
		return err
	}
	if m.Status == store.SMSFailed {
		return errors.New(m.Error)
	}
	return nil
}

// CallEnded applies the tenant's rules to an inbound call that ended.
func (s *Service) CallEnded(ctx context.Context, r store.CallRecord) {
	if r.Direction != "" && r.Direction != "inbound" {
		return
	}
	event := ""
	switch {
	case r.Disposition == "voicemail" || r.VoicemailID != "":
		event = "voicemail"
	case strings.HasPrefix(r.Disposition, "abandoned"):
		event = "missed_call"
	case r.Disposition == "answered" && r.AgentID != "":
		event = "after_call"
	default:
		return
	}
	st, err := s.LoadSettings(ctx, r.TenantID)
	if err != nil {
		s.log.Error("sms: settings", "tenant", r.TenantID, "err", err)
		return
	}
	for _, rule := range st.Rules {
		if rule.Event != event || !rule.Enabled {
			continue
		}
		vars := map[string]string{"caller": r.ANI, "dnis": r.DNIS, "call_id": r.ID, "agent": r.AgentID, "queue": r.QueueID,
			"time": r.StartedAt.In(s.tenantZone(ctx, r.TenantID)).Format("2006-01-02 15:04")}
		m, err := s.Send(ctx, Request{Tenant: r.TenantID, To: r.ANI, Template: rule.Template, Vars: vars, Source: "rule:" + event, CallID: r.ID})
		if err != nil {
			s.log.Warn("sms: rule not applied", "tenant", r.TenantID, "call", r.ID, "event", event, "err", err)
			continue
		}
		s.log.Info("sms: rule sent", "tenant", r.TenantID, "call", r.ID, "event", event, "sms", m.ID, "status", m.Status)
	}
}
