// Package report renders transform results: one Excel workbook per
// department and one for the company, and, for diff, the table of
// restated figures on a terminal; and, from a published period's
// manifest, the text of the e-mail that carries each workbook (Mail) and
// of a run's chat notice (Notice). It renders what it is given (a
// transform.Result, a Directory of customer contacts, the run's Meta with
// the restatements history found) and owns those input types;
// it writes to an io.Writer and never decides paths, nor what was
// published: jobs owns files, history the manifest, the
// snapshot store and the comparison with what was published.
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
//   - Mail and Notice read figures, targets and counts only: no customer
//     name or id can reach a message; a department's name is one line of
//     plain text there.
package report
