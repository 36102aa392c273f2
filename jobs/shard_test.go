package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract/embedded"
	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/jobs/demo"
	"retention/report"
)

// shardSource is generated source data that exercises what a read in
// shards must keep: 600 customers over 24 months to 2026-10, some with
// negative ids, or text ids ("7" and "007" being two customers), rows
// without a customer (read by shard 0 alone), without a department,
// refunds, customers of two departments, an order row loaded twice,
// complaints of customers without orders and without a customer. With
// mixed, the orders keep the ids as numbers and the complaints as text.
func shardSource(t *testing.T, d *sourcetest.DB, text, mixed bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(16, 4))
	depts := []string{"华东", "华北", "华南", "西南", "线上/直营"}
	cats := []string{"delivery", "quality", "billing", "service"}
	first := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
	id := func(i int, asText bool) any {
		n := int64(9000 + 37*i)
		if i%50 == 7 {
			n = -n
		}
		switch {
		case !asText:
			return n
		case i%40 == 3:
			return fmt.Sprintf("%03d", i%10) // "003", apart from customer "3"
		case i%40 == 13:
			return fmt.Sprint(i % 10)
		case i%9 == 0:
			return fmt.Sprintf("客户-%d", n)
		}
		return fmt.Sprint(n)
	}
	var orders, complaints [][]any
	for i := range 600 {
		d1, d2 := depts[i%len(depts)], depts[(i/7)%len(depts)]
		prob := []float64{0.7, 0.35, 0.12}[i%3]
		for m := range 24 {
			if m < i%11 || r.Float64() >= prob {
				continue
			}
			for range 1 + r.IntN(3) {
				at := first.AddDate(0, m, r.IntN(28)).Add(time.Duration(r.IntN(86400)) * time.Second)
				dept := any(d1)
				if i%6 == 0 && r.IntN(2) == 0 {
					dept = d2
				}
				amount := any(fmt.Sprintf("%d.%02d", 10+r.IntN(2000), r.IntN(100)))
				switch k := r.IntN(100); {
				case k < 4:
					amount = "-" + amount.(string)
				case k < 5:
					amount = nil
				case k < 6:
					dept = nil
				}
				cust := id(i, text)
				if r.IntN(200) == 0 {
					cust = nil
				}
				row := []any{int64(len(orders) + 1), cust, dept, at, amount}
				orders = append(orders, row)
				if len(orders)%300 == 0 {
					orders = append(orders, row) // loaded twice: the second is skipped
				}
				if r.IntN(20) > 0 {
					continue
				}
				cust = id(i, text || mixed)
				if r.IntN(30) == 0 {
					cust = nil
				}
				complaints = append(complaints, complaint(r, len(complaints)+1, cust, dept, at, cats))
			}
		}
	}
	for i := range 40 { // complainants who never ordered
		complaints = append(complaints, complaint(r, len(complaints)+1, id(1000+i, text || mixed), depts[i%len(depts)],
			first.AddDate(0, r.IntN(24), r.IntN(28)), cats))
	}
	idType := embedded.BigInt
	if text {
		idType = embedded.VarChar
	}
	d.Table(t, "orders", []embedded.Column{
		{Name: "order_id", Type: embedded.BigInt},
		{Name: "customer_id", Type: idType, Nullable: true},
		{Name: "department", Type: embedded.VarChar, Nullable: true},
		{Name: "ordered_at", Type: embedded.DateTime},
		{Name: "amount", Type: embedded.Decimal, Nullable: true},
	}, orders)
	if mixed {
		idType = embedded.VarChar
	}
	d.Table(t, "complaints", []embedded.Column{
		{Name: "complaint_id", Type: embedded.BigInt, PrimaryKey: true},
		{Name: "customer_id", Type: idType, Nullable: true},
		{Name: "department", Type: embedded.VarChar, Nullable: true},
		{Name: "created_at", Type: embedded.DateTime},
		{Name: "resolved_at", Type: embedded.DateTime, Nullable: true},
		{Name: "satisfaction", Type: embedded.TinyInt, Nullable: true},
		{Name: "category", Type: embedded.VarChar, Nullable: true},
	}, complaints)
}

