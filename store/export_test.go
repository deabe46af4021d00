package store

// SetCallWriterFault makes the call-record writer fail every transaction
// for which f returns an error; f is given the call ids of its rows, in
// the order they are written.
func SetCallWriterFault(s *Store, f func(calls []string) error) {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.fault = func(ops []rowOp) error {
		ids := make([]string, len(ops))
		for i, op := range ops {
			ids[i] = op.g.key.id
		}
		return f(ids)
	}
}
