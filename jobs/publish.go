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
	"retention/report"
	"retention/history"
	"retention/transform"
)

// publish renders every workbook and the manifest of a period into a
// staging directory and moves it into place. The caller holds the output
// lock.
func publish(ctx context.Context, c config.Config, res *transform.Result, dir report.Directory, meta report.Meta, log *slog.Logger) (*Outcome, error) {
	t := time.Now()
	periodDir := history.PeriodDir(c.Report.OutDir, res.Period)
	stg, err := newStaging(periodDir, meta.RunID)
	if err != nil {
		return nil, fail(kindOutput, err)
	}
	defer stg.discard()

	m := newManifest(c, res, meta)
	if m.Files, err = writeAll(ctx, stg, workbooks(res, dir, meta)); err != nil {
		return nil, err
	}
	if _, _, err := stg.write(history.ManifestFile, func(w io.Writer) error { return history.WriteManifest(w, m) }); err != nil {
		return nil, fail(kindOutput, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(kindCanceled, err)
	}
	if err := stg.publish(); err != nil {
		return nil, fail(kindOutput, err)
	}
	out := &Outcome{RunID: meta.RunID, Period: res.Period, Dir: periodDir, Manifest: m}
	for _, f := range m.Files {
		out.Files = append(out.Files, filepath.Join(periodDir, f.Path))
	}
	out.Files = append(out.Files, filepath.Join(periodDir, history.ManifestFile))
	log.Info("published period", "stage", "report", "period", res.Period.String(), "dir", periodDir, "files", len(out.Files),
		"duration_ms", time.Since(t).Milliseconds())
	return out, nil
}

// newManifest describes the period of res as meta's run publishes it;
// its files are listed once they are written.
func newManifest(c config.Config, res *transform.Result, meta report.Meta) *history.Manifest {
	q := res.Quality
	m := &history.Manifest{
		RunID:       meta.RunID,
		GeneratedAt: meta.GeneratedAt.In(c.Location).Format(time.RFC3339),
		Timezone:    c.Location.String(),
		Granularity: res.Period.G.String(),
		Period:      res.Period.String(),
		Source: history.SourceCounts{
			OrdersRows: q.OrdersRead, ComplaintsRows: q.ComplaintsRead, CustomersRows: meta.CustomersRead,
			SkippedOrderRows: q.SkippedOrders, SkippedComplaintRows: q.SkippedComplaints,
		},
		Files:     []history.File{},
		Snapshots: history.Snapshots(res),
		Quality:   history.QualityEntries(q),
		Restated:  len(meta.Restatements),
		Alerts:    history.Alerts(meta.Alerts),

		RestatedScopes: history.RestatedScopes(meta.Restatements),

		ComplaintCategories: history.ComplaintCategories(res),
		QualityByDepartment: history.QualityByDepartment(q),
	}
	for _, f := range meta.Forced {
		m.Forced = append(m.Forced, f.String())
	}
	return m
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
func writeAll(ctx context.Context, stg *staging, books []workbook) ([]history.File, error) {
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
				n, sum, err := stg.write(b.name, b.render)
				if err != nil {
					errs[i] = fail(kindOutput, err)
					continue
				}
				files[i] = history.File{Path: b.name, Department: b.dept, SHA256: sum, Bytes: n}
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
