package quota

import (
	"context"

	"github.com/ipcc/ipcc/dispatch"
)

// recordPolicy stops new recordings of a tenant whose recordings take its
// storage quota: each new call's mode becomes "never" (the call goes on,
// unrecorded), and the hit raises the alert. Calls already recording
// finish their recording.
type recordPolicy struct {
	s     *Service
	inner dispatch.RecordPolicy
}

// RecordPolicy wraps the tenants' recording policies (recording.Policies;
// nil records on demand only) with the storage quota.
func (s *Service) RecordPolicy(inner dispatch.RecordPolicy) dispatch.RecordPolicy {
	return recordPolicy{s: s, inner: inner}
}

func (p recordPolicy) RecordMode(ctx context.Context, tenant, queue, agent, direction string) (string, error) {
	if err := p.s.CheckRecording(ctx, tenant); err != nil {
		if IsExceeded(err) {
			return dispatch.RecordNever, nil
		}
		p.s.log.Warn("recording storage not checked", "tenant", tenant, "err", err)
	}
	if p.inner == nil {
		return dispatch.RecordOnDemand, nil
	}
	return p.inner.RecordMode(ctx, tenant, queue, agent, direction)
}
