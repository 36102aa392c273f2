// Package secret hides secrets: in everything written through a Writer,
// in a string, in an error, in a DSN and in a URL. It is the one place
// that decides what of a secret may be shown; main, extract, the snapshot
// store, delivery and config all ask it.
//
// Inputs: the secrets themselves (a password, a token, a whole URL) and the
// DSNs (go-sql-driver's form) and URLs that hold them. Outputs: text with
// every secret replaced by ***, a DSN with its password shown as ***, a
// URL shown as its scheme and host.
//
// Invariants:
//   - A secret shorter than MinSecret bytes is never masked: masking it
//     would garble ordinary words, and it is no secret anyway.
//   - Secrets are masked the longest first, so that a URL is masked whole
//     before the token in it.
//   - An error that shows a secret, or wraps one that does, is replaced by
//     a plain error with the masked text, so that unwrapping cannot reach
//     the secret; an error that shows none is returned as it is, its chain
//     intact.
//   - A DSN's password is found by go-sql-driver's ParseDSN, the parser the
//     connections use, never by a parser of the job's own; of a DSN that
//     does not parse, it is taken to be what stands between the first
//     colon and the last @, so that even such a DSN keeps its password out
//     of messages.
//
// The package imports nothing of the project.
package secret
