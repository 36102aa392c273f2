package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedSpec is the metric contract as the product's specification keeps
// it, beside the repository on the development machines. A clone from a
// code host has no ../shared.
const sharedSpec = "../shared/spec/metrics.md"

// TestMetricsContractInStep: docs/metrics.md is the repository's copy of
// the metric contract and stays byte for byte the same as the shared one
// wherever that one is checked out beside the repository.
func TestMetricsContractInStep(t *testing.T) {
	t.Parallel()
	local, err := os.ReadFile("docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(sharedSpec))); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no %s beside the repository (a clone from a code host): nothing to compare docs/metrics.md with",
			filepath.Dir(filepath.Dir(sharedSpec)))
	}
	shared, err := os.ReadFile(sharedSpec)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(local, shared) {
		return
	}
	a, b := strings.Split(string(local), "\n"), strings.Split(string(shared), "\n")
	line := 0
	for line < min(len(a), len(b)) && a[line] == b[line] {
		line++
	}
	t.Errorf("docs/metrics.md differs from %s from line %d on; copy it: cp %s docs/metrics.md", sharedSpec, line+1, sharedSpec)
}

// TestNoLinkOutsideTheRepository: documentation and code comments point
// to docs/metrics.md, never to ../shared, which a clone does not have.
func TestNoLinkOutsideTheRepository(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") && path != "." || e.Name() == "testdata" || e.Name() == "out") {
			return filepath.SkipDir
		}
		if e.IsDir() || path == "docs_test.go" || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if i := bytes.Index(b, []byte("../shared")); i >= 0 {
			t.Errorf("%s:%d points to ../shared; point to docs/metrics.md instead", path, bytes.Count(b[:i], []byte("\n"))+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
