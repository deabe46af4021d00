// Package config is ipcc's typed configuration: a YAML file (--config, else
// ./ipcc.yaml, else /etc/ipcc/ipcc.yaml) with every key overridable by an
// IPCC_* environment variable (http.addr → IPCC_HTTP_ADDR). Unknown keys and
// bad values stop start-up with a message naming the key. No other package
// reads configuration.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sites"
)

// Config is the whole configuration.
type Config struct {
	HTTP     HTTP     `mapstructure:"http"`
	Database Database `mapstructure:"database"`
	Auth     Auth     `mapstructure:"auth"`
	Log      Log      `mapstructure:"log"`
	TTS      TTS      `mapstructure:"tts"`
	Media    Media    `mapstructure:"media"`
	Switches []Switch `mapstructure:"switches"`
	// Retention and Webhooks configure the recording retention job and
	// outbound webhook delivery.
	Retention Retention `mapstructure:"retention"`
	Webhooks  Webhooks  `mapstructure:"webhooks"`
	// Egress limits where flow http nodes and webhooks may connect.
	Egress Egress `mapstructure:"egress"`
	// Cluster configures the switch-connection leases that keep a second
	// controller on the same database on standby.
	Cluster Cluster `mapstructure:"cluster"`

	// File is the config file that was read ("" when none).
	File string `mapstructure:"-"`
}

// HTTP configures the API server.
type HTTP struct {
	Addr            string        `mapstructure:"addr"`
	ReadTimeout     time.Duration `mapstructure:"read_timeout"`
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	BodyLimit       string        `mapstructure:"body_limit"`
	// TrustedProxies lists the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For / X-Real-IP headers give the client address; from
	// anyone else those headers are ignored. An environment variable gives
	// them comma-separated.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
}

// Database configures storage.
type Database struct {
	URL          string `mapstructure:"url"`
	MaxOpenConns int    `mapstructure:"max_open_conns"`
	AutoMigrate  bool   `mapstructure:"auto_migrate"`
	// RecordQueueLimit bounds the call-record rows waiting to be written;
	// beyond it a call waits for room (backpressure). RecordFlushTimeout
	// bounds how long a stopping controller writes what is still queued.
	RecordQueueLimit   int           `mapstructure:"record_queue_limit"`
	RecordFlushTimeout time.Duration `mapstructure:"record_flush_timeout"`
}

// Auth configures tokens and passwords.
type Auth struct {
	JWTSecret string        `mapstructure:"jwt_secret"`
	TokenTTL  time.Duration `mapstructure:"token_ttl"`
	// SessionMaxAge is a session's absolute lifetime from its login:
	// refreshing never gives a token past it.
	SessionMaxAge time.Duration `mapstructure:"session_max_age"`
	BcryptCost    int           `mapstructure:"bcrypt_cost"`
	// Failed logins before waits begin: per username and address, per
	// address (any username), per username (all addresses); waits double
	// from 1s up to LoginLockoutMax (see auth.Throttle).
	LoginUserFailures      int           `mapstructure:"login_user_failures"`
	LoginAddressFailures   int           `mapstructure:"login_address_failures"`
	LoginUserTotalFailures int           `mapstructure:"login_user_total_failures"`
	LoginLockoutMax        time.Duration `mapstructure:"login_lockout_max"`
}

// Log configures logging.
type Log struct {
	Format string `mapstructure:"format"`
	Level  string `mapstructure:"level"`
}

// TTS configures text-to-speech rendering of prompts.
type TTS struct {
	Engine       string `mapstructure:"engine"` // espeak | http | none
	CacheDir     string `mapstructure:"cache_dir"`
	SwitchDir    string `mapstructure:"switch_dir"`
	HTTPURL      string `mapstructure:"http_url"`
	EspeakBinary string `mapstructure:"espeak_binary"`
}

