package deliver

import (
	"strings"

	"retention/config/endpoint"
)

// headerText makes s safe as the text of a header (a subject): every
// control character becomes a space, so a department named "华东\r\nBcc: x"
// stays one line of text. Encoding non-ASCII text (RFC 2047) is go-mail's.
func headerText(s string) string {
	return strings.Map(func(r rune) rune {
		if endpoint.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// fileName makes s safe as an attachment's file name: control characters
// and the characters file systems or MIME parameters choke on
// (" / : < > ? \ | and control characters, the set go-mail replaces in the
// name it writes itself) become "_", so the name in Content-Type and the
// one in Content-Disposition agree.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if endpoint.IsControl(r) || strings.ContainsRune(`"/:<>?\|`, r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if strings.Trim(s, ". ") == "" {
		return "attachment"
	}
	return s
}
