package freeswitch

import (
	"strings"
	"testing"
)

// The agent's mute must be silence, not noise: mod_commands' uuid_audio
// hands its level to switch_generate_sln_silence as the divisor of
// generated noise, and only (uint32_t)-1 writes plain zeroes.
func TestMuteWritesSilenceNotNoise(t *testing.T) {
	cmd := renderMute("281633dc-fe82-46cf-b282-b061b952c519", true)
	f := strings.Fields(cmd)
	if len(f) != 7 || f[1] != "uuid_audio" || f[3] != "start" || f[4] != "read" || f[5] != "mute" {
		t.Fatalf("mute command %q", cmd)
	}
	if f[6] != "-1" {
		t.Fatalf("mute level %s: FreeSWITCH replaces the agent's voice with noise divided by the level; only -1 is silence", f[6])
	}
}
