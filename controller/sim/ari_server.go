package sim

import "net"

type ariServer struct{ m *Model }

func newARIServer(m *Model, o Options) *ariServer { return &ariServer{m: m} }
func (a *ariServer) serve(ln net.Listener)      { ln.Close() }
func (a *ariServer) close()                     {}
func (a *ariServer) addr() string               { return "" }
