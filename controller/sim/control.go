package sim

import "net/http"

func newControl(s *Sim) http.Handler { return http.NotFoundHandler() }
