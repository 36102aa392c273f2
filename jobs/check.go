package jobs

import (
	"context"
	"fmt"
	"io"
	"strings"

	"retention/config"
	"retention/extract"
)

// Check validates what a run needs without writing anything: it connects,
// probes every query for its columns, counts its rows, opens a session
// with the mail server (sending nothing) and prints the period a run
// would report. It stops at the first problem; a delivery route naming a
// department the source does not have is a warning.
func Check(ctx context.Context, opt RunOptions, w io.Writer) error {
	opt = opt.withHistory()
	defer opt.hist.Close()
	c := opt.Plan
	if err := requireSource(c.Config); err != nil {
		return err
	}
	fmt.Fprintf(w, "config      ok (time zone %s, source time zone %s)\n", c.Location, c.Source.Location)
	src, err := extract.Open(ctx, c.Source.DSN, c.Source.Location)
	if err != nil {
		return sourceFail(err)
	}
	defer src.Close()
	fmt.Fprintf(w, "source      %s reachable\n", src)
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return sourceFail(err)
	}
	defer snap.Close()
	if err := checkQueries(ctx, c.Config, snap, w); err != nil {
		return err
	}
	return checkDestinations(ctx, opt, snap, w)
}

// checkQueries probes every query of the source: its columns, its rows,
// how its timestamps are read, the order lines, the shards.
func checkQueries(ctx context.Context, c config.Config, snap *extract.Snapshot, w io.Writer) error {
	queries := []struct {
		q        extract.Query
		required []string
	}{
		{extract.Query{Name: "source.orders", SQL: c.Source.Orders}, extract.OrderColumns},
		{extract.Query{Name: "source.complaints", SQL: c.Source.Complaints}, extract.ComplaintColumns},
	}
	customers := extract.Query{Name: "source.customers", SQL: c.Source.Customers}
	if c.Source.CustomersSet {
		queries = append(queries, struct {
			q        extract.Query
			required []string
		}{customers, extract.CustomerColumns})
	}
	for _, q := range queries {
		p, err := snap.Probe(ctx, q.q, q.required)
		if err != nil {
			return sourceFail(err)
		}
		fmt.Fprintf(w, "%-17s ok, %d rows\n", q.q.Name, p.Rows)
		printTimes(w, p)
		if q.q.Name == "source.orders" {
			if err := printOrderLines(ctx, snap, q.q, p, w); err != nil {
				return err
			}
		}
		if q.q.Name != customers.Name && c.Source.Shards > 1 {
			if err := checkShards(ctx, snap, q.q, q.required, c.Source.Shards, p.Rows, w); err != nil {
				return err
			}
		}
	}
	if !c.Source.CustomersSet {
		ok, err := snap.TableExists(ctx, "customers")
		if err != nil {
			return sourceFail(err)
		}
		if ok {
			p, err := snap.Probe(ctx, customers, extract.CustomerColumns)
			if err != nil {
				return sourceFail(err)
			}
			fmt.Fprintf(w, "%-17s ok, %d rows\n", customers.Name, p.Rows)
		} else {
			fmt.Fprintf(w, "%-17s no customers table: lists will show customer ids without names\n", customers.Name)
		}
	}
	return nil
}

// checkDestinations checks where a run's results go: the store, the mail
// server and the routes, and the period's directory.
func checkDestinations(ctx context.Context, opt RunOptions, snap *extract.Snapshot, w io.Writer) error {
	c := opt.Plan
	if c.Store.DSN != "" {
		if err := checkStore(ctx, c.Store.DSN, w); err != nil {
			return err
		}
	}
	if err := checkDelivery(ctx, opt, snap, w); err != nil {
		return err
	}
	p := c.Periods[0]
	fmt.Fprintf(w, "period      %s (%s), written to %s/\n", p, p.G, opt.hist.PeriodDir(p))
	return nil
}

// checkShards probes a query as each of n shards runs it and prints their
// rows. The shards of a wrapped query hold every row once; those of a
// query that places the predicate itself should, and the operator is told
// when they do not add up to the query's rows as one stream runs it.
func checkShards(ctx context.Context, snap *extract.Snapshot, q extract.Query, required []string, n int, rows int64, w io.Writer) error {
	counts := make([]string, n)
	var sum int64
	for k := range n {
		p, err := snap.Probe(ctx, extract.Query{Name: q.Name, SQL: extract.ShardSQL(q.SQL, k, n)}, required)
		if err != nil {
			return sourceFail(fmt.Errorf("shard %d of %d: %w", k, n, err))
		}
		counts[k], sum = fmt.Sprint(p.Rows), sum+p.Rows
	}
	fmt.Fprintf(w, "%-17s   in %d shards: %s rows\n", "", n, strings.Join(counts, ", "))
	if sum != rows {
		fmt.Fprintf(w, "%-17s   the shards hold %d rows, the query with {shard} 0 and {shards} 1 %d: "+
			"make sure its predicate gives every row to exactly one shard\n", "", sum, rows)
	}
	return nil
}

// printOrderLines says how many order_ids the orders query repeats, for
// information: an order_id is not a key, so order lines (a refund line
// under its order's id, an order-lines table) all count.
func printOrderLines(ctx context.Context, snap *extract.Snapshot, q extract.Query, p extract.Probed, w io.Writer) error {
	n, err := snap.RepeatedKeys(ctx, q, p.Columns[0])
	if err != nil {
		return sourceFail(err)
	}
	if n == 0 {
		fmt.Fprintf(w, "%-17s   %s: every value on one row\n", "", p.Columns[0])
		return nil
	}
	fmt.Fprintf(w, "%-17s   %s: %d values on more than one row (order lines; information: every row counts as a line)\n", "", p.Columns[0], n)
	return nil
}

// printTimes says how each timestamp column of a probed query will be
// read, so that an operator sees it before the first run: "ordered_at
// TIMESTAMP: instant", "created_at DATETIME: wall-clock Asia/Shanghai".
func printTimes(w io.Writer, p extract.Probed) {
	for _, c := range p.Times {
		fmt.Fprintf(w, "%-17s   %s\n", "", c)
	}
}
