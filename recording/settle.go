package recording

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"time"
)

// SettledFile waits (until ctx ends) for the file to exist and its size to
// stop changing (a switch closes a recording some time after the stop),
// then returns its size and SHA-256. When ctx ends first it returns the
// file as it is, or the last error if it never appeared.
func SettledFile(ctx context.Context, path string) (int64, string, error) {
	last := int64(-1)
	var statErr error
	for {
		st, err := os.Stat(path)
		switch {
		case err != nil:
			statErr = err
		case st.Size() == last:
			return Checksum(path)
		default:
			last, statErr = st.Size(), nil
		}
		select {
		case <-ctx.Done():
			if statErr != nil {
				return 0, "", statErr
			}
			return Checksum(path)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Checksum returns the size and hex SHA-256 of the file at path.
func Checksum(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
