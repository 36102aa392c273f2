package extract

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// Transient reports whether err is a failure that may pass if the work is
// tried again: a connection refused, reset or lost, a lock wait timeout or
// deadlock, a server shutting down or out of connections. Errors in the
// query, the credentials or the data are permanent, and so is the caller's
// own cancellation.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, // too many connections
			1053,                   // server shutdown in progress
			1158, 1159, 1160, 1161, // network read/write errors
			1205, // lock wait timeout
			1213, // deadlock
			1927, // connection killed (MariaDB)
			2006, // server has gone away
			2013: // lost connection during query
			return true
		}
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}
