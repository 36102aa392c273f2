package secret

import (
	"errors"
	"io"
	"slices"
	"strings"
)

// MinSecret is the shortest secret masked: a shorter one would mask
// ordinary words (and is no secret anyway).
const MinSecret = 4

// mask is what a secret is replaced by.
const mask = "***"

// Masker replaces a set of secrets in text. The zero Masker masks nothing.
type Masker struct {
	secrets []string // at least MinSecret bytes each, the longest first
}

// NewMasker returns a Masker of every secret of at least MinSecret bytes,
// masking the longest first (a URL before the token in it).
func NewMasker(secrets ...string) Masker {
	var m Masker
	for _, s := range secrets {
		if len(s) >= MinSecret {
			m.secrets = append(m.secrets, s)
		}
	}
	slices.SortStableFunc(m.secrets, func(a, b string) int { return len(b) - len(a) })
	return m
}

// Mask returns s with every secret replaced by ***.
func (m Masker) Mask(s string) string {
	for _, secret := range m.secrets {
		s = strings.ReplaceAll(s, secret, mask)
	}
	return s
}

// MaskErr returns err itself when no secret appears in its text or in the
// text of anything it wraps, and otherwise a plain error with the masked
// text, so that no caller can unwrap its way to the secret.
func (m Masker) MaskErr(err error) error {
	if err == nil || !m.leaks(err) {
		return err
	}
	return errors.New(m.Mask(err.Error()))
}

// leaks reports whether err, or anything it wraps, shows a secret.
func (m Masker) leaks(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, secret := range m.secrets {
		if strings.Contains(msg, secret) {
			return true
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return m.leaks(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if m.leaks(e) {
				return true
			}
		}
	}
	return false
}

// Writer masks the secrets of a Masker in everything written through it.
type Writer struct {
	w io.Writer
	m Masker
}

// Writer returns w masking m's secrets, or w itself when m has none.
func (m Masker) Writer(w io.Writer) io.Writer {
	if len(m.secrets) == 0 {
		return w
	}
	return &Writer{w: w, m: m}
}

// Write writes p with its secrets masked, in one write to the underlying
// writer, and reports p as written whole.
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.m.Mask(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the writer that w writes to.
func (w *Writer) Unwrap() io.Writer { return w.w }