// Media configures where switches keep files and how calls leave.
type Media struct {
	// VoicemailDir is where switches write voicemail recordings. Relative
	// paths (the default ./data/voicemail, next to the SQLite database)
	// are taken from the working directory and handed to the switches as
	// absolute paths; serve, the demo and `ipcc retention run` agree.
	VoicemailDir string `mapstructure:"voicemail_dir"`
	// DefaultTrunk is the gateway/trunk external numbers are dialled through.
	DefaultTrunk string `mapstructure:"default_trunk"`
	// TrunkGateways restricts the switch gateways tenants' trunks may name
	// (and tenants without routes may dial through): tenant id → allowed
	// gateways, "*" for every tenant not listed; unset = any gateway.
	TrunkGateways map[string][]string `mapstructure:"trunk_gateways"`
	// RecordingDir is where switches write call recordings (relative:
	// as VoicemailDir; default ./data/recordings).
	RecordingDir string `mapstructure:"recording_dir"`
	// PromptDir holds the tenants' prompts library uploads
	// (<tenant>/<name>.wav under it; relative: as VoicemailDir; default
	// ./data/prompts).
	PromptDir string `mapstructure:"prompt_dir"`
}

// Retention configures the job that backs up and deletes recordings and
// voicemail (per-tenant ages are set through the API).
type Retention struct {
	// Interval between scheduled runs; 0 disables the schedule (runs then
	// only happen through the API or `ipcc retention run`).
	Interval time.Duration `mapstructure:"interval"`
	// DiskHighWaterPercent: when the filesystem of media.recording_dir (or
	// media.voicemail_dir) is fuller than this, the oldest files are deleted
	// until it is below; 0 turns it off.
	DiskHighWaterPercent float64 `mapstructure:"disk_high_water_percent"`
	// BackupDir receives a verified copy of every finished recording; empty
	// means no backup.
	BackupDir string `mapstructure:"backup_dir"`
}

// Webhooks configures delivery of signed outbound webhooks.
type Webhooks struct {
	PollInterval time.Duration `mapstructure:"poll_interval"`
	Timeout      time.Duration `mapstructure:"timeout"`
	MaxAttempts  int           `mapstructure:"max_attempts"`
	// MaxAge is how long a delivery is retried before it is a dead letter.
	MaxAge    time.Duration `mapstructure:"max_age"`
	QueueSize int           `mapstructure:"queue_size"`
	Workers   int           `mapstructure:"workers"`
}

// Egress is the platform's policy for outbound HTTP made on tenants'
// behalf (flow http nodes, webhooks; package egress): loopback, private,
// link-local, metadata and other non-public addresses are denied unless
// Allow covers them. Tenants cannot change it.
type Egress struct {
	// Allow lists CIDRs ("10.20.0.0/16"), addresses ("10.20.0.5") and
	// host:port ("crm.internal:8443") that may be reached although not
	// public. IPCC_EGRESS_ALLOW takes them comma-separated.
	Allow []string `mapstructure:"allow"`
}

// Cluster configures the leases (package cluster) through which one
// controller at a time drives the switches of a database.
type Cluster struct {
	// ControllerID names this controller in leases, logs and /readyz; ""
	// means <hostname>-<pid>.
	ControllerID string `mapstructure:"controller_id"`
	// LeaseTTL is how long a switch lease lasts without renewal (renewed
	// every third of it): how long a standby waits after the holder died.
	LeaseTTL time.Duration `mapstructure:"lease_ttl"`
	// AdvertiseURL is where the other controllers reach this one's API
	// (http://10.0.0.5:8080): a standby forwards the requests only the
	// active controller can serve (live state, changes, the WebSocket) to
	// the active one's advertised URL; without one it answers them 503.
	AdvertiseURL string `mapstructure:"advertise_url"`
}