func complaint(r *rand.Rand, id int, cust, dept any, ordered time.Time, cats []string) []any {
	created := ordered.Add(time.Duration(1+r.IntN(48)) * time.Hour)
	var resolved, sat, cat any
	if r.IntN(10) < 7 {
		resolved = created.Add(time.Duration(1+r.IntN(200)) * time.Hour)
	}
	if r.IntN(3) > 0 {
		sat = int64(1 + r.IntN(5))
	}
	if r.IntN(20) > 0 {
		cat = cats[r.IntN(len(cats))]
	}
	return []any{int64(id), cust, dept, created, resolved, sat, cat}
}

// published is what a published period holds that must not depend on how
// the source was read: the manifest's row counts, snapshots, data-quality
// counts, complaint categories, alerts and files, and every cell of every
// sheet of every workbook but the run's id. Left out are the examples of
// the data-quality findings, which name some of the rows of each finding:
// shards read the rows in another order.
func published(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		RunID      string            `json:"run_id"`
		Quality    []json.RawMessage `json:"quality"`
		Categories json.RawMessage   `json:"complaint_categories"`
		Alerts     json.RawMessage   `json:"alerts"`
		Files      []struct {
			Path string `json:"path"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s\ncategories %s\nalerts %s\n", snapshots(t, dir), m.Categories, m.Alerts)
	for _, q := range m.Quality {
		var f map[string]any
		json.Unmarshal(q, &f)
		fmt.Fprintf(&out, "quality %v %v %v %v\n", f["table"], f["reason"], f["handling"], f["rows"])
	}
	l, err := report.Locale("zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range m.Files {
		f, err := excelize.OpenFile(filepath.Join(dir, file.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, sheet := range f.GetSheetList() {
			if sheet == l.T("sheet.quality") {
				continue
			}
			rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				fmt.Fprintf(&out, "%s %s %q\n", file.Path, sheet, strings.ReplaceAll(strings.Join(r, "\t"), m.RunID, "RUN"))
			}
		}
		f.Close()
	}
	return out.String()
}

// TestShardsPublishAsOneStream: read in four shards, the source publishes
// what one stream publishes, figures and lists alike.
func TestShardsPublishAsOneStream(t *testing.T) {
	t.Parallel()
	demoLast := mustPeriod(t, "2026-10")
	tests := []struct {
		name   string
		load   func(*testing.T, *sourcetest.DB)
		period string
		yaml   string
		shard  func(k int) string // what shard k's queries hold
	}{
		{name: "worked example", period: "2026-09", shard: wrapped,
			load: func(t *testing.T, d *sourcetest.DB) { d.ExecFile(t, "../testdata/spec/worked_example.sql") }},
		{name: "demo", period: "2026-10", shard: wrapped, load: func(t *testing.T, d *sourcetest.DB) {
			for _, tb := range demo.Generate(demoLast, demo.Customers).Tables() {
				d.Table(t, tb.Name, tb.Columns, tb.Rows)
			}
		}},
		{name: "generated, numeric ids", period: "2026-10", shard: wrapped,
			load: func(t *testing.T, d *sourcetest.DB) { shardSource(t, d, false, false) }},
		{name: "generated, text ids", period: "2026-10", shard: wrapped,
			load: func(t *testing.T, d *sourcetest.DB) { shardSource(t, d, true, false) }},
		{name: "generated, numeric orders and text complaints", period: "2026-10", shard: wrapped,
			load: func(t *testing.T, d *sourcetest.DB) { shardSource(t, d, false, true) }},
		{name: "placeholders", period: "2026-10", shard: func(k int) string { return fmt.Sprintf("IN (%d, %d - 4)", k, k) },
			yaml: `source:
  orders: SELECT * FROM orders WHERE MOD(COALESCE(customer_id, 0), {shards}) IN ({shard}, {shard} - {shards})
  complaints: SELECT * FROM complaints WHERE MOD(COALESCE(customer_id, 0), {shards}) IN ({shard}, {shard} - {shards})
`,
			load: func(t *testing.T, d *sourcetest.DB) { shardSource(t, d, false, false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sourcetest.New(t)
			tt.load(t, d)
			now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			period := mustPeriod(t, tt.period)
			c := testConfig(t, d, tt.yaml)
			one, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, period), Now: now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			p := d.Proxy(t)
			c.Report.OutDir, c.Source.DSN, c.Source.Shards = t.TempDir(), p.DSN(), 4
			four, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, period), Now: now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			for k := range 4 {
				if shard := tt.shard(k); p.Count(shard) != 2 {
					t.Errorf("shard %d: %d queries hold %q, want its orders' and complaints'; queries: %q", k, p.Count(shard), shard, p.Queries())
				}
			}
			if got, want := published(t, four.Dir), published(t, one.Dir); got != want {
				t.Errorf("four shards publish other figures than one stream:\n%s", firstDiff(got, want))
			}
		})
	}
}

// wrapped is what shard k of 4 adds to a query without placeholders.
func wrapped(k int) string {
	return fmt.Sprintf("MOD(CRC32(retention_shard.`customer_id`), 4) = %d", k)
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %.400s\nwant %.400s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

// TestShardFailure: a shard whose connection breaks mid-stream fails the
// whole read. Without retries the run fails and publishes nothing; with
// them every shard is read again, and the run publishes what a clean one
// does.
func TestShardFailure(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	last := mustPeriod(t, "2026-10")
	for _, tb := range demo.Generate(last, demo.Customers).Tables() {
		d.Table(t, tb.Name, tb.Columns, tb.Rows)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	shard2 := "FROM orders) AS retention_shard WHERE " + wrapped(2)

	t.Run("no retries", func(t *testing.T) {
		t.Parallel()
		p := d.Proxy(t)
		p.On(shard2, 1, sourcetest.Fault{Cut: true, CutAfter: 20_000})
		c := testConfig(t, d, "source: {shards: 4, retries: 0}")
		c.Source.DSN = p.DSN()
		_, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, last), Now: now, Logger: quiet, Sleep: noSleep})
		if jobs.ExitCode(err) != jobs.ExitSource || !strings.Contains(err.Error(), "source.orders") {
			t.Fatalf("run with a shard cut off: %v (exit %d), want exit %d naming source.orders", err, jobs.ExitCode(err), jobs.ExitSource)
		}
		noOutput(t, c.Report.OutDir)
	})
	t.Run("retried", func(t *testing.T) {
		t.Parallel()
		p := d.Proxy(t)
		p.On(shard2, 1, sourcetest.Fault{Cut: true, CutAfter: 20_000})
		c := testConfig(t, d, "source: {shards: 4}")
		c.Source.DSN = p.DSN()
		sleeps := 0
		out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, last), Now: now, Logger: quiet,
			Sleep: func(context.Context, time.Duration) error { sleeps++; return nil }})
		if err != nil {
			t.Fatalf("run with a shard cut off once: %v", err)
		}
		// The second attempt reads every shard anew. How many of the other
		// shards the first attempt had sent before the cut stopped it
		// depends on how quickly they start.
		if sleeps != 1 || p.Count(shard2) != 2 {
			t.Errorf("retried %d times, sent shard 2 %d times; want 1 retry, shard 2 read twice", sleeps, p.Count(shard2))
		}
		for k := range 4 {
			if n := p.Count("FROM orders) AS retention_shard WHERE " + wrapped(k)); n < 1 || n > 2 {
				t.Errorf("shard %d of the orders sent %d times, want once or twice", k, n)
			}
		}
		clean := testConfig(t, d, "")
		want, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(clean, last), Now: now, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := published(t, out.Dir), published(t, want.Dir); got != want {
			t.Errorf("the retried run differs from a clean one:\n%s", firstDiff(got, want))
		}
	})
}
