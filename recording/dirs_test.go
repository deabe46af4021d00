package recording

import "testing"

func TestDirPaths(t *testing.T) {
	d := Dir{Switch: "/var/spool/asterisk/recording", Read: "/var/lib/ipcc/recordings/pbx1"}
	sw, rd := d.Paths("t1/2026-11-22/c1.wav")
	if sw != "/var/spool/asterisk/recording/t1/2026-11-22/c1.wav" || rd != "/var/lib/ipcc/recordings/pbx1/t1/2026-11-22/c1.wav" {
		t.Fatalf("paths %s %s", sw, rd)
	}
	for in, want := range map[string]string{
		"/var/spool/asterisk/recording/voicemail/t1/m/x.wav": "/var/lib/ipcc/recordings/pbx1/voicemail/t1/m/x.wav",
		"/var/spool/asterisk/recording-old/x.wav":            "/var/spool/asterisk/recording-old/x.wav",
		"/elsewhere/x.wav": "/elsewhere/x.wav",
	} {
		if got := d.ReadPath(in); got != want {
			t.Errorf("ReadPath(%s) = %s, want %s", in, got, want)
		}
	}
	same := Dir{Switch: "/var/lib/ipcc/recordings"}
	if sw, rd := same.Paths("a.wav"); sw != rd {
		t.Fatalf("no read dir: %s %s", sw, rd)
	}
}
