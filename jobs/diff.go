package jobs

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"retention/config"
	"retention/extract/secret"
	"retention/history"
	"retention/report"
	"retention/transform"
)

// Diff recomputes the plan's period p from the source as it is now and
// prints the figures of p that moved beyond report.restatement_tolerance
// since they were last published (or published by the plan's Against
// run): the table of the Restatements sheet. It writes nothing and takes
// no lock on the output.
func Diff(ctx context.Context, opt RunOptions, w io.Writer) error {
	opt = opt.withHistory()
	defer opt.hist.Close()
	c := opt.Plan
	if err := requireSource(c.Config); err != nil {
		return err
	}
	p, against := c.Periods[0], c.Against
	pub, err := published(ctx, opt, []transform.Period{p}, against, opt.Logger)
	if err != nil {
		return err
	}
	runs := map[string]time.Time{}
	for k, v := range pub {
		if k.Period == p.String() {
			runs[v.RunID] = v.GeneratedAt
		}
	}
	if len(runs) == 0 {
		where := c.Report.OutDir
		if c.Store.DSN != "" {
			where = "the store " + secret.RedactDSN(c.Store.DSN)
		}
		if against != "" {
			return &config.Error{Key: "--against", Msg: fmt.Sprintf("run %s published no figures of %s in %s", against, p, where)}
		}
		return &config.Error{Key: "--period", Msg: fmt.Sprintf("%s has not been published in %s: nothing to compare", p, where)}
	}
	ex, err := extractWithRetry(ctx, opt, []transform.Period{p}, opt.Logger, false)
	if err != nil {
		return err
	}
	defer ex.close()
	res := ex.results[0]
	var moved []history.Restatement
	for _, r := range history.Restate(res, pub, history.Tolerance{Points: c.Report.RestatementTolerance}) {
		if r.Period == p {
			moved = append(moved, r)
		}
	}
	l, err := report.Locale(c.Report.Locale)
	if err != nil {
		return &config.Error{Key: "report.locale", Msg: err.Error()}
	}
	fmt.Fprintf(w, "%s (%s) recomputed from the source now, compared with what was published:\n", p, p.G)
	ids := slices.SortedFunc(maps.Keys(runs), func(a, b string) int { return runs[a].Compare(runs[b]) })
	for _, id := range ids {
		fmt.Fprintf(w, "  run %s of %s\n", id, runs[id].In(c.Location).Format("2006-01-02 15:04 MST"))
	}
	if len(moved) == 0 {
		fmt.Fprintf(w, "No figure moved beyond the tolerance (%g percentage points for ratios, a cent for money, any change for counts).\n",
			c.Report.RestatementTolerance)
		return nil
	}
	fmt.Fprintf(w, "%d figures moved beyond the tolerance (%g percentage points for ratios, a cent for money, any change for counts):\n\n",
		len(moved), c.Report.RestatementTolerance)
	return l.WriteRestatementTable(w, moved, c.Report.Currency, c.Location)
}
