//go:build !race

package switchbench

const raceEnabled = false
