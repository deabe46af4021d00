//go:build linux

package freeswitch

import (
	"syscall"
	"time"
)

// preciseSleep sleeps d on this goroutine's thread with nanosleep(2). Go's
// timers round a wait under 1 ms up to the netpoller's 1 ms resolution when
// the process is otherwise idle (runtime/netpoll_epoll.go: delay < 1e6 →
// waitms = 1), which would turn the reorder buffer's few hundred µs window
// into more than a millisecond. The thread blocks in the kernel, so this
// costs no CPU; the scheduler hands the P to another thread meanwhile.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for {
		var left syscall.Timespec
		err := syscall.Nanosleep(&ts, &left)
		if err != syscall.EINTR {
			return
		}
		ts = left
	}
}
