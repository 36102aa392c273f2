package history

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/transform"
)

func readPeriod(t *testing.T, out string, p transform.Period) *Record {
	t.Helper()
	rec, err := Open(out).ReadPeriod(p)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestFiguresDigest: the same figures published twice, by different runs
// at different times, have the same digest; a late order changes the
// digest of its scope's reported period; scopes differ from each other.
func TestFiguresDigest(t *testing.T) {
	t.Parallel()
	east := "East"
	digests := func(res *transform.Result, id string, at time.Time) (company, dept string) {
		out := t.TempDir()
		publish(t, out, res, id, at)
		rec := readPeriod(t, out, res.Period)
		return rec.FiguresDigest(nil), rec.FiguresDigest(&east)
	}
	c1, d1 := digests(result(t, "2026-09", false), "r1", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC))
	c2, d2 := digests(result(t, "2026-09", false), "r2", time.Date(2026, 10, 2, 1, 0, 0, 0, time.UTC))
	c3, d3 := digests(result(t, "2026-09", true), "r3", time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC))
	if c1 != c2 || d1 != d2 {
		t.Errorf("the same figures have different digests: %s %s, %s %s", c1, c2, d1, d2)
	}
	if c1 == c3 || d1 == d3 {
		t.Error("a late order in the reported period leaves the digest as it was")
	}
	if c1 == d1 || len(c1) != 64 {
		t.Errorf("company %s, department %s: want two different SHA-256s", c1, d1)
	}
	// A figure of an earlier period that moved is a restatement of that
	// period (listed on this workbook's Restatements sheet), not a change
	// of this period's figures.
	out := t.TempDir()
	publish(t, out, result(t, "2026-09", false), "r1", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC))
	rec := readPeriod(t, out, result(t, "2026-09", false).Period)
	before := rec.FiguresDigest(&east)
	moved := 99.0
	rec.Values[Key{Period: "2026-08", Department: east, Metric: "revenue"}] = &moved
	if rec.FiguresDigest(&east) != before {
		t.Error("a figure of 2026-08 changes the digest of 2026-09")
	}
	// A move a workbook cannot show (a purchase frequency by 0.003, shown
	// with two decimals) is no change of what was sent.
	k := Key{Period: "2026-09", Department: east, Metric: "purchase_frequency"}
	v := rec.Values[k]
	if v == nil {
		t.Fatal("the fixture has no purchase frequency in 2026-09")
	}
	nudged := math.Round(*v*100)/100 + 0.003
	rec.Values[k] = &nudged
	if rec.FiguresDigest(&east) != before {
		t.Error("a move below what the cells show changes the digest")
	}
	rec.Values[Key{Period: "2026-09", Department: east, Metric: "revenue"}] = &moved
	if rec.FiguresDigest(&east) == before {
		t.Error("a figure of 2026-09 leaves its digest as it was")
	}
}

func TestRestatedScopes(t *testing.T) {
	t.Parallel()
	rs := []Restatement{{Company: true}, {Department: "华北"}, {Department: "华东"}, {Company: true}, {Department: "华东"}}
	got := RestatedScopes(rs)
	var text []string
	for _, s := range got {
		name := "company"
		if s.Department != nil {
			name = *s.Department
		}
		text = append(text, name, string(rune('0'+s.Count)))
	}
	if want := []string{"company", "2", "华东", "2", "华北", "1"}; !slices.Equal(text, want) {
		t.Errorf("RestatedScopes = %v, want %v", text, want)
	}
	rec := &Record{RestatedScopes: got}
	east := "华东"
	if rec.RestatedIn(nil) != 2 || rec.RestatedIn(&east) != 2 || rec.RestatedIn(new(string)) != 0 {
		t.Errorf("RestatedIn: company %d, 华东 %d", rec.RestatedIn(nil), rec.RestatedIn(&east))
	}
	if n := len(RestatedScopes(nil)); n != 0 {
		t.Errorf("no restatements give %d scopes", n)
	}
}

