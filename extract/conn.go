package extract

import (
	"bufio"
	"context"
	"net"
	"syscall"
)

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
