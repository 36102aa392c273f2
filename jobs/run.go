package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"retention/config"
	"retention/extract"
	"retention/report"
	"retention/transform"
)

// RunOptions is what one run needs besides the configuration.
type RunOptions struct {
	Config  config.Config
	Period  transform.Period // zero: the latest complete period at Now
	Now     time.Time
	Logger  *slog.Logger
	Version string
}

// Outcome describes a published period.
type Outcome struct {
	RunID    string
	Period   transform.Period
	Dir      string   // the period's directory
	Files    []string // paths of the workbooks and the manifest
	Manifest *report.Manifest
}

// Granularity parses the configured granularity.
func Granularity(c config.Config) transform.Granularity {
	g, err := transform.ParseGranularity(c.Report.Granularity)
	if err != nil {
		panic("config.Validate let through granularity " + c.Report.Granularity)
	}
	return g
}

// ReportPeriod is the period a run reports: p when given, else the latest
// complete one at now in the report time zone. A period that has not ended
// yet is refused: its customers who have not bought so far would show as
// churned.
func ReportPeriod(c config.Config, p transform.Period, now time.Time) (transform.Period, error) {
	if p.G == 0 {
		return transform.LatestComplete(now, Granularity(c), c.Location), nil
	}
	if end := p.End(c.Location); end.After(now) {
		return p, &config.Error{Key: "--period", Msg: fmt.Sprintf("%s is not complete until %s %s; the latest complete %s is %s",
			p, end.Format("2006-01-02 15:04"), c.Location, p.G, transform.LatestComplete(now, p.G, c.Location))}
	}
	return p, nil
}

func newRunID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Run reads the source, computes period p and publishes its workbooks and
// manifest under out_dir/<granularity>/<period>/.
func Run(ctx context.Context, opt RunOptions) (*Outcome, error) {
	c := opt.Config
	log := opt.Logger
	start := time.Now()
	p, err := ReportPeriod(c, opt.Period, opt.Now)
	if err != nil {
		return nil, err
	}
	runID := newRunID(opt.Now)
	log = log.With("run_id", runID)
	log.Info("run started", "period", p.String(), "granularity", p.G.String(), "source", extract.RedactDSN(c.Source.DSN),
		"out_dir", c.Report.OutDir, "version", opt.Version)
	out, err := run(ctx, opt, p, runID, log)
	if err != nil {
		log.Error("run failed", "period", p.String(), "error", err.Error(), "exit_code", ExitCode(err),
			"duration_ms", time.Since(start).Milliseconds())
		return nil, err
	}
	log.Info("run finished", "outcome", "published", "period", p.String(), "dir", out.Dir, "files", len(out.Files),
		"duration_ms", time.Since(start).Milliseconds())
	return out, nil
}