// TestLedger: what was sent and what is pending, written and read back,
// and what is due.
func TestLedger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	out := t.TempDir()
	sep, err := transform.ParsePeriod("2026-09")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(out).Ledger(ctx, sep)
	if err != nil || len(l.Deliveries) != 0 || l.Period != "2026-09" || l.Granularity != "month" {
		t.Fatalf("the ledger of a period never delivered: %+v, %v", l, err)
	}
	east := "华东"
	at := time.Date(2026, 10, 1, 6, 30, 0, 0, time.UTC)
	if l.Due(&east, "east@example.com", "f1") != DueNew {
		t.Error("a workbook never sent is not new")
	}
	l.RecordPending(&east, "east@example.com", "f1", at, "connection refused")
	l.RecordPending(&east, "east@example.com", "f1", at.Add(time.Hour), "connection refused again")
	l.RecordSent(nil, "finance@example.com", Sent{File: CompanyFile, SHA256: "abc", Figures: "c1", At: at, RunID: "r1"})
	if !l.HasPending() || l.Due(&east, "EAST@example.com", "f1") != DueNew {
		t.Error("a failed message is not pending, or counts as sent")
	}
	if p := l.Find(&east, "east@example.com").Pending; !p.Since.Equal(at) || !p.At.Equal(at.Add(time.Hour)) || p.Error != "connection refused again" {
		t.Errorf("pending %+v: want since the first attempt, at the last, with its error", p)
	}
	if l.Due(nil, "finance@example.com", "c1") != DueDone || l.Due(nil, "finance@example.com", "c2") != DueRestated {
		t.Error("the company's workbook: same figures not done, or changed figures not restated")
	}
	if l.Due(&east, "finance@example.com", "c1") != DueNew {
		t.Error("a scope's ledger entry counts for another scope")
	}

	write := func(l *Ledger) {
		var b bytes.Buffer
		if err := WriteLedger(&b, l); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(Open(out).LedgerFile(sep)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(Open(out).LedgerFile(sep), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(l)
	if got := Open(out).LedgerFile(sep); got != filepath.Join(out, "month", "2026-09.deliveries.json") {
		t.Errorf("ledger file %s", got)
	}
	back, err := Open(out).Ledger(ctx, sep)
	if err != nil {
		t.Fatal(err)
	}
	if !back.HasPending() || back.Due(nil, "finance@example.com", "c1") != DueDone || *back.Find(&east, "east@example.com").Department != "华东" {
		t.Errorf("read back: %+v", back)
	}
	periods, damaged, err := Open(out).PendingPeriods(ctx, transform.Month)
	if err != nil || len(damaged) != 0 || !slices.Equal(periods, []transform.Period{sep}) {
		t.Errorf("pending periods %v, damaged %v, %v; want 2026-09", periods, damaged, err)
	}

	back.RecordSent(&east, "east@example.com", Sent{File: "华东.xlsx", SHA256: "def", Figures: "f1", At: at, RunID: "r2"})
	write(back)
	if periods, _, _ := Open(out).PendingPeriods(ctx, transform.Month); len(periods) != 0 {
		t.Errorf("pending periods %v after the message went out", periods)
	}

	// A damaged ledger is reported, never taken for an empty one.
	aug, _ := transform.ParsePeriod("2026-08")
	os.WriteFile(Open(out).LedgerFile(aug), []byte(`{"granularity": "month", "deliv`), 0o644)
	if _, err := Open(out).Ledger(ctx, aug); err == nil {
		t.Error("a damaged ledger reads as empty")
	}
	if _, damaged, _ := Open(out).PendingPeriods(ctx, transform.Month); len(damaged) != 1 || !strings.Contains(damaged[0].Path, "2026-08") {
		t.Errorf("damaged %v, want the ledger of 2026-08", damaged)
	}
	os.WriteFile(Open(out).LedgerFile(aug), []byte(`{"granularity": "month", "period": "2026-09", "deliveries": []}`), 0o644)
	if _, err := Open(out).Ledger(ctx, aug); err == nil || !strings.Contains(err.Error(), "ledger of month 2026-09") {
		t.Errorf("another period's ledger under 2026-08's name: %v", err)
	}
	// What no ledger the job writes holds is an error naming the file and
	// the entry, never a panic.
	for text, want := range map[string]string{
		`{"granularity": "month", "period": "2026-08", "deliveries": [null]}`:                                             "deliveries[0] is null",
		`{"granularity": "month", "period": "2026-08", "deliveries": [{"department": null, "recipient": ""}]}`:            "deliveries[0] has no recipient",
		`{"granularity": "month", "period": "2026-08", "deliveries": [{"recipient": "a@x"}, {"recipient": "A@x"}, null]}`: "deliveries[2] is null",
		`{"granularity": "month", "period": "2026-08", "deliveries": [{"recipient": "a@x"}, {"recipient": "A@x"}]}`:       "deliveries[1] repeats",
	} {
		os.WriteFile(Open(out).LedgerFile(aug), []byte(text), 0o644)
		_, err := Open(out).Ledger(ctx, aug)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "2026-08.deliveries.json") {
			t.Errorf("%s: %v, want an error naming the file and %q", text, err, want)
		}
	}
}

// TestLedgerInFlight: the intent written before a message's content goes
// makes the message wait (it may not have arrived) until its outcome
// clears it; both copies of one message carry one Message-ID, which the
// figures, scope, recipient and period decide.
func TestLedgerInFlight(t *testing.T) {
	t.Parallel()
	sep, _ := transform.ParsePeriod("2026-09")
	l := NewLedger(sep)
	east := "华东"
	id := l.MessageID(&east, "East@example.com", "f1", "example.com")
	if id != l.MessageID(&east, "east@example.com", "f1", "example.com") || !strings.HasSuffix(id, "@example.com") {
		t.Errorf("Message-ID %s: not the same for the same message", id)
	}
	for _, other := range []string{l.MessageID(&east, "east@example.com", "f2", "example.com"), l.MessageID(nil, "east@example.com", "f1", "example.com"),
		NewLedger(sep.Add(1)).MessageID(&east, "east@example.com", "f1", "example.com")} {
		if other == id {
			t.Errorf("another message has Message-ID %s", id)
		}
	}
	at := time.Date(2026, 10, 1, 6, 30, 0, 0, time.UTC)
	d := l.RecordSending(&east, "east@example.com", InFlight{Figures: "f1", MessageID: id, At: at, RunID: "r1"})
	if !d.Waiting() || !l.HasPending() || l.Due(&east, "east@example.com", "f1") != DueNew {
		t.Errorf("a message in flight does not wait: %+v", d)
	}
	l.RecordSent(&east, "east@example.com", Sent{File: "华东.xlsx", Figures: "f1", At: at, RunID: "r1"})
	if d.Waiting() || l.HasPending() {
		t.Errorf("a message sent still waits: %+v", d)
	}
	l.RecordSending(&east, "east@example.com", InFlight{Figures: "f2", MessageID: "x@example.com", At: at, RunID: "r2"})
	l.RecordPending(&east, "east@example.com", "f2", at, "in doubt")
	if d.InFlight != nil || d.Pending == nil {
		t.Errorf("a failed attempt is still in flight: %+v", d)
	}
}

// TestReadPeriod: a published period reads back with its files, alerts and
// restatements; one that is not there, or not whole, is an error naming
// its directory.
func TestReadPeriod(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	res := result(t, "2026-09", false)
	if _, err := Open(out).ReadPeriod(res.Period); err == nil || !strings.Contains(err.Error(), "is not published") {
		t.Errorf("a period never published: %v", err)
	}
	dir := publish(t, out, res, "r1", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC))
	rec := readPeriod(t, out, res.Period)
	if f, ok := rec.Workbook(nil); !ok || f.Path != CompanyFile {
		t.Errorf("company workbook %+v, %v", f, ok)
	}
	east := "East"
	if _, ok := rec.Workbook(&east); ok {
		t.Error("a workbook of East, which this manifest does not list")
	}
	os.WriteFile(filepath.Join(dir, CompanyFile), []byte("changed"), 0o644)
	if _, err := Open(out).ReadPeriod(res.Period); err == nil || !strings.Contains(err.Error(), "is not whole") {
		t.Errorf("a period whose workbook changed: %v", err)
	}
}

