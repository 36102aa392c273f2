package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"retention/config/endpoint"
	"retention/extract/secret"
)

// Format is the body a webhook expects, as the configuration names it
// (endpoint.ParseFormat).
type Format string

const (
	WeCom    = Format(endpoint.WeCom)    // WeCom (企业微信) group robot: markdown
	DingTalk = Format(endpoint.DingTalk) // DingTalk (钉钉) custom robot: markdown
	Feishu   = Format(endpoint.Feishu)   // Feishu (飞书) custom bot: text
	Slack    = Format(endpoint.Slack)    // Slack incoming webhook: text
	JSON     = Format(endpoint.JSON)     // {"title", "lines", "data"} for anything else
)

// markdown escapes the characters that would make text markup or a link
// in WeCom's and DingTalk's markdown.
var markdown = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "#", `\#`, "~", `\~`, "|", `\|`)

// Escape makes text from the data (a department's name) plain text in the
// lines of a Notice of format f: escaped for the markdown of wecom and
// dingtalk, with control characters as spaces, so a name such as
// "[点我](http://…)" stays text rather than a link. slack is escaped by
// Post itself; feishu and json carry plain text.
func (f Format) Escape(s string) string {
	s = headerText(s)
	if f == WeCom || f == DingTalk {
		return markdown.Replace(s)
	}
	return s
}

// Notice is one chat message: a title and lines of text, already in the
// report's language. For wecom and dingtalk the lines are markdown, so a
// caller escapes what it does not mean as markup; for slack, &, < and >
// are escaped here, as Slack requires. Data is sent only in the json
// format. A notice names no customer: it is read in a group chat.
type Notice struct {
	Title string
	Lines []string
	Data  any
}

// Webhook posts notices to a chat.
type Webhook struct {
	// URL is the webhook's address. It usually holds a secret (WeCom's
	// key, DingTalk's access_token, the last part of Slack's and Feishu's
	// path), so errors and String show its scheme and host only.
	URL    string
	Format Format
	// Client makes the requests; nil means one with a 30 s timeout that
	// does not follow redirects (a redirect is a failure, so the body and
	// the token go nowhere else).
	Client *http.Client
	Retry  Retry
}

// String shows the webhook without its secret.
func (w Webhook) String() string { return w.settings().String() }

// GoString is String, for %#v.
func (w Webhook) GoString() string { return w.String() }

// Validate checks the URL (absolute http or https, with a host) and the
// format without sending anything, by the rules of endpoint.Webhook.Check;
// errors never show the URL's secret.
func (w Webhook) Validate() error { return w.settings().Check() }

// settings is w without what only the transport needs.
func (w Webhook) settings() endpoint.Webhook {
	return endpoint.Webhook{URL: w.URL, Format: endpoint.Format(w.Format)}
}

// maxResponse is how much of a response body is read.
const maxResponse = 64 << 10

// Post sends n in w's format. A transient failure (a network error, HTTP
// 5xx, 429 or 408) is retried after each of the Retry delays; a permanent
// one (another status, or a platform's error code in a 200 reply: WeCom's
// and DingTalk's errcode, Feishu's code) is not. The error is a
// *HookError, or ctx's error when ctx ended first.
func (w Webhook) Post(ctx context.Context, n Notice) error {
	if err := w.Validate(); err != nil {
		return err
	}
	body, err := w.body(n)
	if err != nil {
		return fmt.Errorf("encoding %s notice: %w", w.Format, err)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	redact := secret.NewMasker(secret.URLParts(w.URL)...)
	delays := w.Retry.delays()
	var last *HookError
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := w.Retry.sleep(ctx, delays[attempt-1]); err != nil {
				return fmt.Errorf("posting to %s: %w (after %v)", secret.RedactURL(w.URL), err, last.Err)
			}
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("posting to %s: %w", secret.RedactURL(w.URL), err)
		}
		last = w.post(ctx, client, body, redact)
		if last == nil {
			return nil
		}
		last.Attempts = attempt + 1
		if !last.Transient || attempt == len(delays) {
			return last
		}
	}
}

