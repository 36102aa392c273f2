// Package demo makes the demo's source data: a few thousand customers over
// two years, shaped like a retailer's (a few key accounts, many
// occasional buyers, churn and reactivation, refunds, complaints) with the
// dirt real sources have (rows without customer or amount, empty
// departments, satisfaction ratings outside 1–5, names that look like
// spreadsheet formulas). It loads the data into the embedded server or
// writes it as a MySQL script.
//
// Invariants: the data depends only on the last month it ends with (a
// fixed random seed, every draw in a fixed order), and its tables are the
// spec's, so the job reads them with its default queries.
package demo
