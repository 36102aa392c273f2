package deliver

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxSection is the longest value of one RFC 2231 section: with the
// parameter name, "*NN*=" and "; " around it a section stays well inside a
// 78-character header line.
const maxSection = 56

// mimeParam renders one MIME header parameter, attr=value, the way mail
// clients read it best. A short value of printable ASCII without spaces is
// a quoted string, filename="company.xlsx" (go-mail folds header lines at
// spaces, so a value with one goes the next way). Anything else is RFC 2231
// extended notation, UTF-8 and percent-encoded; when that is long it is
// split into numbered sections that break only between characters, so
// every section decodes on its own, one section per folded line:
//
//	filename*=UTF-8''%E5%8D%8E%E4%B8%9C.xlsx
//
//	filename*0*=UTF-8''%E4%B8%80%E4%B8%AA…;
//	 filename*1*=%E9%95%BF%E7%9A%84….xlsx
//
// Nothing in the value can end the header: it is quoted with its quotes and
// backslashes escaped, or percent-encoded. The only line breaks are the
// folds between sections, CRLF and a space, which continue the header
// (go-mail writes a part's headers as they are, without folding them).
func mimeParam(attr, value string) string {
	if len(value) <= maxSection && isPlainASCII(value) {
		return fmt.Sprintf(`%s="%s"`, attr, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value))
	}
	value = strings.ToValidUTF8(value, "\uFFFD")
	var sections []string
	var cur strings.Builder
	for _, r := range value {
		enc := percentEncode(r)
		if cur.Len() > 0 && cur.Len()+len(enc) > maxSection {
			sections = append(sections, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	sections = append(sections, cur.String())
	if len(sections) == 1 {
		return attr + "*=UTF-8''" + sections[0]
	}
	parts := make([]string, len(sections))
	for i, s := range sections {
		if i == 0 {
			s = "UTF-8''" + s
		}
		parts[i] = fmt.Sprintf("%s*%d*=%s", attr, i, s)
	}
	return strings.Join(parts, ";\r\n ")
}

// percentEncode writes r as RFC 2231 wants it: attribute-chars as they
// are, every other octet of its UTF-8 form as %XX.
func percentEncode(r rune) string {
	if r < utf8.RuneSelf && isAttributeChar(byte(r)) {
		return string(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var b strings.Builder
	for _, c := range buf[:n] {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// isAttributeChar is RFC 2231's attribute-char: a token character
// (RFC 2045) other than "*", "'" and "%".
func isAttributeChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// isPlainASCII reports printable ASCII without spaces.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
