package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"retention/config/endpoint"
	"retention/extract/secret"
)

// TLSMode is how the connection to the SMTP server is secured, as the
// configuration names it (endpoint.ParseTLSMode). The zero value is
// StartTLS.
type TLSMode = endpoint.TLSMode

const (
	StartTLS    = endpoint.StartTLS    // STARTTLS before anything else, or fail. Port 587.
	ImplicitTLS = endpoint.ImplicitTLS // TLS from the first byte. Port 465.
	NoTLS       = endpoint.NoTLS       // plain text, never with a password: a relay on a trusted network
)

// Deadlines of a session. Each command (the greeting, EHLO, STARTTLS,
// AUTH, MAIL, RCPT, DATA, QUIT) has Timeout; a message's content has
// Timeout plus the time to send it at MinRate, and every write must
// progress within Timeout; the server's reply to the end of the content,
// which waits for its checks (a virus scan), has FinalTimeout.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMinRate      = 64 << 10         // bytes per second
	DefaultFinalTimeout = 10 * time.Minute // RFC 5321, 4.5.3.2.6: "DATA Termination: 10 minutes"
)

// SMTP is where and how mail is sent.
type SMTP struct {
	Addr     string  // host:port
	TLS      TLSMode // StartTLS unless set
	Username string  // empty: no AUTH
	Password string  // used only for AUTH; never appears in any text this package returns
	// From is the sender, an RFC 5322 address whose display name may be
	// Chinese: "客户保持报告 <reports@example.com>".
	From string
	// RootCAs verifies the server's certificate; nil means the system
	// pool. Verification is never turned off.
	RootCAs *x509.CertPool
	Timeout time.Duration // per connection and per command; 0 means DefaultTimeout
	// MinRate is the slowest a message's content may go, in bytes per
	// second: its deadline is Timeout plus its size at this rate. 0 means
	// DefaultMinRate.
	MinRate int64
	// FinalTimeout bounds the wait for the reply to the end of a
	// message's content; 0 means DefaultFinalTimeout.
	FinalTimeout time.Duration
	Retry        Retry
}

// String shows the configuration without the password, so printing an
// SMTP value with %v or %+v cannot leak it.
func (s SMTP) String() string { return s.settings().String() }

// GoString is String, for %#v.
func (s SMTP) GoString() string { return s.String() }

// Validate checks the configuration without connecting, by the rules of
// endpoint.SMTP.Check; each error names the field (addr, tls, from,
// username, password) and the bad value, never the password.
func (s SMTP) Validate() error {
	_, _, err := s.settings().Check()
	return err
}

// settings is s without what only the transport needs.
func (s SMTP) settings() endpoint.SMTP {
	return endpoint.SMTP{Addr: s.Addr, TLS: s.TLS, Username: s.Username, Password: s.Password, From: s.From, RootCAs: s.RootCAs}
}

// Mailer sends messages over SMTP. It is safe for concurrent use: every
// Send opens its own sessions.
type Mailer struct {
	cfg    SMTP
	host   string
	port   int
	from   *mail.Address
	redact secret.Masker
}

// NewMailer validates s once and returns a Mailer for it.
func NewMailer(s SMTP) (*Mailer, error) {
	host, port, err := s.settings().Check()
	if err != nil {
		return nil, err
	}
	from, _ := endpoint.ParseAddress(s.From)
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MinRate <= 0 {
		s.MinRate = DefaultMinRate
	}
	if s.FinalTimeout <= 0 {
		s.FinalTimeout = DefaultFinalTimeout
	}
	plain := "\x00" + s.Username + "\x00" + s.Password
	return &Mailer{
		cfg:  s,
		host: host,
		port: port,
		from: from,
		// The password as it is, and as AUTH PLAIN and LOGIN put it on
		// the wire (base64, padding dropped so both paddings match), in
		// case a server echoes what it was sent.
		redact: secret.NewMasker(s.Password,
			strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s.Password)), "="),
			strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(plain)), "=")),
	}, nil
}

