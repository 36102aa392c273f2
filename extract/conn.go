package extract

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"retention/extract/secret"
)

// DBOptions are what differs between the connections the job opens: to the
// source (Open) and to the snapshot store.
type DBOptions struct {
	Name string // what the DSN is of, for messages: "source", "store"
	// ParseTime has the driver read DATE and DATETIME values as time.Time
	// in UTC; without it they arrive as text.
	ParseTime bool
	// DialTimeout bounds connecting when the DSN sets no timeout; 0 keeps
	// the driver's (the system's).
	DialTimeout time.Duration
	// TimeZone, when set, is the value of SET time_zone with which every
	// connection opens; "" keeps the server's and the account's.
	TimeZone string
	// ReadBuffer reads every connection through a buffer of readBuffer
	// bytes (dialBuffered), for streaming millions of rows.
	ReadBuffer bool
}

// OpenDB prepares a pool on the MySQL-compatible server at dsn
// (go-sql-driver's form) without connecting yet: the DSN parsed once, and
// the driver parameters the job relies on set whatever the DSN says, so
// that a DSN needs none. Every connection runs without the driver's
// logger (its failures reach the job through the errors returned),
// interpolates parameters on the client (no server-side prepared
// statements) and runs one statement per query; opt adds the rest. Errors
// never show the DSN's password.
func OpenDB(dsn string, opt DBOptions) (*sqlx.DB, error) {
	mask := secret.NewMasker(secret.DSNPassword(dsn))
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing the %s DSN: %w", opt.Name, mask.MaskErr(err))
	}
	cfg.Logger = &mysql.NopLogger{}
	cfg.InterpolateParams = true
	cfg.MultiStatements = false
	cfg.ParseTime = opt.ParseTime
	if cfg.Timeout == 0 {
		cfg.Timeout = opt.DialTimeout
	}
	if opt.TimeZone != "" {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = opt.TimeZone
	}
	if opt.ReadBuffer {
		cfg.DialFunc = dialBuffered
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuring the %s connection: %w", opt.Name, mask.MaskErr(err))
	}
	return sqlx.NewDb(sql.OpenDB(conn), "mysql"), nil
}

// readBuffer is the read buffer of every connection to the source. The
// driver reads the socket into a 4 KB buffer of its own, so that a stream
// of ten million rows (450 MB) took over a hundred thousand read system
// calls, a tenth of the reading goroutine's time; reading ahead in 256 KB
// pieces takes fewer than two thousand, and the driver's reads become
// copies.
const readBuffer = 256 << 10

// bufferedConn is a connection whose reads go through a buffer.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

// dialBuffered connects as the driver would, with a read buffer.
func dialBuffered(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// The driver turns keep-alives on for the connections it dials
		// itself (a *net.TCPConn), which this one no longer is.
		tc.SetKeepAlive(true)
	}
	bc := &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, readBuffer)}
	if sc, ok := c.(syscall.Conn); ok {
		return &bufferedSocket{bc, sc}, nil
	}
	return bc, nil
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// bufferedSocket is a bufferedConn over a socket, which it exposes for
// the driver's check that a pooled connection is still alive before its
// first query (a read of the socket that must find nothing; between
// queries the buffer is empty too).
type bufferedSocket struct {
	*bufferedConn
	sc syscall.Conn
}

func (c *bufferedSocket) SyscallConn() (syscall.RawConn, error) { return c.sc.SyscallConn() }
