package config

import (
	"errors"
	"fmt"
	"strings"
)

// SelectOnly checks that sql is one SELECT (or WITH … SELECT) statement and
// returns it without surrounding space and trailing semicolons. The job
// runs its queries in a read-only transaction too; this check rejects a
// statement that is not a query before anything runs.
func SelectOnly(sql string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
	body := strings.TrimLeft(stripComments(s), "( \t\r\n")
	word := body
	if i := strings.IndexFunc(body, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }); i >= 0 {
		word = body[:i]
	}
	switch strings.ToUpper(word) {
	case "SELECT", "WITH":
	case "":
		return "", errors.New("empty query")
	default:
		return "", fmt.Errorf("must be a SELECT, not %s", strings.ToUpper(word))
	}
	bare := strings.ToUpper(strings.Join(strings.Fields(stripQuoted(stripComments(s))), " "))
	if strings.Contains(bare, ";") {
		return "", errors.New("must be a single statement")
	}
	if strings.Contains(bare, "INTO OUTFILE") || strings.Contains(bare, "INTO DUMPFILE") {
		return "", errors.New("must not write files (INTO OUTFILE / DUMPFILE)")
	}
	return s, nil
}

// stripComments removes leading SQL comments.
func stripComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// stripQuoted removes quoted strings and identifiers, so that a semicolon
// inside them is not taken for a statement separator.
func stripQuoted(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\'' && c != '"' && c != '`' {
			b.WriteByte(c)
			continue
		}
		for i++; i < len(s) && s[i] != c; i++ {
			if s[i] == '\\' && c != '`' {
				i++
			}
		}
	}
	return b.String()
}
