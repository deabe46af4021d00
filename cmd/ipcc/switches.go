package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/tts"
)

// buildTTS returns the prompt renderer the configuration asks for (nil for
// engine none).
func buildTTS(cfg config.TTS) (tts.Renderer, error) {
	var engine tts.Engine
	switch cfg.Engine {
	case "none":
		return nil, nil
	case "espeak":
		engine = &tts.Espeak{Binary: cfg.EspeakBinary}
	case "http":
		engine = &tts.HTTP{URL: cfg.HTTPURL}
	case "silent":
		engine = tts.Silent{}
	default:
		return nil, fmt.Errorf("tts.engine: unknown engine %q", cfg.Engine)
	}
	c, err := tts.NewCache(cfg.CacheDir, engine, tts.CacheOptions{SwitchDir: cfg.SwitchDir})
	if err != nil {
		return nil, fmt.Errorf("tts: %w", err)
	}
	return c, nil
}

// switchMedia is every switch's media wiring by switch name: where it
// writes recordings and voicemail and where ipcc reads them, and the format
// its text prompts are rendered in.
type switchMedia struct {
	recordings map[string]recording.Dir
	voicemail  map[string]recording.Dir
	formats    map[string]tts.Format
	dirs       map[string]config.SwitchDirs
	// roots are the read directories, from which audio is served.
	roots []string
}

// resolveSwitchMedia resolves the switches' directories against media (the
// media.* directories in force) and their prompt formats.
func resolveSwitchMedia(switches []config.Switch, media config.Media) switchMedia {
	m := switchMedia{recordings: map[string]recording.Dir{}, voicemail: map[string]recording.Dir{},
		formats: map[string]tts.Format{}, dirs: map[string]config.SwitchDirs{}}
	for _, sc := range switches {
		d := sc.Dirs(media)
		m.dirs[sc.Name] = d
		m.recordings[sc.Name] = recording.Dir{Switch: d.Recordings, Read: d.RecordingsRead}
		m.voicemail[sc.Name] = recording.Dir{Switch: d.Voicemail, Read: d.VoicemailRead}
		m.roots = append(m.roots, d.RecordingsRead, d.VoicemailRead)
		m.formats[sc.Name] = promptFormat(sc)
	}
	return m
}

// promptFormat is the format a switch plays rendered prompts in: Asterisk
// opens a .wav only at 8 kHz and 16 kHz audio only as .wav16.
func promptFormat(sc config.Switch) tts.Format {
	rate := sc.TTSSampleRate
	if rate == 0 {
		rate = 8000
	}
	if sc.Kind == "asterisk" && rate == 16000 {
		return tts.Format{SampleRate: rate, Ext: "wav16"}
	}
	return tts.Format{SampleRate: rate, Ext: "wav"}
}

// fallbackBeacon is how often a connected controller refreshes ipcc_seen on
// each FreeSWITCH, which the branch fallback dialplan of docs/sites.md
// reads (it falls back after 20 s without a refresh).
const fallbackBeacon = 5 * time.Second

// buildSwitch makes the driver for one configured switch.
func buildSwitch(sc config.Switch, dirs config.SwitchDirs, log *slog.Logger) (controller.Switch, error) {
	switch sc.Kind {
	case "freeswitch":
		return freeswitch.New(freeswitch.Config{Name: sc.Name, Addr: sc.ESLAddr, Password: sc.ESLPassword, MusicOnHold: sc.MusicOnHold, AMDApp: sc.AMDApp,
			Beacon: fallbackBeacon}, log), nil
	case "asterisk":
		d, err := asterisk.New(asterisk.Config{Name: sc.Name, URL: sc.ARIURL, User: sc.ARIUser, Password: sc.ARIPassword, App: sc.ARIApp,
			MusicOnHold: sc.MusicOnHold, RecordingDir: dirs.Recordings, AMDContext: sc.AMDContext}, log)
		if err != nil {
			return nil, fmt.Errorf("switch %s: %w", sc.Name, err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("switch %s: unknown kind %q", sc.Name, sc.Kind)
}