func run(ctx context.Context, opt RunOptions, p transform.Period, runID string, log *slog.Logger) (*Outcome, error) {
	c := opt.Config
	if c.Source.DSN == "" {
		return nil, &config.Error{Key: "source.dsn", Msg: "not set; set it in the config file or in " + config.EnvDSN}
	}
	src, err := extract.Open(ctx, c.Source.DSN, c.Source.Location)
	if err != nil {
		return nil, sourceFail(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, sourceFail(err)
	}
	defer snap.Close()

	st, err := fold(ctx, snap, c, Granularity(c), log)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	res, err := st.Compute(p, transform.Options{History: c.Report.History, AtRiskLimit: c.Report.AtRiskLimit})
	if err != nil {
		return nil, fail(KindInternal, err)
	}
	log.Info("computed", "stage", "transform", "period", p.String(), "departments", len(res.Departments),
		"duration_ms", time.Since(t).Milliseconds())

	dir, customersRead, err := directory(ctx, snap, c, res, log)
	if err != nil {
		return nil, err
	}
	snap.Close()

	return publish(ctx, c, res, dir, report.Meta{
		RunID: runID, GeneratedAt: opt.Now, Locale: c.Report.Locale, Currency: c.Report.Currency, CustomersRead: customersRead,
	}, log)
}

// fold reads complaints and orders into a new State.
func fold(ctx context.Context, snap *extract.Snapshot, c config.Config, g transform.Granularity, log *slog.Logger) (*transform.State, error) {
	st := transform.New(g, c.Location)
	t := time.Now()
	for row, err := range snap.Complaints(ctx, extract.Query{Name: "source.complaints", SQL: c.Source.Complaints}) {
		if err != nil {
			return nil, sourceFail(err)
		}
		st.AddComplaint(row)
	}
	q := st.Quality()
	log.Info("extracted", "stage", "extract", "table", "complaints", "rows", q.ComplaintsRead, "skipped", q.SkippedComplaints,
		"duration_ms", time.Since(t).Milliseconds())
	t = time.Now()
	for row, err := range snap.Orders(ctx, extract.Query{Name: "source.orders", SQL: c.Source.Orders}) {
		if err != nil {
			return nil, sourceFail(err)
		}
		st.AddOrder(row)
	}
	q = st.Quality()
	log.Info("extracted", "stage", "extract", "table", "orders", "rows", q.OrdersRead, "skipped", q.SkippedOrders,
		"duration_ms", time.Since(t).Milliseconds())
	for _, f := range q.Findings {
		level := slog.LevelInfo
		if f.Skipped {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "data quality", "table", f.Table, "reason", f.Reason, "skipped", f.Skipped, "rows", f.Count,
			"examples", f.Examples)
	}
	return st, nil
}

// directory reads the names and owners of the listed customers. The
// default customers query runs only when a customers table exists; a
// configured one must work.
func directory(ctx context.Context, snap *extract.Snapshot, c config.Config, res *transform.Result, log *slog.Logger) (report.Directory, int64, error) {
	if !c.Source.CustomersSet {
		ok, err := snap.TableExists(ctx, "customers")
		if err != nil {
			return nil, 0, sourceFail(err)
		}
		if !ok {
			log.Info("no customers table; lists show ids only", "stage", "extract", "table", "customers")
			return report.Directory{}, 0, nil
		}
	}
	want := map[string]struct{}{}
	for _, s := range res.Departments {
		for _, cc := range s.Churned {
			want[cc.CustomerID] = struct{}{}
		}
		for _, a := range s.AtRisk {
			want[a.CustomerID] = struct{}{}
		}
	}
	t := time.Now()
	dir := report.Directory{}
	var read int64
	for cust, err := range snap.Customers(ctx, extract.Query{Name: "source.customers", SQL: c.Source.Customers}, want, &read) {
		if err != nil {
			return nil, 0, sourceFail(err)
		}
		if _, dup := dir[cust.ID]; !dup {
			dir[cust.ID] = cust
		}
	}
	log.Info("extracted", "stage", "extract", "table", "customers", "rows", read, "listed", len(dir),
		"duration_ms", time.Since(t).Milliseconds())
	return dir, read, nil
}

// publish renders every workbook and the manifest into a staging
// directory and moves it into place.
func publish(ctx context.Context, c config.Config, res *transform.Result, dir report.Directory, meta report.Meta, log *slog.Logger) (*Outcome, error) {
	t := time.Now()
	root := c.Report.OutDir
	lock, err := lockOutput(root, fmt.Sprintf("run %s, pid %d", meta.RunID, os.Getpid()))
	if err != nil {
		return nil, err
	}
	defer lock.release()
	periodDir := filepath.Join(root, res.Period.G.String(), res.Period.String())
	stg, err := newStaging(periodDir, meta.RunID)
	if err != nil {
		return nil, fail(KindOutput, err)
	}
	defer stg.discard()

	q := res.Quality
	m := &report.Manifest{
		RunID:       meta.RunID,
		GeneratedAt: meta.GeneratedAt.In(c.Location).Format(time.RFC3339),
		Timezone:    c.Timezone,
		Granularity: res.Period.G.String(),
		Period:      res.Period.String(),
		Source: report.SourceCounts{
			OrdersRows: q.OrdersRead, ComplaintsRows: q.ComplaintsRead, CustomersRows: meta.CustomersRead,
			SkippedOrderRows: q.SkippedOrders, SkippedComplaintRows: q.SkippedComplaints,
		},
		Files:     []report.File{},
		Snapshots: report.Snapshots(res),
		Quality:   report.QualityEntries(q),
	}
	depts := make([]string, len(res.Departments))
	for i, s := range res.Departments {
		depts[i] = s.Department
	}
	names := fileNames(depts)
	add := func(name string, dept *string, render func(io.Writer) error) error {
		if err := ctx.Err(); err != nil {
			return fail(KindCanceled, err)
		}
		n, sum, err := stg.write(name, render)
		if err != nil {
			return fail(KindOutput, err)
		}
		m.Files = append(m.Files, report.File{Path: name, Department: dept, SHA256: sum, Bytes: n})
		return nil
	}
	for i := range res.Departments {
		s := &res.Departments[i]
		d := s.Department
		if err := add(names[d], &d, func(w io.Writer) error { return report.Department(w, res, s, dir, meta) }); err != nil {
			return nil, err
		}
	}
	if err := add("company.xlsx", nil, func(w io.Writer) error { return report.Company(w, res, meta) }); err != nil {
		return nil, err
	}
	if _, _, err := stg.write("manifest.json", func(w io.Writer) error { return report.WriteManifest(w, m) }); err != nil {
		return nil, fail(KindOutput, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(KindCanceled, err)
	}
	if err := stg.publish(); err != nil {
		return nil, fail(KindOutput, err)
	}
	out := &Outcome{RunID: meta.RunID, Period: res.Period, Dir: periodDir, Manifest: m}
	for _, f := range m.Files {
		out.Files = append(out.Files, filepath.Join(periodDir, f.Path))
	}
	out.Files = append(out.Files, filepath.Join(periodDir, "manifest.json"))
	log.Info("published", "stage", "report", "dir", periodDir, "files", len(out.Files), "duration_ms", time.Since(t).Milliseconds())
	return out, nil
}
