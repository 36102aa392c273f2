package transform

import (
	"cmp"
	"slices"
)

// Tables named in data-quality findings.
const (
	TableOrders     = "orders"
	TableComplaints = "complaints"
	TableCustomers  = "customers"
)

// Reasons of findings that are not a Defect of extract (those are named by
// Defect.String).
const (
	ReasonSatisfactionRange     = "satisfaction_out_of_range"  // a number outside 1–5 (0, 7): treated as not rated
	ReasonSatisfactionInvalid   = "satisfaction_invalid"       // not a number ("good"): treated as not rated
	ReasonResolvedAtInvalid     = "resolved_at_invalid"        // not a date-time: resolved, left out of the mean resolution time
	ReasonResolvedBeforeCreated = "resolved_before_created"    // resolved, left out of the mean resolution time
	ReasonInvalidUTF8           = "text_invalid_utf8"          // shown with U+FFFD for the invalid bytes
	ReasonIDMissing             = "id_missing"                 // order_id or complaint_id NULL; the row is used
	ReasonDepartmentMissing     = "department_missing"         // the row belongs to Unassigned
	ReasonCustomerMissing       = "complaint_without_customer" // customer_id NULL: a complaint, not a complainant
	ReasonRefund                = "amount_negative"            // a refund or adjustment: revenue only
	ReasonZeroAmount            = "amount_zero"                // not a purchase
	ReasonAfterPeriod           = "after_period"               // dated after the reported period: not in any figure of it
	ReasonDuplicateCustomer     = "customer_duplicate"         // the customers query repeats an id: the first row is used
)

// Reasons lists the reasons above, for label tables.
var Reasons = []string{
	ReasonSatisfactionRange, ReasonSatisfactionInvalid, ReasonResolvedAtInvalid, ReasonResolvedBeforeCreated, ReasonInvalidUTF8, ReasonIDMissing,
	ReasonDepartmentMissing, ReasonCustomerMissing, ReasonRefund, ReasonZeroAmount, ReasonAfterPeriod, ReasonDuplicateCustomer,
}

// Handling is what the job did with the rows of a finding.
type Handling uint8

// Handlings, from the most to the least serious.
const (
	Skipped  Handling = iota + 1 // left out of every figure
	Repaired                     // used, with a value ignored or shown repaired
	Noted                        // used as the rules say; counted for information
)

func (h Handling) String() string {
	switch h {
	case Skipped:
		return "skipped"
	case Repaired:
		return "repaired"
	case Noted:
		return "noted"
	}
	return "unknown"
}

// MaxExamples is how many row ids a Finding keeps.
const MaxExamples = 5

// Finding counts the rows of one table that share one data-quality reason.
type Finding struct {
	Table    string
	Reason   string
	Handling Handling
	Count    int64    // rows
	Examples []string // the ids of the first rows, at most MaxExamples
}

// Quality is what the fold saw: rows read and every data-quality finding.
type Quality struct {
	OrdersRead        int64
	ComplaintsRead    int64
	SkippedOrders     int64
	SkippedComplaints int64
	Findings          []Finding // by handling, then table and reason

	// Departments breaks the above down by the department of the rows
	// (Unassigned for rows without one). Findings that belong to no
	// department (the customers query's) are company-wide only. nil in
	// the breakdown itself.
	Departments map[string]Quality

	index map[findingKey]int
}

type findingKey struct {
	table, reason string
	handling      Handling
}

func newQuality() Quality { return Quality{index: make(map[findingKey]int)} }

// Warnings is the number of rows used with a value ignored or repaired.
func (q *Quality) Warnings() int64 {
	var n int64
	for _, f := range q.Findings {
		if f.Handling == Repaired {
			n += f.Count
		}
	}
	return n
}

func (q *Quality) skip(table, reason, id string) {
	switch table {
	case TableOrders:
		q.SkippedOrders++
	case TableComplaints:
		q.SkippedComplaints++
	}
	q.Note(table, reason, Skipped, 1, id)
}

// Note counts n rows of table under reason, keeping the first ids as
// examples. The stages after transform note what they find themselves
// (the customers query) through it.
func (q *Quality) Note(table, reason string, h Handling, n int64, ids ...string) {
	if q.index == nil {
		q.index = make(map[findingKey]int)
		for i, f := range q.Findings {
			q.index[findingKey{f.Table, f.Reason, f.Handling}] = i
		}
	}
	k := findingKey{table, reason, h}
	i, ok := q.index[k]
	if !ok {
		i = len(q.Findings)
		q.Findings = append(q.Findings, Finding{Table: table, Reason: reason, Handling: h})
		q.index[k] = i
	}
	f := &q.Findings[i]
	f.Count += n
	for _, id := range ids {
		if len(f.Examples) < MaxExamples && id != "" {
			f.Examples = append(f.Examples, id)
		}
	}
}

func (q *Quality) merge(o *Quality) {
	q.OrdersRead += o.OrdersRead
	q.ComplaintsRead += o.ComplaintsRead
	q.SkippedOrders += o.SkippedOrders
	q.SkippedComplaints += o.SkippedComplaints
	for _, f := range o.Findings {
		q.Note(f.Table, f.Reason, f.Handling, f.Count, f.Examples...)
	}
}

// clone returns a copy whose findings are sorted and share nothing with q.
func (q *Quality) clone() Quality {
	c := *q
	c.index = nil
	c.Departments = nil
	c.Findings = make([]Finding, len(q.Findings))
	for i, f := range q.Findings {
		f.Examples = slices.Clone(f.Examples)
		c.Findings[i] = f
	}
	c.Sort()
	return c
}

// Sort orders the findings by handling, then table and reason.
func (q *Quality) Sort() {
	slices.SortFunc(q.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Handling, b.Handling), cmp.Compare(tableOrder(a.Table), tableOrder(b.Table)), cmp.Compare(a.Reason, b.Reason))
	})
	q.index = nil
}

func tableOrder(t string) int {
	switch t {
	case TableOrders:
		return 0
	case TableComplaints:
		return 1
	}
	return 2
}