// TestManifestCarriesAlertsAndRestatements: what a message about a
// workbook says comes from its manifest.
func TestManifestCarriesAlertsAndRestatements(t *testing.T) {
	t.Parallel()
	east := "East"
	min := 0.9
	m := &Manifest{RunID: "r", GeneratedAt: "2026-10-01T08:00:00+08:00", Granularity: "month", Period: "2026-09",
		Restated: 3, RestatedScopes: []ScopeCount{{Count: 1}, {Department: &east, Count: 2}},
		Alerts: []AlertRow{{Department: &east, Period: "2026-09", Metric: "retention_rate", Value: 0.5, Min: &min}}}
	var b bytes.Buffer
	if err := WriteManifest(&b, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"restated_by_scope": [`) {
		t.Errorf("manifest lacks restated_by_scope:\n%s", b.String())
	}
	rec, err := ReadManifest(&b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Restated != 3 || rec.RestatedIn(&east) != 2 || rec.RestatedIn(nil) != 1 {
		t.Errorf("restated %d, East %d, company %d", rec.Restated, rec.RestatedIn(&east), rec.RestatedIn(nil))
	}
	if a := rec.AlertsOf(&east); len(a) != 1 || a[0].Metric != "retention_rate" || *a[0].Min != 0.9 || len(rec.AlertsOf(nil)) != 0 {
		t.Errorf("alerts of East %+v, of the company %+v", a, rec.AlertsOf(nil))
	}
}

// TestUnroute: a pending attempt to a recipient no longer routed is given
// up; the others stay pending, and what was sent stays recorded.
func TestUnroute(t *testing.T) {
	t.Parallel()
	p, _ := transform.ParsePeriod("2026-09")
	l := NewLedger(p)
	east, north := "华东", "华北"
	at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	l.RecordPending(&east, "gone@example.com", "f", at, "refused")
	l.RecordPending(&east, "east@example.com", "f", at, "refused")
	l.RecordPending(&north, "gone@example.com", "f", at, "refused")
	l.RecordSent(nil, "finance@example.com", Sent{File: "company.xlsx"})
	dropped := l.Unroute(func(dept *string, to string) bool { return to != "gone@example.com" })
	if len(dropped) != 2 || l.Find(&east, "east@example.com").Pending == nil || !l.HasPending() {
		t.Errorf("dropped %d, east still pending %v", len(dropped), l.Find(&east, "east@example.com").Pending != nil)
	}
	if l.Find(nil, "finance@example.com").Sent == nil {
		t.Error("a sent message was forgotten")
	}
	l.Unroute(func(*string, string) bool { return false })
	if l.HasPending() {
		t.Error("nothing routed, something still pending")
	}
}
