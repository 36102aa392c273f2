package extract

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"retention/extract/secret"
)

// Source is a connection pool to the source database.
type Source struct {
	db     *sqlx.DB
	loc    *time.Location // zone of the wall-clock timestamps (DATETIME, DATE, text)
	dsn    string         // redacted, for messages
	binary bool           // its snapshots read in the binary protocol (binaryKeepsFractions)
}

// Open connects to the MySQL-compatible server at dsn (go-sql-driver's
// form) and checks that it answers. DATETIME, DATE and text timestamps
// will be read as wall-clock times in loc; TIMESTAMP columns as the
// instants they are. The job sets the driver parameters it relies on
// itself, so a DSN needs none.
func Open(ctx context.Context, dsn string, loc *time.Location) (*Source, error) {
	db, err := OpenDB(dsn, DBOptions{
		Name: "source",
		// Timestamps are parsed from their text, in loc.
		ParseTime:   false,
		DialTimeout: 10 * time.Second,
		// Every connection runs SET time_zone = '+00:00' when it opens, so
		// the server hands TIMESTAMP values over in UTC whatever its own
		// zone, the account's default or a time_zone in the DSN: an offset
		// needs no named time-zone tables. DATETIME values are never
		// converted by any zone.
		TimeZone:   sessionTimeZone,
		ReadBuffer: true,
	})
	if err != nil {
		return nil, err
	}
	s := &Source{db: db, loc: loc, dsn: secret.RedactDSN(dsn)}
	s.db.SetMaxOpenConns(3) // the snapshot, a lock, a probe
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("connecting to %s: %w", s.dsn, secret.NewMasker(secret.DSNPassword(dsn)).MaskErr(err))
	}
	var comment string
	if err := s.db.QueryRowContext(ctx, "SELECT @@version_comment").Scan(&comment); err == nil {
		s.binary = binaryKeepsFractions(comment)
	}
	return s, nil
}

// Close closes the pool.
func (s *Source) Close() error { return s.db.Close() }

// String is the redacted DSN.
func (s *Source) String() string { return s.dsn }

// Snapshot is a read-only transaction on a connection of its own: every
// query run through it sees the same consistent state of the source.
//
// Its long queries read rows from the driver directly (sql.Conn.Raw),
// without database/sql's copy and conversion of every value: the job
// reads millions of rows, and that layer cost a third of the time. The
// short customers query is scanned into a struct by sqlx; the connection
// is sqlx's unsafe kind, so that the columns a query returns beyond the
// struct's are passed over rather than refused.
type Snapshot struct {
	conn   *sqlx.Conn
	loc    *time.Location // the zone of the source's wall-clock timestamps
	closed bool

	// Shard, of Shards, is the part of the orders and complaints this
	// snapshot reads (see ShardSQL): 0 of 1 for one that reads all.
	Shard, Shards int
	// Began is when its transaction began.
	Began time.Time
	// AsOf is the instant a shard of a TiDB reads as of (TiDB's time,
	// UTC, to the millisecond); "" elsewhere.
	AsOf string
	ids  *shardIDs // the id sets of the shards read together; nil alone
	// binary: the orders and complaints are read as prepared statements,
	// in MySQL's binary protocol (see run); in text otherwise.
	binary bool
}

// Snapshot begins a read-only transaction.
func (s *Source) Snapshot(ctx context.Context) (*Snapshot, error) {
	conn, err := s.db.Unsafe().Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", s.dsn, err)
	}
	if _, err := conn.ExecContext(ctx, beginReadOnly); err != nil {
		conn.Close()
		return nil, fmt.Errorf("starting a read-only transaction on %s: %w", s.dsn, err)
	}
	return &Snapshot{conn: conn, loc: s.loc, Shards: 1, Began: time.Now(), binary: s.binary}, nil
}

const beginReadOnly = "START TRANSACTION READ ONLY"

// Close ends the transaction (it changed nothing, so it is rolled back)
// and gives the connection back. It may be called more than once.
func (s *Snapshot) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	_, err := s.conn.ExecContext(context.Background(), "ROLLBACK")
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// TableExists reports whether the current database has a table or view
// named name that the account can see.
func (s *Snapshot) TableExists(ctx context.Context, name string) (bool, error) {
	// SHOW TABLES rather than information_schema: every MySQL-compatible
	// server has it, and the embedded server's information_schema is not
	// safe for concurrent queries (its race detector reports).
	pattern := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(name)
	rows, err := s.conn.QueryContext(ctx, "SHOW TABLES LIKE ?", pattern)
	if err != nil {
		return false, fmt.Errorf("looking up table %s: %w", name, err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return false, fmt.Errorf("looking up table %s: %w", name, err)
		}
		found = found || strings.EqualFold(t, name)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("looking up table %s: %w", name, err)
	}
	return found, nil
}
