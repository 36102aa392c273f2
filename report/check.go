package report

import (
	"fmt"

	"retention/transform"
)

// Checks run before publishing.
const (
	CheckNoOrders    = "no_orders"    // the reported period has no order at all
	CheckOrderDrop   = "order_drop"   // its orders fell more than allowed below the previous period's
	CheckSkippedRows = "skipped_rows" // more rows were skipped than allowed
)

// CheckFailure is a check that failed, with the figures that failed it.
type CheckFailure struct {
	Check  string
	Period transform.Period
	Share  float64 // the drop or the skipped share measured
	Limit  float64 // its limit
	Now    int64   // orders in the period; skipped rows
	Before int64   // orders in the previous period; rows read
}

// String names the check and its figures, for logs and errors.
func (f CheckFailure) String() string {
	switch f.Check {
	case CheckNoOrders:
		return fmt.Sprintf("%s: no orders in %s", f.Check, f.Period)
	case CheckOrderDrop:
		return fmt.Sprintf("%s: orders fell %.1f%% from %d in %s to %d in %s (limit %.1f%%)",
			f.Check, f.Share*100, f.Before, f.Period.Add(-1), f.Now, f.Period, f.Limit*100)
	case CheckSkippedRows:
		return fmt.Sprintf("%s: %.2f%% of rows skipped (%d of %d; limit %.2f%%)", f.Check, f.Share*100, f.Now, f.Before, f.Limit*100)
	}
	return f.Check
}

// Text says the same in the workbook's language.
func (l Labels) Text(f CheckFailure) string {
	switch f.Check {
	case CheckNoOrders:
		return l.F("check.no_orders", f.Period)
	case CheckOrderDrop:
		return l.F("check.order_drop", f.Share*100, f.Before, f.Period.Add(-1), f.Now, f.Period, f.Limit*100)
	case CheckSkippedRows:
		return l.F("check.skipped_rows", f.Share*100, f.Now, f.Before, f.Limit*100)
	}
	return f.Check
}
