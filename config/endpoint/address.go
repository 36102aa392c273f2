package endpoint

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
)

// IsControl reports the characters that may never reach a header: C0 and
// C1 controls (CR, LF, tab, NUL, DEL ...) and the Unicode line and
// paragraph separators, which some clients treat as line breaks.
func IsControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// ParseAddress checks one e-mail address as configuration gives it: a bare
// address (east@example.com) or one with a display name, which may be
// Chinese ("客户保持报告 <reports@example.com>"). A bad address is an error
// naming it; CR, LF and every other control character are refused before
// net/mail sees the text, so an address can never carry a second header
// line or a second recipient. The address it returns is what a message's
// To takes back as String().
func ParseAddress(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("address %q is empty", s)
	}
	if i := strings.IndexFunc(s, IsControl); i >= 0 {
		return nil, fmt.Errorf("address %q contains the control character %U", s, []rune(s[i:])[0])
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}
