package main

import (
	"bytes"
	"io"
	"slices"
)

// redactor replaces secrets in everything written through it: a last
// guard behind the redaction the job does wherever it shows a DSN, an
// SMTP server or a webhook.
type redactor struct {
	w       io.Writer
	secrets [][]byte
}

// minSecret is the shortest secret masked in output; shorter ones would
// mask ordinary words (and are no secret anyway).
const minSecret = 4

// redacting returns w masking every secret of at least minSecret bytes,
// the longest first (a URL before the token in it); w itself when there
// is none.
func redacting(w io.Writer, secrets ...string) io.Writer {
	r := &redactor{w: w}
	for _, s := range secrets {
		if len(s) >= minSecret {
			r.secrets = append(r.secrets, []byte(s))
		}
	}
	if len(r.secrets) == 0 {
		return w
	}
	slices.SortStableFunc(r.secrets, func(a, b []byte) int { return len(b) - len(a) })
	return r
}

func (r *redactor) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("***"))
		}
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
