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
}

// Attachment is a file sent with a message, under Name.
type Attachment struct {
	// Name is the file name the recipient sees (华东.xlsx); empty means the
	// base name of Path. Control characters and " / : < > ? \ | become "_".
	Name string
	// Path is read when the message is built; Data is used instead when
	// Path is empty.
	Path string
	Data []byte
	// ContentType defaults to ContentTypeXLSX for a .xlsx name and to
	// application/octet-stream otherwise.
	ContentType string
}

// build turns msg into a go-mail message: From, To, Subject, a text body
// with an optional HTML alternative, and the attachments.
func (m *Mailer) build(msg Message) (*gomail.Msg, error) {
	to, err := parseAddresses(msg.To)
	if err != nil {
		return nil, err
	}
	gm := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64))
	gm.FromMailAddress(m.from)
	gm.ToMailAddress(to...)
	gm.Subject(headerText(msg.Subject))
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	for _, a := range msg.Attachments {
		if err := attach(gm, a); err != nil {
			return nil, err
		}
	}
	return gm, nil
}

func attach(gm *gomail.Msg, a Attachment) error {
	data := a.Data
	name := a.Name
	if a.Path != "" {
		var err error
		if data, err = os.ReadFile(a.Path); err != nil {
			return fmt.Errorf("reading attachment: %w", err)
		}
		if name == "" {
			name = filepath.Base(a.Path)
		}
	}
	if name == "" {
		return errors.New("attachment without a name or a path")
	}
	name = fileName(name)
	contentType := a.ContentType
	switch {
	case contentType != "":
		if strings.IndexFunc(contentType, endpoint.IsControl) >= 0 {
			return fmt.Errorf("attachment %q: content type %q contains a control character", name, contentType)
		}
	case strings.EqualFold(filepath.Ext(name), ".xlsx"):
		contentType = ContentTypeXLSX
	default:
		contentType = "application/octet-stream"
	}
	return gm.AttachReader(name, bytes.NewReader(data),
		gomail.WithFileContentType(gomail.ContentType(contentType)),
		withDisposition(name))
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
