package asterisk

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
)

// Config configures one Asterisk switch.
type Config struct {
	// Name is the switch name, unique within ipcc (required).
	Name string
	// URL is the ARI HTTP base, e.g. "http://pbx1:8088" (required).
	URL string
	// User and Password are the ari.conf credentials (HTTP basic auth).
	User     string
	Password string
	// App is the Stasis application the dialplan sends calls to with
	// Stasis(<App>,<did>[,key=value...]). Default "ipcc".
	App string
	// MusicOnHold is the musiconhold.conf class a held channel hears when
	// the caller of Hold names none ("" = Asterisk's default class).
	MusicOnHold string

	// ExtensionEndpoint and ExternalEndpoint render originate targets;
	// {number} and {trunk} are replaced. Defaults "PJSIP/{number}" and
	// "PJSIP/{number}@{trunk}".
	ExtensionEndpoint string
	ExternalEndpoint  string
	// OriginateArg is the Stasis argument of legs ipcc originates, so that a
	// restarted controller can tell them from inbound calls. Default "ipcc-originate".
	OriginateArg string
	// SnoopArg is the Stasis argument of snoop channels. Default "ipcc-snoop".
	SnoopArg string
	// AMDContext is the dialplan context answering-machine detection sends
	// a leg to (extension s): it runs AMD() and returns the leg with
	// Stasis(<App>,<AMDArg>,${AMDSTATUS},${AMDCAUSE}) (docs/outbound.md).
	// Default "ipcc-amd"; AMDArg defaults to "ipcc-amd".
	AMDContext string
	AMDArg     string

	// TransferContext is used when a transfer target names no context
	// ("" keeps the channel's current context).
	TransferContext string
	// RecordingDir is Asterisk's recording spool (astspooldir/recording);
	// recording paths under it keep their sub-directories, and media files
	// under it play as "recording:". Default "/var/spool/asterisk/recording".
	RecordingDir string
	// RecordIfExists is ifExists for recordings: fail, overwrite (default) or append.
	RecordIfExists string
	// Languages maps neutral language tags ("zh-CN") to Asterisk language
	// codes ("zh"); unmapped tags use their primary subtag ("en-US" -> "en").
	Languages map[string]string
	// DTMFDuration and DTMFBetween tune SendDTMF (0 = Asterisk defaults).
	DTMFDuration time.Duration
	DTMFBetween  time.Duration

	// ReconnectMin and ReconnectMax bound the reconnect backoff (jittered,
	// doubling). Defaults 500ms and 30s.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// PingInterval is how often the WebSocket is pinged (default 20s; the
	// socket is dropped when a pong does not come within the interval).
	PingInterval time.Duration
	// RequestTimeout bounds each REST request (default 10s).
	RequestTimeout time.Duration
	// HTTPClient is used for REST and the WebSocket upgrade (default: a
	// client with RequestTimeout).
	HTTPClient *http.Client
}

func (c *Config) setDefaults() {
	if c.App == "" {
		c.App = "ipcc"
	}
	if c.ExtensionEndpoint == "" {
		c.ExtensionEndpoint = "PJSIP/{number}"
	}
	if c.ExternalEndpoint == "" {
		c.ExternalEndpoint = "PJSIP/{number}@{trunk}"
	}
	if c.OriginateArg == "" {
		c.OriginateArg = "ipcc-originate"
	}
	if c.SnoopArg == "" {
		c.SnoopArg = "ipcc-snoop"
	}
	if c.AMDContext == "" {
		c.AMDContext = "ipcc-amd"
	}
	if c.AMDArg == "" {
		c.AMDArg = "ipcc-amd"
	}
	if c.RecordingDir == "" {
		c.RecordingDir = "/var/spool/asterisk/recording"
	}
	c.RecordingDir = strings.TrimRight(c.RecordingDir, "/")
	if c.RecordIfExists == "" {
		c.RecordIfExists = "overwrite"
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 500 * time.Millisecond
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = 30 * time.Second
		if c.ReconnectMax < c.ReconnectMin {
			c.ReconnectMax = c.ReconnectMin
		}
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if c.URL == "" {
		errs = append(errs, errors.New("url is required (http://host:8088)"))
	}
	if strings.ContainsAny(c.App, ",/ ") {
		errs = append(errs, fmt.Errorf("app %q must not contain ',', '/' or spaces", c.App))
	}
	switch c.RecordIfExists {
	case "fail", "overwrite", "append":
	default:
		errs = append(errs, fmt.Errorf("record_if_exists %q: want fail, overwrite or append", c.RecordIfExists))
	}
	if !strings.Contains(c.ExtensionEndpoint, "{number}") {
		errs = append(errs, fmt.Errorf("extension_endpoint %q must contain {number}", c.ExtensionEndpoint))
	}
	if !strings.Contains(c.ExternalEndpoint, "{number}") {
		errs = append(errs, fmt.Errorf("external_endpoint %q must contain {number}", c.ExternalEndpoint))
	}
	return errors.Join(errs...)
}

// recordingPath is where Asterisk writes recording name in format.
func (c *Config) recordingPath(name, format string) string {
	if format == "" {
		format = "wav"
	}
	return path.Join(c.RecordingDir, name) + "." + format
}

// recordingName maps an absolute recording path to an ARI recording name
// (relative to RecordingDir, without extension) and format.
func (c *Config) recordingName(p string) (name, format string, err error) {
	if p == "" {
		return "", "", errors.New("recording path is empty")
	}
	clean := path.Clean(p)
	ext := path.Ext(clean)
	format = strings.TrimPrefix(ext, ".")
	if format == "" {
		format = "wav"
	}
	base := strings.TrimSuffix(clean, ext)
	if rel, ok := strings.CutPrefix(base, c.RecordingDir+"/"); ok {
		name = rel
	} else {
		// ARI records only under its spool: keep the file name.
		name = path.Base(base)
	}
	if name == "" || name == "." || strings.Contains(name, "..") {
		return "", "", fmt.Errorf("recording path %q: no usable name", p)
	}
	return name, format, nil
}
