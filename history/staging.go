package history

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"retention/transform"
	"strings"
)

// Stage is a private directory that collects a period's files before
// they are published together: readers see the period whole or not at
// all, never half of it.
type Stage struct {
	dir    string // the period's final directory
	tmp    string // where files are written
	closed bool
}

// Prefixes of the job's working directories beside the periods.
const (
	stagingPrefix = ".staging-"
	oldPrefix     = ".old-"
)

// Stage prepares a staging directory for period p, first tidying what an
// earlier, interrupted run may have left of it. The caller holds the
// output lock.
func (h *History) Stage(p transform.Period, runID string) (*Stage, error) {
	dir := h.PeriodDir(p)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", parent, err)
	}
	if err := recoverInterrupted(dir); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, stagingPrefix+filepath.Base(dir)+"-"+runID+"-")
	if err != nil {
		return nil, fmt.Errorf("creating staging directory: %w", err)
	}
	// MkdirTemp made it private; the published period is as readable as out_dir.
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("creating staging directory: %w", err)
	}
	return &Stage{dir: dir, tmp: tmp}, nil
}

// Dir is the directory the period is published in.
func (s *Stage) Dir() string { return s.dir }

// recoverInterrupted removes staging directories of runs that died (their
// files were never published) and, if a run died between moving the old
// period aside and moving the new one in, puts the old one back.
func recoverInterrupted(dir string) error {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return fmt.Errorf("reading %s: %w", parent, err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, stagingPrefix+base+"-"):
			if err := os.RemoveAll(filepath.Join(parent, name)); err != nil {
				return fmt.Errorf("removing an interrupted run's staging directory: %w", err)
			}
		case strings.HasPrefix(name, oldPrefix+base+"-"):
			old := filepath.Join(parent, name)
			if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
				if err := os.Rename(old, dir); err != nil {
					return fmt.Errorf("restoring the previous %s: %w", base, err)
				}
				continue
			}
			if err := os.RemoveAll(old); err != nil {
				return fmt.Errorf("removing the previous %s: %w", base, err)
			}
		}
	}
	return nil
}

// Write stores one file in the staging directory, fsynced, rendered by
// render, and returns it with its size and SHA-256 (for the manifest). An
// error of render comes back as it is; one of the disk names the file.
// Files of one Stage may be written concurrently.
func (s *Stage) Write(name string, render func(io.Writer) error) (File, error) {
	path := filepath.Join(s.tmp, name)
	if filepath.Dir(path) != s.tmp || name == ManifestFile {
		return File{}, fmt.Errorf("file name %q leaves the period's directory", name)
	}
	n, sum, err := writeFile(path, render)
	if err != nil {
		return File{}, err
	}
	return File{Path: name, SHA256: sum, Bytes: n}, nil
}

// writeFile creates the file at path, renders it, fsyncs it and returns
// its size and SHA-256.
func writeFile(path string, render func(io.Writer) error) (int64, string, error) {
	name := filepath.Base(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, "", fmt.Errorf("creating %s: %w", name, err)
	}
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	if err := render(cw); err != nil {
		f.Close()
		return 0, "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, "", fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return 0, "", fmt.Errorf("writing %s: %w", name, err)
	}
	return cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Publish writes the manifest m, last, and puts the staged files in place
// of the period's directory at once.
func (s *Stage) Publish(m *Manifest) error {
	if _, _, err := writeFile(filepath.Join(s.tmp, ManifestFile), func(w io.Writer) error { return WriteManifest(w, m) }); err != nil {
		return err
	}
	if err := syncDir(s.tmp); err != nil {
		return err
	}
	parent := filepath.Dir(s.dir)
	if _, err := os.Stat(s.dir); err == nil {
		if err := exchange(s.tmp, s.dir); err == nil {
			// s.tmp now holds the previous period; the new one is in place.
			s.closed = true
			if err := syncDir(parent); err != nil {
				return err
			}
			return os.RemoveAll(s.tmp)
		}
		// No atomic exchange here: move the old one aside first. A crash in
		// between is repaired by the next run (recoverInterrupted).
		old := filepath.Join(parent, oldPrefix+filepath.Base(s.dir)+"-"+filepath.Base(s.tmp))
		if err := os.Rename(s.dir, old); err != nil {
			return fmt.Errorf("moving the previous %s aside: %w", filepath.Base(s.dir), err)
		}
		if err := os.Rename(s.tmp, s.dir); err != nil {
			os.Rename(old, s.dir)
			return fmt.Errorf("publishing %s: %w", filepath.Base(s.dir), err)
		}
		s.closed = true
		if err := syncDir(parent); err != nil {
			return err
		}
		return os.RemoveAll(old)
	}
	if err := os.Rename(s.tmp, s.dir); err != nil {
		return fmt.Errorf("publishing %s: %w", filepath.Base(s.dir), err)
	}
	s.closed = true
	return syncDir(parent)
}

// Discard removes the staging directory of a run that did not publish;
// after Publish it does nothing.
func (s *Stage) Discard() {
	if !s.closed {
		os.RemoveAll(s.tmp)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
