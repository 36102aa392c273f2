package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"retention/config"
	"retention/extract"
	"retention/report"
	"retention/transform"
)

// extraction is what one read of the source produced: a result per
// period and the names of the customers they list. It holds the source's
// lock until closed.
type extraction struct {
	src           *extract.Source
	lock          *extract.Lock
	results       []*transform.Result
	dir           report.Directory
	customersRead int64
}

func (e *extraction) close() {
	if e.lock != nil {
		e.lock.Release()
	}
	e.src.Close()
}

// backoff is the wait before retry n (1, 2, 4 … seconds, at most 30).
func backoff(n int) time.Duration {
	return min(time.Second<<(n-1), 30*time.Second)
}

// extractWithRetry reads the source, starting over from a new connection
// and snapshot when a transient error breaks it: a State folded from part
// of a stream cannot be resumed.
func extractWithRetry(ctx context.Context, opt RunOptions, periods []transform.Period, log *slog.Logger, lock bool) (*extraction, error) {
	for attempt := 1; ; attempt++ {
		ex, err := extractOnce(ctx, opt, periods, log, lock)
		if err == nil {
			return ex, nil
		}
		if ctx.Err() != nil {
			return nil, fail(kindCanceled, ctx.Err())
		}
		if !extract.Transient(err) || attempt > opt.Plan.Source.Retries {
			return nil, err
		}
		d := backoff(attempt)
		log.Warn("source failed, retrying", "stage", "extract", "attempt", attempt, "retry_in_ms", d.Milliseconds(), "error", err.Error())
		if err := opt.sleep()(ctx, d); err != nil {
			return nil, fail(kindCanceled, err)
		}
	}
}

func extractOnce(ctx context.Context, opt RunOptions, periods []transform.Period, log *slog.Logger, lock bool) (_ *extraction, err error) {
	c := opt.Plan
	src, err := extract.Open(ctx, c.Source.DSN, c.Source.Location)
	if err != nil {
		return nil, sourceFail(err)
	}
	ex := &extraction{src: src}
	defer func() {
		if err != nil {
			ex.close()
		}
	}()
	if lock {
		if ex.lock, err = src.Lock(ctx, opt.hist.LockName(), c.Wait); err != nil {
			if errors.Is(err, extract.ErrLockHeld) {
				return nil, fail(kindLocked, fmt.Errorf("%w: %w", ErrLocked, err))
			}
			return nil, sourceFail(err)
		}
	}
	snaps, err := openShards(ctx, src, c.Source.Shards, log)
	if err != nil {
		return nil, sourceFail(err)
	}
	defer closeShards(snaps)
	snap := snaps[0]

	st, err := fold(ctx, snaps, c.Config, periods[0].G, log)
	if err != nil {
		return nil, err
	}
	closeShards(snaps[1:]) // the first reads on: the customers
	// Owners count in the figures by owner, so the customers query is read
	// before computing.
	cust, err := readCustomers(ctx, snap, c.Config, st, periods, log)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	for _, p := range periods {
		res, err := st.Compute(p, transform.Options{History: c.Report.History, AtRiskLimit: c.Report.AtRiskLimit})
		if err != nil {
			return nil, fail(kindInternal, err)
		}
		cust.noteQuality(&res.Quality)
		ex.results = append(ex.results, res)
	}
	log.Info("computed", "stage", "transform", "periods", len(periods), "departments", len(ex.results[len(ex.results)-1].Departments),
		"duration_ms", time.Since(t).Milliseconds())
	ex.dir, ex.customersRead = cust.dir, cust.counts.Read
	return ex, nil
}

// openShards begins the transactions that read the source: one, or one
// per shard, each on a connection of its own.
func openShards(ctx context.Context, src *extract.Source, n int, log *slog.Logger) ([]*extract.Snapshot, error) {
	snaps, err := src.Shards(ctx, n)
	if err != nil || n == 1 {
		return snaps, err
	}
	spread := snaps[n-1].Began.Sub(snaps[0].Began)
	args := []any{"stage", "extract", "shards", n, "spread_ms", float64(spread.Microseconds()) / 1000}
	if asOf := snaps[0].AsOf; asOf != "" {
		args = append(args, "as_of", asOf)
	}
	log.Info("shard transactions begun", args...)
	return snaps, nil
}

func closeShards(snaps []*extract.Snapshot) {
	for _, s := range snaps {
		s.Close()
	}
}

// fold reads the complaints and orders into a State: each snapshot its
// shard, all at once, into States that are then merged. A shard that
// fails stops the others and fails the read.
func fold(ctx context.Context, snaps []*extract.Snapshot, c config.Config, g transform.Granularity, log *slog.Logger) (*transform.State, error) {
	states := make([]*transform.State, len(snaps))
	group, gctx := errgroup.WithContext(ctx)
	for k, snap := range snaps {
		group.Go(func() (err error) {
			states[k], err = foldShard(gctx, snap, c, g, log)
			return err
		})
	}
	if err := group.Wait(); err != nil {
		return nil, err
	}
	st := states[0]
	if len(states) > 1 {
		t := time.Now()
		for k := 1; k < len(states); k++ {
			st.Merge(states[k])
			states[k] = nil // its memory can go
		}
		// The shards' States are garbage now: collect them before Compute
		// allocates, which would otherwise grow the heap on top of them.
		runtime.GC()
		log.Info("merged", "stage", "extract", "shards", len(snaps), "duration_ms", time.Since(t).Milliseconds())
	}
	z := st.Size()
	log.Info("folded", "stage", "extract", "customers", z.Customers, "customer_departments", z.Records,
		"customer_department_periods", z.Periods, "with_complaints", z.Complaints, "state_mb", z.Bytes>>20)
	for _, f := range st.Quality().Findings {
		level := slog.LevelInfo
		if f.Handling != transform.Noted {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "data quality", "table", f.Table, "reason", f.Reason, "handling", f.Handling.String(), "rows", f.Count,
			"examples", f.Examples)
	}
	return st, nil
}

