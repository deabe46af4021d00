package dispatch

// RunningTenants names the tenants whose ACD engine runs, sorted (for
// per-tenant metrics, which must not start engines).
func (d *Dispatcher) RunningTenants() []string { return d.tenants.List() }
