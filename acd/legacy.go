package acd

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Queue configurations stored before the API moved to milliseconds hold
// Go durations ("ring_timeout": "15s", or a number of seconds) under the
// names without _ms. They are read as they are; the next save writes the
// new names. Nothing stored is lost or refused.
var legacyDurationFields = map[string][]string{
	"":              {"ring_timeout", "wrap_up", "max_wrap_up_extension", "service_level", "default_handle_time"},
	"announcements": {"position_interval"},
	"limits":        {"max_wait"},
}

// upgradeQueueDoc rewrites the legacy duration fields of a stored queue
// document to their _ms form; a document without them comes back as is.
func upgradeQueueDoc(b []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	changed := false
	for parent, keys := range legacyDurationFields {
		obj := doc
		if parent != "" {
			raw, ok := doc[parent]
			if !ok {
				continue
			}
			if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
				continue // not an object: the real decode reports it
			}
		}
		moved := false
		for _, k := range keys {
			raw, ok := obj[k]
			if !ok {
				continue
			}
			d, err := legacyDuration(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			delete(obj, k)
			if _, set := obj[k+"_ms"]; !set {
				obj[k+"_ms"] = json.RawMessage(strconv.FormatInt(d.Milliseconds(), 10))
			}
			moved = true
		}
		if moved && parent != "" {
			nb, err := json.Marshal(obj)
			if err != nil {
				return nil, err
			}
			doc[parent] = nb
		}
		changed = changed || moved
	}
	if !changed {
		return b, nil
	}
	return json.Marshal(doc)
}

// legacyDuration reads "1m30s" or a number of seconds.
func legacyDuration(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, fmt.Errorf("not a duration: %s", raw)
	}
	return time.Duration(f * float64(time.Second)), nil
}
