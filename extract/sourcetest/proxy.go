package sourcetest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// Proxy sits between the job and the test server, forwarding the MySQL
// protocol while it watches the queries and, on demand, stalls or cuts a
// connection: the faults of a network and a database, made to happen at a
// chosen point of a stream.
type Proxy struct {
	ln     net.Listener
	target string
	dsn    string

	mu       sync.Mutex
	queries  []string
	prepared int
	rules    []rule
	conns    []net.Conn
}

// Fault is what a rule does to the connection that sent a matching query.
type Fault struct {
	// Cut closes the connection once the server has sent CutAfter bytes of
	// its answer.
	Cut      bool
	CutAfter int
	// Stall, when not nil, holds the server's answer until it is closed.
	Stall <-chan struct{}
	// Seen, when not nil, is closed when the query goes through.
	Seen chan<- struct{}
}

type rule struct {
	substr string
	times  int // how many more queries it applies to
	fault  Fault
}

// Proxy starts a proxy in front of d's server for the test's lifetime.
func (d *DB) Proxy(t testing.TB) *Proxy {
	t.Helper()
	cfg, err := mysql.ParseDSN(d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: cfg.Addr}
	cfg.Addr = ln.Addr().String()
	p.dsn = cfg.FormatDSN()
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// DSN reaches the test database through the proxy.
func (p *Proxy) DSN() string { return p.dsn }

// On applies fault to the next times queries containing substr.
func (p *Proxy) On(substr string, times int, fault Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, rule{substr: substr, times: times, fault: fault})
}

// Queries lists the text of every query sent through the proxy so far.
func (p *Proxy) Queries() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

// Prepared is how many of the queries were prepared statements (their
// rows in the binary protocol).
func (p *Proxy) Prepared() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.prepared
}

// Count is how many queries contained substr.
func (p *Proxy) Count(substr string) int {
	n := 0
	for _, q := range p.Queries() {
		if strings.Contains(q, substr) {
			n++
		}
	}
	return n
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		c := &pipe{client: client, server: server, faults: make(chan Fault, 16)}
		go c.up(p)
		go c.down()
	}
}

// The commands that carry a query, and the one that runs a prepared one.
const (
	comQuery       = 0x03
	comStmtPrepare = 0x16
	comStmtExecute = 0x17
)

// match notes a query and returns the faults it arms: one from each rule
// it matches that has times left.
func (p *Proxy) match(q string) []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, q)
	var out []Fault
	for i := range p.rules {
		r := &p.rules[i]
		if r.times > 0 && strings.Contains(q, r.substr) {
			r.times--
			out = append(out, r.fault)
			if r.fault.Seen != nil {
				close(r.fault.Seen)
			}
		}
	}
	return out
}

// pipe is one client connection and its server connection.
type pipe struct {
	client, server net.Conn
	faults         chan Fault // armed by a query, applied to the answer
}

// up copies client to server packet by packet, noting queries.
func (c *pipe) up(p *Proxy) {
	defer c.server.Close()
	header := make([]byte, 4)
	var prepared []Fault // the faults of the statement prepared last
	for {
		if _, err := io.ReadFull(c.client, header); err != nil {
			return
		}
		n := int(header[0]) | int(header[1])<<8 | int(header[2])<<16
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.client, payload); err != nil {
			return
		}
		// A query comes as COM_QUERY, or as COM_STMT_PREPARE, whose rows
		// are the answer to the COM_STMT_EXECUTE that follows: a fault of a
		// prepared query waits for its execution.
		switch {
		case n > 0 && payload[0] == comQuery:
			for _, f := range p.match(string(payload[1:])) {
				c.faults <- f
			}
		case n > 0 && payload[0] == comStmtPrepare:
			prepared = p.match(string(payload[1:]))
			p.mu.Lock()
			p.prepared++
			p.mu.Unlock()
		case n > 0 && payload[0] == comStmtExecute:
			for _, f := range prepared {
				c.faults <- f
			}
			prepared = nil
		}
		if _, err := c.server.Write(append(header, payload...)); err != nil {
			return
		}
	}
}

// down copies server to client, applying the fault armed by the query
// being answered: the client sends a query only after reading the answer
// to the one before, so every byte read after a fault is armed belongs to
// the answer it is for.
func (c *pipe) down() {
	defer c.client.Close()
	buf := make([]byte, 4096)
	budget := -1 // bytes left before a cut; negative: no cut
	for {
		n, err := c.server.Read(buf)
		select {
		case f := <-c.faults:
			if f.Stall != nil {
				<-f.Stall
			}
			if f.Cut {
				budget = f.CutAfter
			}
		default:
		}
		data := buf[:n]
		if budget >= 0 && len(data) >= budget {
			c.client.Write(data[:budget])
			c.server.Close()
			return
		}
		if _, werr := c.client.Write(data); werr != nil {
			return
		}
		if budget > 0 {
			budget -= n
		}
		if err != nil {
			return
		}
	}
}
