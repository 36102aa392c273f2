package jobs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"retention/config"
	"retention/extract/embedded"
	"retention/jobs/demo"
	"retention/transform"
)

// Demo starts an embedded MySQL-compatible server, fills it with generated
// data ending with the latest complete month, and runs the same pipeline
// as Run against it over the MySQL protocol. The plan supplies the period,
// the report time zone, the output options and the gate; its source
// (DSN, queries, source.timezone) is replaced by the embedded server's
// and its store is dropped: the demo's figures never reach a real
// snapshot store.
func Demo(ctx context.Context, opt RunOptions) (*Outcome, error) {
	t := time.Now()
	srv, err := embedded.Start()
	if err != nil {
		return nil, fail(kindSource, err)
	}
	defer srv.Close()
	const db = "retention_demo"
	if err := srv.CreateDatabase(db); err != nil {
		return nil, fail(kindSource, err)
	}
	last := transform.LatestComplete(opt.Now, transform.Month, opt.Plan.Location)
	data := demo.Generate(last, demo.Customers)
	if err := data.Load(srv, db); err != nil {
		return nil, fail(kindSource, fmt.Errorf("loading demo data: %w", err))
	}
	opt.Logger.Info("demo data loaded", "stage", "demo", "server", srv.Addr(), "orders", len(data.Orders),
		"complaints", len(data.Complaints), "customers", len(data.Customers), "months", fmt.Sprintf("%s..%s", last.Add(-23), last),
		"duration_ms", time.Since(t).Milliseconds())
	// The generated tables have the spec's columns, and their DATETIMEs
	// are wall-clock time in the report time zone; of the file's source
	// only how it is read in shards is kept.
	opt.Plan.Source = config.Source{DSN: srv.DSN(db), Location: opt.Plan.Location, Orders: config.DefaultOrders,
		Complaints: config.DefaultComplaints, Customers: config.DefaultCustomers, CustomersSet: true,
		Shards: max(1, opt.Plan.Source.Shards)}
	opt.Plan.Store = config.Store{}
	return Run(ctx, opt)
}

// DemoSQL writes the demo's data, as of now, to path as a MySQL script
// (CREATE TABLE and INSERT statements), so that a real server can be
// filled with it (see deploy/docker-compose.yaml). The file appears whole
// or not at all.
func DemoSQL(path string, now time.Time, loc *time.Location) error {
	var b bytes.Buffer
	if err := demo.Generate(transform.LatestComplete(now, transform.Month, loc), demo.Customers).WriteSQL(&b); err != nil {
		return fail(kindInternal, err)
	}
	return writeFileAtomic(path, b.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fail(kindOutput, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fail(kindOutput, fmt.Errorf("writing %s: %w", path, err))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fail(kindOutput, fmt.Errorf("writing %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		return fail(kindOutput, fmt.Errorf("writing %s: %w", path, err))
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fail(kindOutput, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fail(kindOutput, fmt.Errorf("writing %s: %w", path, err))
	}
	return nil
}
