package deliver

import (
	"fmt"
	"net/mail"
	"strings"
)

// ParseAddress checks one e-mail address as configuration gives it: a bare
// address (east@example.com) or one with a display name, which may be
// Chinese ("客户保持报告 <reports@example.com>"). A bad address is an error
// naming it; CR, LF and every other control character are refused before
// net/mail sees the text, so an address can never carry a second header
// line or a second recipient. The address it returns is what a Message's
// To takes back as String().
func ParseAddress(s string) (*mail.Address, error) {
	return parseAddress(s)
}

func parseAddress(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("address %q is empty", s)
	}
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		return nil, fmt.Errorf("address %q contains the control character %U", s, []rune(s[i:])[0])
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}

func parseAddresses(list []string) ([]*mail.Address, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("no recipient")
	}
	out := make([]*mail.Address, 0, len(list))
	for _, s := range list {
		a, err := parseAddress(s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
