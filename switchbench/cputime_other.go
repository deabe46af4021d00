//go:build !unix

package switchbench

import "time"

// processCPU is not measured here (0: not known).
func processCPU() time.Duration { return 0 }
