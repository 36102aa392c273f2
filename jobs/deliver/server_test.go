package deliver

import (
	"testing"

	"retention/jobs/deliver/delivertest"
)

// The package's tests run against delivertest's real SMTP server; these
// names keep them short.
type (
	mailServer = delivertest.Server
	received   = delivertest.Received
	serverMode = delivertest.Mode
	sleeps     = delivertest.Sleeps
	parsedMail = delivertest.Mail
)

const (
	plainServer       = delivertest.Plain
	startTLSServer    = delivertest.StartTLS
	implicitTLSServer = delivertest.ImplicitTLS
)

// startServer starts a server of the given mode, shaped by configure.
func startServer(t *testing.T, mode serverMode, configure func(*delivertest.Options)) *mailServer {
	t.Helper()
	o := delivertest.Options{Mode: mode}
	if configure != nil {
		configure(&o)
	}
	return delivertest.Start(t, o)
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	return delivertest.ParseMail(t, raw)
}
