package recording

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Triggers of a retention run.
const (
	TriggerSchedule = "schedule"
	TriggerAPI      = "api"
	TriggerCLI      = "cli"
)

// RetentionOptions wire the retention job.
type RetentionOptions struct {
	Store *store.Store
	// RecordingRoot and VoicemailRoot are the directories the switches write
	// recordings and voicemail to; disk usage is measured there.
	RecordingRoot string
	VoicemailRoot string
	// BackupDir, when set, receives a verified copy of every finished
	// recording (same path relative to RecordingRoot); a recording is only
	// deleted once it is backed up.
	BackupDir string
	// HighWaterPercent: above this disk usage a global run deletes the
	// oldest recordings (and voicemail) until below it; 0 turns it off.
	HighWaterPercent float64
	// Usage measures disk usage (nil = Statfs).
	Usage  Usage
	Logger *slog.Logger
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// BatchSize is how many rows a step reads at a time (default 200).
	BatchSize int
}

// Retention backs up and deletes recordings and voicemail by the tenants'
// retention settings and the disk high-water mark. Runs never overlap.
type Retention struct {
	opt RetentionOptions
	log *slog.Logger
	mu  sync.Mutex
}

// NewRetention builds the job.
func NewRetention(o RetentionOptions) (*Retention, error) {
	if o.Store == nil {
		return nil, errors.New("recording: retention needs a store")
	}
	if o.HighWaterPercent < 0 || o.HighWaterPercent >= 100 {
		return nil, fmt.Errorf("recording: retention high-water %v%% must be 0 (off) or between 0 and 100", o.HighWaterPercent)
	}
	if o.Usage == nil {
		o.Usage = Statfs{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 200
	}
	return &Retention{opt: o, log: o.Logger.With("component", "retention")}, nil
}

// RunRequest says what a run covers and who asked.
type RunRequest struct {
	// Tenant limits the run to one tenant's backups and age deletions; ""
	// runs every tenant and also enforces the disk high-water mark (which
	// cannot be judged per tenant).
	Tenant  string
	Trigger string
	Actor   string
}

// DiskReport is the disk usage of one root before and after a run.
type DiskReport struct {
	Kind        string  `json:"kind"` // recording | voicemail
	Root        string  `json:"root"`
	HighWater   float64 `json:"high_water_percent"`
	BeforePct   float64 `json:"before_percent"`
	AfterPct    float64 `json:"after_percent"`
	StillAbove  bool    `json:"still_above"`
	DeletedDisk int     `json:"deleted"`
}

// Summary is what a run did.
type Summary struct {
	RunID                 int64        `json:"run_id"`
	Tenant                string       `json:"tenant,omitempty"`
	Trigger               string       `json:"trigger"`
	StartedAt             time.Time    `json:"started_at"`
	FinishedAt            time.Time    `json:"finished_at"`
	BackedUp              int          `json:"backed_up"`
	BackupFailed          int          `json:"backup_failed"`
	RecordingsDeletedAge  int          `json:"recordings_deleted_age"`
	RecordingsDeletedDisk int          `json:"recordings_deleted_disk"`
	VoicemailDeletedAge   int          `json:"voicemail_deleted_age"`
	VoicemailDeletedDisk  int          `json:"voicemail_deleted_disk"`
	DeleteFailed          int          `json:"delete_failed"`
	LegalHoldKept         int          `json:"legal_hold_kept"`
	BytesFreed            int64        `json:"bytes_freed"`
	Disk                  []DiskReport `json:"disk,omitempty"`
	Errors                []string     `json:"errors,omitempty"`
}

func (s *Summary) fail(format string, args ...any) {
	if len(s.Errors) < 50 {
		s.Errors = append(s.Errors, fmt.Sprintf(format, args...))
	}
}

// Run performs one retention run: back up, delete by age, then (global runs
// only) delete oldest first while a root is above the high-water mark. Each
// file acted on is logged (slog and the retention log); the run and its
// summary are stored. The error is about the run as a whole (database
// unreachable); per-file problems are in Summary.Errors.
func (r *Retention) Run(ctx context.Context, req RunRequest) (*Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Trigger == "" {
		req.Trigger = TriggerAPI
	}
	sum := &Summary{Tenant: req.Tenant, Trigger: req.Trigger, StartedAt: r.opt.Now().UTC()}
	run := &store.RetentionRun{TenantID: req.Tenant, Trigger: req.Trigger, Actor: req.Actor, StartedAt: sum.StartedAt}
	if err := r.opt.Store.StartRetentionRun(ctx, run); err != nil {
		return nil, fmt.Errorf("recording: retention run: %w", err)
	}
	sum.RunID = run.ID
	r.log.Info("retention run started", "run", run.ID, "tenant", req.Tenant, "trigger", req.Trigger, "actor", req.Actor)
	err := r.run(ctx, req, sum)
	sum.FinishedAt = r.opt.Now().UTC()
	run.FinishedAt = &sum.FinishedAt
	if b, jerr := json.Marshal(sum); jerr == nil {
		run.Summary = string(b)
	}
	if err != nil {
		run.Error = err.Error()
	}
	if ferr := r.opt.Store.FinishRetentionRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	r.log.Info("retention run finished", "run", run.ID, "backed_up", sum.BackedUp, "backup_failed", sum.BackupFailed,
		"recordings_deleted_age", sum.RecordingsDeletedAge, "recordings_deleted_disk", sum.RecordingsDeletedDisk,
		"voicemail_deleted_age", sum.VoicemailDeletedAge, "voicemail_deleted_disk", sum.VoicemailDeletedDisk,
		"legal_hold_kept", sum.LegalHoldKept, "bytes_freed", sum.BytesFreed, "errors", len(sum.Errors), "err", err)
	if err != nil {
		return sum, fmt.Errorf("recording: retention run %d: %w", run.ID, err)
	}
	return sum, nil
}

func (r *Retention) run(ctx context.Context, req RunRequest, sum *Summary) error {
	if r.opt.BackupDir != "" {
		if err := r.backUp(ctx, req.Tenant, sum); err != nil {
			return err
		}
	}
	if err := r.byAge(ctx, req.Tenant, sum); err != nil {
		return err
	}
	if req.Tenant == "" && r.opt.HighWaterPercent > 0 {
		if err := r.byDisk(ctx, sum); err != nil {
			return err
		}
	}
	return nil
}

// Schedule runs the job every interval until ctx ends (interval <= 0:
// never). The first run comes a minute after start (or after interval, if
// shorter), so a controller restarted more often than the interval still
// enforces retention.
func (r *Retention) Schedule(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTimer(min(interval, time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := r.Run(ctx, RunRequest{Trigger: TriggerSchedule}); err != nil && ctx.Err() == nil {
				r.log.Error("scheduled retention run failed", "err", err)
			}
			t.Reset(interval)
		}
	}
}

// logFile writes one file's outcome to slog and the retention log.
func (r *Retention) logFile(ctx context.Context, e store.RetentionLogEntry) {
	e.At = r.opt.Now()
	lvl := slog.LevelInfo
	if e.Action == "failed" {
		lvl = slog.LevelWarn
	}
	r.log.Log(ctx, lvl, "retention "+e.Kind+" "+e.Action, "run", e.RunID, "tenant", e.TenantID, "id", e.ObjectID, "path", e.Path,
		"reason", e.Reason, "bytes", e.Bytes, "detail", e.Detail)
	if err := r.opt.Store.AddRetentionLog(context.WithoutCancel(ctx), &e); err != nil {
		r.log.Error("retention log not written", "err", err, "id", e.ObjectID)
	}
}

// backUp copies every finished recording not yet backed up.
func (r *Retention) backUp(ctx context.Context, tenant string, sum *Summary) error {
	if missingRoot(r.opt.RecordingRoot) {
		sum.fail("recording root %s is not on this controller: nothing backed up (share media.recording_dir)", r.opt.RecordingRoot)
		return nil
	}
	failed := map[string]bool{}
	for {
		rows, err := r.opt.Store.RecordingsToBackUp(ctx, tenant, r.opt.BatchSize+len(failed))
		if err != nil {
			return err
		}
		progress := false
		for _, rec := range rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			key := rec.TenantID + "/" + rec.ID
			if failed[key] {
				continue
			}
			progress = true
			dst, size, err := r.copyVerified(rec)
			if err == nil {
				err = r.opt.Store.MarkRecordingBackedUp(ctx, rec.TenantID, rec.ID, dst, r.opt.Now())
			}
			e := store.RetentionLogEntry{RunID: sum.RunID, TenantID: rec.TenantID, Kind: "recording", ObjectID: rec.ID, Path: rec.Path, Reason: "backup", Bytes: size}
			if err != nil {
				failed[key] = true
				sum.BackupFailed++
				sum.fail("back up recording %s: %v", rec.ID, err)
				e.Action, e.Detail = "failed", err.Error()
			} else {
				sum.BackedUp++
				e.Action, e.Detail = "backed_up", dst
			}
			r.logFile(ctx, e)
		}
		if !progress {
			return nil
		}
	}
}

