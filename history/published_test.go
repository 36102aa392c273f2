package history

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// result computes period p of a small history: customer a buys every
// month from 2026-06 on, customer b in June and, when late, in September.
func result(t *testing.T, p string, late bool) *transform.Result {
	t.Helper()
	st := transform.New(transform.Month, shanghai)
	add := func(id, cust, ts string, cents int64) {
		at, err := time.ParseInLocation(time.DateTime, ts, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		st.AddOrder(extract.Order{ID: id, CustomerID: cust, Department: "East", OrderedAt: at, AmountCents: cents})
	}
	add("1", "a", "2026-06-03 10:00:00", 1000)
	add("2", "b", "2026-06-04 10:00:00", 2000)
	add("3", "a", "2026-07-03 10:00:00", 1100)
	add("4", "a", "2026-08-03 10:00:00", 1200)
	add("5", "a", "2026-09-03 10:00:00", 1300)
	if late {
		add("6", "b", "2026-09-20 10:00:00", 500)
	}
	period, err := transform.ParsePeriod(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Compute(period, transform.Options{History: 3, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// publish writes the manifest of res as run id would, into its period's
// directory under out, with one workbook file beside it.
func publish(t *testing.T, out string, res *transform.Result, id string, at time.Time) string {
	t.Helper()
	dir := Open(out).PeriodDir(res.Period)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	book := []byte("a workbook")
	if err := os.WriteFile(filepath.Join(dir, CompanyFile), book, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(book)
	m := &Manifest{RunID: id, GeneratedAt: at.Format(time.RFC3339), Granularity: "month", Period: res.Period.String(),
		Files:     []File{{Path: CompanyFile, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(book))}},
		Snapshots: Snapshots(res), Quality: QualityEntries(res.Quality)}
	var b bytes.Buffer
	if err := WriteManifest(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func value(t *testing.T, pub Published, period, metric string) Figure {
	t.Helper()
	v, ok := pub[Key{Period: period, Department: "East", Metric: metric}]
	if !ok {
		t.Fatalf("no %s of East in %s published", metric, period)
	}
	return v
}

// TestReadManifests: the manifests under out_dir give the figures last
// published of the wanted periods, or those of one run; a damaged
// manifest is returned, not fatal; staging directories are passed over.
func TestReadManifests(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	aug, sep := result(t, "2026-08", false), result(t, "2026-09", false)
	at1, at2 := time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
	publish(t, out, aug, "r1", at1)
	publish(t, out, sep, "r2", at2)
	damaged := filepath.Join(Open(out).PeriodDir(result(t, "2026-10", false).Period), ManifestFile)
	os.MkdirAll(filepath.Dir(damaged), 0o755)
	os.WriteFile(damaged, []byte(`{"run_id": "x", "snap`), 0o644)
	os.MkdirAll(filepath.Join(out, "month", ".staging-2026-08-r3-1"), 0o755)
	os.WriteFile(filepath.Join(out, "month", ".staging-2026-08-r3-1", ManifestFile), []byte("{"), 0o644)

	periods := []transform.Period{aug.Period, sep.Period}
	pub, bad, err := Open(out).ReadManifests(periods, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].Path != damaged {
		t.Errorf("damaged manifests %v, want only %s", bad, damaged)
	}
	// 2026-08 is in both manifests' windows: the later run's figure counts.
	if v := value(t, pub, "2026-08", "revenue"); v.RunID != "r2" || !v.GeneratedAt.Equal(at2) || *v.Value != 12 {
		t.Errorf("revenue of 2026-08 published as %+v, want 12 by r2", v)
	}
	if v := value(t, pub, "2026-09", "win_back_rate"); v.Value != nil {
		t.Errorf("win_back_rate of 2026-09 published as %v, want null (undefined)", *v.Value)
	}
	for k := range pub {
		if k.Period != "2026-08" && k.Period != "2026-09" {
			t.Fatalf("figures of %s are read; only 2026-08 and 2026-09 were wanted", k.Period)
		}
	}
	pub, _, err = Open(out).ReadManifests(periods, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if v := value(t, pub, "2026-08", "revenue"); v.RunID != "r1" {
		t.Errorf("with run r1, revenue of 2026-08 is by %s", v.RunID)
	}
	if _, ok := pub[Key{Period: "2026-09", Department: "East", Metric: "revenue"}]; ok {
		t.Error("with run r1, figures of 2026-09 (published by r2 only) are read")
	}
	if pub, bad, err := Open(filepath.Join(out, "none")).ReadManifests(periods, ""); err != nil || len(pub) != 0 || len(bad) != 0 {
		t.Errorf("an output directory never published to: %v, %v, %v", pub, bad, err)
	}
}

// TestRestateThroughManifest: a late order changes what a second run
// computes of a published period; Restate finds exactly those figures,
// with the order as the cause.
func TestRestateThroughManifest(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	before := result(t, "2026-09", false)
	publish(t, out, before, "r1", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC))
	pub, _, err := Open(out).ReadManifests([]transform.Period{before.Period}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := Restate(before, pub, Tolerance{Points: 0.1}); len(got) != 0 {
		t.Fatalf("the same result restates %+v", got)
	}
	got := Restate(result(t, "2026-09", true), pub, Tolerance{Points: 0.1})
	moved := map[string]bool{}
	for _, r := range got {
		if r.Period != before.Period {
			t.Errorf("restated %s of %s; the order is in 2026-09", r.Metric.Key, r.Period)
		}
		if !r.CauseKnown || r.OrdersSince != 1 || r.RevenueSinceCents != 500 {
			t.Errorf("%s: cause %+v, want one order of 5.00", r.Metric.Key, r)
		}
		if r.Company {
			moved[r.Metric.Key] = true
			if len(r.ByDepartment) != 1 || r.ByDepartment[0] != (DepartmentChange{Department: "East", Orders: 1, RevenueCents: 500}) {
				t.Errorf("company %s: by department %+v", r.Metric.Key, r.ByDepartment)
			}
		}
	}
	for _, k := range []string{"revenue", "orders", "active_customers", "reactivated_customers"} {
		if !moved[k] {
			t.Errorf("%s of the company not restated; restated %v", k, moved)
		}
	}
}

// TestComplete: a period is complete when its manifest lists files that
// are all there, unchanged.
func TestComplete(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	dir := publish(t, out, result(t, "2026-09", false), "r1", time.Now())
	if !Complete(dir) {
		t.Fatal("a whole period is not complete")
	}
	if err := os.WriteFile(filepath.Join(dir, CompanyFile), []byte("a workbooK"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Complete(dir) {
		t.Error("a period whose workbook changed is complete")
	}
	os.Remove(filepath.Join(dir, ManifestFile))
	if Complete(dir) {
		t.Error("a period without a manifest is complete")
	}
}
