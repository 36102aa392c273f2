package endpoint_test

import (
	"strconv"
	"strings"
	"testing"

	"retention/config/endpoint"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"east-sales@example.com",
		"客户保持报告 <reports@example.com>",
		`"Finance, HQ" <finance@example.com>`,
		"north.lead+reports@example.co.uk",
	} {
		if _, err := endpoint.ParseAddress(ok); err != nil {
			t.Errorf("ParseAddress(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		"  ",
		"east-sales",
		"east@example.com, north@example.com",
		"east@example.com\r\nBcc: evil@example.net",
		"east@example.com\n",
		"east\x00@example.com",
		"华东 <east@example.com",
	} {
		_, err := endpoint.ParseAddress(bad)
		if err == nil {
			t.Errorf("ParseAddress(%q) accepted it", bad)
			continue
		}
		if !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("ParseAddress(%q): %q does not name the address", bad, err)
		}
	}
}

// TestParseAddressRoundTrip: the parsed address, given back as text (what
// the job puts in a Message's To), is the same address and display name.
func TestParseAddressRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"华北 Lead <north-lead@example.com>", "east@example.com", `"Finance, HQ" <finance@example.com>`} {
		a, err := endpoint.ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := endpoint.ParseAddress(a.String())
		if err != nil || b.Name != a.Name || b.Address != a.Address {
			t.Errorf("%q → %q → %+v, %v", s, a.String(), b, err)
		}
	}
}
