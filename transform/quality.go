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

// Reasons for a warning: the row is used, but a value in it is not.
const (
	WarnSatisfactionRange     = "satisfaction_out_of_range" // treated as not rated
	WarnResolvedBeforeCreated = "resolved_before_created"   // resolved, left out of the mean resolution time
)

// MaxExamples is how many row ids a Finding keeps.
const MaxExamples = 5

// Finding counts the rows of one table that share one data-quality reason.
type Finding struct {
	Table    string
	Reason   string
	Skipped  bool     // the rows were left out; otherwise used with the value ignored
	Count    int64    // rows
	Examples []string // the ids of the first rows, at most MaxExamples
}

// Quality is what the fold saw: rows read and every data-quality finding.
type Quality struct {
	OrdersRead        int64
	ComplaintsRead    int64
	SkippedOrders     int64
	SkippedComplaints int64
	Findings          []Finding // skipped rows before warnings, then by table and reason

	index map[findingKey]int
}

type findingKey struct {
	table, reason string
	skipped       bool
}

func newQuality() Quality { return Quality{index: make(map[findingKey]int)} }

func (q *Quality) skip(table, reason, id string) {
	switch table {
	case TableOrders:
		q.SkippedOrders++
	case TableComplaints:
		q.SkippedComplaints++
	}
	q.note(findingKey{table, reason, true}, 1, id)
}

func (q *Quality) warn(table, reason, id string) {
	q.note(findingKey{table, reason, false}, 1, id)
}

func (q *Quality) note(k findingKey, n int64, ids ...string) {
	i, ok := q.index[k]
	if !ok {
		i = len(q.Findings)
		q.Findings = append(q.Findings, Finding{Table: k.table, Reason: k.reason, Skipped: k.skipped})
		q.index[k] = i
	}
	f := &q.Findings[i]
	f.Count += n
	for _, id := range ids {
		if len(f.Examples) < MaxExamples {
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
		q.note(findingKey{f.Table, f.Reason, f.Skipped}, f.Count, f.Examples...)
	}
}

// clone returns a copy whose findings are sorted and share nothing with q.
func (q *Quality) clone() Quality {
	c := *q
	c.index = nil
	c.Findings = make([]Finding, len(q.Findings))
	for i, f := range q.Findings {
		f.Examples = slices.Clone(f.Examples)
		c.Findings[i] = f
	}
	slices.SortFunc(c.Findings, func(a, b Finding) int {
		if a.Skipped != b.Skipped {
			if a.Skipped {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(tableOrder(a.Table), tableOrder(b.Table)), cmp.Compare(a.Reason, b.Reason))
	})
	return c
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
