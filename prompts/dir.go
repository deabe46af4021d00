package prompts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir keeps the uploaded prompts, one directory per tenant under Root:
// Root/<tenant>/<name>.wav. Names are checked with CheckName and tenant ids
// may not hold path separators, so no path leaves the tenant's directory.
type Dir struct{ Root string }

// Path is the file of a tenant's prompt.
func (d Dir) Path(tenant, name string) (string, error) {
	if d.Root == "" {
		return "", errors.New("no prompt directory is configured (media.prompt_dir)")
	}
	if tenant == "" || tenant == "." || tenant == ".." || strings.ContainsAny(tenant, `/\`+"\x00") {
		return "", fmt.Errorf("tenant id %q cannot name a directory", tenant)
	}
	if err := CheckName(name); err != nil {
		return "", err
	}
	return filepath.Join(d.Root, tenant, name+".wav"), nil
}

// Save writes a prompt's audio (through a temporary file, renamed).
func (d Dir) Save(tenant, name string, data []byte) error {
	p, err := d.Path(tenant, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("prompts: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("prompts: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("prompts: %w", err)
	}
	return nil
}

// Remove deletes a prompt's audio; a missing file is not an error.
func (d Dir) Remove(tenant, name string) error {
	p, err := d.Path(tenant, name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("prompts: %w", err)
	}
	return nil
}
