package transform_test

import (
	"testing"

	"retention/transform"
)

// TestQualityAddsUp: on the generated data, which has a row of every kind
// of finding, every finding of the orders and complaints counts as many
// rows company-wide as in the departments together (no reason is counted
// company-wide only), and so do the rows read and skipped.
func TestQualityAddsUp(t *testing.T) {
	t.Parallel()
	data := naiveDatasets()[0]
	st := fold(transform.Month, shanghai, data.orders, data.complaints)
	p := transform.Period{G: transform.Month, N: naiveCases(data.seed, transform.Month, shanghai)[0].p.N}
	res, err := st.Compute(p, transform.Options{History: 12, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		table, reason string
		h             transform.Handling
	}
	sum := map[key]int64{}
	var read, skipped [2]int64
	for _, q := range res.Quality.Departments {
		for _, f := range q.Findings {
			sum[key{f.Table, f.Reason, f.Handling}] += f.Count
		}
		read[0], read[1] = read[0]+q.OrdersRead, read[1]+q.ComplaintsRead
		skipped[0], skipped[1] = skipped[0]+q.SkippedOrders, skipped[1]+q.SkippedComplaints
	}
	reasons := 0
	for _, f := range res.Quality.Findings {
		reasons++
		if got := sum[key{f.Table, f.Reason, f.Handling}]; got != f.Count {
			t.Errorf("%s %s (%s): %d rows company-wide, %d in the departments", f.Table, f.Reason, f.Handling, f.Count, got)
		}
	}
	q := res.Quality
	if read != [2]int64{q.OrdersRead, q.ComplaintsRead} || skipped != [2]int64{q.SkippedOrders, q.SkippedComplaints} {
		t.Errorf("departments read %v and skipped %v rows, the company %d/%d and %d/%d", read, skipped,
			q.OrdersRead, q.ComplaintsRead, q.SkippedOrders, q.SkippedComplaints)
	}
	if reasons < 12 {
		t.Errorf("the data has %d kinds of finding; the test needs most of them", reasons)
	}
}