// Check opens a session as Send would (connecting, STARTTLS or TLS with
// the certificate verified, AUTH when there is an account) and closes it
// without sending anything. The error is a *MailError without recipients,
// as Send's are, with no retry: it is for `retention check`.
func (m *Mailer) Check(ctx context.Context) error {
	var st sessionState
	defer st.release()
	client, err := m.client(ctx, &st)
	if err == nil {
		var conn *smtp.Client
		if conn, err = client.DialToSMTPClientWithContext(ctx); err == nil {
			return client.CloseWithSMTPClient(conn)
		}
	}
	op, account := OpConnect, ""
	if st.authStarted {
		op, account = OpAuthenticate, m.cfg.Username
	}
	code, transient := classify(err)
	e := m.failure(Message{}, op, account, m.redact.MaskErr(err), transient)
	e.Code, e.Attempts = code, 1
	return e
}

func (m *Mailer) failure(msg Message, op, account string, err error, transient bool) *MailError {
	return &MailError{
		Server:     m.cfg.Addr,
		Recipients: slices.Clone(msg.To),
		Op:         op,
		Account:    account,
		Transient:  transient,
		Err:        err,
	}
}

// classify returns the SMTP reply code behind err, if any, and whether
// the failure is transient: a 4xx reply is, a 5xx reply is not; without a
// reply, a network failure is, and anything else (a certificate, a
// missing extension, a bad address) is not.
func classify(err error) (code int, transient bool) {
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return tpErr.Code, tpErr.Code >= 400 && tpErr.Code < 500
	}
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		switch sendErr.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return 0, false
		}
		code = sendErr.ErrorCode()
		if code != 0 {
			return code, code >= 400 && code < 500
		}
		// go-mail keeps the cause only as text: without a reply code
		// the session broke off (a reset, a timeout, a closed
		// connection) and another one may well get through.
		return 0, true
	}
	return 0, transientNet(err)
}

// sessionState is what one session's client tells its caller.
type sessionState struct {
	authStarted bool        // AUTH began: a failure from here on is the account's
	stop        func() bool // unties the connection from ctx
	conn        net.Conn    // the connection dialled, under any TLS layer: its deadlines are the session's
}

// release unties the connection from ctx and closes it: a session that
// failed in its handshake leaves no connection open, and one that ended
// (after QUIT) none either.
func (st *sessionState) release() {
	if st.stop != nil {
		st.stop()
	}
	if st.conn != nil {
		st.conn.Close()
	}
}

// deadline sets the connection's deadline d from now.
func (st *sessionState) deadline(d time.Duration) {
	if st.conn != nil {
		st.conn.SetDeadline(time.Now().Add(d))
	}
}

// client makes a go-mail client for one session. Its dialer ties the
// connection to ctx, so cancelling ctx ends a session stuck in a command,
// and its AUTH records that authentication began, which is how a failure is
// told to be the account's.
func (m *Mailer) client(ctx context.Context, st *sessionState) (*gomail.Client, error) {
	tlsConfig := &tls.Config{ServerName: m.host, RootCAs: m.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	implicit := m.cfg.TLS == ImplicitTLS
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		var conn net.Conn
		var err error
		if implicit {
			conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		// go-mail's dialCtx ends with the dial; the session lives as
		// long as ctx, the caller's.
		st.release()
		st.conn = conn
		st.stop = context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(m.port),
		gomail.WithTimeout(m.cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch m.cfg.TLS {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		// The dialer speaks TLS already; WithSSL keeps go-mail from
		// trying STARTTLS on top.
		opts = append(opts, gomail.WithSSL())
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&auth{
			username: m.cfg.Username, password: m.cfg.Password, host: m.host, started: &st.authStarted,
		}))
	}
	return gomail.NewClient(m.host, opts...)
}

// auth is AUTH PLAIN, or LOGIN for a server that offers only that, over
// TLS only (go-mail's mechanisms refuse to send a password in clear).
type auth struct {
	username, password, host string
	started                  *bool
	smtp.Auth
}

func (a *auth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	*a.started = true
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.Auth = smtp.PlainAuth("", a.username, a.password, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.Auth = smtp.LoginAuth(a.username, a.password, a.host, false)
	default:
		return "", nil, fmt.Errorf("the server offers neither AUTH PLAIN nor LOGIN (it offers %q)", strings.Join(server.Auth, " "))
	}
	return a.Auth.Start(server)
}
