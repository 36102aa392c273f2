package jobs

import (
	"context"
	"fmt"
	"io"
	"strings"

	"retention/config"
	"retention/report/publication"
	"retention/transform"
)

// BackfillOptions says which periods to publish.
type BackfillOptions struct {
	From, To transform.Period
	// Force republishes periods that are already complete.
	Force bool
	// Progress, when not nil, gets a progress bar (a terminal).
	Progress io.Writer
}

// Backfill publishes every period from From to To with one extraction of
// the source. A period whose directory already holds a complete result
// (a manifest whose files are all there, unchanged) is skipped unless
// Force, so a backfill that was interrupted resumes where it stopped.
func Backfill(ctx context.Context, opt RunOptions, b BackfillOptions) ([]*Outcome, error) {
	c := opt.Config
	if b.From.G != b.To.G {
		return nil, &config.Error{Key: "--from", Msg: fmt.Sprintf("%s and --to %s are of different granularities", b.From, b.To)}
	}
	if b.To.Sub(b.From) < 0 {
		return nil, &config.Error{Key: "--from", Msg: fmt.Sprintf("%s is after --to %s", b.From, b.To)}
	}
	if err := complete(c, "--to", b.To, opt.Now); err != nil {
		return nil, err
	}
	var todo []transform.Period
	skipped := 0
	for p := b.From; p.N <= b.To.N; p = p.Add(1) {
		if !b.Force && publication.Complete(publication.PeriodDir(c.Report.OutDir, p)) {
			skipped++
			continue
		}
		todo = append(todo, p)
	}
	if len(todo) == 0 {
		opt.Logger.Info("backfill finished", "outcome", "nothing to do", "periods", span(b.From, b.To), "skipped", skipped)
		return nil, nil
	}
	if skipped > 0 {
		opt.Logger.Info("resuming backfill", "periods", span(b.From, b.To), "skipped", skipped, "todo", len(todo))
	}
	var bar func(int, *Outcome)
	if b.Progress != nil {
		bar = func(done int, o *Outcome) { drawBar(b.Progress, done, len(todo), o.Period) }
	}
	outs, err := execute(ctx, opt, "backfill", todo, bar)
	if b.Progress != nil {
		fmt.Fprintln(b.Progress)
	}
	return outs, err
}

// drawBar redraws a one-line progress bar.
func drawBar(w io.Writer, done, total int, p transform.Period) {
	const width = 30
	n := done * width / total
	fmt.Fprintf(w, "\r[%s%s] %d/%d %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, p)
}
