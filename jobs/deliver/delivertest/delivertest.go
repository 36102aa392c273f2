// Package delivertest gives tests a real SMTP server in the test process
// (emersion/go-smtp speaking the protocol over TCP, with STARTTLS or
// implicit TLS on a certificate made for the test, and AUTH PLAIN) that
// keeps every message it accepts, a reader that takes a received message
// apart the way a mail client does, and a recorder for the retry waits, so
// that no test sleeps.
package delivertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode is how a Server secures its connections.
type Mode int

const (
	Plain       Mode = iota // no TLS at all
	StartTLS                // plain, offering STARTTLS
	ImplicitTLS             // TLS from the first byte
)

// Options shape a Server. Every hook is optional.
type Options struct {
	Mode Mode
	// Addr is where to listen; "" means a free port on 127.0.0.1.
	Addr string
	// Users are the AUTH PLAIN accounts, user to password; nil offers no
	// AUTH. With users, MAIL before AUTH is refused.
	Users map[string]string
	// AuthReply, when set, answers every AUTH instead of Users.
	AuthReply func(user, pass string) error
	// Mail answers MAIL; call counts MAIL commands from 1. nil accepts.
	Mail func(c *smtp.Conn, call int) error
	// Rcpt answers RCPT. nil accepts.
	Rcpt func(to string) error
	// Discard reads each message's content and keeps nothing of it (a
	// benchmark's server, whose memory is not what is measured).
	Discard bool
	// Data answers the end of a message's content (after the final dot),
	// before it is kept; call counts messages from 1. It runs with nothing
	// locked, and may block (the reply waits). nil accepts.
	Data func(call int) error
}

// Server is a running SMTP server that keeps the messages it accepts.
type Server struct {
	Addr    string         // host:port it listens on
	Pool    *x509.CertPool // trusts its certificate
	CertPEM []byte         // its certificate, PEM encoded (for SSL_CERT_FILE)

	opt       Options
	mu        sync.Mutex
	messages  []Received
	dataCalls int
	mailCalls int
}

// Received is one accepted message as the server saw it.
type Received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	User string   // the authenticated account, "" without AUTH
	TLS  bool     // whether the session was encrypted
	Data []byte   // the raw message
}

// Start starts a server with a fresh self-signed certificate for
// 127.0.0.1 and localhost, and stops it when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	cert, pool := Certificate(t)
	s := &Server{Pool: pool, opt: o,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	switch o.Mode {
	case StartTLS:
		srv.TLSConfig = tlsConfig
	case ImplicitTLS:
		srv.TLSConfig = tlsConfig
		l = tls.NewListener(l, tlsConfig)
	}
	s.Addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l) //nolint:errcheck // ends when Close closes the listener
	}()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("SMTP server did not stop")
		}
	})
	return s
}

// FreeAddr returns an address on 127.0.0.1 where nothing listens now: a
// server that is down, until a test starts one there.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Received returns the messages accepted so far, in order.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opt.Users == nil && ss.srv.opt.AuthReply == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if ss.srv.opt.AuthReply != nil {
			return ss.srv.opt.AuthReply(user, pass)
		}
		if want, ok := ss.srv.opt.Users[user]; !ok || want != pass || identity != "" && identity != user {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opt.Users != nil && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if ss.srv.opt.Mail != nil {
		ss.srv.mu.Lock()
		ss.srv.mailCalls++
		call := ss.srv.mailCalls
		ss.srv.mu.Unlock()
		if err := ss.srv.opt.Mail(ss.conn, call); err != nil {
			return err
		}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.srv.opt.Rcpt != nil {
		if err := ss.srv.opt.Rcpt(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	if ss.srv.opt.Discard {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	s.dataCalls++
	call := s.dataCalls
	s.mu.Unlock()
	// The hook runs unlocked: it may hold the reply (a server scanning
	// the message) while the test reads what arrived.
	if s.opt.Data != nil {
		if err := s.opt.Data(call); err != nil {
			return err
		}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, Received{
		From: ss.from, To: slices.Clone(ss.to), User: ss.user, TLS: isTLS, Data: raw,
	})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// Certificate makes a self-signed certificate for 127.0.0.1 and localhost
// and a pool that trusts it.
func Certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "retention test SMTP server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Sleeps records the waits a retry loop asks for and returns at once (or
// with ctx's error), so that retries cost a test no time.
type Sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

// Sleep records d.
func (s *Sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// Got returns the waits recorded so far.
func (s *Sleeps) Got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}
