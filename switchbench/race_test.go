//go:build race

package switchbench

// raceEnabled: eslgo v1.5.0 races on its own close (see the freeswitch
// package doc), so the race-enabled tests leave its baseline out.
const raceEnabled = true
