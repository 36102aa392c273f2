package jobs

import (
	"context"
	"errors"

	"retention/config"
	"retention/extract"
)

// Exit codes of the retention command; the README lists them.
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
)

// Kind classifies a failure for the exit code.
type Kind int

// Kinds of failure.
const (
	KindInternal Kind = iota
	KindConfig
	KindSource
	KindOutput
	KindLocked
	KindCanceled
	KindGate
	KindStore
)

// Error is a failure of a command, with its kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(k Kind, err error) error {
	if err == nil {
		return nil
	}
	var je *Error
	if errors.As(err, &je) {
		return err
	}
	return &Error{Kind: k, Err: err}
}

// sourceFail classifies an error from extract: problems with the
// configured queries are configuration errors, the rest source errors.
func sourceFail(err error) error {
	var ce *extract.ColumnError
	var qe *extract.QueryError
	switch {
	case errors.Is(err, context.Canceled):
		return fail(KindCanceled, err)
	case errors.As(err, &ce):
		return fail(KindConfig, err)
	case errors.As(err, &qe) && qe.Rejected():
		return fail(KindConfig, err)
	}
	return fail(KindSource, err)
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
	var je *Error
	if !errors.As(err, &je) {
		if errors.Is(err, context.Canceled) {
			return ExitCanceled
		}
		return ExitInternal
	}
	switch je.Kind {
	case KindConfig:
		return ExitConfig
	case KindSource:
		return ExitSource
	case KindOutput:
		return ExitOutput
	case KindLocked:
		return ExitLocked
	case KindCanceled:
		return ExitCanceled
	case KindGate:
		return ExitGate
	case KindStore:
		return ExitStore
	}
	return ExitInternal
}
