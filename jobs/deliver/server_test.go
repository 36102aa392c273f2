package deliver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server (emersion/go-smtp) in the test process
// that keeps every message it accepts.
type mailServer struct {
	Addr string
	Pool *x509.CertPool // trusts the server's certificate

	// Set by the configure function of startServer, before any
	// connection.
	users map[string]string // AUTH PLAIN accounts; nil: no AUTH offered
	// authReply, when set, answers every AUTH instead of users.
	authReply func(user, pass string) error
	mail      func(c *smtp.Conn, call int) error // nil accepts every sender; call counts MAIL commands from 1
	rcpt      func(to string) error              // nil accepts every recipient
	data      func(call int) error               // nil accepts every message; call counts DATA commands from 1

	mu        sync.Mutex
	messages  []received
	dataCalls int
	mailCalls int
}

// received is one accepted message as the server saw it.
type received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	User string   // the authenticated account, "" without AUTH
	TLS  bool     // whether the session was encrypted
	Data []byte   // the raw message
}

type serverMode int

const (
	plainServer       serverMode = iota // no TLS at all
	startTLSServer                      // plain, offering STARTTLS
	implicitTLSServer                   // TLS from the first byte
)

// startServer starts a server on 127.0.0.1 with a fresh self-signed
// certificate for 127.0.0.1 and localhost, and stops it when the test ends.
func startServer(t *testing.T, mode serverMode, configure func(*mailServer)) *mailServer {
	t.Helper()
	cert, pool := testCertificate(t)
	s := &mailServer{Pool: pool}
	if configure != nil {
		configure(s)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case startTLSServer:
		srv.TLSConfig = tlsConfig
	case implicitTLSServer:
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

func (s *mailServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

type session struct {
	srv  *mailServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.users == nil && ss.srv.authReply == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if ss.srv.authReply != nil {
			return ss.srv.authReply(user, pass)
		}
		if want, ok := ss.srv.users[user]; !ok || want != pass || identity != "" && identity != user {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.users != nil && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if ss.srv.mail != nil {
		ss.srv.mu.Lock()
		ss.srv.mailCalls++
		call := ss.srv.mailCalls
		ss.srv.mu.Unlock()
		if err := ss.srv.mail(ss.conn, call); err != nil {
			return err
		}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.srv.rcpt != nil {
		if err := ss.srv.rcpt(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataCalls++
	if s.data != nil {
		if err := s.data(s.dataCalls); err != nil {
			return err
		}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	s.messages = append(s.messages, received{
		From: ss.from, To: append([]string(nil), ss.to...), User: ss.user, TLS: isTLS, Data: raw,
	})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// testCertificate makes a self-signed certificate for 127.0.0.1 and
// localhost and a pool that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
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

// sleeps records the waits the retry loop asks for and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// parsedMail is a received message read back with net/mail and
// mime/multipart, the way a mail client reads it.
type parsedMail struct {
	Header      mail.Header
	Subject     string // decoded
	From        *mail.Address
	To          []*mail.Address
	Text, HTML  string
	Attachments []parsedAttachment
}

type parsedAttachment struct {
	Filename    string // decoded from Content-Disposition
	Disposition string // the header as it came, unfolded
	ContentType string // the media type, without parameters
	Header      map[string][]string
	SHA256      [32]byte
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("reading message: %v\n%s", err, raw)
	}
	var p parsedMail
	p.Header = msg.Header
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decoding subject: %v", err)
	}
	froms, err := msg.Header.AddressList("From")
	if err != nil || len(froms) != 1 {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	p.From = froms[0]
	if p.To, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	walkPart(t, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body, nil)
	return p
}

func walkPart(t *testing.T, p *parsedMail, contentType, encoding, disposition string, body io.Reader, header map[string][]string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("reading part: %v", err)
			}
			walkPart(t, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), part, part.Header)
		}
	}
	content, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(encoding, "base64") {
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, string(content))
		if content, err = base64.StdEncoding.DecodeString(clean); err != nil {
			t.Fatalf("base64 body of %s: %v", mediaType, err)
		}
	}
	if disposition != "" {
		d, dp, err := mime.ParseMediaType(disposition)
		if err != nil || d != "attachment" {
			t.Fatalf("Content-Disposition %q: %s, %v", disposition, d, err)
		}
		p.Attachments = append(p.Attachments, parsedAttachment{
			Filename: dp["filename"], Disposition: disposition, ContentType: mediaType,
			Header: header, SHA256: sha256.Sum256(content),
		})
		return
	}
	switch mediaType {
	case "text/plain":
		p.Text = string(content)
	case "text/html":
		p.HTML = string(content)
	default:
		t.Fatalf("unexpected part %s", mediaType)
	}
}
