// Package sourcetest gives each test its own database on a real
// MySQL-protocol server: the embedded server by default, or the server
// named by RETENTION_TEST_DSN (go-sql-driver form, for example
// root@tcp(127.0.0.1:3306)/test). When that variable is set and the server
// cannot be reached, the test fails; it is never skipped.
package sourcetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"retention/extract/embedded"
)

// EnvDSN names the variable that points tests at a real server.
const EnvDSN = "RETENTION_TEST_DSN"

// DB is a database that exists for one test and is dropped after it.
type DB struct {
	Name string
	DSN  string // go-sql-driver DSN of this database
	// Embedded is the in-process server, nil on a real server.
	Embedded *embedded.Server
	conn     *sql.DB
}

var (
	shared     *embedded.Server
	sharedErr  error
	sharedOnce sync.Once
)

// New creates a uniquely named database for t.
func New(t testing.TB) *DB {
	t.Helper()
	name := "retention_t_" + randomHex(6)
	d := &DB{Name: name}
	if base := os.Getenv(EnvDSN); base != "" {
		cfg, err := mysql.ParseDSN(base)
		if err != nil {
			t.Fatalf("%s: %v", EnvDSN, err)
		}
		admin := openOrFail(t, cfg.FormatDSN())
		defer admin.Close()
		if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
			t.Fatalf("creating test database on %s: %v", EnvDSN, err)
		}
		cfg.DBName = name
		d.DSN = cfg.FormatDSN()
	} else {
		sharedOnce.Do(func() { shared, sharedErr = embedded.Start() })
		if sharedErr != nil {
			t.Fatalf("embedded server: %v", sharedErr)
		}
		if err := shared.CreateDatabase(name); err != nil {
			t.Fatal(err)
		}
		d.Embedded = shared
		d.DSN = shared.DSN(name)
	}
	d.conn = openOrFail(t, d.DSN)
	t.Cleanup(func() {
		if _, err := d.conn.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
		d.conn.Close()
	})
	return d
}

func openOrFail(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("opening test server: %v", err)
	}
	db.SetConnMaxLifetime(time.Minute)
	if err := db.Ping(); err != nil {
		db.Close()
		t.Fatalf("test server unreachable (%s set: %v): %v", EnvDSN, os.Getenv(EnvDSN) != "", err)
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ReadOnlyDSN returns a DSN for the test database as an account with a
// password that may only SELECT, as the README tells operators to create:
// on a real server a new user, dropped after the test; the embedded server
// checks no privileges and takes any password.
func (d *DB) ReadOnlyDSN(t testing.TB) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	user, password := "ro_"+randomHex(4), "Pw-"+randomHex(8)
	if d.Embedded == nil {
		d.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password),
			fmt.Sprintf("GRANT SELECT ON %s.* TO '%s'@'%%'", d.Name, user))
		t.Cleanup(func() { d.conn.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	}
	cfg.User, cfg.Passwd = user, password
	return cfg.FormatDSN()
}

// Exec runs each statement.
func (d *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", abbreviate(s), err)
		}
	}
}

// ExecFile runs the SQL script at path, statement by statement.
func (d *DB) ExecFile(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d.Exec(t, Split(string(b))...)
}

// ExecInZone runs each statement on one connection whose session time
// zone is zone ("+08:00"), as an application writing in that zone does:
// a real server converts the TIMESTAMP values it is given from that zone
// to UTC. The embedded server does not (see ConvertsTimestamps).
func (d *DB) ExecInZone(t testing.TB, zone string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := d.conn.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET time_zone = '"+strings.ReplaceAll(zone, "'", "''")+"'"); err != nil {
		t.Fatalf("setting the session time zone to %s: %v", zone, err)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", abbreviate(s), err)
		}
	}
	// The connection goes back to the pool: leave it as the others are.
	if _, err := conn.ExecContext(ctx, "SET time_zone = @@global.time_zone"); err != nil {
		t.Fatalf("resetting the session time zone: %v", err)
	}
}

// ConvertsTimestamps reports whether the server converts TIMESTAMP values
// between the session's time zone and UTC, as MySQL and MariaDB do. The
// embedded server (go-mysql-server v0.20) does not: it stores a TIMESTAMP
// as written and returns it as stored, whatever the session's zone (it
// reports the column's type as TIMESTAMP all the same).
func (d *DB) ConvertsTimestamps() bool { return d.Embedded == nil }

// TimestampLiteral is the SQL literal with which ExecInZone(zone) stores
// in a TIMESTAMP column the instant that wall ("2026-09-01 03:00:00",
// fractional seconds allowed) names at offset zone ("+08:00"): wall
// itself on a real server, which converts it from the session's zone to
// UTC; on the embedded server, which converts nothing, the UTC text a real
// server keeps.
func (d *DB) TimestampLiteral(t testing.TB, zone, wall string) string {
	t.Helper()
	if d.ConvertsTimestamps() {
		return "'" + wall + "'"
	}
	off, err := time.Parse("-07:00", zone)
	if err != nil {
		t.Fatalf("zone %q: %v", zone, err)
	}
	_, secs := off.Zone()
	at, err := time.ParseInLocation("2006-01-02 15:04:05.999999", wall, time.FixedZone(zone, secs))
	if err != nil {
		t.Fatalf("timestamp %q: %v", wall, err)
	}
	return "'" + at.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// Conn is a connection pool to the test database, for assertions.
func (d *DB) Conn() *sql.DB { return d.conn }

// Table creates table name and fills it with rows: through the engine's
// Go API on the embedded server, with multi-row INSERTs on a real one.
func (d *DB) Table(t testing.TB, name string, cols []embedded.Column, rows [][]any) {
	t.Helper()
	if d.Embedded != nil {
		seq := func(yield func([]any) bool) {
			for _, r := range rows {
				if !yield(r) {
					return
				}
			}
		}
		if _, err := d.Embedded.CreateTable(d.Name, name, cols, seq); err != nil {
			t.Fatal(err)
		}
		return
	}
	d.Exec(t, embedded.CreateTableSQL(name, cols))
	for start := 0; start < len(rows); start += 1000 {
		end := min(start+1000, len(rows))
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s VALUES ", name)
		args := make([]any, 0, (end-start)*len(cols))
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?,", len(r)), ",") + ")")
			args = append(args, r...)
		}
		if _, err := d.conn.Exec(b.String(), args...); err != nil {
			t.Fatalf("filling %s: %v", name, err)
		}
	}
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Split cuts a SQL script into statements at semicolons outside quotes and
// comments, and drops the comments.
func Split(script string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '-' && strings.HasPrefix(script[i:], "-- "), c == '#':
			for i < len(script) && script[i] != '\n' {
				i++
			}
			cur.WriteByte('\n')
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			end := strings.Index(script[i+2:], "*/")
			if end < 0 {
				i = len(script)
			} else {
				i += end + 3
			}
			cur.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(script) {
				if script[j] == '\\' && c != '`' {
					j += 2
					continue
				}
				if script[j] == c {
					if j+1 < len(script) && script[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(script))
			cur.WriteString(script[i:end])
			i = end - 1
		case c == ';':
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
