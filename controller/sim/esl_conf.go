package sim

import (
	"encoding/json"
	"time"
)

// confJSON renders "conference [<room>] json_list" like mod_conference: an
// array of conference objects with their members.
func confJSON(m *Model, confs ...*Conference) string {
	out := make([]jobj, 0, len(confs))
	for _, cf := range confs {
		out = append(out, confObj(m, cf))
	}
	b, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		return "-ERR " + err.Error() + "\n"
	}
	return string(b)
}

func confObj(m *Model, cf *Conference) jobj {
	members := make([]jobj, 0, len(cf.Members))
	for _, mem := range cf.Members {
		c := m.chans[mem.Chan]
		if c == nil {
			continue
		}
		members = append(members, jobj{
			{"type", "caller"}, {"id", mem.ID},
			{"flags", jobj{{"can_hear", true}, {"can_see", true}, {"can_speak", !mem.Muted}, {"hold", false},
				{"mute_detect", false}, {"talking", false}, {"has_video", false}, {"video_bridge", false},
				{"has_floor", false}, {"is_moderator", false}, {"end_conference", false},
				{"mandatory_member_end_conference", false}, {"pass_digits", false}}},
			{"uuid", c.ID}, {"caller_id_name", c.ANIName}, {"caller_id_number", c.ANI},
			{"join_time", int(time.Since(cf.Created).Seconds())}, {"last_talking", 0}, {"energy", 100},
			{"volume_in", 0}, {"volume_out", 0}, {"output-volume", 0}, {"input-volume", 0},
		})
	}
	return jobj{
		{"conference_name", cf.Name}, {"member_count", len(cf.Members)}, {"ghost_count", 0}, {"rate", 8000},
		{"run_time", int(time.Since(cf.Created).Seconds())}, {"conference_uuid", cf.UUID}, {"canvas_count", 0},
		{"max_bw_in", 0}, {"force_bw_in", 0}, {"video_floor_packets", 0}, {"locked", false}, {"destruct", false},
		{"wait_mod", false}, {"audio_always", false}, {"running", true}, {"answered", true}, {"enforce_min", true},
		{"bridge_to", false}, {"dynamic", true}, {"exit_sound", true}, {"enter_sound", true}, {"recording", false},
		{"video_bridge", false}, {"video_floor_only", false}, {"video_rfc4579", false},
		{"variables", jobj{}}, {"members", members},
	}
}
