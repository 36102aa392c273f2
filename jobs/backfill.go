package jobs

import (
	"context"
	"fmt"
	"io"
	"strings"

	"retention/transform"
)

// Backfill publishes every period of the plan with one extraction of the
// source. A period whose directory already holds a complete result (a
// manifest whose files are all there, unchanged) is skipped unless the
// plan says Republish, so a backfill that was interrupted resumes where it
// stopped. progress, when not nil (a terminal), gets a progress bar.
func Backfill(ctx context.Context, opt RunOptions, progress io.Writer) ([]*Outcome, error) {
	opt = opt.withHistory()
	defer opt.hist.Close()
	c := opt.Plan
	first, last := c.Periods[0], c.Periods[len(c.Periods)-1]
	var todo []transform.Period
	for _, p := range c.Periods {
		if c.Republish || !opt.hist.Complete(p) {
			todo = append(todo, p)
		}
	}
	skipped := len(c.Periods) - len(todo)
	if len(todo) == 0 {
		opt.Logger.Info("backfill finished", "outcome", "nothing to do", "periods", span(first, last), "skipped", skipped)
		return nil, nil
	}
	if skipped > 0 {
		opt.Logger.Info("resuming backfill", "periods", span(first, last), "skipped", skipped, "todo", len(todo))
	}
	var bar func(int, *Outcome)
	if progress != nil {
		bar = func(done int, o *Outcome) { drawBar(progress, done, len(todo), o.Period) }
	}
	outs, err := execute(ctx, opt, "backfill", todo, bar)
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return outs, err
}

// drawBar redraws a one-line progress bar.
func drawBar(w io.Writer, done, total int, p transform.Period) {
	const width = 30
	n := done * width / total
	fmt.Fprintf(w, "\r[%s%s] %d/%d %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, p)
}
