package api

import "time"

// SetWSCommandTimeout shortens the WebSocket command timeout for a test
// and returns the function restoring it.
func SetWSCommandTimeout(d time.Duration) (restore func()) {
	old := wsCommandTimeout.Load()
	wsCommandTimeout.Store(int64(d))
	return func() { wsCommandTimeout.Store(old) }
}

// SetWSCheckEvery shortens how often a socket pings and re-checks its
// credential, for a test; it returns the function restoring it.
func SetWSCheckEvery(d time.Duration) (restore func()) {
	old := wsCheckEvery.Load()
	wsCheckEvery.Store(int64(d))
	return func() { wsCheckEvery.Store(old) }
}
