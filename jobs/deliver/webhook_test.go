package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/jobs/deliver/delivertest"
)

// hookServer is an httptest server that answers each request with the
// next of its replies (the last one repeating) and keeps the bodies.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	types  []string
}

type reply struct {
	status int
	body   string
}

func startHook(t *testing.T, replies ...reply) *hookServer {
	t.Helper()
	h := &hookServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.types = append(h.types, r.Header.Get("Content-Type"))
		rep := replies[min(len(h.bodies), len(replies))-1]
		h.mu.Unlock()
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body) //nolint:errcheck // the client's problem
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) requests() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies)
}

const hookToken = "3f1c9a7e-5b2d-4e8f-9a6c-0d1e2f3a4b5c"

var notice = Notice{
	Title: "客户保持报告 2026-10",
	Lines: []string{"客户保持率 81.2% (+1.3)", "发送失败: 华北 <north@example.com>", "R&D & <co>"},
	Data:  map[string]any{"period": "2026-10", "retention": 0.812},
}

func TestWebhookBodies(t *testing.T) {
	t.Parallel()
	lines := strings.Join(notice.Lines, "\n")
	for _, tc := range []struct {
		format Format
		path   string
		ok     string
		want   any
	}{
		{WeCom, "/cgi-bin/webhook/send?key=" + hookToken, `{"errcode":0,"errmsg":"ok"}`, map[string]any{
			"msgtype":  "markdown",
			"markdown": map[string]any{"content": "### " + notice.Title + "\n" + lines},
		}},
		{DingTalk, "/robot/send?access_token=" + hookToken, `{"errcode":0,"errmsg":"ok"}`, map[string]any{
			"msgtype": "markdown",
			"markdown": map[string]any{
				"title": notice.Title,
				"text":  "### " + notice.Title + "\n\n" + strings.Join(notice.Lines, "\n\n"),
			},
		}},
		{Feishu, "/open-apis/bot/v2/hook/" + hookToken, `{"code":0,"msg":"success","data":{}}`, map[string]any{
			"msg_type": "text",
			"content":  map[string]any{"text": notice.Title + "\n" + lines},
		}},
		{Slack, "/services/T0001/B0001/" + hookToken, "ok", map[string]any{
			"text": "*" + notice.Title + "*\n客户保持率 81.2% (+1.3)\n发送失败: 华北 &lt;north@example.com&gt;\nR&amp;D &amp; &lt;co&gt;",
		}},
		{JSON, "/hooks/retention?token=" + hookToken, "", map[string]any{
			"title": notice.Title,
			"lines": []any{notice.Lines[0], notice.Lines[1], notice.Lines[2]},
			"data":  map[string]any{"period": "2026-10", "retention": 0.812},
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			t.Parallel()
			h := startHook(t, reply{http.StatusOK, tc.ok})
			w := Webhook{URL: h.URL + tc.path, Format: tc.format, Retry: Retry{Sleep: (&sleeps{}).Sleep}}
			if err := w.Post(context.Background(), notice); err != nil {
				t.Fatal(err)
			}
			reqs := h.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			var got any
			if err := json.Unmarshal(reqs[0], &got); err != nil {
				t.Fatalf("body %s: %v", reqs[0], err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("body\n got %s\nwant %s", reqs[0], mustJSON(t, tc.want))
			}
			if ct := h.types[0]; ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookWeComContentIsCutToItsLimit(t *testing.T) {
	t.Parallel()
	h := startHook(t, reply{http.StatusOK, `{"errcode":0,"errmsg":"ok"}`})
	w := Webhook{URL: h.URL + "/send?key=" + hookToken, Format: WeCom}
	long := Notice{Title: "t", Lines: []string{strings.Repeat("华东", 1000)}} // 6000 bytes
	if err := w.Post(context.Background(), long); err != nil {
		t.Fatal(err)
	}
	var body struct{ Markdown struct{ Content string } }
	if err := json.Unmarshal(h.requests()[0], &body); err != nil {
		t.Fatal(err)
	}
	c := body.Markdown.Content
	if len(c) > wecomMax || !strings.HasSuffix(c, "\n…") || !strings.HasPrefix(c, "### t\n华东华东") {
		t.Errorf("content of %d bytes, ending %q", len(c), c[max(0, len(c)-10):])
	}
}

func TestWebhookPlatformErrorsAreFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		format Format
		reply  reply
		code   int
		status int
		want   string
	}{
		{"wecom errcode", WeCom, reply{200, `{"errcode":93000,"errmsg":"invalid webhook url, key=` + hookToken + `"}`}, 93000, 200, "error code 93000: invalid webhook url"},
		{"dingtalk errcode", DingTalk, reply{200, `{"errcode":310000,"errmsg":"keywords not in content"}`}, 310000, 200, "error code 310000: keywords not in content"},
		{"feishu code", Feishu, reply{200, `{"code":19021,"msg":"sign match fail"}`}, 19021, 200, "error code 19021: sign match fail"},
		{"feishu old StatusCode", Feishu, reply{200, `{"StatusCode":9499,"StatusMessage":"Bad Request"}`}, 9499, 200, "error code 9499: Bad Request"},
		{"feishu 400 with code", Feishu, reply{400, `{"code":9499,"msg":"Bad Request","data":{}}`}, 9499, 400, "HTTP 400 Bad Request: Bad Request"},
		{"wecom reply without errcode", WeCom, reply{200, `<html>proxy login</html>`}, 0, 200, "reply without the wecom error code"},
		{"slack 400", Slack, reply{400, "invalid_payload"}, 0, 400, "HTTP 400 Bad Request: invalid_payload"},
		{"slack 404 quoting the URL", Slack, reply{404, "no_service for /services/T0001/B0001/" + hookToken}, 0, 404, "no_service for /services/T0001/B0001/***"}, // a segment that looks like a token
		{"json 403", JSON, reply{403, "forbidden"}, 0, 403, "HTTP 403 Forbidden: forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startHook(t, tc.reply)
			var sl sleeps
			url := h.URL + "/services/T0001/B0001/" + hookToken + "?key=" + hookToken
			w := Webhook{URL: url, Format: tc.format, Retry: Retry{Sleep: sl.Sleep}}
			err := w.Post(context.Background(), notice)
			var he *HookError
			if !errors.As(err, &he) {
				t.Fatalf("got %v, want a HookError", err)
			}
			if he.Transient || IsTransient(err) || he.Code != tc.code || he.Status != tc.status || he.Attempts != 1 {
				t.Errorf("transient %v, code %d, status %d, attempts %d; want permanent, %d, %d, 1",
					he.Transient, he.Code, he.Status, he.Attempts, tc.code, tc.status)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), h.URL) {
				t.Errorf("error %q does not say %q at %s", err, tc.want, h.URL)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, w), hookToken) {
				t.Errorf("error or webhook shows the token: %v / %#v", err, w)
			}
			if n := len(h.requests()); n != 1 || len(sl.Got()) != 0 {
				t.Errorf("%d requests, slept %v; want 1 and none", n, sl.Got())
			}
		})
	}
}

