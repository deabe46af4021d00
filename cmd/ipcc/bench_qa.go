package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/qa"
)

func newBenchQACmd(_ *globals) *cobra.Command {
	var runs int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "qa",
		Short: "Measure speech analytics: one hour of stereo 8 kHz audio on one core",
		Long: `qa synthesizes one hour of a stereo 8 kHz call recording (turns of speech,
pauses, hold music) as a WAV file in memory, then analyses it --runs times with
GOMAXPROCS 1 and prints the best time against the 2 s target (issue 15).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := qa.Bench(runs)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			verdict := "met"
			if !res.Met {
				verdict = "NOT met"
			}
			a := res.Analytics
			fmt.Fprintf(out, "speech analytics: %.0f s of stereo %d Hz audio in %.3f s on 1 core (target < %.0f s: %s)\n",
				res.AudioSeconds, a.SampleRate, res.Seconds, res.TargetSecs, verdict)
			fmt.Fprintf(out, "  caller talk %d s, agent talk %d s, over-talk %d s, silence %d s (longest %d s), hold music %d s\n",
				a.CallerTalkMS/1000, a.AgentTalkMS/1000, a.OvertalkMS/1000, a.SilenceMS/1000, a.LongestSilenceMS/1000, a.HoldMusicMS/1000)
			if !res.Met {
				return fmt.Errorf("qa bench: %.3f s is over the %.0f s target", res.Seconds, res.TargetSecs)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&runs, "runs", 3, "analyses to run; the best time is reported")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
