package config_test

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"testing"

	"retention/config"
	"retention/config/endpoint"
)

// issueDelivery is the delivery key as the issue shows it.
const issueDelivery = `delivery:
  email:
    smtp: smtp.internal:587
    tls: starttls
    username: reports
    from: "客户保持报告 <reports@example.com>"
    company: [finance@example.com]
    departments:
      华东: [east-sales@example.com]
      华北: [north@example.com, north-lead@example.com]
  webhook:
    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=3f1c9a7e-5b2d-4e8f-9a6c-0d1e2f3a4b5c
    format: wecom
`

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestDelivery(t *testing.T) {
	t.Parallel()
	c, err := config.Load(strings.NewReader(issueDelivery), env(map[string]string{config.EnvSMTPPassword: "s3cret-pw"}))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Delivery.Email
	if e == nil {
		t.Fatal("no email delivery")
	}
	if e.SMTP.Addr != "smtp.internal:587" || e.SMTP.TLS != endpoint.StartTLS || e.SMTP.Username != "reports" ||
		e.SMTP.Password != "s3cret-pw" || e.SMTP.From != "客户保持报告 <reports@example.com>" {
		t.Errorf("smtp = %v (password %q)", e.SMTP, e.SMTP.Password)
	}
	got := fmt.Sprint(addrs(e.Company))
	for _, r := range e.Departments {
		got += fmt.Sprintf(" %s:%v", r.Department, addrs(r.To))
	}
	if want := "[finance@example.com] 华东:[east-sales@example.com] 华北:[north@example.com north-lead@example.com]"; got != want {
		t.Errorf("routes %s, want %s", got, want)
	}
	if err := e.Ready(); err != nil {
		t.Errorf("Ready: %v", err)
	}
	w := c.Delivery.Webhook
	if w == nil || w.Format != endpoint.WeCom || !strings.HasSuffix(w.URL, "key=3f1c9a7e-5b2d-4e8f-9a6c-0d1e2f3a4b5c") {
		t.Errorf("webhook = %v", w)
	}
	// What output must never show.
	secrets := strings.Join(c.Secrets(), " ")
	for _, s := range []string{"s3cret-pw", "3f1c9a7e-5b2d-4e8f-9a6c-0d1e2f3a4b5c", w.URL} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %q", s)
		}
	}

	// Without the password the configuration loads (diff needs none),
	// and the commands that send are told what is missing.
	c, err = config.Load(strings.NewReader(issueDelivery), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var ce *config.Error
	if err := c.Delivery.Email.Ready(); !errors.As(err, &ce) || ce.Key != config.EnvSMTPPassword {
		t.Errorf("Ready without the password: %v", err)
	}

	// The environment's URL wins; a display name stays.
	c, err = config.Load(strings.NewReader(`delivery:
  email: {smtp: 'relay:25', tls: none, allow_plaintext: true, from: r@example.com, departments: {" 华东 ": ["华东 Sales <east@example.com>"]}}
  webhook: {format: slack}
`), env(map[string]string{config.EnvWebhookURL: "https://hooks.slack.com/services/T1/B1/abcdefghijklmnop"}))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Delivery.Webhook; w == nil || w.URL != "https://hooks.slack.com/services/T1/B1/abcdefghijklmnop" || w.Format != endpoint.Slack {
		t.Errorf("webhook = %v", w)
	}
	if to := c.Delivery.Email.Departments[0].To[0]; to.Name != "华东 Sales" || to.Address != "east@example.com" || c.Delivery.Email.SMTP.TLS != endpoint.NoTLS ||
		!c.Delivery.Email.AllowPlaintext {
		t.Errorf("route %+v, tls %v, allowed in clear %v", to, c.Delivery.Email.SMTP.TLS, c.Delivery.Email.AllowPlaintext)
	}
	if r := c.Delivery.Email.Departments[0]; r.Department != "华东" {
		t.Errorf("route of %q: a route's name is compared trimmed", r.Department)
	}
	if c.Delivery.Email.Company != nil {
		t.Errorf("company recipients %v, want none", c.Delivery.Email.Company)
	}
}

func addrs(list []*mail.Address) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

// TestDeliveryInExample: the delivery block of example.yaml, commented out
// there, loads once uncommented.
func TestDeliveryInExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "\n#delivery:\n")
	if !ok {
		t.Fatal("example.yaml has no #delivery: block")
	}
	var lines []string
	for _, l := range strings.Split("#delivery:\n"+block, "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "#"))
	}
	c, err := config.Load(strings.NewReader(strings.Join(lines, "\n")), noEnv)
	if err != nil {
		t.Fatalf("the example's delivery block: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if e := c.Delivery.Email; e == nil || len(e.Departments) != 2 || c.Delivery.Webhook == nil {
		t.Errorf("example delivery = %+v", c.Delivery)
	}
}

func TestDeliveryErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	const email = "delivery:\n  email:\n    smtp: smtp.internal:587\n    from: r@example.com\n"
	tests := []struct {
		name, yaml, key string
		env             map[string]string
	}{
		{"unknown key", "delivery: {mail: {}}", "delivery.mail", nil},
		{"unknown email key", email + "    password: hunter2hunter2\n", "delivery.email.password", nil},
		{"bad department address", email + "    departments:\n      华北: [north@example.com, 'north-lead@']\n", "delivery.email.departments.华北[1]", nil},
		{"address with a header", email + "    company: [\"finance@example.com\\r\\nBcc: evil@example.net\"]\n", "delivery.email.company[0]", nil},
		{"two addresses in one", email + "    company: ['a@example.com, b@example.com']\n", "delivery.email.company[0]", nil},
		{"address twice", email + "    company: [a@example.com, A@example.com]\n", "delivery.email.company[1]", nil},
		{"company not a list", email + "    company: finance@example.com\n", "delivery.email.company", nil},
		{"departments not a mapping", email + "    departments: [华东]\n", "delivery.email.departments", nil},
		{"department without recipients", email + "    departments: {华东: []}\n", "delivery.email.departments.华东", nil},
		{"department twice", email + "    departments: {华东: [a@example.com], 华东: [b@example.com]}\n", "delivery.email.departments.华东", nil},
		{"department name with a line break", email + "    departments: {\"华东\\nBcc\": [x]}\n", `delivery.email.departments."华东\nBcc"[0]`, nil},
		{"no recipients at all", email, "delivery.email", nil},
		{"no server", "delivery: {email: {from: r@example.com, company: [f@example.com]}}", "delivery.email.smtp", nil},
		{"server without port", "delivery: {email: {smtp: smtp.internal, from: r@example.com, company: [f@example.com]}}", "delivery.email.smtp", nil},
		{"no sender", "delivery: {email: {smtp: 'h:25', company: [f@example.com]}}", "delivery.email.from", nil},
		{"bad sender", "delivery: {email: {smtp: 'h:25', from: 'reports', company: [f@example.com]}}", "delivery.email.from", nil},
		{"bad tls", "delivery: {email: {smtp: 'h:25', tls: ssl, from: r@example.com, company: [f@example.com]}}", "delivery.email.tls", nil},
		{"password in clear", "delivery: {email: {smtp: 'h:25', tls: none, username: u, from: r@example.com, company: [f@example.com]}}", "delivery.email.username",
			map[string]string{config.EnvSMTPPassword: "hunter2hunter2"}},
		{"password without account", email + "    company: [f@example.com]\n", config.EnvSMTPPassword, map[string]string{config.EnvSMTPPassword: "hunter2hunter2"}},
		{"webhook without url", "delivery: {webhook: {format: wecom}}", "delivery.webhook.url", nil},
		{"webhook without format", "delivery: {webhook: {url: 'https://example.com/hook?token=hunter2hunter2'}}", "delivery.webhook.format", nil},
		{"env webhook without format", "", "delivery.webhook.format", map[string]string{config.EnvWebhookURL: "https://example.com/hook?token=hunter2hunter2"}},
		{"bad webhook format", "delivery: {webhook: {url: 'https://example.com/x?k=hunter2hunter2', format: teams}}", "delivery.webhook.format", nil},
		{"webhook not http", "delivery: {webhook: {url: 'ftp://example.com/x?k=hunter2hunter2', format: json}}", "delivery.webhook", nil},
		{"mail in clear", "delivery: {email: {smtp: 'h:25', tls: none, from: r@example.com, company: [f@example.com]}}", "delivery.email.tls", nil},
		{"mail in clear not allowed", "delivery: {email: {smtp: 'h:25', tls: none, allow_plaintext: false, from: r@example.com, company: [f@example.com]}}",
			"delivery.email.tls", nil},
		{"allow_plaintext not a bool", "delivery: {email: {smtp: 'h:25', tls: none, allow_plaintext: yes, from: r@example.com, company: [f@example.com]}}",
			"delivery.email.allow_plaintext", nil},
		{"webhook in clear", "delivery: {webhook: {url: 'http://example.com/x?k=hunter2hunter2', format: json}}", "delivery.webhook.url", nil},
		{"env webhook in clear", "delivery: {webhook: {format: json}}", "delivery.webhook.url",
			map[string]string{config.EnvWebhookURL: "HTTP://example.com/hook?token=hunter2hunter2"}},
		{"department twice once trimmed", email + "    departments: {华东: [a@example.com], ' 华东 ': [b@example.com]}\n", "delivery.email.departments.华东", nil},
		{"department twice in NFC", email + "    departments: {\"Caf\u00e9\": [a@example.com], \"Cafe\u0301\": [b@example.com]}\n", "delivery.email.departments.Café", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(strings.NewReader(tt.yaml), env(tt.env))
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Fatalf("err = %v, want a config.Error for %s", err, tt.key)
			}
			if strings.Contains(err.Error(), "hunter2hunter2") {
				t.Errorf("message %q shows a secret", err)
			}
			if tt.env != nil && !strings.Contains(strings.Join(c.Secrets(), " "), "hunter2hunter2") {
				t.Errorf("the Config of a failed load does not list the secret for redaction: %q", c.Secrets())
			}
		})
	}
}
