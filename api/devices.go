package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
)

// Devices (the phones that ring for a user) are assigned by admins on the
// user (PATCH /api/v1/users/{id} {"devices": [...]}) and checked against
// acd.CleanDevice's grammar. An agent logs in, and a supervisor is rung for
// a monitor, only on one of their own devices; admins (and admin API keys)
// may name any valid device, as they could assign it to themselves anyway.

// maxDevices is how many devices one user may have.
const maxDevices = 8

// cleanDevices checks an admin's device list: each valid, listed once, at
// most maxDevices; returned in canonical form. Errors name devices[i].
func cleanDevices(ds []string) ([]string, error) {
	if len(ds) > maxDevices {
		return nil, errInvalid("devices", "at most %d devices per user, got %d", maxDevices, len(ds))
	}
	out := make([]string, 0, len(ds))
	for i, d := range ds {
		c, err := acd.CleanDevice(d)
		if err != nil {
			var fe *acd.FieldError
			if errors.As(err, &fe) {
				return nil, errInvalid(fmt.Sprintf("devices[%d]", i), "%s", fe.Msg)
			}
			return nil, errInvalid(fmt.Sprintf("devices[%d]", i), "%v", err)
		}
		if slices.Contains(out, c) {
			return nil, errInvalid(fmt.Sprintf("devices[%d]", i), "%s is listed twice", c)
		}
		out = append(out, c)
	}
	return out, nil
}

// mayUseAnyDevice: admins choose any valid device.
func mayUseAnyDevice(p *auth.Principal) bool { return p.Superadmin() || p.Role == auth.RoleAdmin }

// resolveDevice is the device an operation rings for p: the one requested
// (checked, and one of p's own unless p is an admin), or p's only device
// when none is requested. With required, having none is an error naming
// device; otherwise "" is returned.
func (s *Server) resolveDevice(ctx context.Context, tenant string, p *auth.Principal, requested string, required bool) (string, error) {
	var mine []string
	if p.Kind == "user" {
		var err error
		if mine, err = s.opt.Store.UserDevices(ctx, tenant, p.ID); err != nil {
			return "", err
		}
	}
	if strings.TrimSpace(requested) == "" {
		switch {
		case len(mine) == 1:
			return mine[0], nil
		case len(mine) > 1:
			return "", errInvalid("device", "choose one of your devices: %s", strings.Join(mine, ", "))
		case required:
			return "", errInvalid("device", "no device is assigned to you: an admin assigns devices on your user (PATCH /api/v1/users/{id} with devices)")
		}
		return "", nil
	}
	dev, err := acd.CleanDevice(requested)
	if err != nil {
		var fe *acd.FieldError
		if errors.As(err, &fe) {
			return "", errInvalid("device", "device %s", fe.Msg)
		}
		return "", errInvalid("device", "%v", err)
	}
	if mayUseAnyDevice(p) || slices.Contains(mine, dev) {
		return dev, nil
	}
	msg := "device " + dev + " is not assigned to you"
	if len(mine) > 0 {
		msg += "; your devices: " + strings.Join(mine, ", ")
	} else {
		msg += "; you have none (an admin assigns devices on your user)"
	}
	return "", &Error{Status: http.StatusForbidden, Code: "forbidden", Message: msg, Field: "device"}
}

// deviceInUse turns the ACD's refusal into a 409 naming who is on the
// device.
func (s *Server) deviceInUse(ctx context.Context, tenant string, err error) error {
	var inUse *acd.DeviceInUseError
	if !errors.As(err, &inUse) {
		return err
	}
	who := inUse.AgentID
	if u, uerr := s.opt.Store.GetUser(ctx, tenant, inUse.AgentID); uerr == nil {
		who = u.Username
	}
	return &Error{Status: http.StatusConflict, Code: "device_in_use", Field: "device",
		Message: fmt.Sprintf("device %s is in use: %s is logged in on it", inUse.Device, who)}
}
