package jobs

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"retention/config"
	"retention/history"
	"retention/report"
	"retention/transform"
)

// publish renders every workbook and the manifest of a period into its
// stage and publishes them together. The caller holds the output lock.
func publish(ctx context.Context, h *history.History, c config.Config, res *transform.Result, dir report.Directory, meta report.Meta, log *slog.Logger) (*Outcome, error) {
	t := time.Now()
	stg, err := h.Stage(res.Period, meta.RunID)
	if err != nil {
		return nil, fail(kindOutput, err)
	}
	defer stg.Discard()

	run := history.Run{RunID: meta.RunID, GeneratedAt: meta.GeneratedAt, Location: c.Location, CustomersRead: meta.CustomersRead,
		Restatements: meta.Restatements, Alerts: meta.Alerts}
	for _, f := range meta.Forced {
		run.Forced = append(run.Forced, f.String())
	}
	m := history.NewManifest(res, run)
	if m.Files, err = writeAll(ctx, stg, workbooks(res, dir, meta)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(kindCanceled, err)
	}
	if err := stg.Publish(m); err != nil {
		return nil, fail(kindOutput, err)
	}
	periodDir := stg.Dir()
	out := &Outcome{RunID: meta.RunID, Period: res.Period, Dir: periodDir, Manifest: m}
	for _, f := range m.Files {
		out.Files = append(out.Files, filepath.Join(periodDir, f.Path))
	}
	out.Files = append(out.Files, filepath.Join(periodDir, history.ManifestFile))
	log.Info("published period", "stage", "report", "period", res.Period.String(), "dir", periodDir, "files", len(out.Files),
		"duration_ms", time.Since(t).Milliseconds())
	return out, nil
}

// workbook is one workbook of a period: its file name, its department
// (nil for the company's) and how it renders.
type workbook struct {
	name   string
	dept   *string
	render func(io.Writer) error
}

// workbooks lists the workbooks of the period of res: one per department,
// then the company's.
func workbooks(res *transform.Result, dir report.Directory, meta report.Meta) []workbook {
	depts := make([]string, len(res.Departments))
	for i, s := range res.Departments {
		depts[i] = s.Department
	}
	names := history.FileNames(depts)
	books := make([]workbook, 0, len(res.Departments)+1)
	for i := range res.Departments {
		s := &res.Departments[i]
		d := s.Department
		books = append(books, workbook{names[d], &d, func(w io.Writer) error { return report.Department(w, res, s, dir, meta) }})
	}
	return append(books, workbook{history.CompanyFile, nil, func(w io.Writer) error { return report.Company(w, res, dir, meta) }})
}

// writeAll renders the workbooks into the staging directory and lists
// them in their order. They are independent: each renders on a core of
// its own, into its own file.
func writeAll(ctx context.Context, stg *history.Stage, books []workbook) ([]history.File, error) {
	files := make([]history.File, len(books))
	errs := make([]error, len(books))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(books)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b := books[i]
				if err := ctx.Err(); err != nil {
					errs[i] = fail(kindCanceled, err)
					continue
				}
				f, err := stg.Write(b.name, b.render)
				if err != nil {
					errs[i] = fail(kindOutput, err)
					continue
				}
				f.Department = b.dept
				files[i] = f
			}
		}()
	}
	// The company's workbook, last in the list, is the largest (every
	// department's figures, the company-wide lists): start it first, so
	// that it does not run alone at the end.
	for i := range books {
		next <- (i + len(books) - 1) % len(books)
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
