package inbound

import (
	"context"
	"errors"
	"strings"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
)

// Admission decides whether a tenant takes one more call (its quotas and
// suspension; quota.Service implements it). A refused call hears the
// tenant's busy prompt, or its suspended prompt when the refusal error
// has a TenantSuspended method answering true, and is hung up.
type Admission interface {
	AdmitCall(ctx context.Context, tenant string, web bool) (release func(), err error)
}

// IsWebCall tells a call placed from a browser phone (WebRTC over a
// WebSocket) from a PSTN or SIP one: the switch-side snippet sets
// ipcc_origin=web, or FreeSWITCH's sip_via_protocol says ws / wss.
func IsWebCall(vars map[string]string) bool {
	if strings.EqualFold(vars["ipcc_origin"], "web") {
		return true
	}
	switch strings.ToLower(vars["sip_via_protocol"]) {
	case "ws", "wss":
		return true
	}
	return false
}

// admit asks Admission about the call; refused, it plays the refusal and
// hangs up, and admit returns false. release is called when the call ends.
func (h *Handler) admit(ctx context.Context, k *call, rt *dialplan.TenantRouting) (release func(), ok bool) {
	if h.opt.Admission == nil {
		return func() {}, true
	}
	web := IsWebCall(k.c.Vars())
	release, err := h.opt.Admission.AdmitCall(ctx, k.tenant, web)
	if err == nil {
		return release, true
	}
	var s interface{ TenantSuspended() bool }
	suspended := errors.As(err, &s) && s.TenantSuspended()
	lang := rt.Settings.DefaultLanguage
	if lang == "" {
		lang = "zh-CN"
	}
	disp := "refused_quota"
	if suspended {
		disp = "refused_suspended"
	}
	k.setDisposition(disp)
	k.c.Note("quota", "call refused: "+err.Error())
	k.log.Info("call refused", "why", err.Error(), "web", web)
	if err := k.c.Answer(ctx); err == nil {
		k.markAnswered()
		prompt := dialplan.RefusalPrompt(rt.Settings, suspended, lang)
		if _, err := k.c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTTS, Value: prompt, Lang: lang}}}); err != nil {
			k.c.Note("quota", "prompt not played: "+err.Error())
		}
	}
	cause := controller.CauseCallRejected
	if !suspended {
		cause = controller.CauseCongestion
	}
	_ = k.c.Hangup(ctx, cause)
	return nil, false
}
