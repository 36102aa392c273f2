package endpoint

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// TLSMode is how the connection to the SMTP server is secured. The zero
// value is StartTLS.
type TLSMode int

const (
	// StartTLS connects in plain text and upgrades with STARTTLS before
	// anything else; a server that does not offer it is an error. Port 587.
	StartTLS TLSMode = iota
	// ImplicitTLS speaks TLS from the first byte. Port 465.
	ImplicitTLS
	// NoTLS never encrypts: only for a relay on a trusted network, and
	// never with a password.
	NoTLS
)

// ParseTLSMode reads "starttls" (or ""), "tls" or "none".
func ParseTLSMode(s string) (TLSMode, error) {
	switch s {
	case "", "starttls":
		return StartTLS, nil
	case "tls":
		return ImplicitTLS, nil
	case "none":
		return NoTLS, nil
	}
	return 0, fmt.Errorf("%q is not one of none, starttls, tls", s)
}

func (m TLSMode) String() string {
	switch m {
	case StartTLS:
		return "starttls"
	case ImplicitTLS:
		return "tls"
	case NoTLS:
		return "none"
	}
	return "TLSMode(" + strconv.Itoa(int(m)) + ")"
}

// SMTP is where and how mail is sent.
type SMTP struct {
	Addr     string  // host:port
	TLS      TLSMode // StartTLS unless set
	Username string  // empty: no AUTH
	Password string  // used only for AUTH; never appears in any text of this package
	// From is the sender, an RFC 5322 address whose display name may be
	// Chinese: "客户保持报告 <reports@example.com>".
	From string
	// RootCAs verifies the server's certificate; nil means the system
	// pool. No configuration key sets it. Verification is never turned
	// off.
	RootCAs *x509.CertPool
}

// String shows the settings without the password, so printing an SMTP
// value with %v or %+v cannot leak it.
func (s SMTP) String() string {
	user := ""
	if s.Username != "" {
		user = s.Username + "@"
	}
	return fmt.Sprintf("smtp://%s%s (tls %s, from %s)", user, s.Addr, s.TLS, s.From)
}

// GoString is String, for %#v.
func (s SMTP) GoString() string { return s.String() }

// Check checks the settings without connecting and returns the server's
// host and port; each error names the field first (addr, tls, from,
// username, password) and the bad value, never the password.
func (s SMTP) Check() (host string, port int, err error) {
	host, p, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return "", 0, fmt.Errorf("addr %q: want host:port: %w", s.Addr, err)
	}
	port, err = strconv.Atoi(p)
	if host == "" || err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("addr %q: want host:port with a port from 1 to 65535", s.Addr)
	}
	if s.TLS != StartTLS && s.TLS != ImplicitTLS && s.TLS != NoTLS {
		return "", 0, fmt.Errorf("tls: %v is not one of none, starttls, tls", s.TLS)
	}
	if _, err := ParseAddress(s.From); err != nil {
		return "", 0, fmt.Errorf("from: %w", err)
	}
	if strings.IndexFunc(s.Username, IsControl) >= 0 {
		return "", 0, fmt.Errorf("username %q contains a control character", s.Username)
	}
	if s.Username == "" && s.Password != "" {
		return "", 0, errors.New("password: given without a username")
	}
	if s.Username != "" && s.TLS == NoTLS {
		return "", 0, fmt.Errorf("username %q: a password is never sent without TLS; use tls starttls or tls", s.Username)
	}
	return host, port, nil
}
