package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// Stages of an SMTP session, as MailError.Op names them.
const (
	OpConnect      = "connecting"     // dialling, greeting, STARTTLS
	OpAuthenticate = "authenticating" // AUTH
	OpSend         = "sending"        // MAIL, RCPT, DATA
	OpPrepare      = "preparing"      // building the message, before any connection
)

// MailError is why one message was not delivered.
type MailError struct {
	Server     string   // host:port of the SMTP server
	Recipients []string // the message's To list
	Op         string   // OpConnect, OpAuthenticate, OpSend or OpPrepare
	Account    string   // the SMTP username when authentication failed
	Code       int      // the SMTP reply code, 0 when the server gave none
	Transient  bool     // worth sending again later: a 4xx reply, a network failure, an interruption
	Attempts   int      // sessions in which the message was tried
	Err        error    // the cause; its text never holds the password
}

func (e *MailError) Error() string {
	var b strings.Builder
	if len(e.Recipients) == 0 {
		fmt.Fprintf(&b, "%s: ", e.Server)
	} else {
		fmt.Fprintf(&b, "sending to %s via %s: ", strings.Join(e.Recipients, ", "), e.Server)
	}
	switch e.Op {
	case OpAuthenticate:
		fmt.Fprintf(&b, "authenticating as %q: ", e.Account)
	case OpConnect, OpPrepare:
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(e.Err.Error())
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *MailError) Unwrap() error { return e.Err }

// HookError is why a notice was not posted.
type HookError struct {
	Endpoint  string // scheme://host of the webhook; never its path or query, which may hold the token
	Status    int    // HTTP status, 0 when there was no response
	Code      int    // the platform's error code (errcode, code), 0 when none
	Transient bool   // worth posting again later: 5xx, 429, a network failure
	Attempts  int    // requests made
	Err       error  // the cause, with the URL's secrets removed
}

func (e *HookError) Error() string {
	s := fmt.Sprintf("posting to %s: %v", e.Endpoint, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

func (e *HookError) Unwrap() error { return e.Err }

// IsTransient reports whether err is a delivery failure that may succeed
// when tried again later (the message stays pending), as opposed to a
// broken target (a refused recipient, a wrong password, a bad webhook).
func IsTransient(err error) bool {
	var me *MailError
	if errors.As(err, &me) {
		return me.Transient
	}
	var he *HookError
	if errors.As(err, &he) {
		return he.Transient
	}
	return false
}

// transientNet reports failures of the network or of the peer's process,
// the kind a later attempt can get past: refused, reset or timed out
// connections, a connection closed mid-reply, a temporary DNS failure, an
// interruption.
// Certificate and TLS protocol errors are not among them: retrying does
// not fix a configuration.
func transientNet(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &record), errors.As(err, &alert):
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled):
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}