// Switch is one media server ipcc controls.
type Switch struct {
	Name string `mapstructure:"name"`
	Kind string `mapstructure:"kind"` // freeswitch | asterisk
	// FreeSWITCH event socket.
	ESLAddr     string `mapstructure:"esl_addr"`
	ESLPassword string `mapstructure:"esl_password"`
	// Asterisk REST interface.
	ARIURL      string `mapstructure:"ari_url"`
	ARIUser     string `mapstructure:"ari_user"`
	ARIPassword string `mapstructure:"ari_password"`
	ARIApp      string `mapstructure:"ari_app"`
	// TTSSampleRate is the rate text prompts are rendered at for this
	// switch (0 = 8000): Asterisk plays 8000 (.wav) or 16000 (.wav16);
	// FreeSWITCH resamples, 8000 to 48000.
	TTSSampleRate int `mapstructure:"tts_sample_rate"`
	// RecordingDir is where this switch writes call recordings, as a path
	// on the switch; RecordingReadDir is the same directory as mounted on
	// this controller (see SwitchDirs for the defaults). VoicemailDir and
	// VoicemailReadDir are the same for voicemail messages.
	RecordingDir     string `mapstructure:"recording_dir"`
	RecordingReadDir string `mapstructure:"recording_read_dir"`
	VoicemailDir     string `mapstructure:"voicemail_dir"`
	VoicemailReadDir string `mapstructure:"voicemail_read_dir"`
	// MusicOnHold is what held and waiting callers on this switch hear:
	// FreeSWITCH a local_stream class, an absolute file path or a stream
	// URL (default the class "moh"); Asterisk a musiconhold.conf class
	// (default Asterisk's "default").
	MusicOnHold string `mapstructure:"music_on_hold"`
	// AMDApp is the FreeSWITCH answering-machine detection application
	// (default "mod_amd"; docs/outbound.md "Answering machines"); AMDContext
	// the Asterisk dialplan context of the AMD hop (default "ipcc-amd").
	AMDApp     string `mapstructure:"amd_app"`
	AMDContext string `mapstructure:"amd_context"`
	// Site labels the branch this switch serves (docs/sites.md).
	Site string `mapstructure:"site"`
	// Devices are the extensions registered on this switch: exact
	// (2001), ranges (2000-2999) or prefixes (20*, * for the rest). An
	// agent whose phone is listed here is rung on this switch; callers on
	// other switches reach it through their Trunks to this one.
	Devices []string `mapstructure:"devices"`
	// Trunks are this switch's inter-switch trunks, one per other switch
	// whose phones its callers may need.
	Trunks []SiteTrunk `mapstructure:"trunks"`
}

// SiteTrunk is an inter-switch trunk: on its switch, Gateway (FreeSWITCH
// sofia gateway, Asterisk PJSIP endpoint) reaches switch To; Prefix is
// dialled before the extension.
type SiteTrunk struct {
	To      string `mapstructure:"to"`
	Gateway string `mapstructure:"gateway"`
	Prefix  string `mapstructure:"prefix"`
}

// Sites is where the switches' phones live and how they reach each other
// (package sites), as the switches configure it.
func (c *Config) Sites() (*sites.Map, error) {
	sw := make([]sites.Switch, len(c.Switches))
	for i, s := range c.Switches {
		sw[i] = sites.Switch{Name: s.Name, Site: s.Site, Devices: s.Devices}
		for _, t := range s.Trunks {
			sw[i].Trunks = append(sw[i].Trunks, sites.Trunk{To: t.To, Gateway: t.Gateway, Prefix: t.Prefix})
		}
	}
	return sites.New(sw)
}

// AsteriskSpool is where Asterisk's ARI writes recordings by default
// (astspooldir/recording): it writes nowhere else.
const AsteriskSpool = "/var/spool/asterisk/recording"

// SwitchDirs are a switch's media directories, each as the switch writes
// it and as this controller reads it.
type SwitchDirs struct {
	Recordings, RecordingsRead string
	Voicemail, VoicemailRead   string
}

// Dirs resolves the switch's media directories against media (the
// media.* settings in force). Defaults: FreeSWITCH writes where ipcc
// reads, media.recording_dir and media.voicemail_dir; Asterisk writes into
// its recording spool (/var/spool/asterisk/recording) and voicemail into
// its voicemail/ folder, because ARI records nowhere else. A read directory
// defaults to the switch's path (the same host or a mount at the same
// path); a defaulted voicemail folder of the spool is read under the
// recording read directory.
func (s Switch) Dirs(media Media) SwitchDirs {
	d := SwitchDirs{Recordings: s.RecordingDir, RecordingsRead: s.RecordingReadDir, Voicemail: s.VoicemailDir, VoicemailRead: s.VoicemailReadDir}
	vmUnderSpool := false
	if d.Recordings == "" {
		d.Recordings = media.RecordingDir
		if s.Kind == "asterisk" {
			d.Recordings = AsteriskSpool
		}
	}
	if d.RecordingsRead == "" {
		d.RecordingsRead = d.Recordings
	}
	if d.Voicemail == "" {
		d.Voicemail = media.VoicemailDir
		if s.Kind == "asterisk" {
			d.Voicemail, vmUnderSpool = strings.TrimRight(d.Recordings, "/")+"/voicemail", true
		}
	}
	if d.VoicemailRead == "" {
		d.VoicemailRead = d.Voicemail
		if vmUnderSpool {
			d.VoicemailRead = strings.TrimRight(d.RecordingsRead, "/") + "/voicemail"
		}
	}
	return d
}

