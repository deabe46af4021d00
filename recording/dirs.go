package recording

import (
	"path/filepath"
	"strings"
)

// Dir is one directory of recordings seen from two hosts: Switch is the
// path the media server writes under, Read the path at which this
// controller reads the same files (e.g. Asterisk's spool
// /var/spool/asterisk/recording, mounted here at
// /var/lib/ipcc/recordings/pbx1). Rows store the Read path, so the API can
// serve the audio and retention can delete it; the switch is told the
// Switch path.
type Dir struct {
	Switch string
	Read   string
}

// Paths joins rel under both views: where to tell the switch to write,
// and where this controller will find the file.
func (d Dir) Paths(rel string) (switchPath, readPath string) {
	read := d.Read
	if read == "" {
		read = d.Switch
	}
	return filepath.Join(d.Switch, rel), filepath.Join(read, rel)
}

// ReadPath maps a path the switch wrote under d.Switch to the same file
// under d.Read; other paths are returned unchanged.
func (d Dir) ReadPath(switchPath string) string {
	if d.Read == "" || d.Switch == "" {
		return switchPath
	}
	rel, err := filepath.Rel(filepath.Clean(d.Switch), filepath.Clean(switchPath))
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return switchPath
	}
	return filepath.Join(d.Read, rel)
}