func TestWebhookRetriesServerErrors(t *testing.T) {
	t.Parallel()
	t.Run("succeeds on the third attempt", func(t *testing.T) {
		t.Parallel()
		h := startHook(t, reply{500, "oops"}, reply{502, ""}, reply{200, `{"errcode":0,"errmsg":"ok"}`})
		var sl sleeps
		w := Webhook{URL: h.URL + "/send?key=" + hookToken, Format: WeCom, Retry: Retry{Sleep: sl.Sleep}}
		if err := w.Post(context.Background(), notice); err != nil {
			t.Fatal(err)
		}
		if n := len(h.requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if got, want := sl.Got(), DefaultDelays[:2]; !slices.Equal(got, want) {
			t.Errorf("slept %v, want %v", got, want)
		}
	})
	t.Run("gives up after four", func(t *testing.T) {
		t.Parallel()
		h := startHook(t, reply{503, "maintenance"})
		var sl sleeps
		w := Webhook{URL: h.URL + "/send?key=" + hookToken, Format: DingTalk, Retry: Retry{Sleep: sl.Sleep}}
		err := w.Post(context.Background(), notice)
		var he *HookError
		if !errors.As(err, &he) || !he.Transient || he.Status != 503 || he.Attempts != 4 {
			t.Fatalf("got %v, want a transient 503 after 4 attempts", err)
		}
		if n := len(h.requests()); n != 4 {
			t.Errorf("%d requests, want 4", n)
		}
		if got := sl.Got(); !slices.Equal(got, DefaultDelays) {
			t.Errorf("slept %v, want %v", got, DefaultDelays)
		}
	})
	t.Run("429 is retried", func(t *testing.T) {
		t.Parallel()
		h := startHook(t, reply{429, "rate_limited"}, reply{200, "ok"})
		w := Webhook{URL: h.URL + "/services/T/B/" + hookToken, Format: Slack, Retry: Retry{Sleep: (&sleeps{}).Sleep}}
		if err := w.Post(context.Background(), notice); err != nil {
			t.Fatal(err)
		}
		if n := len(h.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestWebhookUnreachableNeverShowsTheToken(t *testing.T) {
	t.Parallel()
	addr := delivertest.FreeAddr(t)
	var sl sleeps
	w := Webhook{
		URL:    "http://" + addr + "/cgi-bin/webhook/send?key=" + hookToken,
		Format: WeCom, Retry: Retry{Sleep: sl.Sleep},
	}
	err := w.Post(context.Background(), notice)
	var he *HookError
	if !errors.As(err, &he) || !he.Transient || he.Attempts != 4 || he.Status != 0 {
		t.Fatalf("got %v, want a transient failure after 4 attempts", err)
	}
	if he.Endpoint != "http://"+addr || !strings.Contains(err.Error(), "http://"+addr+":") {
		t.Errorf("endpoint %q, error %q; want them to name http://%s", he.Endpoint, err, addr)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if s := e.Error(); strings.Contains(s, hookToken) || strings.Contains(s, "cgi-bin") {
			t.Errorf("error text %q shows the URL's path or token", s)
		}
	}
	if got := sl.Got(); !slices.Equal(got, DefaultDelays) {
		t.Errorf("slept %v, want %v", got, DefaultDelays)
	}
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := startHook(t, reply{200, `{"errcode":0}`})
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(h.Close)
	w := Webhook{URL: h.URL + "/send?key=" + hookToken, Format: WeCom, Retry: Retry{Sleep: (&sleeps{}).Sleep}}
	err := w.Post(context.Background(), notice)
	var he *HookError
	if !errors.As(err, &he) || he.Status != http.StatusTemporaryRedirect || he.Transient {
		t.Fatalf("got %v, want a permanent failure on the redirect", err)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("the notice was posted to the redirect target %d times", n)
	}
}

func TestWebhookValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w    Webhook
		want string
	}{
		{Webhook{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + hookToken, Format: WeCom}, ""},
		{Webhook{URL: "qyapi.weixin.qq.com/send?key=" + hookToken, Format: WeCom}, "url (invalid URL): want an absolute http or https URL"},
		{Webhook{URL: "ftp://example.com/x?key=" + hookToken, Format: JSON}, "url ftp://example.com: want"},
		{Webhook{URL: "https://example.com/" + hookToken, Format: "teams"}, `format: "teams" is not one of`},
		{Webhook{URL: "https://example.com/" + hookToken}, `format: "" is not one of`},
	} {
		err := tc.w.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.w, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.w, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), hookToken) {
			t.Errorf("%q shows the token", err)
		}
	}
}

func TestWebhookStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	h := startHook(t, reply{500, ""})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	w := Webhook{URL: h.URL + "/send?key=" + hookToken, Format: WeCom, Retry: Retry{Sleep: sleep}}
	err := w.Post(ctx, notice)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), hookToken) {
		t.Errorf("got %v, want context.Canceled without the token", err)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestFormatEscape(t *testing.T) {
	t.Parallel()
	name := "[点我](http://x.example/a_b) *VIP* <b>\r\n# 华东"
	for f, want := range map[Format]string{
		WeCom:    `\[点我\](http://x.example/a\_b) \*VIP\* &lt;b&gt;  \# 华东`,
		DingTalk: `\[点我\](http://x.example/a\_b) \*VIP\* &lt;b&gt;  \# 华东`,
		Feishu:   "[点我](http://x.example/a_b) *VIP* <b>  # 华东",
		Slack:    "[点我](http://x.example/a_b) *VIP* <b>  # 华东",
		JSON:     "[点我](http://x.example/a_b) *VIP* <b>  # 华东",
	} {
		if got := f.Escape(name); got != want {
			t.Errorf("%s: Escape = %q, want %q", f, got, want)
		}
	}
}
