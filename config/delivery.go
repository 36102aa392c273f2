package config

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"retention/config/endpoint"
	"retention/extract/secret"
)

// EnvSMTPPassword is where the SMTP password comes from, and the only
// place: no key holds it.
const EnvSMTPPassword = "RETENTION_SMTP_PASSWORD"

// EnvWebhookURL overrides delivery.webhook.url, whose token need then not
// be in a file.
const EnvWebhookURL = "RETENTION_WEBHOOK_URL"

// Delivery says who receives the published workbooks and which chat hears
// of each run. Both parts are optional.
type Delivery struct {
	Email   *Email            // nil without delivery.email
	Webhook *endpoint.Webhook // nil without a webhook URL
	// WebhookPlaintext is delivery.webhook.allow_plaintext: an http://
	// URL is allowed (and warned of on every run).
	WebhookPlaintext bool
}

// Email is the mail server and the routing of workbooks to people.
type Email struct {
	// SMTP is the server, its TLS mode, the account (the password from
	// EnvSMTPPassword) and the sender, checked by endpoint.SMTP.Check.
	SMTP endpoint.SMTP
	// Company receive company.xlsx.
	Company []*mail.Address
	// Departments route each department's workbook to its people, in the
	// file's order; a department nobody lists is sent to nobody
	// ((unassigned) included).
	Departments []Route
	// AllowPlaintext is delivery.email.allow_plaintext: tls none is
	// allowed (and warned of on every run).
	AllowPlaintext bool
}

// Route is one department's recipients.
type Route struct {
	// Department is the name as the file gives it, in Unicode NFC and
	// without the blanks around it (RouteName): how it is compared with
	// the source's names, read the same way. (unassigned) for rows
	// without one.
	Department string
	To         []*mail.Address
}

// RouteName is a department name as routes compare it: in Unicode NFC
// (a composed é and an e with a combining accent are one name) and
// without the blanks around it.
func RouteName(name string) string { return norm.NFC.String(strings.TrimSpace(name)) }

// Ready reports whether mail can be sent as configured: an account needs
// its password, which only the environment gives. It is checked by the
// commands that send, not at load, so that diff and a dry run need no
// password.
func (e *Email) Ready() error {
	if e.SMTP.Username != "" && e.SMTP.Password == "" {
		return &Error{Key: EnvSMTPPassword, Msg: fmt.Sprintf("not set, but delivery.email.username is %q; the SMTP password comes only from the environment", e.SMTP.Username)}
	}
	return nil
}

// emailDoc is delivery.email as written.
type emailDoc struct {
	set                       bool
	line                      int
	smtp, tls, username, from string
	company                   []*mail.Address
	departments               []Route
	plaintext                 bool
}

// deliveryDoc is the delivery key as written, and the secrets the
// environment adds.
type deliveryDoc struct {
	email   emailDoc
	webhook struct {
		set         bool
		line        int
		url, format string
		plaintext   bool
	}
	password string // EnvSMTPPassword
}

// decodeDelivery reads the delivery key. Addresses are parsed as they are
// read, so an error names the key and index of the bad one.
func (d *deliveryDoc) decode(n *yaml.Node, key string) error {
	return fields(n, key, map[string]func(*yaml.Node, string) error{
		"email": func(n *yaml.Node, key string) error {
			e := &d.email
			e.set, e.line = true, n.Line
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"smtp":            str(&e.smtp),
				"tls":             str(&e.tls),
				"username":        str(&e.username),
				"from":            str(&e.from),
				"company":         addresses(&e.company),
				"departments":     routes(&e.departments),
				"allow_plaintext": boolean(&e.plaintext),
			})
		},
		"webhook": func(n *yaml.Node, key string) error {
			w := &d.webhook
			w.set, w.line = true, n.Line
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"url":             str(&w.url),
				"format":          str(&w.format),
				"allow_plaintext": boolean(&w.plaintext),
			})
		},
	})
}

// addresses decodes a list of e-mail addresses, each checked as
// endpoint.ParseAddress does and listed once.
func addresses(dst *[]*mail.Address) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.SequenceNode {
			return &Error{Key: key, Line: n.Line, Msg: "must be a list of e-mail addresses, such as [finance@example.com]"}
		}
		seen := map[string]bool{}
		for i, item := range n.Content {
			k := fmt.Sprintf("%s[%d]", key, i)
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return &Error{Key: k, Line: item.Line, Msg: "must be an e-mail address"}
			}
			a, err := endpoint.ParseAddress(item.Value)
			if err != nil {
				return &Error{Key: k, Line: item.Line, Msg: err.Error()}
			}
			lower := strings.ToLower(a.Address)
			if seen[lower] {
				return &Error{Key: k, Line: item.Line, Msg: fmt.Sprintf("%s is listed twice", a.Address)}
			}
			seen[lower] = true
			*dst = append(*dst, a)
		}
		return nil
	}
}

