package extract

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// The placeholders with which a query places the shard predicate itself:
// the job replaces them with the shard's number (0 to N-1) and the number
// of shards N, and then runs the query as it is written.
const (
	PlaceholderShard  = "{shard}"
	PlaceholderShards = "{shards}"
)

// ShardPlaced reports whether sql holds a shard placeholder.
func ShardPlaced(sql string) bool {
	return strings.Contains(sql, PlaceholderShard) || strings.Contains(sql, PlaceholderShards)
}

// ShardSQL is the query that shard k of n runs for sql. A query with
// placeholders gets k and n in their places; any other is wrapped, when
// there are several shards, so that shard k reads the rows whose
// customer_id's CRC32 is k modulo n, and shard 0 also those without a
// customer_id:
//
//	SELECT * FROM (<sql>) AS retention_shard
//	WHERE MOD(CRC32(retention_shard.`customer_id`), 4) = 0 OR retention_shard.`customer_id` IS NULL
//
// CRC32 reads the id's text form (an integer's decimal digits), so that
// every row falls in exactly one shard whatever the column's type (a
// negative or fractional number, text), and an id falls in the same
// shard in the orders and in the complaints even where one table keeps
// it as a number and the other as text.
func ShardSQL(sql string, k, n int) string {
	if ShardPlaced(sql) {
		return strings.NewReplacer(PlaceholderShard, strconv.Itoa(k), PlaceholderShards, strconv.Itoa(n)).Replace(sql)
	}
	if n == 1 {
		return sql
	}
	const id = "retention_shard.`customer_id`"
	where := "MOD(CRC32(" + id + "), " + strconv.Itoa(n) + ") = " + strconv.Itoa(k)
	if k == 0 {
		where += " OR " + id + " IS NULL"
	}
	return "SELECT * FROM (" + sql + ") AS retention_shard WHERE " + where
}

// shardIDs is the set of complaint ids that the snapshots of one set of
// shards share, so that a complaint_id repeated in two shards is found as
// in one stream. Each snapshot reads the complaints once. (An order_id is
// not a key: nothing is kept of the orders' ids.)
type shardIDs struct {
	complaints *sharedIDs
}

// beginEach starts a transaction whose snapshot is taken at once, not at
// its first read: the shards' snapshots are then taken one after the
// other, before any of them reads.
const beginEach = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"

// Shards begins n read-only transactions, each on a connection of its
// own, for the n shards of one read of the orders and complaints (see
// ShardSQL); Snapshot k reads shard k. With n = 1 it is Snapshot.
//
// On TiDB (its VERSION() says so) every shard reads as of one instant,
// taken once from the server a second before its clock: START TRANSACTION
// READ ONLY AS OF TIMESTAMP, so that the shards see exactly one state of
// the database. Elsewhere
// (MySQL, MariaDB) there is no way to share one snapshot between
// connections without a privilege to block writers: each shard begins
// START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY, one right after
// the other, before any reads; a server that does not know the statement
// gets START TRANSACTION READ ONLY, whose snapshot is taken at its first
// read. The Began times say how far apart they are.
func (s *Source) Shards(ctx context.Context, n int) ([]*Snapshot, error) {
	if n < 1 {
		return nil, fmt.Errorf("reading in %d shards: need at least one", n)
	}
	if n == 1 {
		snap, err := s.Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		return []*Snapshot{snap}, nil
	}
	return s.begin(ctx, n, false)
}

// ShardsAndSide begins, back to back as Shards does, the n shards'
// transactions and one more, the side: a snapshot of its own (Shard 0 of
// 1, whole tables) for the queries that can run while the shards stream
// the orders, the customers query and, with one shard, the complaints.
// With n = 1 the two snapshots are begun like shards', WITH CONSISTENT
// SNAPSHOT one right after the other.
func (s *Source) ShardsAndSide(ctx context.Context, n int) (shards []*Snapshot, side *Snapshot, err error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("reading in %d shards: need at least one", n)
	}
	snaps, err := s.begin(ctx, n, true)
	if err != nil {
		return nil, nil, err
	}
	return snaps[:n], snaps[n], nil
}