func (w Webhook) post(ctx context.Context, client *http.Client, body []byte, redact secret.Masker) *HookError {
	fail := func(status, code int, transient bool, err error) *HookError {
		return &HookError{Endpoint: secret.RedactURL(w.URL), Status: status, Code: code, Transient: transient, Err: redact.MaskErr(err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fail(0, 0, false, errors.New("cannot make a request of the URL"))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the whole URL; only its cause is shown.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(0, 0, transientNet(err), err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fail(resp.StatusCode, 0, true, fmt.Errorf("reading the reply: %w", err))
	}
	code, msg := w.platformError(reply)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		transient := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusRequestTimeout
		detail := msg
		if detail == "" {
			detail = brief(reply)
		}
		err := fmt.Errorf("HTTP %s", resp.Status)
		if detail != "" {
			err = fmt.Errorf("HTTP %s: %s", resp.Status, detail)
		}
		platform := 0
		if code != nil {
			platform = *code
		}
		return fail(resp.StatusCode, platform, transient, err)
	}
	switch w.Format {
	case WeCom, DingTalk, Feishu:
		if code == nil {
			return fail(resp.StatusCode, 0, false, fmt.Errorf("reply without the %s error code: %s", w.Format, brief(reply)))
		}
		if *code != 0 {
			return fail(resp.StatusCode, *code, false, fmt.Errorf("error code %d: %s", *code, msg))
		}
	}
	return nil
}

// platformError reads the error code and message of a WeCom or DingTalk
// reply ({"errcode":0,"errmsg":"ok"}) or a Feishu one ({"code":0,"msg":
// "success"}, or the older {"StatusCode":0,"StatusMessage":"success"});
// code is nil when the reply has none.
func (w Webhook) platformError(reply []byte) (code *int, msg string) {
	var r struct {
		ErrCode       *int   `json:"errcode"`
		ErrMsg        string `json:"errmsg"`
		Code          *int   `json:"code"`
		Msg           string `json:"msg"`
		StatusCode    *int   `json:"StatusCode"`
		StatusMessage string `json:"StatusMessage"`
	}
	if json.Unmarshal(reply, &r) != nil {
		return nil, ""
	}
	switch w.Format {
	case WeCom, DingTalk:
		return r.ErrCode, brief([]byte(r.ErrMsg))
	case Feishu:
		if r.Code != nil {
			return r.Code, brief([]byte(r.Msg))
		}
		return r.StatusCode, brief([]byte(r.StatusMessage))
	}
	return nil, ""
}

// brief is a reply's text fit for an error: one line, at most 200 bytes.
func brief(b []byte) string {
	s := headerText(strings.TrimSpace(string(b)))
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// wecomMax is the most bytes WeCom accepts in markdown content.
const wecomMax = 4096

func (w Webhook) body(n Notice) ([]byte, error) {
	type obj = map[string]any
	switch w.Format {
	case WeCom:
		content := "### " + n.Title + "\n" + strings.Join(n.Lines, "\n")
		return json.Marshal(obj{"msgtype": "markdown", "markdown": obj{"content": truncate(content, wecomMax)}})
	case DingTalk:
		// DingTalk's markdown breaks lines only at blank lines.
		text := "### " + n.Title + "\n\n" + strings.Join(n.Lines, "\n\n")
		return json.Marshal(obj{"msgtype": "markdown", "markdown": obj{"title": n.Title, "text": text}})
	case Feishu:
		text := n.Title + "\n" + strings.Join(n.Lines, "\n")
		return json.Marshal(obj{"msg_type": "text", "content": obj{"text": text}})
	case Slack:
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
		text := "*" + esc.Replace(n.Title) + "*\n" + esc.Replace(strings.Join(n.Lines, "\n"))
		return json.Marshal(obj{"text": text})
	case JSON:
		lines := n.Lines
		if lines == nil {
			lines = []string{}
		}
		return json.Marshal(obj{"title": n.Title, "lines": lines, "data": n.Data})
	}
	return nil, fmt.Errorf("unknown format %q", w.Format)
}

// truncate cuts s to at most limit bytes, between characters, marking the cut.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const mark = "\n…"
	cut := limit - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