// foldShard reads a snapshot's complaints and orders into a new State.
func foldShard(ctx context.Context, snap *extract.Snapshot, c config.Config, g transform.Granularity, log *slog.Logger) (*transform.State, error) {
	if snap.Shards > 1 {
		log = log.With("shard", snap.Shard)
	}
	st := transform.New(g, c.Location)
	t := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	complaints, orders := newPipe[extract.Complaint](), newPipe[extract.Order]()
	readErr := make(chan error, 1)
	go func() {
		// The complaints, then the orders, on the snapshot's connection; the
		// last complaints are folded while the orders begin to stream.
		err := complaints.send(ctx, snap.Complaints(ctx, extract.Query{Name: "source.complaints", SQL: c.Source.Complaints}))
		if err != nil {
			close(orders.full)
		} else {
			err = orders.send(ctx, snap.Orders(ctx, extract.Query{Name: "source.orders", SQL: c.Source.Orders}))
		}
		readErr <- err
	}()
	complaints.each(func(batch []extract.Complaint) {
		for _, row := range batch {
			st.AddComplaint(row)
		}
	})
	q := st.Quality()
	log.Info("extracted", "stage", "extract", "table", "complaints", "rows", q.ComplaintsRead, "skipped", q.SkippedComplaints,
		"duration_ms", time.Since(t).Milliseconds())
	t = time.Now()
	orders.each(st.AddOrders)
	if err := <-readErr; err != nil {
		return nil, sourceFail(err)
	}
	q = st.Quality()
	log.Info("extracted", "stage", "extract", "table", "orders", "rows", q.OrdersRead, "skipped", q.SkippedOrders,
		"duration_ms", time.Since(t).Milliseconds())
	return st, nil
}

// customers is what the customers query gave: the names and owners of
// the customers a list can name, and what its rows held that the data
// quality reports.
type customers struct {
	dir    report.Directory
	counts extract.CustomerCounts
	dups   int64    // rows repeating the id of a customer the state knows
	dupIDs []string // the first of them, as examples
}

// readCustomers streams the customers query into st and a directory: every
// row sets its customer's owner in st (the figures by owner), and the
// customers that can appear in a list, those active in a reported period
// or the one before it, keep their name and owner in the directory. A
// repeated id is counted and its first row used. The default query runs
// only when a customers table exists; a configured one must work.
func readCustomers(ctx context.Context, snap *extract.Snapshot, c config.Config, st *transform.State, periods []transform.Period,
	log *slog.Logger) (*customers, error) {
	cust := &customers{dir: report.Directory{}}
	if !c.Source.CustomersSet {
		ok, err := snap.TableExists(ctx, "customers")
		if err != nil {
			return nil, sourceFail(err)
		}
		if !ok {
			log.Info("no customers table; lists show ids only", "stage", "extract", "table", "customers")
			return cust, nil
		}
	}
	from, to := periods[0].Add(-1), periods[len(periods)-1]
	t := time.Now()
	for row, err := range snap.Customers(ctx, extract.Query{Name: "source.customers", SQL: c.Source.Customers}, nil, &cust.counts) {
		if err != nil {
			return nil, sourceFail(err)
		}
		// A customer the state does not know is in no figure (nor are its
		// repeats counted: they change nothing); one that bought in none
		// of the periods is in no list.
		known, repeated := st.SetOwner(row.ID, row.Owner)
		if repeated {
			cust.dups++
			if len(cust.dupIDs) < transform.MaxExamples {
				cust.dupIDs = append(cust.dupIDs, row.ID)
			}
			continue
		}
		if !known || !st.ActiveBetween(row.ID, from, to) {
			continue
		}
		cust.dir[row.ID] = report.Contact{ID: row.ID, Name: row.Name, Owner: row.Owner}
	}
	n := cust.counts
	log.Info("extracted", "stage", "extract", "table", "customers", "rows", n.Read, "listable", len(cust.dir),
		"without_id", n.MissingID, "repeated", cust.dups, "invalid_utf8", n.InvalidUTF8, "duration_ms", time.Since(t).Milliseconds())
	return cust, nil
}

// noteQuality adds what the customers query held to a result's data
// quality.
func (cust *customers) noteQuality(q *transform.Quality) {
	n := cust.counts
	if n.MissingID > 0 {
		q.Note(transform.TableCustomers, extract.DefectNullCustomer.String(), transform.Skipped, n.MissingID)
	}
	if cust.dups > 0 {
		q.Note(transform.TableCustomers, transform.ReasonDuplicateCustomer, transform.Repaired, cust.dups, cust.dupIDs...)
	}
	if n.InvalidUTF8 > 0 {
		q.Note(transform.TableCustomers, transform.ReasonInvalidUTF8, transform.Repaired, n.InvalidUTF8, n.Invalid...)
	}
	q.Sort()
}

func pid() int { return os.Getpid() }

// requireSource checks, before a command that reads the source does
// anything, that it has one.
func requireSource(c config.Config) error {
	if c.Source.DSN == "" {
		return &config.Error{Key: "source.dsn", Msg: "not set; set it in the config file or in " + config.EnvDSN}
	}
	return nil
}
