package freeswitch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// showResult is the reply of "show ... as json": {"row_count": 0} when empty
// (note the space, and no rows key), else {"row_count":N,"rows":[{...}]}.
type showResult struct {
	RowCount int                 `json:"row_count"`
	Rows     []map[string]string `json:"rows"`
}

// parseShowJSON parses a "show channels|calls|bridged_calls as json" reply.
func parseShowJSON(reply string) ([]map[string]string, error) {
	reply = strings.TrimSpace(reply)
	if strings.HasPrefix(reply, "-") {
		return nil, fmt.Errorf("show: %q", reply)
	}
	var r showResult
	if err := json.Unmarshal([]byte(reply), &r); err != nil {
		return nil, fmt.Errorf("show: %w", err)
	}
	if r.RowCount != len(r.Rows) {
		return nil, fmt.Errorf("show: row_count %d but %d rows", r.RowCount, len(r.Rows))
	}
	return r.Rows, nil
}

// parseDumpJSON parses "uuid_dump <uuid> json" (a flat object of strings,
// values not URL-encoded) into an event the translator can read.
func parseDumpJSON(reply string) (*fsEvent, error) {
	reply = strings.TrimSpace(reply)
	if strings.HasPrefix(reply, "-") {
		return nil, replyError(reply)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(reply), &m); err != nil {
		return nil, fmt.Errorf("uuid_dump: %w", err)
	}
	h := make([]hdrKV, 0, len(m))
	for k, v := range m {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case float64:
			s = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(v)
		default:
			continue
		}
		h = append(h, hdrKV{k, s})
	}
	e := newFSEvent(h, nil, time.Now())
	e.decoded = true
	if e.raw("Unique-ID") == "" {
		return nil, errors.New("uuid_dump: no Unique-ID")
	}
	return e, nil
}

// snapshot is one live leg as found by a resync.
type snapshot struct {
	info controller.LegInfo
	dump *fsEvent
}

// snapshotLegs lists the live channels, their bridges and (by uuid_dump)
// their variables.
func (d *Driver) snapshotLegs(ctx context.Context) ([]snapshot, error) {
	reply, err := d.run(ctx, "show channels", "", renderShowChannels)
	if err != nil {
		return nil, err
	}
	rows, err := parseShowJSON(reply)
	if err != nil {
		return nil, fmt.Errorf("freeswitch %s: %w", d.cfg.Name, err)
	}
	bridged := map[string]string{}
	if len(rows) > 0 {
		reply, err := d.run(ctx, "show bridged_calls", "", renderShowBridged)
		if err != nil {
			return nil, err
		}
		brows, err := parseShowJSON(reply)
		if err != nil {
			return nil, fmt.Errorf("freeswitch %s: %w", d.cfg.Name, err)
		}
		for _, r := range brows {
			if a, b := r["uuid"], r["b_uuid"]; a != "" && b != "" {
				bridged[a], bridged[b] = b, a
			}
		}
	}
	out := make([]snapshot, 0, len(rows))
	for _, r := range rows {
		leg := r["uuid"]
		if checkToken("leg", leg) != nil {
			continue
		}
		reply, err := d.run(ctx, "uuid_dump", leg, renderDump(leg))
		if errors.Is(err, controller.ErrNoSuchLeg) {
			continue // gone since the listing
		}
		if err != nil {
			return nil, err
		}
		dump, err := parseDumpJSON(reply)
		if err != nil {
			continue
		}
		out = append(out, snapshot{info: d.legInfo(r, dump, bridged[leg]), dump: dump})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].info.Created.Before(out[j].info.Created) })
	return out, nil
}

func (d *Driver) legInfo(row map[string]string, dump *fsEvent, peer string) controller.LegInfo {
	li := controller.LegInfo{
		Leg:     row["uuid"],
		ANI:     dump.get("Caller-Caller-ID-Number"),
		DNIS:    dump.get("variable_" + d.cfg.DIDVariable),
		State:   controller.LegRinging,
		Bridged: peer,
		// Ours: legs ipcc marked, and calls the ipcc dialplan parked for
		// ipcc while no controller was connected (they wait in silence
		// until one takes them over).
		Owned: dump.get("variable_ipcc_owned") == "true" ||
			(dump.get("variable_"+d.cfg.DIDVariable) != "" && row["application"] == "park"),
		Vars:    dump.variables(d.cfg.VarPrefixes),
		Inbound: row["direction"] == "inbound",
	}
	if li.DNIS == "" {
		li.DNIS = dump.get("Caller-Destination-Number")
	}
	if li.ANI == "" {
		li.ANI = row["cid_num"]
	}
	if li.DNIS == "" {
		li.DNIS = row["dest"]
	}
	if dump.get("Answer-State") == "answered" || row["callstate"] == "ACTIVE" || row["callstate"] == "HELD" {
		li.State = controller.LegAnswered
	}
	if s, err := strconv.ParseInt(row["created_epoch"], 10, 64); err == nil {
		li.Created = time.Unix(s, 0).UTC()
	}
	return li
}

// Legs lists the live legs on the switch.
func (d *Driver) Legs(ctx context.Context) ([]controller.LegInfo, error) {
	snaps, err := d.snapshotLegs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]controller.LegInfo, len(snaps))
	for i, s := range snaps {
		out[i] = s.info
	}
	return out, nil
}

// resync compares the switch with what the translator follows: legs that
// vanished while the connection was down hang up, legs ipcc owns are
// announced again (CallArrived, then Answered and Bridged as they are).
func (d *Driver) resync(ctx context.Context) error {
	snaps, err := d.snapshotLegs(ctx)
	if err != nil {
		return err
	}
	d.tr.resync(snaps)
	return nil
}

func (t *translator) resync(snaps []snapshot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	present := make(map[string]bool, len(snaps))
	for _, s := range snaps {
		present[s.info.Leg] = true
	}
	var out []controller.Event
	gone := make([]string, 0)
	for leg, l := range t.legs {
		switch {
		case present[leg]:
		case l.released:
			t.forget(leg)
		default:
			gone = append(gone, leg)
		}
	}
	sort.Strings(gone)
	for _, leg := range gone {
		out = t.hungUp(now, leg, controller.CauseNormalUnspecified, controller.HangupUnknown,
			"leg ended while the switch connection was down", out)
	}
	for _, s := range snaps {
		leg := s.info.Leg
		if l := t.legs[leg]; l != nil && !l.released && !s.info.Owned && t.onAdopt != nil {
			t.onAdopt(leg) // followed, but the ipcc_owned mark was lost (connection dropped before it was set)
		}
		if !s.info.Owned || t.isEnded(leg) {
			continue
		}
		l := t.legs[leg]
		if l == nil {
			l = &legState{}
			t.legs[leg] = l
		}
		l.arrived, l.released = true, false
		ev := t.arrival(s.dump, leg)
		ev.Time = now
		ev.OtherLeg = s.info.Bridged
		out = append(out, ev)
		if s.info.State == controller.LegAnswered {
			l.answered = true
			out = append(out, controller.Event{Type: controller.EventAnswered, Switch: t.sw, Leg: leg, Time: now})
		}
		if s.info.Bridged != "" {
			out = append(out, controller.Event{Type: controller.EventBridged, Switch: t.sw, Leg: leg, Time: now, OtherLeg: s.info.Bridged})
		}
	}
	if len(out) > 0 {
		t.emit(out)
	}
}
