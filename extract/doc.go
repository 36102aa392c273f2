// Package extract reads the source database: it runs the configured
// SELECTs in one read-only transaction and streams their rows as typed
// values (Order, Complaint, Customer). It is the only package that talks to
// the source.
//
// Inputs: a DSN, the source time zone and the SQL of each query. Outputs:
// rows, one at a time; an orders query is never collected into a slice.
//
// Invariants:
//   - Amounts are parsed from their decimal text into integer cents without
//     floating point; more than two decimal places are rounded half away
//     from zero.
//   - Timestamps are the source's wall-clock times read in the source time
//     zone.
//   - A value that is NULL or unreadable does not stop the stream: the row is
//     yielded with a Defect, for transform to skip and count.
//   - Required columns are matched case-insensitively; a query that lacks one
//     fails before its first row with a ColumnError naming the query and
//     the column.
package extract
