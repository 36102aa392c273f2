package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

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
		if ex.lock, err = src.Lock(ctx, lockName(c.Report.OutDir), c.Wait); err != nil {
			if errors.Is(err, extract.ErrLockHeld) {
				return nil, fail(kindLocked, fmt.Errorf("%w: %w", ErrLocked, err))
			}
			return nil, sourceFail(err)
		}
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, sourceFail(err)
	}
	defer snap.Close()

	st, err := fold(ctx, snap, c.Config, periods[0].G, log)
	if err != nil {
		return nil, err
	}
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
	if err := foldOrders(ctx, snap, c, st); err != nil {
		return nil, err
	}
	q = st.Quality()
	log.Info("extracted", "stage", "extract", "table", "orders", "rows", q.OrdersRead, "skipped", q.SkippedOrders,
		"duration_ms", time.Since(t).Milliseconds())
	for _, f := range q.Findings {
		level := slog.LevelInfo
		if f.Handling != transform.Noted {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "data quality", "table", f.Table, "reason", f.Reason, "handling", f.Handling.String(), "rows", f.Count,
			"examples", f.Examples)
	}
	return st, nil
}

// Orders are read and folded in batches, by two goroutines: while one
// batch is folded, the next ones are read and parsed.
const (
	batchRows    = 256
	batchesAhead = 16
)

// foldOrders streams the orders into st.
func foldOrders(ctx context.Context, snap *extract.Snapshot, c config.Config, st *transform.State) error {
	full := make(chan []extract.Order, batchesAhead)
	free := make(chan []extract.Order, batchesAhead+2)
	for range batchesAhead + 2 {
		free <- make([]extract.Order, 0, batchRows)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		defer close(full)
		batch := <-free
		for row, err := range snap.Orders(ctx, extract.Query{Name: "source.orders", SQL: c.Source.Orders}) {
			if err != nil {
				readErr <- err
				return
			}
			if batch = append(batch, row); len(batch) == batchRows {
				select {
				case full <- batch:
				case <-ctx.Done():
					readErr <- ctx.Err()
					return
				}
				batch = (<-free)[:0]
			}
		}
		full <- batch
		readErr <- nil
	}()
	for batch := range full {
		st.AddOrders(batch)
		free <- batch
	}
	if err := <-readErr; err != nil {
		return sourceFail(err)
	}
	return nil
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

func redact(dsn string) string { return extract.RedactDSN(dsn) }

func pid() int { return os.Getpid() }
