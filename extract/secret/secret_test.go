package secret_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"retention/extract/secret"
)

// TestWriter: every secret is masked, a URL before the token in it.
func TestWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := secret.NewMasker("pw", "hunter2", "https://h/x?key=tok3n-value", "tok3n-value").Writer(&b)
	fmt.Fprint(w, "dsn u:hunter2@tcp, url https://h/x?key=tok3n-value, token tok3n-value, pw stays")
	if got, want := b.String(), "dsn u:***@tcp, url ***, token ***, pw stays"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if secret.NewMasker().Writer(&b) != io.Writer(&b) {
		t.Error("without secrets the writer is wrapped")
	}
	if sw, ok := w.(*secret.Writer); !ok || sw.Unwrap() != io.Writer(&b) {
		t.Errorf("Unwrap of %T does not give the writer back", w)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"shorter than MinSecret", []string{"abc"}, "abc abcd", "abc abcd"},
		{"MinSecret long", []string{"abcd"}, "abc abcd", "abc ***"},
		{"longest first", []string{"tok3n", "https://h/?k=tok3n"}, "https://h/?k=tok3n tok3n", "*** ***"},
		{"every occurrence", []string{"hunter2"}, "hunter2hunter2", "******"},
		{"none", nil, "hunter2", "hunter2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := secret.NewMasker(tt.secrets...).Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// hidden is an error whose text does not show what it wraps.
type hidden struct{ err error }

func (h hidden) Error() string { return "failed" }
func (h hidden) Unwrap() error { return h.err }

func TestMaskErr(t *testing.T) {
	t.Parallel()
	m := secret.NewMasker("hunter2")
	if m.MaskErr(nil) != nil {
		t.Error("MaskErr(nil) is not nil")
	}
	clean := fmt.Errorf("connecting: %w", io.EOF)
	if got := m.MaskErr(clean); got != clean || !errors.Is(got, io.EOF) {
		t.Errorf("an error without the secret became %v; want it as it is, its chain intact", got)
	}
	for _, err := range []error{
		fmt.Errorf("reply %q: %w", "535 hunter2 rejected", io.EOF),
		hidden{fmt.Errorf("password hunter2: %w", io.EOF)},
		errors.Join(io.EOF, errors.New("hunter2")),
	} {
		got := m.MaskErr(err)
		if strings.Contains(got.Error(), "hunter2") {
			t.Errorf("MaskErr(%q) = %q shows the secret", err, got)
		}
		if want := strings.ReplaceAll(err.Error(), "hunter2", "***"); got.Error() != want {
			t.Errorf("MaskErr(%q) = %q, want %q", err, got, want)
		}
		if errors.Unwrap(got) != nil || errors.Is(got, io.EOF) {
			t.Errorf("MaskErr(%q) can be unwrapped to what showed the secret", err)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	got := secret.RedactDSN("reporter:s3cr3t!@tcp(db.example:3306)/shop?tls=true")
	if strings.Contains(got, "s3cr3t") || !strings.Contains(got, "reporter:***@tcp(db.example:3306)/shop") {
		t.Errorf("RedactDSN = %q", got)
	}
	if got := secret.RedactDSN("reporter@tcp(db.example:3306)/shop"); got != "reporter@tcp(db.example:3306)/shop" {
		t.Errorf("RedactDSN without a password = %q", got)
	}
	if got := secret.RedactDSN("reporter:s3cr3t!@db.example/shop"); got != "(unparsable DSN)" {
		t.Errorf("RedactDSN of a DSN that does not parse = %q", got)
	}
}

func TestDSNPassword(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"reporter:s3cr3t!@tcp(db.example:3306)/shop?tls=true": "s3cr3t!",
		"reporter:p@ss@tcp(db.example:3306)/shop":             "p@ss",
		"reporter@tcp(db.example:3306)/shop":                  "",
		"reporter:s3cr3t!@db.example/shop":                    "s3cr3t!", // does not parse
		"not a dsn":                                           "",
		"":                                                    "",
	} {
		if got := secret.DSNPassword(dsn); got != want {
			t.Errorf("DSNPassword(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	const token = "3f1c9a7e-5b2d-4e8f-9a6c-0d1e2f3a4b5c"
	if got := secret.RedactURL("https://user:pw@hooks.slack.com/services/T/B/" + token + "?x=1#f"); got != "https://hooks.slack.com" {
		t.Errorf("RedactURL = %q", got)
	}
	if got := secret.RedactURL("qyapi.weixin.qq.com/send?key=" + token); got != "(invalid URL)" {
		t.Errorf("RedactURL of a URL without a host = %q", got)
	}
}

func TestURLParts(t *testing.T) {
	t.Parallel()
	raw := "https://bot:pa55word@hooks.example.com/services/T1/B1/abcdefghijklmnop/x%2Fy12345678?key=3f1c9a7e&v=2#frag"
	got := secret.URLParts(raw)
	for _, want := range []string{raw, "key=3f1c9a7e&v=2", "frag", "bot", "pa55word", "3f1c9a7e",
		"abcdefghijklmnop", "x%2Fy12345678", "x/y12345678"} {
		if !slices.Contains(got, want) {
			t.Errorf("URLParts lacks %q: %q", want, got)
		}
	}
	for _, word := range []string{"services", "T1", "B1", "", "https"} {
		if slices.Contains(got, word) {
			t.Errorf("URLParts lists %q, which is no token: %q", word, got)
		}
	}
	if got := secret.URLParts("https://h/%zz"); len(got) != 1 || got[0] != "https://h/%zz" {
		t.Errorf("URLParts of a URL that does not parse = %q, want it whole", got)
	}
}
