package api

import "time"

// SetWSCommandTimeout shortens the WebSocket command timeout for a test
// and returns the function restoring it.
func SetWSCommandTimeout(d time.Duration) (restore func()) {
	old := wsCommandTimeout.Load()
	wsCommandTimeout.Store(int64(d))
	return func() { wsCommandTimeout.Store(old) }
}
