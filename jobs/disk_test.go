package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
)

// smallFS mounts a tmpfs of the given size for the test: a file system
// that really fills up. Mounting needs root, which CI has; elsewhere the
// test says why it does not run.
func smallFS(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root (CI runs these tests as root)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Fatalf("mounting a tmpfs at %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// leftovers lists what is in the granularity directory besides periods.
func leftovers(t *testing.T, out string) []string {
	t.Helper()
	var names []string
	entries, _ := os.ReadDir(filepath.Join(out, "month"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestOutputFullOrReadOnly: when the output's disk is full, or turns
// read-only, the run fails with the output exit code and the period
// published before stays whole.
func TestOutputFullOrReadOnly(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	for _, fault := range []string{"full", "read-only"} {
		t.Run(fault, func(t *testing.T) {
			c := testConfig(t, d, "")
			// Room for one period but not for a second beside it.
			c.Report.OutDir = smallFS(t, "400k") // a period takes about 250 KB
			opt := jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet}
			first, err := jobs.Run(context.Background(), opt)
			if err != nil {
				t.Fatalf("first run: %v", err)
			}
			before := snapshots(t, first.Dir)
			if fault == "read-only" {
				if err := syscall.Mount("", c.Report.OutDir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
					t.Fatal(err)
				}
			}
			_, err = jobs.Run(context.Background(), opt)
			t.Logf("%s: %v", fault, err)
			if jobs.ExitCode(err) != jobs.ExitOutput {
				t.Fatalf("run on a %s disk: %v (exit %d), want exit %d", fault, err, jobs.ExitCode(err), jobs.ExitOutput)
			}
			if !history.Complete(first.Dir) || snapshots(t, first.Dir) != before {
				t.Error("the period published before is no longer whole")
			}
			if l := leftovers(t, c.Report.OutDir); len(l) > 0 {
				t.Errorf("the failed run left %v", l)
			}
		})
	}
}
