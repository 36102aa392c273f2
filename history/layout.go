package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"retention/transform"
)

// The files of a published period besides the departments' workbooks.
const (
	ManifestFile = "manifest.json" // written last: a period with a whole manifest is published
	CompanyFile  = "company.xlsx"
)

// Complete reports whether period p is published whole: a manifest whose
// every file is present with its size and hash.
func (h *History) Complete(p transform.Period) bool { return Complete(h.PeriodDir(p)) }

// Complete reports whether dir holds a whole published period.
func Complete(dir string) bool {
	rec, err := readManifestFile(filepath.Join(dir, ManifestFile))
	if err != nil || rec == nil || len(rec.Files) == 0 {
		return false
	}
	for _, file := range rec.Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.Base(file.Path)))
		if err != nil || int64(len(data)) != file.Bytes {
			return false
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != file.SHA256 {
			return false
		}
	}
	return true
}

// maxNameBytes bounds a department's file name, well below the 255 bytes
// file systems allow, leaving room for a suffix and the extension.
const maxNameBytes = 120

// reservedNames are file names Windows refuses, and the names of the
// period's own files.
var reservedNames = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
	stem(CompanyFile): true, stem(ManifestFile): true,
}

func stem(name string) string { return strings.TrimSuffix(name, filepath.Ext(name)) }

// safeName turns a department name into a file name (without extension)
// that stays inside its directory on every common file system.
func safeName(dept string) string {
	var b strings.Builder
	for i, r := range strings.ToValidUTF8(dept, "\uFFFD") {
		switch {
		case r < 0x20 || r == 0x7f || r == '\uFFFD' || strings.ContainsRune(`/\:*?"<>|`, r):
			r = '_'
		case i == 0 && r == '.':
			r = '_' // no hidden files, no "." or ".."
		}
		b.WriteRune(r)
	}
	s := strings.TrimRight(b.String(), ". ") // Windows drops trailing dots and spaces
	if len(s) > maxNameBytes {
		cut := maxNameBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	base := strings.ToLower(s)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if s == "" || reservedNames[base] {
		s = "_" + s
	}
	return s
}

// FileNames gives every department a distinct safe file name (with the
// .xlsx extension). Names that would collide, even only in case, get a
// suffix derived from the department name, so the mapping is the same in
// every run.
func FileNames(depts []string) map[string]string {
	safe := make(map[string]string, len(depts))
	count := map[string]int{}
	for _, d := range depts {
		s := safeName(d)
		safe[d] = s
		count[strings.ToLower(s)]++
	}
	used := map[string]bool{CompanyFile: true, ManifestFile: true}
	out := make(map[string]string, len(depts))
	for _, d := range depts {
		s := safe[d]
		if count[strings.ToLower(s)] > 1 {
			sum := sha256.Sum256([]byte(d))
			s += "~" + hex.EncodeToString(sum[:4])
		}
		name := s + ".xlsx"
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s~%d.xlsx", s, n)
		}
		used[strings.ToLower(name)] = true
		out[d] = name
	}
	return out
}

// Attachment is the path of a published workbook of period p, after its
// bytes were streamed through SHA-256 (never held whole) and found to be
// those the manifest lists: what is attached is what was published.
func (h *History) Attachment(p transform.Period, f File) (string, error) {
	path := filepath.Join(h.PeriodDir(p), filepath.Base(f.Path))
	file, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the workbook to send: %w", err)
	}
	defer file.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, file)
	if err != nil {
		return "", fmt.Errorf("reading the workbook to send %s: %w", path, err)
	}
	if n != f.Bytes || hex.EncodeToString(sum.Sum(nil)) != f.SHA256 {
		return "", fmt.Errorf("%s has changed since it was published (its size or SHA-256 is not the manifest's); publish the period again", path)
	}
	return path, nil
}
