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

// DefaultTimeout bounds the connection and each command of a session.
const DefaultTimeout = 30 * time.Second

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
	Retry   Retry
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

// Result is what became of one message.
type Result struct {
	Attempts int   // sessions in which the message was tried; 0 when it never got that far
	Err      error // nil when the server accepted the message; otherwise a *MailError
}

// Send sends every message, each only to the addresses of its To list, and
// returns one Result per message, in order. All pending messages share one
// SMTP session per attempt. A transient failure (a 4xx reply, a refused,
// reset or timed-out connection) is retried after each of the Retry delays,
// in a new session, for the messages it left undelivered; a permanent one
// (a 5xx reply such as 550 for a recipient or 535 for the account, a bad
// certificate, a bad address or attachment) is not. A message the server
// acknowledged is not sent again. When ctx ends, the messages not yet sent
// fail with a transient error wrapping ctx's error.
func (m *Mailer) Send(ctx context.Context, msgs []Message) []Result {
	results := make([]Result, len(msgs))
	var pending []int
	for i, msg := range msgs {
		if _, err := m.build(msg); err != nil {
			results[i].Err = m.failure(msg, OpPrepare, "", m.redact.MaskErr(err), false)
			continue
		}
		pending = append(pending, i)
	}
	delays := m.cfg.Retry.delays()
	for attempt := 0; len(pending) > 0 && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			if err := m.cfg.Retry.sleep(ctx, delays[attempt-1]); err != nil {
				break
			}
		}
		for _, i := range pending {
			results[i].Attempts++
		}
		m.session(ctx, msgs, pending, results)
		pending = slices.DeleteFunc(pending, func(i int) bool {
			return results[i].Err == nil || !IsTransient(results[i].Err)
		})
		if attempt == len(delays) {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		// Whatever the last attempt said, these were cut short.
		for _, i := range pending {
			op := OpConnect
			var me *MailError
			if errors.As(results[i].Err, &me) {
				op = me.Op
			}
			results[i].Err = m.failure(msgs[i], op, "", err, true)
		}
	}
	for i := range results {
		var me *MailError
		if errors.As(results[i].Err, &me) {
			me.Attempts = results[i].Attempts
		}
	}
	return results
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

// session opens one SMTP session and sends the messages msgs[pending],
// recording in results which were accepted and why the others were not.
func (m *Mailer) session(ctx context.Context, msgs []Message, pending []int, results []Result) {
	var st sessionState
	defer st.release()
	client, err := m.client(ctx, &st)
	if err != nil {
		for _, i := range pending {
			results[i].Err = m.failure(msgs[i], OpConnect, "", m.redact.MaskErr(err), false)
		}
		return
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		op, account := OpConnect, ""
		if st.authStarted {
			op, account = OpAuthenticate, m.cfg.Username
		}
		code, transient := classify(err)
		for _, i := range pending {
			e := m.failure(msgs[i], op, account, m.redact.MaskErr(err), transient)
			e.Code = code
			results[i].Err = e
		}
		return
	}
	defer client.CloseWithSMTPClient(conn) //nolint:errcheck // the messages' fates are known; a failed QUIT changes none

	built := make([]*gomail.Msg, 0, len(pending))
	for _, i := range pending {
		gm, err := m.build(msgs[i])
		if err != nil { // built once already in Send; only a file vanishing in between gets here
			results[i].Err = m.failure(msgs[i], OpPrepare, "", m.redact.MaskErr(err), false)
			built = append(built, nil)
			continue
		}
		built = append(built, gm)
	}
	// Each message's own fate is on it, and the joined error repeats
	// them, except when the connection check (NOOP) before the first
	// message failed: then only the joined error says why.
	sessionErr := client.SendWithSMTPClient(conn, built...)
	for k, i := range pending {
		gm := built[k]
		switch {
		case gm == nil:
		case gm.IsDelivered():
			results[i].Err = nil
		default:
			err := gm.SendError()
			if err == nil {
				err = sessionErr
			}
			if err == nil {
				err = errors.New("not delivered, for no reason the client gave")
			}
			code, transient := classify(err)
			e := m.failure(msgs[i], OpSend, "", m.redact.MaskErr(err), transient)
			e.Code = code
			results[i].Err = e
		}
	}
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
}

func (st *sessionState) release() {
	if st.stop != nil {
		st.stop()
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
