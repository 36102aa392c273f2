package main

import (
	"bytes"
	"io"

	"github.com/go-sql-driver/mysql"
)

// redactor replaces a password in everything written through it: a last
// guard behind the redaction the job does wherever it shows a DSN.
type redactor struct {
	w      io.Writer
	secret []byte
}

// minSecret is the shortest password masked in output; shorter ones would
// mask ordinary words (and are no secret anyway).
const minSecret = 4

func redacting(w io.Writer, dsn string) io.Writer {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || len(cfg.Passwd) < minSecret {
		return w
	}
	return &redactor{w: w, secret: []byte(cfg.Passwd)}
}

func (r *redactor) Write(p []byte) (int, error) {
	if !bytes.Contains(p, r.secret) {
		return r.w.Write(p)
	}
	if _, err := r.w.Write(bytes.ReplaceAll(p, r.secret, []byte("***"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
