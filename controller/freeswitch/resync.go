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

// listing is what a resync found on the switch.
type listing struct {
	snaps []snapshot
	// gone are legs ipcc follows that the switch confirmed it does not
	// have (uuid_dump: no such channel).
	gone []string
}

// snapshotLegs lists the live channels, their bridges and (by uuid_dump)
// their variables. "show channels" answers from FreeSWITCH's core
// database, which lags 160-180 ms behind the channels (a new channel is not
// listed yet, an ended one still is): a leg ipcc follows that the listing
// lacks is looked up by itself, and only a switch answering "no such
// channel" makes it gone.
func (d *Driver) snapshotLegs(ctx context.Context) (listing, error) {
	reply, err := d.run(ctx, "show channels", "", renderShowChannels)
	if err != nil {
		return listing{}, err
	}
	rows, err := parseShowJSON(reply)
	if err != nil {
		return listing{}, fmt.Errorf("freeswitch %s: %w", d.cfg.Name, err)
	}
	bridged := map[string]string{}
	if len(rows) > 0 {
		reply, err := d.run(ctx, "show bridged_calls", "", renderShowBridged)
		if err != nil {
			return listing{}, err
		}
		brows, err := parseShowJSON(reply)
		if err != nil {
			return listing{}, fmt.Errorf("freeswitch %s: %w", d.cfg.Name, err)
		}
		for _, r := range brows {
			if a, b := r["uuid"], r["b_uuid"]; a != "" && b != "" {
				bridged[a], bridged[b] = b, a
			}
		}
	}
	var out listing
	listed := make(map[string]bool, len(rows))
	for _, r := range rows {
		leg := r["uuid"]
		if checkToken("leg", leg) != nil {
			continue
		}
		dump, err := d.dumpLeg(ctx, leg)
		if errors.Is(err, controller.ErrNoSuchLeg) {
			continue // ended: the listing still had it
		}
		if err != nil {
			return listing{}, err
		}
		listed[leg] = true
		if dump == nil {
			continue
		}
		out.snaps = append(out.snaps, snapshot{info: d.legInfo(r, dump, bridged[leg]), dump: dump})
	}
	for _, leg := range d.tr.followed() {
		if listed[leg] {
			continue
		}
		// Not listed (too new), or listed but ended since (too old).
		dump, err := d.dumpLeg(ctx, leg)
		if errors.Is(err, controller.ErrNoSuchLeg) {
			out.gone = append(out.gone, leg)
			continue
		}
		if err != nil {
			return listing{}, err
		}
		if dump == nil {
			continue
		}
		// Too new for the listing: what "show" would have said comes
		// from the dump itself.
		out.snaps = append(out.snaps, snapshot{info: d.legInfo(dumpRow(dump), dump, dumpPeer(dump)), dump: dump})
	}
	sort.SliceStable(out.snaps, func(i, j int) bool { return out.snaps[i].info.Created.Before(out.snaps[j].info.Created) })
	return out, nil
}

// dumpLeg runs uuid_dump json on leg; nil without error when the reply
// cannot be read (the leg is then left out, as FreeSWITCH gave nothing
// usable about it).
func (d *Driver) dumpLeg(ctx context.Context, leg string) (*fsEvent, error) {
	reply, err := d.run(ctx, "uuid_dump", leg, renderDump(leg))
	if err != nil {
		return nil, err
	}
	dump, err := parseDumpJSON(reply)
	if err != nil {
		d.log.Warn("uuid_dump reply not understood", "leg", leg, "err", err)
		return nil, nil
	}
	return dump, nil
}

// dumpRow builds the "show channels" columns legInfo reads from a dump.
func dumpRow(dump *fsEvent) map[string]string {
	row := map[string]string{
		"uuid":        dump.get("Unique-ID"),
		"direction":   dump.get("Call-Direction"),
		"callstate":   dump.get("Channel-Call-State"),
		"application": dump.get("variable_current_application"),
		"cid_num":     dump.get("Caller-Caller-ID-Number"),
		"dest":        dump.get("Caller-Destination-Number"),
	}
	if us, err := strconv.ParseInt(dump.get("Caller-Channel-Created-Time"), 10, 64); err == nil && us > 0 {
		row["created_epoch"] = strconv.FormatInt(us/1e6, 10)
	}
	return row
}

// dumpPeer is the leg a dumped leg is bridged with ("" when none):
// FreeSWITCH sets bridge_uuid on both legs of a bridge and clears it when
// the bridge ends (signal_bond stays behind).
func dumpPeer(dump *fsEvent) string { return dump.get("variable_bridge_uuid") }

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
		Owned: ownedMark(dump, row["uuid"]) ||
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
	if us, err := strconv.ParseInt(dump.get("Caller-Channel-Answered-Time"), 10, 64); err == nil && us > 0 {
		li.Answered = time.UnixMicro(us).UTC()
	}
	// The dump's creation time has microseconds; the listing's whole
	// seconds would leave a caller and the agent leg bridged with it in
	// any order (re-adopted legs are announced oldest first).
	if us, err := strconv.ParseInt(dump.get("Caller-Channel-Created-Time"), 10, 64); err == nil && us > 0 {
		li.Created = time.UnixMicro(us).UTC()
	} else if s, err := strconv.ParseInt(row["created_epoch"], 10, 64); err == nil {
		li.Created = time.Unix(s, 0).UTC()
	}
	return li
}

// Legs lists the live legs on the switch.
func (d *Driver) Legs(ctx context.Context) ([]controller.LegInfo, error) {
	l, err := d.snapshotLegs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]controller.LegInfo, len(l.snaps))
	for i, s := range l.snaps {
		out[i] = s.info
	}
	return out, nil
}

// resync compares the switch with what the translator follows: legs the
// switch confirms gone hang up, legs ipcc owns are announced again
// (CallArrived, then Answered and Bridged as they are).
func (d *Driver) resync(ctx context.Context) error {
	l, err := d.snapshotLegs(ctx)
	if err != nil {
		return err
	}
	d.tr.resync(l)
	return nil
}

// resync applies a listing: legs it confirmed gone hang up (released ones
// are forgotten), owned legs are announced.
func (t *translator) resync(l listing) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	snaps := l.snaps
	var out []controller.Event
	gone := make([]string, 0, len(l.gone))
	for _, leg := range l.gone {
		st := t.legs[leg]
		switch {
		case st == nil:
		case st.released:
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
			t.legs[strings.Clone(leg)] = l // not a pointer into the switch's reply
		}
		l.arrived, l.released, l.seen = true, false, true
		if n := s.dump.get("Channel-Name"); n != "" {
			l.name = strings.Clone(n)
		}
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
