package jobs

import (
	"retention/history"

	"context"
	"errors"

	"retention/config"
	"retention/extract"
)

// Exit codes of the retention command; docs/COMMANDS.md lists them.
const (
	ExitOK       = 0
	ExitInternal = 1 // an unexpected failure
	ExitConfig   = 2 // bad flags, configuration or query (missing column, SQL the server rejects)
	ExitSource   = 3 // the source database cannot be reached or a query fails
	ExitOutput   = 4 // the output cannot be written
	ExitLocked   = 5 // another run holds the lock on the output directory
	ExitCanceled = 6 // interrupted (SIGINT, SIGTERM) before finishing
	ExitGate     = 7 // a check before publishing failed; nothing was published
	ExitStore    = 8 // the snapshot store (store.dsn) could not be read or written
	// ExitDelivery: published, but a message is still undelivered (the
	// mail server is down, a recipient was refused) or the webhook failed;
	// the next run, or retention deliver, sends what is pending.
	ExitDelivery = 9
)

// kind classifies a failure for the exit code.
type kind int

// Kinds of failure.
const (
	kindInternal kind = iota
	kindConfig
	kindSource
	kindOutput
	kindLocked
	kindCanceled
	kindGate
	kindStore
	kindDelivery
)

// failure is a failure of a command, with its kind. The first kind given
// to an error stays: a wrapped failure is not classified again.
type failure struct {
	kind kind
	err  error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func fail(k kind, err error) error {
	if err == nil {
		return nil
	}
	var f *failure
	if errors.As(err, &f) {
		return err
	}
	return &failure{kind: k, err: err}
}

// sourceFail classifies an error from extract: problems with the
// configured queries are configuration errors, the rest source errors.
func sourceFail(err error) error {
	var ce *extract.ColumnError
	var qe *extract.QueryError
	switch {
	case errors.Is(err, context.Canceled):
		return fail(kindCanceled, err)
	case errors.As(err, &ce):
		return fail(kindConfig, err)
	case errors.As(err, &qe) && qe.Rejected():
		return fail(kindConfig, err)
	}
	return fail(kindSource, err)
}

// ExitCode maps an error returned by this package to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		return ExitConfig
	}
	var f *failure
	if !errors.As(err, &f) {
		if errors.Is(err, context.Canceled) {
			return ExitCanceled
		}
		return ExitInternal
	}
	switch f.kind {
	case kindConfig:
		return ExitConfig
	case kindSource:
		return ExitSource
	case kindOutput:
		return ExitOutput
	case kindLocked:
		return ExitLocked
	case kindCanceled:
		return ExitCanceled
	case kindGate:
		return ExitGate
	case kindStore:
		return ExitStore
	case kindDelivery:
		return ExitDelivery
	}
	return ExitInternal
}

// ErrLocked is returned when another run holds the output directory, or
// its lock on the source server.
var ErrLocked = history.ErrLocked