// routes decodes delivery.email.departments: department names to lists of
// addresses, in the file's order.
func routes(dst *[]Route) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.MappingNode {
			return &Error{Key: key, Line: n.Line, Msg: "must map department names to lists of addresses, such as {华东: [east@example.com]}"}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			name := RouteName(k.Value)
			if k.Kind != yaml.ScalarNode || k.Tag == "!!null" || name == "" {
				return &Error{Key: key, Line: k.Line, Msg: "a department name must be text, such as 华东"}
			}
			shown := name
			if strings.IndexFunc(name, unicode.IsControl) >= 0 {
				shown = strconv.Quote(name) // shown as written, whatever it holds
			}
			if seen[name] {
				return &Error{Key: key + "." + shown, Line: k.Line, Msg: "set twice"}
			}
			seen[name] = true
			r := Route{Department: name}
			if err := addresses(&r.To)(v, key+"."+shown); err != nil {
				return err
			}
			if len(r.To) == 0 {
				return &Error{Key: key + "." + shown, Line: v.Line, Msg: "lists nobody; remove the department or list its recipients"}
			}
			*dst = append(*dst, r)
		}
		return nil
	}
}

// config checks the delivery key as a whole and types it.
func (d *deliveryDoc) config() (Delivery, error) {
	var out Delivery
	if d.email.set {
		e, err := d.emailConfig()
		if err != nil {
			return out, err
		}
		out.Email = e
	}
	if d.webhook.set || d.webhook.url != "" {
		w := &endpoint.Webhook{URL: d.webhook.url}
		if w.URL == "" {
			return out, &Error{Key: "delivery.webhook.url", Line: d.webhook.line, Msg: "not set; set it here or in " + EnvWebhookURL}
		}
		if d.webhook.format == "" {
			return out, &Error{Key: "delivery.webhook.format", Line: d.webhook.line, Msg: "missing: one of wecom, dingtalk, feishu, slack, json"}
		}
		f, err := endpoint.ParseFormat(d.webhook.format)
		if err != nil {
			return out, &Error{Key: "delivery.webhook.format", Line: d.webhook.line, Msg: err.Error()}
		}
		w.Format = f
		if err := w.Check(); err != nil { // never shows the URL's token
			return out, &Error{Key: "delivery.webhook", Line: d.webhook.line, Msg: err.Error()}
		}
		if strings.HasPrefix(strings.ToLower(w.URL), "http:") && !d.webhook.plaintext {
			return out, &Error{Key: "delivery.webhook.url", Line: d.webhook.line, Msg: secret.RedactURL(w.URL) +
				" is http://: the notice and the URL's token would cross the network in clear; use https://, or set delivery.webhook.allow_plaintext: true"}
		}
		out.Webhook, out.WebhookPlaintext = w, d.webhook.plaintext
	}
	return out, nil
}

func (d *deliveryDoc) emailConfig() (*Email, error) {
	e := &d.email
	key := func(k string) string { return "delivery.email." + k }
	if e.smtp == "" {
		return nil, &Error{Key: key("smtp"), Line: e.line, Msg: "missing: the SMTP server as host:port, such as smtp.internal:587"}
	}
	if e.from == "" {
		return nil, &Error{Key: key("from"), Line: e.line, Msg: `missing: the sender, such as "客户保持报告 <reports@example.com>"`}
	}
	mode, err := endpoint.ParseTLSMode(e.tls)
	if err != nil {
		return nil, &Error{Key: key("tls"), Line: e.line, Msg: err.Error()}
	}
	if e.username == "" && d.password != "" {
		return nil, &Error{Key: EnvSMTPPassword, Msg: "set, but delivery.email.username is not: name the account the password is for"}
	}
	s := endpoint.SMTP{Addr: e.smtp, TLS: mode, Username: e.username, Password: d.password, From: e.from}
	if _, _, err := s.Check(); err != nil {
		// Check names the field first: addr "…": …, from: …, username "…": ….
		field, msg, _ := strings.Cut(err.Error(), " ")
		k, ok := map[string]string{"addr": key("smtp"), "from:": key("from"), "username": key("username")}[field]
		if !ok {
			k, msg = "delivery.email", err.Error()
		}
		return nil, &Error{Key: k, Line: e.line, Msg: msg}
	}
	if len(e.company) == 0 && len(e.departments) == 0 {
		return nil, &Error{Key: "delivery.email", Line: e.line, Msg: "routes no workbook to anyone: list recipients under company or departments"}
	}
	if mode == endpoint.NoTLS && !e.plaintext {
		return nil, &Error{Key: key("tls"), Line: e.line, Msg: "none sends the workbooks, with customer names, in clear; " +
			"use starttls or tls, or set delivery.email.allow_plaintext: true for a relay on a trusted network"}
	}
	return &Email{SMTP: s, Company: e.company, Departments: e.departments, AllowPlaintext: e.plaintext}, nil
}