// begin begins the transactions of n shards, and of the side after them
// when side is set.
func (s *Source) begin(ctx context.Context, n int, side bool) (_ []*Snapshot, err error) {
	count := n
	if side {
		count++
	}
	s.db.SetMaxOpenConns(count + 2) // the snapshots, a lock, a probe
	conns := make([]*sqlx.Conn, 0, count)
	snaps := make([]*Snapshot, 0, count)
	defer func() {
		if err != nil {
			for _, snap := range snaps {
				snap.Close()
			}
			for _, c := range conns[len(snaps):] {
				c.Close()
			}
		}
	}()
	for range count {
		c, err := s.db.Unsafe().Connx(ctx)
		if err != nil {
			return nil, fmt.Errorf("connecting to %s: %w", s.dsn, err)
		}
		conns = append(conns, c)
	}
	begin, asOf, err := s.shardBegin(ctx, conns[0])
	if err != nil {
		return nil, err
	}
	var ids *shardIDs // complaint ids seen by any shard, when there are several
	if n > 1 {
		ids = &shardIDs{complaints: newSharedIDs()}
	}
	for k, c := range conns {
		_, err := c.ExecContext(ctx, begin)
		if err != nil && k == 0 && begin == beginEach && unknownStatement(err) {
			begin = beginReadOnly
			_, err = c.ExecContext(ctx, begin)
		}
		if err != nil {
			what := fmt.Sprintf("shard %d of %d", k, n)
			if k == n {
				what = "the side snapshot"
			}
			return nil, fmt.Errorf("starting the read-only transaction of %s on %s: %w", what, s.dsn, err)
		}
		snap := &Snapshot{conn: c, loc: s.loc, Shard: k, Shards: n, Began: time.Now(), AsOf: asOf, ids: ids, binary: s.binary}
		if k == n { // the side reads whole tables
			snap.Shard, snap.Shards, snap.ids = 0, 1, nil
		}
		snaps = append(snaps, snap)
	}
	return snaps, nil
}

// shardBegin is the statement that begins each shard's transaction, and
// on TiDB the instant they all read as of.
func (s *Source) shardBegin(ctx context.Context, c *sqlx.Conn) (begin, asOf string, err error) {
	var version string
	if err := c.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return "", "", fmt.Errorf("asking %s for its version: %w", s.dsn, err)
	}
	if !isTiDB(version) {
		return beginEach, "", nil
	}
	// The session's time zone is UTC (Open), for NOW and for the literal
	// alike. TiDB reads as of milliseconds, and refuses a time its
	// timestamp oracle has not reached: a second back keeps a small
	// difference between the clocks of its servers from tripping that.
	if err := c.QueryRowContext(ctx, "SELECT NOW(3) - INTERVAL 1 SECOND").Scan(&asOf); err != nil {
		return "", "", fmt.Errorf("asking %s for the time: %w", s.dsn, err)
	}
	begin, err = asOfBegin(asOf)
	if err != nil {
		return "", "", fmt.Errorf("%s gave the time as %q: %w", s.dsn, asOf, err)
	}
	return begin, asOf, nil
}

// binaryKeepsFractions reports whether a server, by its @@version_comment
// (asked once, by Open), sends the fraction of a TIMESTAMP(n) in the
// binary protocol: MySQL, MariaDB and TiDB do; servers built on
// go-mysql-server (Dolt, and the demo's embedded one), whose comment is
// "Dolt", drop it, and are read in text. A server that does not answer
// is read in text too.
func binaryKeepsFractions(comment string) bool {
	return comment != "" && comment != "Dolt"
}

// isTiDB reports whether a server's VERSION() is TiDB's
// (8.0.11-TiDB-v7.5.0).
func isTiDB(version string) bool { return strings.Contains(version, "TiDB") }

// asOfBegin begins a read-only transaction of TiDB that reads as of ts, a
// date-time as the server gave it.
func asOfBegin(ts string) (string, error) {
	if _, err := time.Parse("2006-01-02 15:04:05.999", ts); err != nil {
		return "", errors.New("not a date-time")
	}
	return "START TRANSACTION READ ONLY AS OF TIMESTAMP '" + ts + "'", nil
}

// unknownStatement reports whether the server refused a statement as one
// it cannot parse.
func unknownStatement(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1064 || me.Number == 1105 && strings.Contains(me.Message, "syntax error"))
}

// shardQuery is q as this snapshot's shard runs it.
func (s *Snapshot) shardQuery(q Query) Query {
	return Query{Name: q.Name, SQL: ShardSQL(q.SQL, s.Shard, max(s.Shards, 1))}
}

// complaintIDs returns the id set a stream of this snapshot's complaints
// adds to: its own, or one over its shards' shared set.
func (s *Snapshot) complaintIDs() *idSet {
	if s.ids == nil {
		return newIDSet()
	}
	return s.ids.complaints.stream()
}
