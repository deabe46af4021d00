// Command ipcc is the IP contact-center controller: one binary with
// subcommands (serve, migrate, user, version, ...).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// globals are the flags every subcommand shares.
type globals struct {
	configPath string
	logFormat  string
	logLevel   string
	stdout     io.Writer
	stderr     io.Writer
	stdin      io.Reader
	env        []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := &globals{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}
	if err := newRoot(g).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ipcc:", err)
		os.Exit(1)
	}
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "ipcc",
		Short:         "ipcc is an IP contact-center controller for FreeSWITCH and Asterisk",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetIn(g.stdin)
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (default ./ipcc.yaml, then /etc/ipcc/ipcc.yaml)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "", "log format: json or text (overrides log.format)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error (overrides log.level)")
	root.AddCommand(newServeCmd(g), newMigrateCmd(g), newUserCmd(g), newVersionCmd(g), newSimCmd(g), newFlowCmd(g), newBenchCmd(g), newRetentionCmd(g), newCampaignCmd(g), newSMSCmd(g))
	return root
}

// load reads the configuration and applies command-line overrides.
func (g *globals) load() (*config.Config, error) {
	cfg, err := config.Load(g.configPath, g.env)
	if err != nil {
		return nil, err
	}
	if g.logFormat != "" {
		cfg.Log.Format = g.logFormat
	}
	if g.logLevel != "" {
		cfg.Log.Level = g.logLevel
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("command line: %w", err)
	}
	return cfg, nil
}

func (g *globals) logger(cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(g.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(g.stderr, opts))
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "ipcc", version)
			return err
		},
	}
}
