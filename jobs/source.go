package jobs

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
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
	heap          *heapCap
}

func (e *extraction) close() {
	e.heap.restore()
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
	ex := &extraction{src: src, heap: capHeap(log)}
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
	snaps, side, err := openSnapshots(ctx, src, c.Source.Shards, log)
	if err != nil {
		return nil, sourceFail(err)
	}
	defer closeShards(snaps)
	defer side.Close()

	// The shards stream the orders (and, when there are several, their
	// complaints) while the side snapshot reads what does not depend on
	// them: the complaints of a single stream, then the customers query,
	// whose rows wait for the state to take them.
	one := len(snaps) == 1
	var (
		st, complaints *transform.State
		custRows       *customerRows
	)
	group, gctx := errgroup.WithContext(ctx)
	group.Go(func() (err error) {
		st, err = fold(gctx, snaps, c.Config, periods[0].G, !one, ex.heap, log)
		return err
	})
	group.Go(func() (err error) {
		if one {
			if complaints, err = foldComplaints(gctx, side, c.Config, periods[0].G, log); err != nil {
				return err
			}
		}
		custRows, err = readCustomerRows(gctx, side, c.Config, log)
		return err
	})
	if err := group.Wait(); err != nil {
		return nil, err
	}
	closeShards(snaps)
	side.Close()
	if complaints != nil {
		st.Merge(complaints)
	}
	logFolded(ctx, st, log)
	ex.heap.update()
	// Owners count in the figures by owner, so the customers go into the
	// state before computing.
	cust := custRows.apply(st, periods, log)
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

// openSnapshots begins the transactions that read the source: one per
// shard, and the side's (extract.Source.ShardsAndSide), each on a
// connection of its own.
func openSnapshots(ctx context.Context, src *extract.Source, n int, log *slog.Logger) ([]*extract.Snapshot, *extract.Snapshot, error) {
	snaps, side, err := src.ShardsAndSide(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	spread := side.Began.Sub(snaps[0].Began)
	args := []any{"stage", "extract", "shards", n, "spread_ms", float64(spread.Microseconds()) / 1000}
	if asOf := snaps[0].AsOf; asOf != "" {
		args = append(args, "as_of", asOf)
	}
	log.Info("transactions begun", args...)
	return snaps, side, nil
}

func closeShards(snaps []*extract.Snapshot) {
	for _, s := range snaps {
		s.Close()
	}
}

// fold reads the orders, and the complaints when complaints is set, into
// a State: each snapshot its shard, all at once, into States that are
// then merged. A shard that fails stops the others and fails the read.
func fold(ctx context.Context, snaps []*extract.Snapshot, c config.Config, g transform.Granularity, complaints bool,
	heap *heapCap, log *slog.Logger) (*transform.State, error) {
	states := make([]*transform.State, len(snaps))
	group, gctx := errgroup.WithContext(ctx)
	for k, snap := range snaps {
		group.Go(func() (err error) {
			states[k], err = foldShard(gctx, snap, c, g, complaints, heap, log)
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
	return st, nil
}

// logFolded logs the size of the folded state and its data-quality
// findings.
func logFolded(ctx context.Context, st *transform.State, log *slog.Logger) {
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
}

// foldComplaints reads a snapshot's complaints into a new State.
func foldComplaints(ctx context.Context, snap *extract.Snapshot, c config.Config, g transform.Granularity,
	log *slog.Logger) (*transform.State, error) {
	st := transform.New(g, c.Location)
	t := time.Now()
	for row, err := range snap.Complaints(ctx, extract.Query{Name: "source.complaints", SQL: c.Source.Complaints}) {
		if err != nil {
			return nil, sourceFail(err)
		}
		st.AddComplaint(row)
	}
	logComplaints(st, t, log)
	return st, nil
}

func logComplaints(st *transform.State, t time.Time, log *slog.Logger) {
	q := st.Quality()
	log.Info("extracted", "stage", "extract", "table", "complaints", "rows", q.ComplaintsRead, "skipped", q.SkippedComplaints,
		"duration_ms", time.Since(t).Milliseconds())
}

// foldShard reads a snapshot's orders, after its complaints when
// complaints is set, into a new State.
func foldShard(ctx context.Context, snap *extract.Snapshot, c config.Config, g transform.Granularity, complaints bool,
	heap *heapCap, log *slog.Logger) (*transform.State, error) {
	if snap.Shards > 1 {
		log = log.With("shard", snap.Shard)
	}
	st := transform.New(g, c.Location)
	t := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	comp, orders := newPipe[extract.Complaint](), newPipe[extract.Order]()
	readErr := make(chan error, 1)
	go func() {
		// The complaints, then the orders, on the snapshot's connection; the
		// last complaints are folded while the orders begin to stream.
		var err error
		if complaints {
			err = comp.send(ctx, snap.Complaints(ctx, extract.Query{Name: "source.complaints", SQL: c.Source.Complaints}))
		} else {
			close(comp.full)
		}
		if err != nil {
			close(orders.full)
		} else {
			err = orders.send(ctx, snap.Orders(ctx, extract.Query{Name: "source.orders", SQL: c.Source.Orders}))
		}
		readErr <- err
	}()
	comp.each(func(batch []extract.Complaint) {
		for _, row := range batch {
			st.AddComplaint(row)
		}
	})
	if complaints {
		logComplaints(st, t, log)
	}
	t = time.Now()
	batches := 0
	orders.each(func(batch []extract.Order) {
		st.AddOrders(batch)
		if batches++; batches%heapCheckBatches == 0 {
			heap.update()
		}
	})
	if err := <-readErr; err != nil {
		return nil, sourceFail(err)
	}
	q := st.Quality()
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

// customerRows are the rows of the customers query, read while the
// orders stream and kept until the state can take them: each row's id
// and name back to back in one text, its owner by number, about 40 bytes
// a customer rather than the 100 of three strings.
type customerRows struct {
	text     []byte
	ends     []int32 // per row: where its id ends, where its name ends
	owner    []int32 // per row: its owner in owners
	owners   []string
	ownerIdx map[string]int32 // an owner's index in owners
	counts   extract.CustomerCounts
	absent   bool          // the default query and no customers table
	took     time.Duration // reading them
}

// maxCustomerText is the most text customerRows hold, what an int32
// offset reaches.
const maxCustomerText = 1<<31 - 1

// readCustomerRows reads the customers query. The default query runs only
// when a customers table exists; a configured one must work.
func readCustomerRows(ctx context.Context, snap *extract.Snapshot, c config.Config, log *slog.Logger) (*customerRows, error) {
	rows := &customerRows{}
	if !c.Source.CustomersSet {
		ok, err := snap.TableExists(ctx, "customers")
		if err != nil {
			return nil, sourceFail(err)
		}
		if !ok {
			log.Info("no customers table; lists show ids only", "stage", "extract", "table", "customers")
			rows.absent = true
			return rows, nil
		}
	}
	t := time.Now()
	for row, err := range snap.Customers(ctx, extract.Query{Name: "source.customers", SQL: c.Source.Customers}, nil, &rows.counts) {
		if err != nil {
			return nil, sourceFail(err)
		}
		if !rows.add(row.ID, row.Name, row.Owner) {
			return nil, fail(kindSource, fmt.Errorf("source.customers: more than %d MB of ids and names; the customers query must return one row per customer with its id, name and owner",
				maxCustomerText>>20))
		}
	}
	rows.took = time.Since(t)
	return rows, nil
}

// add keeps a row; false when its text would pass maxCustomerText.
func (rows *customerRows) add(id, name, owner string) bool {
	if len(rows.text)+len(id)+len(name) > maxCustomerText {
		return false
	}
	rows.text = append(rows.text, id...)
	idEnd := int32(len(rows.text))
	rows.text = append(rows.text, name...)
	rows.ends = append(rows.ends, idEnd, int32(len(rows.text)))
	o, ok := rows.ownerIdx[owner]
	if !ok {
		if rows.ownerIdx == nil {
			rows.ownerIdx = map[string]int32{}
		}
		o = int32(len(rows.owners))
		rows.ownerIdx[owner] = o
		rows.owners = append(rows.owners, owner)
	}
	rows.owner = append(rows.owner, o)
	return true
}

// apply puts the customers into st and a directory: every row sets its
// customer's owner in st (the figures by owner), and the customers that
// can appear in a list, those active in a reported period or the one
// before it, keep their name and owner in the directory. A repeated id is
// counted and its first row used.
//
// The rows are taken by applyParts goroutines, each the customers whose id
// hashes to it, in the query's order: each customer by one goroutine, so
// that its first row is the one used, as in one pass.
func (rows *customerRows) apply(st *transform.State, periods []transform.Period, log *slog.Logger) *customers {
	cust := &customers{dir: report.Directory{}, counts: rows.counts}
	if rows.absent {
		return cust
	}
	t := time.Now()
	owners := make([]transform.Owner, len(rows.owners))
	for i, name := range rows.owners {
		owners[i] = st.Owner(name)
	}
	from, to := periods[0].Add(-1), periods[len(periods)-1]
	parts := make([]applied, applyParts)
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			part := &parts[k]
			for i := range rows.owner {
				id := rows.id(i)
				if applyParts > 1 && maphash.Bytes(seed, id)%applyParts != uint64(k) {
					continue
				}
				// A customer the state does not know is in no figure (nor
				// are its repeats counted: they change nothing); one that
				// bought in none of the periods is in no list.
				known, repeated, active := st.TakeCustomer(string(id), owners[rows.owner[i]], from, to)
				switch {
				case repeated:
					part.repeated = append(part.repeated, int32(i))
				case known && active:
					part.listable = append(part.listable, int32(i))
				}
			}
		})
	}
	wg.Wait()
	var repeated []int32
	listable := 0
	for _, part := range parts {
		repeated = append(repeated, part.repeated...)
		listable += len(part.listable)
	}
	slices.Sort(repeated) // the first repeats in the query's order are the examples
	cust.dups = int64(len(repeated))
	for _, i := range repeated[:min(len(repeated), transform.MaxExamples)] {
		cust.dupIDs = append(cust.dupIDs, string(rows.id(int(i))))
	}
	cust.dir = make(report.Directory, listable)
	for _, part := range parts {
		for _, i := range part.listable {
			id := string(rows.id(int(i)))
			cust.dir[id] = report.Contact{ID: id, Name: string(rows.name(int(i))), Owner: rows.owners[rows.owner[i]]}
		}
	}
	n := cust.counts
	log.Info("extracted", "stage", "extract", "table", "customers", "rows", n.Read, "listable", len(cust.dir),
		"without_id", n.MissingID, "repeated", cust.dups, "invalid_utf8", n.InvalidUTF8, "duration_ms", rows.took.Milliseconds(),
		"apply_ms", time.Since(t).Milliseconds())
	return cust
}

// applyParts is how many goroutines apply the customers.
const applyParts = 2

// applied is what one goroutine of apply found: the rows, by index, that
// repeat a customer and those of listable customers.
type applied struct {
	repeated, listable []int32
}

// id is the id of row i, name its name.
func (rows *customerRows) id(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = rows.ends[2*i-1]
	}
	return rows.text[start:rows.ends[2*i]]
}

func (rows *customerRows) name(i int) []byte {
	return rows.text[rows.ends[2*i]:rows.ends[2*i+1]]
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
