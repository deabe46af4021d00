//go:build !linux

package freeswitch

import "time"

// preciseSleep sleeps d (see sleep_linux.go for why Linux does better).
func preciseSleep(d time.Duration) { time.Sleep(d) }
