package endpoint_test

import (
	"testing"

	"retention/config/endpoint"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"wecom", "dingtalk", "feishu", "slack", "json"} {
		if f, err := endpoint.ParseFormat(in); err != nil || string(f) != in {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, err)
		}
	}
}
