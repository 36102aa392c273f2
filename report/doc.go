// Package report renders transform results: one Excel workbook per
// department, one for the company, and the manifest. It writes to an
// io.Writer and never decides paths; jobs owns files.
//
// Invariants:
//   - Numbers are numeric cells with number formats, never text; an
//     undefined ratio is an empty cell.
//   - Every text that comes from the source (customer ids, names, owners,
//     departments) is written as a string cell: a name such as =SUM(A1) is
//     shown as typed and never evaluated. Characters XML cannot carry are
//     replaced.
//   - Every visible label comes from the locale's label table.
//   - Long lists are written with excelize's StreamWriter.
package report
