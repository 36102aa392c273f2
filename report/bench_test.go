package report

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// listedCustomers is the size of the list in BenchmarkDepartmentWorkbook.
const listedCustomers = 100_000

// bigScope is the fixture's 华东 with 100 000 churned customers, all named.
func bigScope(b *testing.B) (*transform.Result, *transform.Scope, Directory) {
	res, dir := fixture(b)
	var s *transform.Scope
	for i := range res.Departments {
		if res.Departments[i].Department == "华东" {
			s = &res.Departments[i]
		}
	}
	last := time.Date(2026, 8, 28, 15, 4, 0, 0, shanghai)
	s.Churned = make([]transform.ChurnedCustomer, listedCustomers)
	for i := range s.Churned {
		id := fmt.Sprintf("31%014d", i)
		s.Churned[i] = transform.ChurnedCustomer{CustomerID: id, LastPurchase: last, RevenuePrevCents: int64(1_000_000 - i),
			OrdersPrev: int64(1 + i%7), Share: transform.Ratio{Value: 1.0 / listedCustomers, Valid: true}}
		dir[id] = Contact{ID: id, Name: fmt.Sprintf("杭州%05d贸易有限公司", i), Owner: "王芳"}
	}
	return res, s, dir
}

// cellByCell writes a list in excelize's normal mode: the baseline the
// stream writer is measured against.
func cellByCell(t *list) error {
	name, err := t.prepare()
	if err != nil {
		return err
	}
	f := t.b.f
	hr := t.headerRow()
	for c, h := range t.header {
		cell := cellName(c+1, hr)
		if err := f.SetCellStr(name, cell, h); err != nil {
			return err
		}
	}
	for i, note := range t.notes {
		if err := f.SetCellStr(name, cellName(1, i+1), note); err != nil {
			return err
		}
	}
	values := make([]any, len(t.header))
	for i := 0; i < t.n; i++ {
		t.row(i, values)
		for c, v := range values {
			v, style := t.cell(c, v)
			cell := cellName(c+1, hr+1+i)
			if err := f.SetCellValue(name, cell, v); err != nil {
				return err
			}
			if err := f.SetCellStyle(name, cell, cell, style); err != nil {
				return err
			}
		}
	}
	widths := t.widths()
	for c, w := range widths {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(name, col, col, w); err != nil {
			return err
		}
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: hr, TopLeftCell: cellName(1, hr+1), ActivePane: "bottomLeft"})
}

// BenchmarkDepartmentWorkbook writes a department workbook whose churned
// list has 100 000 customers, with the stream writer (what the job does)
// and cell by cell (the baseline). peak-heap-MB is the largest live heap
// seen while writing, sampled every millisecond.
//
//	go test ./report -run '^$' -bench DepartmentWorkbook -benchtime 3x
func BenchmarkDepartmentWorkbook(b *testing.B) {
	for _, mode := range []struct {
		name  string
		write func(*list) error
	}{{"stream", (*list).stream}, {"cell-by-cell", cellByCell}} {
		b.Run(mode.name, func(b *testing.B) {
			res, s, dir := bigScope(b)
			meta := meta("zh-CN")
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				cw := &countWriter{}
				p := peakHeap(func() {
					if err := department(cw, res, s, dir, meta, mode.write); err != nil {
						b.Fatal(err)
					}
				})
				peak = max(peak, p)
				b.ReportMetric(float64(cw.n)/1e6, "file-MB")
			}
			b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
		})
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// peakHeap runs f and returns the largest heap in use while it ran, above
// what was in use before.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	if peak < base {
		return 0
	}
	return peak - base
}