// relPath is a recording's path under the backup directory: the same as
// under the recording root, else <tenant>/<date>/<file>.
func (r *Retention) relPath(rec store.RecordingRow) string {
	if r.opt.RecordingRoot != "" {
		if rel, err := filepath.Rel(r.opt.RecordingRoot, rec.Path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return filepath.Join(rec.TenantID, rec.StartedAt.UTC().Format("2006-01-02"), filepath.Base(rec.Path))
}

// copyVerified copies the recording into the backup directory through a
// temporary file, checks the copy's SHA-256 against the source's (and the
// one stored when the call ended) and only then renames it into place.
func (r *Retention) copyVerified(rec store.RecordingRow) (string, int64, error) {
	dst := filepath.Join(r.opt.BackupDir, r.relPath(rec))
	src, err := os.Open(rec.Path)
	if err != nil {
		return "", 0, fmt.Errorf("open source: %w", err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("backup directory: %w", err)
	}
	// A temporary name of its own: two controllers backing up the same
	// file at once must not write into each other's copy.
	out, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.part")
	if err != nil {
		return "", 0, fmt.Errorf("create copy: %w", err)
	}
	tmp := out.Name()
	if err := out.Chmod(0o640); err != nil {
		out.Close()
		os.Remove(tmp)
		return "", 0, fmt.Errorf("create copy: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), src)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", 0, fmt.Errorf("copy: %w", err)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if rec.SHA256 != "" && rec.SHA256 != want {
		os.Remove(tmp)
		return "", n, fmt.Errorf("source checksum %s differs from the one stored when the call ended (%s): file changed or damaged", want, rec.SHA256)
	}
	got, err := fileSHA256(tmp)
	if err != nil || got != want {
		os.Remove(tmp)
		if err == nil {
			err = fmt.Errorf("copy checksum %s differs from source %s", got, want)
		}
		return "", n, fmt.Errorf("verify copy: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", n, fmt.Errorf("place copy: %w", err)
	}
	return dst, n, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// byAge deletes recordings and voicemail older than their tenant allows.
func (r *Retention) byAge(ctx context.Context, tenant string, sum *Summary) error {
	settings, err := r.opt.Store.ListRetentionSettings(ctx, tenant)
	if err != nil {
		return err
	}
	now := r.opt.Now()
	for _, s := range settings {
		if s.RecordingDays > 0 {
			cutoff := now.Add(-time.Duration(s.RecordingDays) * 24 * time.Hour)
			f := store.DeletableRecordingFilter{Tenant: s.TenantID, Before: cutoff, RequireBackup: r.opt.BackupDir != ""}
			if err := r.deleteRecordings(ctx, f, "age", sum, func() bool { return true }, &sum.RecordingsDeletedAge); err != nil {
				return err
			}
			held, err := r.opt.Store.CountHeldRecordings(ctx, s.TenantID, cutoff)
			if err != nil {
				return err
			}
			sum.LegalHoldKept += held
		}
		if s.VoicemailDays > 0 {
			cutoff := now.Add(-time.Duration(s.VoicemailDays) * 24 * time.Hour)
			if err := r.deleteVoicemail(ctx, s.TenantID, cutoff, "age", sum, func() bool { return true }, &sum.VoicemailDeletedAge); err != nil {
				return err
			}
		}
	}
	return nil
}

// byDisk deletes the oldest files under each root above the high-water
// mark until it is below again (or nothing deletable is left).
func (r *Retention) byDisk(ctx context.Context, sum *Summary) error {
	roots := []struct {
		kind, root string
	}{{"recording", r.opt.RecordingRoot}, {"voicemail", r.opt.VoicemailRoot}}
	for _, x := range roots {
		if x.root == "" {
			continue
		}
		if _, err := os.Stat(x.root); errors.Is(err, fs.ErrNotExist) {
			continue // nothing written there yet (e.g. no voicemail on this controller)
		}
		pct, err := r.opt.Usage.UsedPercent(x.root)
		if err != nil {
			sum.fail("%v", err)
			continue
		}
		rep := DiskReport{Kind: x.kind, Root: x.root, HighWater: r.opt.HighWaterPercent, BeforePct: pct, AfterPct: pct}
		above := func() bool {
			p, err := r.opt.Usage.UsedPercent(x.root)
			if err != nil {
				sum.fail("%v", err)
				return false
			}
			rep.AfterPct = p
			return p > r.opt.HighWaterPercent
		}
		if pct > r.opt.HighWaterPercent {
			r.log.Warn("disk above the high-water mark: deleting the oldest files", "kind", x.kind, "root", x.root, "used_percent", pct, "high_water", r.opt.HighWaterPercent)
			if x.kind == "recording" {
				f := store.DeletableRecordingFilter{RequireBackup: r.opt.BackupDir != ""}
				err = r.deleteRecordings(ctx, f, "disk", sum, above, &rep.DeletedDisk)
				sum.RecordingsDeletedDisk += rep.DeletedDisk
			} else {
				err = r.deleteVoicemail(ctx, "", time.Time{}, "disk", sum, above, &rep.DeletedDisk)
				sum.VoicemailDeletedDisk += rep.DeletedDisk
			}
			if err != nil {
				return err
			}
			rep.StillAbove = rep.AfterPct > r.opt.HighWaterPercent
			if rep.StillAbove {
				r.log.Error("disk still above the high-water mark: nothing more may be deleted (legal holds, files not backed up, or files of other programs)",
					"kind", x.kind, "root", x.root, "used_percent", rep.AfterPct)
				sum.fail("%s root %s still %.1f%% full (high-water %.1f%%): nothing more may be deleted", x.kind, x.root, rep.AfterPct, r.opt.HighWaterPercent)
			}
		}
		sum.Disk = append(sum.Disk, rep)
	}
	return nil
}

// under reports whether path lies in root ("" root: anywhere).
func under(root, path string) bool {
	if root == "" {
		return true
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// deleteRecordings deletes matching recordings oldest first while more()
// says so (checked before each one). The row is claimed first (legal hold
// re-checked atomically), then the file removed; a removal failure gives
// the claim back.
func (r *Retention) deleteRecordings(ctx context.Context, f store.DeletableRecordingFilter, reason string, sum *Summary, more func() bool, count *int) error {
	if missingRoot(r.opt.RecordingRoot) {
		// Every file would look "already gone": never mark rows deleted
		// from a controller that cannot see the recordings.
		sum.fail("recording root %s is not on this controller: no recording deleted (share media.recording_dir)", r.opt.RecordingRoot)
		return nil
	}
	skip := map[string]bool{}
	for {
		f.Limit = r.opt.BatchSize + len(skip)
		rows, err := r.opt.Store.DeletableRecordings(ctx, f)
		if err != nil {
			return err
		}
		progress := false
		for _, rec := range rows {
			key := rec.TenantID + "/" + rec.ID
			if skip[key] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !more() {
				return nil
			}
			// A row seen for the first time is progress even when skipped:
			// the next read is larger by one and reaches past it.
			progress = true
			if reason == "disk" && !under(r.opt.RecordingRoot, rec.Path) {
				skip[key] = true // freeing it would not help this disk
				continue
			}
			e := store.RetentionLogEntry{RunID: sum.RunID, TenantID: rec.TenantID, Kind: "recording", ObjectID: rec.ID, Path: rec.Path, Reason: reason}
			ok, err := r.opt.Store.ClaimRecordingDeletion(ctx, rec.TenantID, rec.ID, reason, r.opt.Now())
			if err != nil {
				return err
			}
			if !ok {
				skip[key] = true // a legal hold arrived meanwhile
				continue
			}
			size, rerr := removeFile(r.opt.RecordingRoot, rec.Path)
			if rerr != nil {
				skip[key] = true
				if uerr := r.opt.Store.UnclaimRecordingDeletion(context.WithoutCancel(ctx), rec.TenantID, rec.ID); uerr != nil {
					return uerr
				}
				sum.DeleteFailed++
				sum.fail("delete recording %s: %v", rec.ID, rerr)
				e.Action, e.Detail = "failed", rerr.Error()
				r.logFile(ctx, e)
				continue
			}
			r.pruneDir(r.opt.RecordingRoot, filepath.Dir(rec.Path))
			*count++
			sum.BytesFreed += size
			e.Action, e.Bytes = "deleted", size
			r.logFile(ctx, e)
		}
		if !progress {
			return nil
		}
	}
}

// deleteVoicemail deletes messages of tenant ("" = all) created before
// cutoff (zero = any), oldest first while more(): the file, then the row.
func (r *Retention) deleteVoicemail(ctx context.Context, tenant string, cutoff time.Time, reason string, sum *Summary, more func() bool, count *int) error {
	if missingRoot(r.opt.VoicemailRoot) {
		sum.fail("voicemail root %s is not on this controller: no voicemail deleted (share media.voicemail_dir)", r.opt.VoicemailRoot)
		return nil
	}
	skip := map[int64]bool{}
	for {
		ms, err := r.opt.Store.DeletableVoicemail(ctx, tenant, cutoff, r.opt.BatchSize+len(skip))
		if err != nil {
			return err
		}
		progress := false
		for _, m := range ms {
			if skip[m.ID] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !more() {
				return nil
			}
			progress = true // as in deleteRecordings: skipped rows are read past
			if reason == "disk" && !under(r.opt.VoicemailRoot, m.Path) {
				skip[m.ID] = true
				continue
			}
			id := strconv.FormatInt(m.ID, 10)
			e := store.RetentionLogEntry{RunID: sum.RunID, TenantID: m.TenantID, Kind: "voicemail", ObjectID: id, Path: m.Path, Reason: reason}
			size, rerr := removeFile(r.opt.VoicemailRoot, m.Path)
			if rerr == nil {
				if err := r.opt.Store.DeleteVoicemail(ctx, m.TenantID, m.ID); err != nil && !store.IsNotFound(err) {
					rerr = err
				}
			}
			if rerr != nil {
				skip[m.ID] = true
				sum.DeleteFailed++
				sum.fail("delete voicemail %d: %v", m.ID, rerr)
				e.Action, e.Detail = "failed", rerr.Error()
				r.logFile(ctx, e)
				continue
			}
			r.pruneDir(r.opt.VoicemailRoot, filepath.Dir(m.Path))
			*count++
			sum.BytesFreed += size
			e.Action, e.Bytes = "deleted", size
			r.logFile(ctx, e)
		}
		if !progress {
			return nil
		}
	}
}

// missingRoot reports whether a configured root directory is absent here.
func missingRoot(root string) bool {
	if root == "" {
		return false
	}
	st, err := os.Stat(root)
	return err != nil || !st.IsDir()
}

// removeFile deletes a file and returns its size. A file already gone
// under root (checked to exist) is not an error (size 0); one missing
// outside it (an older root, a share not mounted here) is, since this
// controller cannot tell it was deleted.
func removeFile(root, path string) (int64, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !under(root, path) {
			return 0, fmt.Errorf("%s is missing and lies outside %s: not visible on this controller, left as it is", path, root)
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	return st.Size(), nil
}

// pruneDir removes dir when it is empty and below root (date folders left
// behind by deletions).
func (r *Retention) pruneDir(root, dir string) {
	if root == "" || filepath.Clean(dir) == filepath.Clean(root) || !under(root, dir) {
		return
	}
	_ = os.Remove(dir) // fails, harmlessly, when not empty
}
