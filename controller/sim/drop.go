package sim

// DropConnections cuts every control connection of a front-end abruptly, as
// a network failure or a crashed client would: ESL sockets are closed with
// no disconnect notice, ARI event WebSockets are closed without a close
// frame. Calls stay up, as on the real servers, so a driver must reconnect
// and re-synchronise. It returns how many connections were cut.
func (s *Sim) DropConnections(f Front) int {
	n := 0
	switch f {
	case FrontFreeSWITCH:
		s.esl.mu.Lock()
		conns := make([]*eslConn, 0, len(s.esl.conns))
		for c := range s.esl.conns {
			conns = append(conns, c)
		}
		s.esl.mu.Unlock()
		for _, c := range conns {
			c.abort()
			n++
		}
	case FrontAsterisk:
		s.ari.mu.Lock()
		var socks []*ariSock
		for _, app := range s.ari.apps {
			if app.sock != nil {
				socks = append(socks, app.sock)
			}
		}
		s.ari.mu.Unlock()
		for _, so := range socks {
			so.stop()
			so.conn.CloseNow()
			n++
		}
	}
	return n
}
