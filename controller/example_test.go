package controller_test

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/prometheus/client_golang/prometheus"
)

// A handler as an IVR flow or the ACD would write it: answer, menu with
// retries, ring an agent, bridge, wait for the end. Every waiting method
// returns ErrHungUp as soon as the caller hangs up.
func Example() {
	menu := func(ctx context.Context, c *controller.Call) (string, error) {
		for try := 0; try < 3; try++ {
			choice, err := c.PlayAndCollect(ctx, controller.Collect{
				Prompt: []controller.Media{
					{Kind: controller.MediaTTS, Value: "欢迎致电，销售请按1，售后请按2", Lang: "zh-CN"},
				},
				Max:               1,
				FirstDigitTimeout: 5 * time.Second,
			})
			if errors.Is(err, controller.ErrCollectTimeout) {
				continue // nobody typed: repeat the menu
			}
			return choice, err
		}
		return "", controller.ErrCollectTimeout
	}

	handler := func(ctx context.Context, c *controller.Call) {
		if err := c.Answer(ctx); err != nil {
			return
		}
		choice, err := menu(ctx, c)
		if err != nil {
			_ = c.Hangup(ctx, controller.CauseNormalClearing)
			return
		}
		c.Note("flow", "menu choice "+choice)
		agent, err := c.Originate(ctx, controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"},
			controller.OriginateOptions{CallerIDNum: c.ANI(), Timeout: 20 * time.Second})
		var oe *controller.OriginateError
		switch {
		case errors.As(err, &oe):
			c.Note("flow", "agent unavailable: "+string(oe.Cause))
			_, _ = c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaFile, Value: "busy.wav"}}})
			_ = c.Hangup(ctx, "")
			return
		case err != nil:
			return
		}
		if err := c.Bridge(ctx, agent); err != nil {
			_ = c.HangupAll(ctx, "")
			return
		}
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
	}

	ctl, err := controller.New(controller.Options{
		Handler:    handler,
		Logger:     slog.Default(),
		Registerer: prometheus.NewRegistry(),
		// TTS: a *tts.Cache, e.g. tts.NewCache(dir, &tts.Espeak{}, tts.CacheOptions{SampleRate: 8000}).
	})
	if err != nil {
		return
	}
	_ = ctl // ctl.Add(freeswitchDriver); ctl.Run(ctx)
}
