package e2ebench

import "syscall"

// Signals the failover bench sends its controller processes: stop
// gracefully; freeze and resume (a paused owner).
var (
	sigterm = syscall.SIGTERM
	sigstop = syscall.SIGSTOP
	sigcont = syscall.SIGCONT
)