// defaults is every key with its default; viper only maps IPCC_* variables
// onto keys it knows, so every scalar key must be here.
var defaults = map[string]any{
	"http.addr":                         ":8080",
	"http.read_timeout":                 "15s",
	"http.write_timeout":                "60s",
	"http.shutdown_timeout":             "15s",
	"http.body_limit":                   "1MB",
	"http.trusted_proxies":              []string{},
	"database.url":                      "sqlite:./data/ipcc.db",
	"database.max_open_conns":           0,
	"database.auto_migrate":             true,
	"database.record_queue_limit":       20000,
	"database.record_flush_timeout":     "30s",
	"auth.jwt_secret":                   "",
	"auth.token_ttl":                    "1h",
	"auth.session_max_age":              "12h",
	"auth.bcrypt_cost":                  10,
	"auth.login_user_failures":          5,
	"auth.login_address_failures":       30,
	"auth.login_user_total_failures":    50,
	"auth.login_lockout_max":            "15m",
	"log.format":                        "json",
	"tts.engine":                        "espeak",
	"tts.cache_dir":                     "./data/tts",
	"tts.switch_dir":                    "",
	"tts.http_url":                      "",
	"tts.espeak_binary":                 "",
	"media.voicemail_dir":               "./data/voicemail",
	"media.default_trunk":               "",
	"media.recording_dir":               "./data/recordings",
	"media.prompt_dir":                  "./data/prompts",
	"log.level":                         "info",
	"retention.interval":                "1h",
	"retention.disk_high_water_percent": 90,
	"retention.backup_dir":              "",
	"webhooks.poll_interval":            "2s",
	"webhooks.timeout":                  "10s",
	"webhooks.max_attempts":             40,
	"webhooks.max_age":                  "24h",
	"webhooks.queue_size":               200,
	"webhooks.workers":                  4,
	"egress.allow":                      []string{},
	"cluster.controller_id":             "",
	"cluster.lease_ttl":                 "15s",
	"cluster.advertise_url":             "",
}

// SearchPaths are tried in order when no --config is given.
var SearchPaths = []string{"./ipcc.yaml", "/etc/ipcc/ipcc.yaml"}

// Load reads the file (path, or the first of SearchPaths that exists; none
// is fine), applies IPCC_* overrides from env (nil = the process
// environment), and validates. Errors name the key.
func Load(path string, env []string) (*Config, error) {
	if env == nil {
		env = os.Environ()
	}
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	v.SetConfigType("yaml")
	file := path
	if file == "" {
		for _, p := range SearchPaths {
			if _, err := os.Stat(p); err == nil {
				file = p
				break
			}
		}
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("config: open %s: %w", file, err)
		}
		err = v.ReadConfig(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("config: parse %s: %w", file, err)
		}
	}
	envMap := map[string]string{}
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "IPCC_") {
			envMap[k] = val
		}
	}
	for k := range defaults {
		name := "IPCC_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if val, ok := envMap[name]; ok {
			v.Set(k, val)
		}
	}
	if raw, ok := envMap["IPCC_EGRESS_ALLOW"]; ok {
		var allow []string
		for _, e := range strings.Split(raw, ",") {
			if e = strings.TrimSpace(e); e != "" {
				allow = append(allow, e)
			}
		}
		v.Set("egress.allow", allow)
	}
	if raw, ok := envMap["IPCC_SWITCHES"]; ok {
		var sw []map[string]any
		if err := json.Unmarshal([]byte(raw), &sw); err != nil {
			return nil, fmt.Errorf("config: IPCC_SWITCHES must be a JSON array of switch objects: %w", err)
		}
		v.Set("switches", sw)
	}

	var cfg Config
	var md mapstructure.Metadata
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.Metadata = &md
		dc.WeaklyTypedInput = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
		)
	})
	if err != nil {
		return nil, fmt.Errorf("config%s: %w", where(file), cleanDecodeErr(err))
	}
	cfg.File = file
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config%s: %w", where(file), err)
	}
	return &cfg, nil
}

func where(file string) string {
	if file == "" {
		return ""
	}
	return " " + file
}

