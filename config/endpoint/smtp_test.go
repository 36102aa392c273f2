package endpoint_test

import (
	"fmt"
	"strings"
	"testing"

	"retention/config/endpoint"
)

func TestParseTLSMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]endpoint.TLSMode{"": endpoint.StartTLS, "starttls": endpoint.StartTLS, "tls": endpoint.ImplicitTLS, "none": endpoint.NoTLS} {
		got, err := endpoint.ParseTLSMode(in)
		if err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %v, %v; want %v", in, got, err, want)
		}
		if in != "" && got.String() != in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), in)
		}
	}
	for _, in := range []string{"STARTTLS", "ssl", "yes", " tls"} {
		if _, err := endpoint.ParseTLSMode(in); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseTLSMode(%q): got %v, want an error naming it", in, err)
		}
	}
}
