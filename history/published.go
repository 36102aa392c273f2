package history

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"retention/transform"
)

// Key names one published figure.
type Key struct {
	Period     string
	Department string // "" with Company
	Company    bool
	Metric     string
}

// Figure is a value as it was published, and by which run.
type Figure struct {
	Value       *float64 // nil: undefined (null)
	RunID       string
	GeneratedAt time.Time
}

// Published holds, for each figure, the value last published.
type Published map[Key]Figure

// add records a figure of one published manifest or store run, keeping
// for each figure the most recently generated value.
func (p Published) add(k Key, v Figure) {
	if old, ok := p[k]; ok && old.GeneratedAt.After(v.GeneratedAt) {
		return
	}
	p[k] = v
}

// AddRecord records every figure of a manifest read back.
func (p Published) AddRecord(rec *Record) {
	for k, v := range rec.Values {
		p.add(k, Figure{Value: v, RunID: rec.RunID, GeneratedAt: rec.GeneratedAt})
	}
}

// ManifestError is a published manifest that cannot be read.
type ManifestError struct {
	Path string
	Err  error
}

func (e *ManifestError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *ManifestError) Unwrap() error { return e.Err }

// ReadManifests reads what the manifests in the output directory
// published of periods (all of one granularity). With run, only that
// run's figures count. A manifest that cannot be read is passed over and
// returned among the damaged, for the caller to report: it must not stop
// the run that would replace it.
func (h *History) ReadManifests(periods []transform.Period, run string) (pub Published, damaged []*ManifestError, err error) {
	g := periods[0].G
	dirs, err := h.periodDirs(g)
	if err != nil {
		return nil, nil, err
	}
	pub = Published{}
	first := slices.MinFunc(periods, func(a, b transform.Period) int { return a.Sub(b) })
	for _, d := range dirs {
		// A period's manifest holds its history window, which ends with it:
		// those of periods before the first wanted hold none of them.
		if q, err := transform.ParsePeriod(d); err == nil && q.G == g && q.Sub(first) < 0 {
			continue
		}
		path := filepath.Join(h.root, g.String(), d, ManifestFile)
		rec, err := readManifestFile(path)
		switch {
		case err != nil:
			damaged = append(damaged, &ManifestError{Path: path, Err: err})
		case rec != nil && (run == "" || rec.RunID == run):
			pub.AddRecord(rec)
		}
	}
	pub.Keep(periods)
	return pub, damaged, nil
}

// Keep drops every figure of a period not among periods.
func (p Published) Keep(periods []transform.Period) {
	wanted := map[string]bool{}
	for _, q := range periods {
		wanted[q.String()] = true
	}
	maps.DeleteFunc(p, func(k Key, _ Figure) bool { return !wanted[k.Period] })
}

// periodDirs lists the directories of granularity g's published periods
// (not the staging and old ones, which begin with a dot).
func (h *History) periodDirs(g transform.Granularity) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(h.root, g.String()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading what was published: %w", err)
	}
	var dirs []string
	for _, d := range entries {
		if d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			dirs = append(dirs, d.Name())
		}
	}
	return dirs, nil
}

// ManifestsStamp describes the manifests of granularity g as they are on
// disk now: each published period's manifest, its size, modification
// time and file. Publishing a period swaps its directory, so two equal
// stamps mean that ReadManifests reads the same figures: what a caller
// read without the output lock is still what it would read with it.
func (h *History) ManifestsStamp(g transform.Granularity) (string, error) {
	dirs, err := h.periodDirs(g)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, d := range dirs {
		fi, err := os.Stat(filepath.Join(h.root, g.String(), d, ManifestFile))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "%s -\n", d)
		case err != nil:
			return "", fmt.Errorf("reading what was published: %w", err)
		default:
			fmt.Fprintf(&b, "%s %d %d %d\n", d, fi.Size(), fi.ModTime().UnixNano(), fileID(fi))
		}
	}
	return b.String(), nil
}

// readManifestFile reads the manifest at path; nil when there is none (a
// period directory without a manifest is not published).
func readManifestFile(path string) (*Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadManifest(f)
}