// cleanDecodeErr turns mapstructure's messages into one line per problem.
func cleanDecodeErr(err error) error {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, "decoding failed due to the following error(s):\n\n", "")
	lines := strings.Split(msg, "\n")
	var out []string
	for _, l := range lines {
		l = strings.TrimPrefix(strings.TrimSpace(l), "* ")
		if l == "" {
			continue
		}
		if m := invalidKeysRe.FindStringSubmatch(l); m != nil {
			for _, k := range strings.Split(m[2], ",") {
				k = strings.TrimSpace(k)
				if m[1] != "" {
					k = m[1] + "." + k
				}
				out = append(out, "unknown key "+k)
			}
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return errors.New(strings.Join(out, "; "))
}

var invalidKeysRe = regexp.MustCompile(`^'([^']*)' has invalid keys: (.*)$`)

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

var controllerIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$`)

// TrustedProxies returns http.trusted_proxies one entry each (an
// environment variable gives a comma-separated list).
func (c *Config) TrustedProxies() []string {
	var out []string
	for _, e := range c.HTTP.TrustedProxies {
		out = append(out, strings.FieldsFunc(e, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	return out
}

// Validate checks values; each problem names its key.
var gatewayRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (c *Config) Validate() error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "%q is not host:port (e.g. \":8080\")", c.HTTP.Addr)
	}
	for tenant, gws := range c.Media.TrunkGateways {
		for i, g := range gws {
			if !gatewayRe.MatchString(g) {
				bad(fmt.Sprintf("media.trunk_gateways.%s[%d]", tenant, i), "%q is not a gateway name (letters, digits, '-', '_', '.')", g)
			}
		}
	}
	for key, d := range map[string]time.Duration{"http.read_timeout": c.HTTP.ReadTimeout, "http.write_timeout": c.HTTP.WriteTimeout, "http.shutdown_timeout": c.HTTP.ShutdownTimeout} {
		if d <= 0 {
			bad(key, "must be a positive duration such as 15s")
		}
	}
	if _, err := ParseSize(c.HTTP.BodyLimit); err != nil {
		bad("http.body_limit", "%v", err)
	}
	for _, e := range c.TrustedProxies() {
		if _, _, err := net.ParseCIDR(e); err != nil && net.ParseIP(e) == nil {
			bad("http.trusted_proxies", "%q is neither an IP address nor a CIDR such as 10.0.0.0/8", e)
		}
	}
	if c.Database.URL == "" {
		bad("database.url", "must be set (sqlite:PATH or postgres://...)")
	} else if !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") &&
		strings.Contains(c.Database.URL, "://") && !strings.HasPrefix(c.Database.URL, "sqlite://") {
		bad("database.url", "unsupported scheme (use sqlite:PATH or postgres://...)")
	}
	if c.Database.MaxOpenConns < 0 {
		bad("database.max_open_conns", "must not be negative")
	}
	if c.Database.RecordQueueLimit < 100 {
		bad("database.record_queue_limit", "must be at least 100, got %d", c.Database.RecordQueueLimit)
	}
	if c.Database.RecordFlushTimeout < time.Second || c.Database.RecordFlushTimeout > time.Hour {
		bad("database.record_flush_timeout", "must be between 1s and 1h, got %s", c.Database.RecordFlushTimeout)
	}
	if c.Auth.TokenTTL < time.Minute || c.Auth.TokenTTL > 24*time.Hour {
		bad("auth.token_ttl", "must be between 1m and 24h, got %s", c.Auth.TokenTTL)
	}
	if c.Auth.SessionMaxAge < c.Auth.TokenTTL || c.Auth.SessionMaxAge > 30*24*time.Hour {
		bad("auth.session_max_age", "must be between auth.token_ttl (%s) and 720h, got %s", c.Auth.TokenTTL, c.Auth.SessionMaxAge)
	}
	for key, n := range map[string]int{"auth.login_user_failures": c.Auth.LoginUserFailures, "auth.login_address_failures": c.Auth.LoginAddressFailures, "auth.login_user_total_failures": c.Auth.LoginUserTotalFailures} {
		if n < 1 || n > 10000 {
			bad(key, "must be between 1 and 10000, got %d", n)
		}
	}
	if c.Auth.LoginLockoutMax < time.Second || c.Auth.LoginLockoutMax > 24*time.Hour {
		bad("auth.login_lockout_max", "must be between 1s and 24h, got %s", c.Auth.LoginLockoutMax)
	}
	if c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 32 {
		bad("auth.jwt_secret", "must be at least 32 characters (or empty to generate one)")
	}
	if c.Auth.BcryptCost < 4 || c.Auth.BcryptCost > 16 {
		bad("auth.bcrypt_cost", "must be between 4 and 16")
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		bad("log.format", "must be json or text, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.TTS.Engine {
	case "espeak", "silent", "none":
	case "http":
		if !strings.HasPrefix(c.TTS.HTTPURL, "http://") && !strings.HasPrefix(c.TTS.HTTPURL, "https://") {
			bad("tts.http_url", "must be an http(s) URL when tts.engine is http, got %q", c.TTS.HTTPURL)
		}
	default:
		bad("tts.engine", "must be espeak, http, silent or none, got %q", c.TTS.Engine)
	}
	if c.TTS.Engine != "none" && c.TTS.CacheDir == "" {
		bad("tts.cache_dir", "must be set")
	}
	if c.Retention.Interval != 0 && c.Retention.Interval < time.Minute {
		bad("retention.interval", "must be 0 (no schedule) or at least 1m, got %s", c.Retention.Interval)
	}
	if c.Retention.DiskHighWaterPercent < 0 || c.Retention.DiskHighWaterPercent >= 100 {
		bad("retention.disk_high_water_percent", "must be 0 (off) or between 1 and 99, got %v", c.Retention.DiskHighWaterPercent)
	}
	if c.Webhooks.PollInterval < 100*time.Millisecond || c.Webhooks.PollInterval > time.Hour {
		bad("webhooks.poll_interval", "must be between 100ms and 1h, got %s", c.Webhooks.PollInterval)
	}
	if c.Webhooks.Timeout < time.Second || c.Webhooks.Timeout > 5*time.Minute {
		bad("webhooks.timeout", "must be between 1s and 5m, got %s", c.Webhooks.Timeout)
	}
	if c.Webhooks.MaxAttempts < 1 || c.Webhooks.MaxAttempts > 100 {
		bad("webhooks.max_attempts", "must be between 1 and 100, got %d", c.Webhooks.MaxAttempts)
	}
	if c.Webhooks.MaxAge < time.Minute || c.Webhooks.MaxAge > 30*24*time.Hour {
		bad("webhooks.max_age", "must be between 1m and 720h, got %s", c.Webhooks.MaxAge)
	}
	if c.Webhooks.QueueSize < 1 || c.Webhooks.QueueSize > 10000 {
		bad("webhooks.queue_size", "must be between 1 and 10000, got %d", c.Webhooks.QueueSize)
	}
	if c.Webhooks.Workers < 1 || c.Webhooks.Workers > 64 {
		bad("webhooks.workers", "must be between 1 and 64, got %d", c.Webhooks.Workers)
	}
	if _, err := egress.New(c.Egress.Allow, nil); err != nil {
		bad("egress.allow", "%v", strings.TrimPrefix(err.Error(), "egress.allow"))
	}
	if id := c.Cluster.ControllerID; id != "" && !controllerIDRe.MatchString(id) {
		bad("cluster.controller_id", "must be 1-100 letters, digits, '-', '_', '.' or ':', got %q", id)
	}
	if c.Cluster.LeaseTTL < 3*time.Second || c.Cluster.LeaseTTL > 5*time.Minute {
		bad("cluster.lease_ttl", "must be between 3s and 5m, got %s", c.Cluster.LeaseTTL)
	}
	if a := c.Cluster.AdvertiseURL; a != "" {
		u, err := url.Parse(a)
		switch {
		case err != nil:
			bad("cluster.advertise_url", "is not a URL: %v", err)
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.User != nil, u.RawQuery != "", u.Fragment != "", u.Path != "" && u.Path != "/":
			bad("cluster.advertise_url", "must be http(s)://host:port of this controller's API, with no path, user or query, got %q", a)
		}
	}
	names := map[string]bool{}
	for i, s := range c.Switches {
		key := fmt.Sprintf("switches[%d]", i)
		if !nameRe.MatchString(s.Name) {
			bad(key+".name", "must be 1-63 letters, digits, '-', '_' or '.', got %q", s.Name)
		} else if names[s.Name] {
			bad(key+".name", "%q is used by another switch", s.Name)
		}
		names[s.Name] = true
		switch s.Kind {
		case "freeswitch":
			if _, _, err := net.SplitHostPort(s.ESLAddr); err != nil {
				bad(key+".esl_addr", "must be host:port of the event socket (e.g. 127.0.0.1:8021), got %q", s.ESLAddr)
			}
			if s.ESLPassword == "" {
				bad(key+".esl_password", "must be set")
			}
		case "asterisk":
			if !strings.HasPrefix(s.ARIURL, "http://") && !strings.HasPrefix(s.ARIURL, "https://") {
				bad(key+".ari_url", "must be an http(s) URL such as http://127.0.0.1:8088, got %q", s.ARIURL)
			}
			if s.ARIUser == "" {
				bad(key+".ari_user", "must be set")
			}
			switch s.TTSSampleRate {
			case 0, 8000, 16000:
			default:
				bad(key+".tts_sample_rate", "Asterisk plays prompts at 8000 (.wav) or 16000 Hz (.wav16), got %d", s.TTSSampleRate)
			}
		default:
			bad(key+".kind", "must be freeswitch or asterisk, got %q", s.Kind)
		}
		if s.Kind == "freeswitch" && s.TTSSampleRate != 0 && (s.TTSSampleRate < 8000 || s.TTSSampleRate > 48000) {
			bad(key+".tts_sample_rate", "must be between 8000 and 48000 Hz, got %d", s.TTSSampleRate)
		}
		if m := s.MusicOnHold; m != "" && (strings.ContainsAny(m, " \t{}!") || strings.IndexFunc(m, unicode.IsControl) >= 0 ||
			(s.Kind == "asterisk" && strings.ContainsAny(m, "/:"))) {
			bad(key+".music_on_hold", "%q is not a music class%s (no spaces, control characters or {}!)", m,
				map[bool]string{true: "", false: ", file path or stream URL"}[s.Kind == "asterisk"])
		}
		if s.AMDApp != "" && !gatewayRe.MatchString(s.AMDApp) {
			bad(key+".amd_app", "%q is not an application name", s.AMDApp)
		}
		if s.AMDContext != "" && !gatewayRe.MatchString(s.AMDContext) {
			bad(key+".amd_context", "%q is not a dialplan context", s.AMDContext)
		}
		c.checkSwitchDirs(key, s, bad)
		if s.Site != "" && !nameRe.MatchString(s.Site) {
			bad(key+".site", "must be 1-63 letters, digits, '-', '_' or '.', got %q", s.Site)
		}
	}
	if _, err := c.Sites(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	for i := range c.Switches {
		if c.Switches[i].Kind == "asterisk" && c.Switches[i].ARIApp == "" {
			c.Switches[i].ARIApp = "ipcc"
		}
		if c.Switches[i].TTSSampleRate == 0 {
			c.Switches[i].TTSSampleRate = 8000
		}
	}
	return nil
}

// checkSwitchDirs checks a switch's media directories: absolute paths,
// and on Asterisk voicemail inside the recording spool (ARI writes only
// there).
func (c *Config) checkSwitchDirs(key string, s Switch, bad func(key, format string, args ...any)) {
	for k, v := range map[string]string{"recording_dir": s.RecordingDir, "recording_read_dir": s.RecordingReadDir,
		"voicemail_dir": s.VoicemailDir, "voicemail_read_dir": s.VoicemailReadDir} {
		if v != "" && !strings.HasPrefix(v, "/") {
			bad(key+"."+k, "must be an absolute path, got %q", v)
		}
	}
	if s.Kind != "asterisk" {
		return
	}
	d := s.Dirs(c.Media)
	spool := strings.TrimRight(d.Recordings, "/")
	if s.VoicemailDir != "" && !strings.HasPrefix(strings.TrimRight(d.Voicemail, "/")+"/", spool+"/") {
		bad(key+".voicemail_dir", "Asterisk writes recordings only under its recording spool (recording_dir %s): put voicemail in a folder of it, got %q", spool, s.VoicemailDir)
	}
}

// ParseSize parses "512KB", "1MB", "2M", "1048576" into bytes.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(t, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != t {
		return 0, fmt.Errorf("%q is not a size such as 1MB or 512KB", s)
	}
	return n * mult, nil
}

// Keys lists every scalar configuration key (for docs and tests).
func Keys() []string {
	ks := make([]string, 0, len(defaults))
	for k := range defaults {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
