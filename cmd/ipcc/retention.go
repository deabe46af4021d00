package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// mediaDirs are media.recording_dir and media.voicemail_dir as absolute
// paths: serve hands them to the switches and the retention job looks
// there, so `ipcc retention run` finds what `ipcc serve` (and the demo)
// wrote when both run in the same directory.
func mediaDirs(cfg *config.Config) (rec, vm string, err error) {
	if rec, err = filepath.Abs(cfg.Media.RecordingDir); err != nil {
		return "", "", fmt.Errorf("media.recording_dir: %w", err)
	}
	if vm, err = filepath.Abs(cfg.Media.VoicemailDir); err != nil {
		return "", "", fmt.Errorf("media.voicemail_dir: %w", err)
	}
	return rec, vm, nil
}

// newRetentionJob builds the retention job from the configuration and the
// media directories (mediaDirs).
func newRetentionJob(cfg *config.Config, st *store.Store, log *slog.Logger, recDir, vmDir string) (*recording.Retention, error) {
	return recording.NewRetention(recording.RetentionOptions{
		Store:            st,
		RecordingRoot:    recDir,
		VoicemailRoot:    vmDir,
		BackupDir:        cfg.Retention.BackupDir,
		HighWaterPercent: cfg.Retention.DiskHighWaterPercent,
		Logger:           log,
	})
}

func newRetentionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Back up and delete recordings and voicemail by the retention settings",
	}
	var tenant string
	var asJSON bool
	runCmd := &cobra.Command{
		Use:   "run",
		Short: "Run the retention job once and print its summary",
		Long: `Run the retention job once: copy finished recordings to retention.backup_dir
(verified by checksum), delete recordings and voicemail older than each tenant's
retention settings, then delete the oldest files while the disk holding
media.recording_dir / media.voicemail_dir is above
retention.disk_high_water_percent. Recordings under legal hold are never deleted.
With --tenant only that tenant's backups and age deletions run (no disk step).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, _, err := openStore(ctx, cfg, cfg.Database.AutoMigrate, nil)
			if err != nil {
				return err
			}
			defer st.Close()
			if tenant != "" {
				if _, err := st.GetTenant(ctx, tenant); err != nil {
					return fmt.Errorf("--tenant %q: %w", tenant, err)
				}
			}
			recDir, vmDir, err := mediaDirs(cfg)
			if err != nil {
				return err
			}
			job, err := newRetentionJob(cfg, st, g.logger(cfg), recDir, vmDir)
			if err != nil {
				return err
			}
			sum, err := job.Run(ctx, recording.RunRequest{Tenant: tenant, Trigger: recording.TriggerCLI, Actor: "cli"})
			if sum != nil {
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					if jerr := enc.Encode(sum); jerr != nil && err == nil {
						err = jerr
					}
				} else {
					printSummary(cmd, sum)
				}
			}
			return err
		},
	}
	runCmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant (default: every tenant, and the disk high-water mark)")
	runCmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	cmd.AddCommand(runCmd)
	return cmd
}

func printSummary(cmd *cobra.Command, s *recording.Summary) {
	w := cmd.OutOrStdout()
	scope := "every tenant"
	if s.Tenant != "" {
		scope = "tenant " + s.Tenant
	}
	fmt.Fprintf(w, "retention run %d (%s) in %s\n", s.RunID, scope, s.FinishedAt.Sub(s.StartedAt).Round(1e6))
	fmt.Fprintf(w, "  backed up:           %d (failed %d)\n", s.BackedUp, s.BackupFailed)
	fmt.Fprintf(w, "  recordings deleted:  %d by age, %d for disk space\n", s.RecordingsDeletedAge, s.RecordingsDeletedDisk)
	fmt.Fprintf(w, "  voicemail deleted:   %d by age, %d for disk space\n", s.VoicemailDeletedAge, s.VoicemailDeletedDisk)
	fmt.Fprintf(w, "  kept (legal hold):   %d\n", s.LegalHoldKept)
	fmt.Fprintf(w, "  freed:               %d bytes\n", s.BytesFreed)
	for _, d := range s.Disk {
		fmt.Fprintf(w, "  disk %s %s: %.1f%% -> %.1f%% (high-water %.1f%%)\n", d.Kind, d.Root, d.BeforePct, d.AfterPct, d.HighWater)
	}
	if len(s.Errors) > 0 {
		fmt.Fprintf(w, "  problems (%d):\n    %s\n", len(s.Errors), strings.Join(s.Errors, "\n    "))
	}
}
