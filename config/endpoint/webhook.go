package endpoint

import (
	"fmt"
	"net/url"

	"retention/extract/secret"
)

// Format is the body a webhook expects.
type Format string

const (
	WeCom    Format = "wecom"    // WeCom (企业微信) group robot: markdown
	DingTalk Format = "dingtalk" // DingTalk (钉钉) custom robot: markdown
	Feishu   Format = "feishu"   // Feishu (飞书) custom bot: text
	Slack    Format = "slack"    // Slack incoming webhook: text
	JSON     Format = "json"     // {"title", "lines", "data"} for anything else
)

// ParseFormat reads wecom, dingtalk, feishu, slack or json.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case WeCom, DingTalk, Feishu, Slack, JSON:
		return f, nil
	}
	return "", fmt.Errorf("%q is not one of wecom, dingtalk, feishu, slack, json", s)
}

// Webhook is a chat webhook.
type Webhook struct {
	// URL is the webhook's address. It usually holds a secret (WeCom's
	// key, DingTalk's access_token, the last part of Slack's and Feishu's
	// path), so errors and String show its scheme and host only.
	URL    string
	Format Format
}

// String shows the webhook without its secret.
func (w Webhook) String() string {
	return fmt.Sprintf("%s webhook %s", w.Format, secret.RedactURL(w.URL))
}

// GoString is String, for %#v.
func (w Webhook) GoString() string { return w.String() }

// Check checks the URL (absolute http or https, with a host) and the
// format; errors never show the URL's secret.
func (w Webhook) Check() error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("url %s: want an absolute http or https URL", secret.RedactURL(w.URL))
	}
	if _, err := ParseFormat(string(w.Format)); err != nil {
		return fmt.Errorf("format: %w", err)
	}
	return nil
}
