package deliver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"retention/config/endpoint"
)

// ContentTypeXLSX is the media type of an Excel workbook.
const ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Message is one e-mail. It goes to the addresses of To and to no one else:
// there is no Cc or Bcc, and nothing in the other fields can add a header
// or a recipient.
type Message struct {
	To          []string // usually one address; each checked as endpoint.ParseAddress does
	Subject     string   // any text; control characters become spaces, non-ASCII is RFC 2047 encoded
	Text        string   // the plain-text body
	HTML        string   // optional HTML alternative of Text
	Attachments []Attachment
	// MessageID is the Message-ID, without its angle brackets
	// (id@domain); empty gives a random one. A caller that may send a
	// message again gives the same id each time, so that mail servers
	// and clients can tell the copies for one message.
	MessageID string
}

// Attachment is a file sent with a message, under Name.
type Attachment struct {
	// Name is the file name the recipient sees (华东.xlsx); empty means the
	// base name of Path. Control characters and " / : < > ? \ | become "_".
	Name string
	// Path is read as the message is sent, streamed from the file (the
	// message is never held whole in memory); Data is used instead when
	// Path is empty.
	Path string
	Data []byte
	// ContentType defaults to ContentTypeXLSX for a .xlsx name and to
	// application/octet-stream otherwise.
	ContentType string
}

// check finds what would stop msg from being built: a bad address, an
// attachment without a name, or whose file cannot be read.
func (m *Mailer) check(msg Message) error {
	_, _, err := m.build(msg)
	return err
}

// build turns msg into a go-mail message (From, To, Subject, Message-ID, a
// text body with an optional HTML alternative, and the attachments, read
// from their files only as the message is written) and says about how
// many bytes it takes on the wire.
func (m *Mailer) build(msg Message) (*gomail.Msg, int64, error) {
	to, err := parseAddresses(msg.To)
	if err != nil {
		return nil, 0, err
	}
	if strings.IndexFunc(msg.MessageID, endpoint.IsControl) >= 0 || strings.ContainsAny(msg.MessageID, "<> ") {
		return nil, 0, fmt.Errorf("message id %q holds a space, a bracket or a control character", msg.MessageID)
	}
	gm := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64))
	gm.FromMailAddress(m.from)
	gm.ToMailAddress(to...)
	gm.Subject(headerText(msg.Subject))
	if msg.MessageID != "" {
		gm.SetMessageIDWithValue(msg.MessageID)
	}
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	size := int64(4096 + 2*(len(msg.Text)+len(msg.HTML)))
	for _, a := range msg.Attachments {
		n, err := attach(gm, a)
		if err != nil {
			return nil, 0, err
		}
		size += n * 4 / 3 // base64
	}
	return gm, size, nil
}

// attach adds an attachment and returns its size: from its file, streamed
// as the message is written, or from Data.
func attach(gm *gomail.Msg, a Attachment) (int64, error) {
	name := a.Name
	var size int64
	if a.Path != "" {
		info, err := os.Stat(a.Path)
		if err != nil {
			return 0, fmt.Errorf("reading attachment: %w", err)
		}
		if !info.Mode().IsRegular() {
			return 0, fmt.Errorf("reading attachment: %s is not a file", a.Path)
		}
		size = info.Size()
		if name == "" {
			name = filepath.Base(a.Path)
		}
	} else {
		size = int64(len(a.Data))
	}
	if name == "" {
		return 0, errors.New("attachment without a name or a path")
	}
	name = fileName(name)
	contentType := a.ContentType
	switch {
	case contentType != "":
		if strings.IndexFunc(contentType, endpoint.IsControl) >= 0 {
			return 0, fmt.Errorf("attachment %q: content type %q contains a control character", name, contentType)
		}
	case strings.EqualFold(filepath.Ext(name), ".xlsx"):
		contentType = ContentTypeXLSX
	default:
		contentType = "application/octet-stream"
	}
	opts := []gomail.FileOption{gomail.WithFileName(name), gomail.WithFileContentType(gomail.ContentType(contentType)), withDisposition(name)}
	if a.Path != "" {
		gm.AttachFile(a.Path, opts...)
		return size, nil
	}
	return size, gm.AttachReader(name, bytes.NewReader(a.Data), opts...)
}

// withDisposition sets the attachment's Content-Disposition to carry its
// name in RFC 2231 form, which standard parsers decode to 华东.xlsx:
//
//	Content-Disposition: attachment; filename*=UTF-8''%E5%8D%8E%E4%B8%9C.xlsx
//
// go-mail would write an RFC 2047 encoded word inside the quoted filename,
// which RFC 2047 itself rules out there and which Go's mime package, among
// others, leaves undecoded. It still writes one in Content-Type's name
// parameter, the form older Outlook versions read; Thunderbird sends the
// same pair.
func withDisposition(name string) gomail.FileOption {
	return func(f *gomail.File) {
		param := mimeParam("filename", name)
		sep := " "
		if strings.Contains(param, "\n") { // sections: each on its own line
			sep = "\r\n "
		}
		f.Header.Set("Content-Disposition", "attachment;"+sep+param)
	}
}
