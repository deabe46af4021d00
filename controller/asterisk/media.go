package asterisk

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/ipcc/ipcc/controller"
)

// soundExts are file extensions Asterisk finds by itself: a sound: URI names
// a file without its extension.
var soundExts = map[string]bool{
	".wav": true, ".wav16": true, ".gsm": true, ".ulaw": true, ".alaw": true, ".sln": true,
	".sln16": true, ".g722": true, ".g729": true, ".mp3": true, ".ogg": true, ".siren7": true,
	".siren14": true, ".h263": true, ".g726": true, ".ilbc": true,
}

// indicationTones are the tone names of Asterisk's indications.conf that a
// "tone:" URI can name directly.
var indicationTones = map[string]bool{
	"dial": true, "busy": true, "ring": true, "congestion": true, "callwaiting": true,
	"dialrecall": true, "record": true, "info": true, "stutter": true,
}

// mediaURIs renders neutral media as ARI media URIs.
//
//   - File: a sound name ("hello-world") -> sound:hello-world; a path under
//     RecordingDir -> recording:<name>; another absolute path ->
//     sound:/abs/path without its extension (Asterisk adds the format);
//     a value that already has an ARI scheme (sound:, recording:, ...) is kept.
//   - Number -> number:N, Digits -> digits:N.
//   - Tone: "beep" -> sound:beep (the stock beep prompt); an indications.conf
//     name (ring, busy, ...) or a tone list ("440+480/2000,0/4000") -> tone:<value>.
//   - Silence: Value in milliseconds, rounded up to whole seconds and played
//     as the stock sound:silence/N files (N = 1..10, chained beyond 10 s).
//     A tone of silence would loop until stopped, so files are used.
//
// TTS must have been rendered to a file by the controller.
func (d *Driver) mediaURIs(items []controller.Media) (uris []string, lang string, err error) {
	for i, m := range items {
		if lang == "" && m.Lang != "" {
			lang = d.language(m.Lang)
		}
		v := strings.TrimSpace(m.Value)
		switch m.Kind {
		case controller.MediaFile:
			if v == "" {
				return nil, "", fmt.Errorf("media %d: empty file", i)
			}
			uris = append(uris, d.fileURI(v))
		case controller.MediaNumber:
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return nil, "", fmt.Errorf("media %d: number %q is not an integer", i, v)
			}
			uris = append(uris, "number:"+v)
		case controller.MediaDigits:
			if v == "" || strings.ContainsAny(v, ",:") {
				return nil, "", fmt.Errorf("media %d: digits %q", i, v)
			}
			uris = append(uris, "digits:"+v)
		case controller.MediaTone:
			switch {
			case v == "beep":
				uris = append(uris, "sound:beep")
			case indicationTones[v] || strings.Contains(v, "/"):
				uris = append(uris, "tone:"+v)
			default:
				return nil, "", fmt.Errorf("media %d: unknown tone %q", i, v)
			}
		case controller.MediaSilence:
			ms, err := strconv.Atoi(v)
			if err != nil || ms < 0 {
				return nil, "", fmt.Errorf("media %d: silence %q is not milliseconds", i, v)
			}
			secs := (ms + 999) / 1000
			if secs == 0 {
				secs = 1
			}
			for secs > 0 {
				n := min(secs, 10)
				uris = append(uris, "sound:silence/"+strconv.Itoa(n))
				secs -= n
			}
		case controller.MediaTTS:
			return nil, "", fmt.Errorf("media %d: TTS must be rendered to a file before it reaches the driver", i)
		default:
			return nil, "", fmt.Errorf("media %d: unknown kind %d", i, m.Kind)
		}
	}
	if len(uris) == 0 {
		return nil, "", fmt.Errorf("no media")
	}
	for _, u := range uris {
		if strings.Contains(u, ",") {
			return nil, "", fmt.Errorf("media %q: ',' separates ARI media and cannot appear in a name", u)
		}
	}
	return uris, lang, nil
}

func (d *Driver) fileURI(v string) string {
	for _, scheme := range []string{"sound:", "recording:", "number:", "digits:", "characters:", "tone:"} {
		if strings.HasPrefix(v, scheme) {
			return v
		}
	}
	clean := v
	if ext := path.Ext(v); soundExts[strings.ToLower(ext)] {
		clean = strings.TrimSuffix(v, ext)
	}
	if rel, ok := strings.CutPrefix(clean, d.cfg.RecordingDir+"/"); ok && path.IsAbs(v) {
		return "recording:" + rel
	}
	return "sound:" + clean
}

// language maps a neutral language tag to an Asterisk language code.
func (d *Driver) language(tag string) string {
	if l, ok := d.cfg.Languages[tag]; ok {
		return l
	}
	primary, _, _ := strings.Cut(tag, "-")
	primary, _, _ = strings.Cut(primary, "_")
	return strings.ToLower(primary)
}
