package delivertest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// Mail is a received message read back with net/mail and mime/multipart,
// the way a mail client reads it.
type Mail struct {
	Header      mail.Header
	Subject     string // decoded
	From        *mail.Address
	To          []*mail.Address
	Text, HTML  string
	Attachments []Attachment
}

// Attachment is one attached file of a Mail.
type Attachment struct {
	Filename    string // decoded from Content-Disposition
	Disposition string // the header as it came, unfolded
	ContentType string // the media type, without parameters
	Header      map[string][]string
	Data        []byte
	SHA256      [32]byte
}

// ParseMail reads a raw message; anything a client could not read fails
// the test.
func ParseMail(t testing.TB, raw []byte) Mail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("reading message: %v\n%s", err, raw)
	}
	var p Mail
	p.Header = msg.Header
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decoding subject: %v", err)
	}
	froms, err := msg.Header.AddressList("From")
	if err != nil || len(froms) != 1 {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	p.From = froms[0]
	if p.To, err = msg.Header.AddressList("To"); err != nil {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	walkPart(t, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body, nil)
	return p
}

func walkPart(t testing.TB, p *Mail, contentType, encoding, disposition string, body io.Reader, header map[string][]string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("reading part: %v", err)
			}
			walkPart(t, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"),
				part.Header.Get("Content-Disposition"), part, part.Header)
		}
	}
	content, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(encoding, "base64") {
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, string(content))
		if content, err = base64.StdEncoding.DecodeString(clean); err != nil {
			t.Fatalf("base64 body of %s: %v", mediaType, err)
		}
	}
	if disposition != "" {
		d, dp, err := mime.ParseMediaType(disposition)
		if err != nil || d != "attachment" {
			t.Fatalf("Content-Disposition %q: %s, %v", disposition, d, err)
		}
		p.Attachments = append(p.Attachments, Attachment{
			Filename: dp["filename"], Disposition: disposition, ContentType: mediaType,
			Header: header, Data: content, SHA256: sha256.Sum256(content),
		})
		return
	}
	switch mediaType {
	case "text/plain":
		p.Text = string(content)
	case "text/html":
		p.HTML = string(content)
	default:
		t.Fatalf("unexpected part %s", mediaType)
	}
}
