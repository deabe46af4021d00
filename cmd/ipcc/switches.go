package main

import (
	"fmt"
	"log/slog"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/freeswitch"
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

// buildSwitch makes the driver for one configured switch.
func buildSwitch(sc config.Switch, log *slog.Logger) (controller.Switch, error) {
	switch sc.Kind {
	case "freeswitch":
		return freeswitch.New(freeswitch.Config{Name: sc.Name, Addr: sc.ESLAddr, Password: sc.ESLPassword}, log), nil
	case "asterisk":
		d, err := asterisk.New(asterisk.Config{Name: sc.Name, URL: sc.ARIURL, User: sc.ARIUser, Password: sc.ARIPassword, App: sc.ARIApp}, log)
		if err != nil {
			return nil, fmt.Errorf("switch %s: %w", sc.Name, err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("switch %s: unknown kind %q", sc.Name, sc.Kind)
}
