package jobs

import (
	"context"
	"fmt"
	"time"

	"retention/extract/embedded"
	"retention/transform"
)

// DemoCustomers is the number of customers the demo generates.
const DemoCustomers = 3000

// Demo starts an embedded MySQL-compatible server, fills it with generated
// data ending with the latest complete month, and runs the same pipeline
// as Run against it over the MySQL protocol. opt.Config supplies the output
// options; its source is replaced by the embedded server.
func Demo(ctx context.Context, opt RunOptions) (*Outcome, error) {
	t := time.Now()
	srv, err := embedded.Start()
	if err != nil {
		return nil, fail(KindSource, err)
	}
	defer srv.Close()
	const db = "retention_demo"
	if err := srv.CreateDatabase(db); err != nil {
		return nil, fail(KindSource, err)
	}
	last := transform.LatestComplete(opt.Now, transform.Month, opt.Config.Location)
	data := GenerateDemo(last, DemoCustomers)
	for _, tbl := range []struct {
		name string
		cols []embedded.Column
		rows [][]any
	}{
		{"orders", OrdersTable, data.Orders},
		{"complaints", ComplaintsTable, data.Complaints},
		{"customers", CustomersTable, data.Customers},
	} {
		if _, err := srv.CreateTable(db, tbl.name, tbl.cols, rowsOf(tbl.rows)); err != nil {
			return nil, fail(KindSource, fmt.Errorf("loading demo data: %w", err))
		}
	}
	opt.Logger.Info("demo data loaded", "stage", "demo", "server", srv.Addr(), "orders", len(data.Orders),
		"complaints", len(data.Complaints), "customers", len(data.Customers), "months", fmt.Sprintf("%s..%s", last.Add(-23), last),
		"duration_ms", time.Since(t).Milliseconds())
	opt.Config.Source.DSN = srv.DSN(db)
	opt.Config.Source.Timezone = opt.Config.Timezone
	opt.Config.Source.Location = opt.Config.Location
	return Run(ctx, opt)
}
