package recording

import (
	"fmt"
	"syscall"
)

// Usage reports how full the filesystem holding a path is, in percent.
// Retention takes it as a field so tests can measure real files against a
// fixed capacity instead of the machine's disk.
type Usage interface {
	UsedPercent(path string) (float64, error)
}

// Statfs measures the real filesystem the way df does: used blocks over
// the blocks an unprivileged user could use (reserved blocks excluded).
type Statfs struct{}

// UsedPercent implements Usage.
func (Statfs) UsedPercent(path string) (float64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("recording: disk usage of %s: %w", path, err)
	}
	used := float64(st.Blocks - st.Bfree)
	total := used + float64(st.Bavail)
	if total <= 0 {
		return 0, nil
	}
	return used * 100 / total, nil
}
