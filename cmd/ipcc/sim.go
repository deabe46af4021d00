package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/controller/sim"
)

func newSimCmd(g *globals) *cobra.Command {
	var o sim.Options
	var control string
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the media-server simulator (an ESL server like FreeSWITCH and an ARI server like Asterisk)",
		Long: `sim runs a simulator that speaks FreeSWITCH's event socket and Asterisk's REST
interface over real sockets, with scriptable callers and phones, so ipcc serve can be
pointed at it without hardware. Its control API (place a call, define a phone, press
digits, hang up, inspect what a call heard) is served under /sim/v1 on --control.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var log *slog.Logger
			if g.logFormat == "json" {
				log = slog.New(slog.NewJSONHandler(g.stderr, nil))
			} else {
				log = slog.New(slog.NewTextHandler(g.stderr, nil))
			}
			o.Logger = log
			log.Info("gc", "setting", tuneGC())
			return runSim(cmd.Context(), o, control, log, g)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ESLAddr, "esl", "127.0.0.1:8021", `ESL listen address ("-" = off)`)
	f.StringVar(&o.ESLPassword, "esl-password", "ClueCon", "ESL password")
	f.StringVar(&o.ARIAddr, "ari", "127.0.0.1:8088", `ARI listen address ("-" = off)`)
	f.StringVar(&o.ARIUser, "ari-user", "ari", "ARI user")
	f.StringVar(&o.ARIPassword, "ari-password", "ari", "ARI password")
	f.StringVar(&o.ARIApp, "ari-app", "ipcc", "Stasis application inbound Asterisk calls enter")
	f.DurationVar(&o.HeartbeatInterval, "heartbeat", 20*time.Second, "ESL HEARTBEAT interval")
	f.StringVar(&o.RecordingDir, "recordings", "", "directory for recordings (default a temporary directory)")
	f.StringVar(&control, "control", "127.0.0.1:8090", "listen address of the /sim/v1 control API")
	return cmd
}

func runSim(ctx context.Context, o sim.Options, control string, log *slog.Logger, g *globals) error {
	s := sim.New(o)
	if err := s.Start(); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", control)
	if err != nil {
		return fmt.Errorf("sim: control API on %s: %w", control, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(g.stdout, "simulator ready: ESL %s (password %s), ARI %s (user %s), control http://%s/sim/v1\n",
		s.ESLAddr(), o.ESLPassword, s.ARIURL(), o.ARIUser, ln.Addr())
	log.Info("simulator running", "esl", s.ESLAddr(), "ari", s.ARIURL(), "control", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("sim: control API: %w", err)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	log.Info("simulator stopped")
	return nil
}
