package deliver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"retention/jobs/deliver/delivertest"
)

const (
	testUser     = "reports"
	testPassword = "Tr0ub4dor&3-s3cret"
	testFrom     = "客户保持报告 <reports@example.com>"
)

// mailer returns a Mailer for s with the given TLS mode, trusting s's
// certificate and recording its waits in sl.
func mailer(t *testing.T, s *mailServer, mode TLSMode, user, pass string, sl *sleeps) *Mailer {
	t.Helper()
	m, err := NewMailer(SMTP{
		Addr: s.Addr, TLS: mode, Username: user, Password: pass, From: testFrom,
		RootCAs: s.Pool, Timeout: 10 * time.Second, Retry: Retry{Sleep: sl.Sleep},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func withUser(s *delivertest.Options) { s.Users = map[string]string{testUser: testPassword} }

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// byRecipient indexes received messages by their single envelope
// recipient, failing when one has several.
func byRecipient(t *testing.T, msgs []received) map[string]received {
	t.Helper()
	out := map[string]received{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("message to %v, want one recipient", m.To)
		}
		if _, dup := out[m.To[0]]; dup {
			t.Fatalf("%s received two messages", m.To[0])
		}
		out[m.To[0]] = m
	}
	return out
}

func requireSent(t *testing.T, results []Result) {
	t.Helper()
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("message %d: %v", i, r.Err)
		}
	}
}

func TestSendDeliversEachWorkbookOnlyToItsRecipient(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, withUser)
	var sl sleeps
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sl)

	east := randomBytes(t, 40_000)
	company := randomBytes(t, 25_000)
	companyPath := filepath.Join(t.TempDir(), "company.xlsx")
	if err := os.WriteFile(companyPath, company, 0o600); err != nil {
		t.Fatal(err)
	}
	eastSubject := "客户保持报告 · 华东 · 2026-10"
	eastText := "华东 2026-10\n客户保持率 81.2%\n"
	msgs := []Message{
		{
			To: []string{"east-sales@example.com"}, Subject: eastSubject,
			Text: eastText, HTML: "<p>华东 2026-10</p>",
			Attachments: []Attachment{{Name: "华东.xlsx", Data: east}},
		},
		{
			To: []string{"finance@example.com"}, Subject: "客户保持报告 · 公司 · 2026-10",
			Text:        "公司 2026-10\n",
			Attachments: []Attachment{{Path: companyPath}},
		},
	}
	results := m.Send(context.Background(), msgs, nil)
	requireSent(t, results)
	for i, r := range results {
		if r.Attempts != 1 {
			t.Errorf("message %d: %d attempts, want 1", i, r.Attempts)
		}
	}
	if got := sl.Got(); len(got) != 0 {
		t.Errorf("slept %v with nothing to retry", got)
	}

	got := byRecipient(t, srv.Received())
	want := map[string][]struct {
		name string
		sum  [32]byte
	}{
		"east-sales@example.com": {{"华东.xlsx", sha256.Sum256(east)}},
		"finance@example.com":    {{"company.xlsx", sha256.Sum256(company)}},
	}
	if len(got) != len(want) {
		t.Fatalf("recipients %v, want %d", slices.Collect(mapKeys(got)), len(want))
	}
	for rcpt, files := range want {
		r, ok := got[rcpt]
		if !ok {
			t.Fatalf("%s received nothing", rcpt)
		}
		if r.From != "reports@example.com" || r.User != testUser || !r.TLS {
			t.Errorf("%s: envelope from %q, user %q, TLS %v; want reports@example.com, %s, TLS", rcpt, r.From, r.User, r.TLS, testUser)
		}
		p := parseMail(t, r.Data)
		if len(p.To) != 1 || p.To[0].Address != rcpt {
			t.Errorf("%s: To header %v", rcpt, p.To)
		}
		if p.From.Name != "客户保持报告" || p.From.Address != "reports@example.com" {
			t.Errorf("%s: From %q <%s>, want 客户保持报告 <reports@example.com>", rcpt, p.From.Name, p.From.Address)
		}
		if len(p.Attachments) != len(files) {
			t.Fatalf("%s: %d attachments, want %d", rcpt, len(p.Attachments), len(files))
		}
		for i, f := range files {
			a := p.Attachments[i]
			if a.Filename != f.name || a.SHA256 != f.sum {
				t.Errorf("%s: attachment %q (sha256 %x), want %q (%x)", rcpt, a.Filename, a.SHA256, f.name, f.sum)
			}
			if a.ContentType != ContentTypeXLSX {
				t.Errorf("%s: attachment type %q", rcpt, a.ContentType)
			}
		}
	}

	p := parseMail(t, got["east-sales@example.com"].Data)
	if p.Subject != eastSubject {
		t.Errorf("subject %q, want %q", p.Subject, eastSubject)
	}
	if raw := p.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
		t.Errorf("subject header %q is not RFC 2047 encoded", raw)
	}
	if p.Text != eastText || p.HTML != "<p>华东 2026-10</p>" {
		t.Errorf("bodies %q / %q", p.Text, p.HTML)
	}
	const rfc2231 = `attachment; filename*=UTF-8''%E5%8D%8E%E4%B8%9C.xlsx`
	if d := p.Attachments[0].Disposition; d != rfc2231 {
		t.Errorf("Content-Disposition %q, want %q", d, rfc2231)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestSendOverEachTLSMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		server  serverMode
		mode    TLSMode
		user    string
		wantTLS bool
	}{
		{"starttls with AUTH PLAIN", startTLSServer, StartTLS, testUser, true},
		{"implicit TLS with AUTH PLAIN", implicitTLSServer, ImplicitTLS, testUser, true},
		{"no TLS, no AUTH, plain server", plainServer, NoTLS, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var configure func(*delivertest.Options)
			pass := ""
			if tc.user != "" {
				configure, pass = withUser, testPassword
			}
			srv := startServer(t, tc.server, configure)
			m := mailer(t, srv, tc.mode, tc.user, pass, &sleeps{})
			data := randomBytes(t, 1000)
			requireSent(t, m.Send(context.Background(), []Message{{
				To: []string{"a@example.com"}, Subject: "s", Text: "t",
				Attachments: []Attachment{{Name: "company.xlsx", Data: data}},
			}}, nil))
			got := srv.Received()
			if len(got) != 1 {
				t.Fatalf("%d messages received, want 1", len(got))
			}
			if got[0].TLS != tc.wantTLS || got[0].User != tc.user {
				t.Errorf("TLS %v, user %q; want %v, %q", got[0].TLS, got[0].User, tc.wantTLS, tc.user)
			}
			a := parseMail(t, got[0].Data).Attachments
			if len(a) != 1 || a[0].SHA256 != sha256.Sum256(data) || a[0].Disposition != `attachment; filename="company.xlsx"` {
				t.Errorf("attachments %+v", a)
			}
		})
	}
}

func TestSendRefusesAnUntrustedCertificate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		server serverMode
		mode   TLSMode
	}{
		{"starttls", startTLSServer, StartTLS},
		{"implicit TLS", implicitTLSServer, ImplicitTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tc.server, withUser)
			_, otherPool := delivertest.Certificate(t)
			var sl sleeps
			m, err := NewMailer(SMTP{
				Addr: srv.Addr, TLS: tc.mode, Username: testUser, Password: testPassword, From: testFrom,
				RootCAs: otherPool, Retry: Retry{Sleep: sl.Sleep},
			})
			if err != nil {
				t.Fatal(err)
			}
			r := m.Send(context.Background(), []Message{{To: []string{"a@example.com"}, Subject: "s", Text: "t"}}, nil)[0]
			var me *MailError
			if !errors.As(r.Err, &me) || me.Op != OpConnect || me.Transient {
				t.Fatalf("got %v (%#v), want a permanent connecting error", r.Err, me)
			}
			if !strings.Contains(r.Err.Error(), "certificate") {
				t.Errorf("error %q does not mention the certificate", r.Err)
			}
			if got := sl.Got(); len(got) != 0 {
				t.Errorf("retried a certificate failure: slept %v", got)
			}
			if n := len(srv.Received()); n != 0 {
				t.Errorf("%d messages got through", n)
			}
		})
	}
}

func TestSendNeverFallsBackToPlainText(t *testing.T) {
	t.Parallel()
	srv := startServer(t, plainServer, func(s *delivertest.Options) { s.Users = map[string]string{testUser: testPassword} })
	// AUTH is offered in clear only when go-smtp allows insecure auth; it
	// does not here, but the client must not get that far anyway.
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sleeps{})
	r := m.Send(context.Background(), []Message{{To: []string{"a@example.com"}, Subject: "s", Text: "t"}}, nil)[0]
	var me *MailError
	if !errors.As(r.Err, &me) || me.Op != OpConnect || me.Transient || !strings.Contains(r.Err.Error(), "STARTTLS") {
		t.Fatalf("got %v, want a permanent error about STARTTLS", r.Err)
	}
	if n := len(srv.Received()); n != 0 {
		t.Errorf("%d messages sent in plain text", n)
	}
}

func TestSendRetriesATransientReplyAndDeliversOnce(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Data = func(call int) error {
			if call == 1 {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			}
			return nil
		}
	})
	var sl sleeps
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sl)
	results := m.Send(context.Background(), []Message{
		{To: []string{"first@example.com"}, Subject: "1", Text: "1"},
		{To: []string{"second@example.com"}, Subject: "2", Text: "2"},
	}, nil)
	requireSent(t, results)
	if results[0].Attempts != 2 || results[1].Attempts != 1 {
		t.Errorf("attempts %d, %d; want 2, 1", results[0].Attempts, results[1].Attempts)
	}
	if got, want := sl.Got(), []time.Duration{time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	got := byRecipient(t, srv.Received()) // fails on a second copy
	if len(got) != 2 {
		t.Errorf("received by %v, want first@ and second@ once each", slices.Collect(mapKeys(got)))
	}
}

func TestSendRetriesWhatALostConnectionLeftUndelivered(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Mail = func(c *smtp.Conn, call int) error {
			if call == 2 { // the second message of the first session
				c.Close()
				return errors.New("gone")
			}
			return nil
		}
	})
	var sl sleeps
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sl)
	results := m.Send(context.Background(), []Message{
		{To: []string{"first@example.com"}, Subject: "1", Text: "1"},
		{To: []string{"second@example.com"}, Subject: "2", Text: "2"},
		{To: []string{"third@example.com"}, Subject: "3", Text: "3"},
	}, nil)
	requireSent(t, results)
	if a := []int{results[0].Attempts, results[1].Attempts, results[2].Attempts}; !slices.Equal(a, []int{1, 2, 2}) {
		t.Errorf("attempts %v, want [1 2 2]", a)
	}
	if got, want := sl.Got(), []time.Duration{time.Second}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	if got := byRecipient(t, srv.Received()); len(got) != 3 { // fails on a second copy
		t.Errorf("received by %v, want each of the three once", slices.Collect(mapKeys(got)))
	}
}

func TestSendRefusedRecipientFailsOnlyItsMessage(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Rcpt = func(to string) error {
			if to == "gone@example.com" {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}
	})
	var sl sleeps
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sl)
	results := m.Send(context.Background(), []Message{
		{To: []string{"east@example.com"}, Subject: "1", Text: "1"},
		{To: []string{"gone@example.com"}, Subject: "2", Text: "2"},
		{To: []string{"north@example.com"}, Subject: "3", Text: "3"},
	}, nil)
	if results[0].Err != nil || results[2].Err != nil {
		t.Fatalf("the other messages failed: %v; %v", results[0].Err, results[2].Err)
	}
	var me *MailError
	if !errors.As(results[1].Err, &me) {
		t.Fatalf("refused recipient: got %v", results[1].Err)
	}
	if me.Transient || me.Code != 550 || me.Op != OpSend || IsTransient(results[1].Err) {
		t.Errorf("got transient %v, code %d, op %q; want permanent 550 while sending", me.Transient, me.Code, me.Op)
	}
	if !strings.Contains(me.Error(), "gone@example.com") || !strings.Contains(me.Error(), "550") {
		t.Errorf("error %q does not name the recipient and the reply", me)
	}
	if got := sl.Got(); len(got) != 0 {
		t.Errorf("retried a permanent failure: slept %v", got)
	}
	got := byRecipient(t, srv.Received())
	if _, ok := got["gone@example.com"]; ok || len(got) != 2 {
		t.Errorf("received by %v, want east@ and north@", slices.Collect(mapKeys(got)))
	}
}

func TestSendWrongPasswordNamesTheAccountNeverThePassword(t *testing.T) {
	t.Parallel()
	// The server quotes everything it was sent, as a careless one might.
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		s.AuthReply = func(user, pass string) error {
			blob := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
			return &smtp.SMTPError{
				Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: fmt.Sprintf("bad credentials user=%s pass=%s b64pass=%s plain=%s",
					user, pass, base64.StdEncoding.EncodeToString([]byte(pass)), blob),
			}
		}
	})
	var sl sleeps
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sl)
	results := m.Send(context.Background(), []Message{
		{To: []string{"east@example.com"}, Subject: "1", Text: "1"},
		{To: []string{"north@example.com"}, Subject: "2", Text: "2"},
	}, nil)
	secrets := []string{
		testPassword,
		strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(testPassword)), "="),
		strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("\x00"+testUser+"\x00"+testPassword)), "="),
	}
	for i, r := range results {
		var me *MailError
		if !errors.As(r.Err, &me) {
			t.Fatalf("message %d: got %v, want a MailError", i, r.Err)
		}
		if me.Op != OpAuthenticate || me.Account != testUser || me.Code != 535 || me.Transient {
			t.Errorf("message %d: op %q, account %q, code %d, transient %v; want permanent 535 for %s",
				i, me.Op, me.Account, me.Code, me.Transient, testUser)
		}
		if !strings.Contains(me.Error(), `authenticating as "reports"`) {
			t.Errorf("message %d: %q does not name the account", i, me)
		}
		if !strings.Contains(me.Error(), "bad credentials user=reports") {
			t.Errorf("message %d: %q lost the server's reply", i, me)
		}
		// Every text reachable from the result: the error, its
		// formatted forms and every error it wraps.
		texts := []string{fmt.Sprintf("%v %+v %#v", r.Err, r, r)}
		for e := r.Err; e != nil; e = errors.Unwrap(e) {
			texts = append(texts, e.Error())
		}
		for _, text := range texts {
			for _, secret := range secrets {
				if strings.Contains(text, secret) {
					t.Errorf("message %d: %q shows the password (%q)", i, text, secret)
				}
			}
		}
	}
	if got := sl.Got(); len(got) != 0 {
		t.Errorf("retried an authentication failure: slept %v", got)
	}
	if n := len(srv.Received()); n != 0 {
		t.Errorf("%d messages accepted without authentication", n)
	}
	cfg := SMTP{Addr: srv.Addr, Username: testUser, Password: testPassword, From: testFrom}
	if s := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg); strings.Contains(s, testPassword) {
		t.Errorf("printing the configuration shows the password: %s", s)
	}
}

func TestSendServerDownIsTransientAfterRetries(t *testing.T) {
	t.Parallel()
	addr := delivertest.FreeAddr(t) // nothing listens there now: connections are refused
	var sl sleeps
	m, err := NewMailer(SMTP{Addr: addr, From: testFrom, Username: testUser, Password: testPassword, Retry: Retry{Sleep: sl.Sleep}})
	if err != nil {
		t.Fatal(err)
	}
	results := m.Send(context.Background(), []Message{
		{To: []string{"east@example.com"}, Subject: "1", Text: "1"},
		{To: []string{"north@example.com"}, Subject: "2", Text: "2"},
	}, nil)
	for i, r := range results {
		var me *MailError
		if !errors.As(r.Err, &me) || !me.Transient || me.Op != OpConnect || r.Attempts != 4 || me.Attempts != 4 {
			t.Fatalf("message %d: got %v (attempts %d), want a transient connecting error after 4 attempts", i, r.Err, r.Attempts)
		}
		if !strings.Contains(me.Error(), addr) || !strings.Contains(me.Error(), "after 4 attempts") {
			t.Errorf("message %d: %q does not name the server and the attempts", i, me)
		}
	}
	if got, want := sl.Got(), DefaultDelays; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
}

func TestSendStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	addr := delivertest.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The interruption arrives while the job waits to retry.
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	m, err := NewMailer(SMTP{Addr: addr, From: testFrom, Retry: Retry{Sleep: sleep}})
	if err != nil {
		t.Fatal(err)
	}
	r := m.Send(ctx, []Message{{To: []string{"east@example.com"}, Subject: "1", Text: "1"}}, nil)[0]
	if !errors.Is(r.Err, context.Canceled) || !IsTransient(r.Err) || r.Attempts != 1 {
		t.Errorf("got %v after %d attempts, want a transient error wrapping context.Canceled after 1", r.Err, r.Attempts)
	}

	// Cancelled before it starts: nothing is tried.
	r = m.Send(ctx, []Message{{To: []string{"east@example.com"}, Subject: "1", Text: "1"}}, nil)[0]
	if !errors.Is(r.Err, context.Canceled) || !IsTransient(r.Err) || r.Attempts != 0 {
		t.Errorf("got %v after %d attempts, want context.Canceled after none", r.Err, r.Attempts)
	}
}

func TestSendCancelledMidSessionClosesTheConnection(t *testing.T) {
	t.Parallel()
	inData := make(chan struct{})
	release := make(chan struct{})
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Data = func(int) error {
			close(inData)
			<-release // the server sits on the message, never replying
			return nil
		}
	})
	t.Cleanup(func() { close(release) })
	m, err := NewMailer(SMTP{
		Addr: srv.Addr, Username: testUser, Password: testPassword, From: testFrom, RootCAs: srv.Pool,
		Timeout: time.Hour, // only the cancellation can end the wait
		Retry:   Retry{Sleep: (&sleeps{}).Sleep},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		done <- m.Send(ctx, []Message{{To: []string{"east@example.com"}, Subject: "1", Text: "1"}}, nil)[0]
	}()
	select {
	case <-inData:
	case <-time.After(10 * time.Second):
		t.Fatal("the message never reached DATA")
	}
	cancel()
	select {
	case r := <-done:
		if !errors.Is(r.Err, context.Canceled) || !IsTransient(r.Err) || r.Attempts != 1 {
			t.Errorf("got %v after %d attempts, want a transient context.Canceled after 1", r.Err, r.Attempts)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send did not return after the cancellation")
	}
}

func TestSendHostileNamesInjectNothing(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, withUser)
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sleeps{})
	hostile := "华东\r\nBcc: evil@example.net\r\nX-Injected: 1"
	formula := `=HYPERLINK("http://evil.example.net","点我")`
	names := []string{hostile + ".xlsx", formula + ".xlsx", "线上\n直营\u2028.xlsx"}
	var attachments []Attachment
	for _, n := range names {
		attachments = append(attachments, Attachment{Name: n, Data: []byte(n)})
	}
	requireSent(t, m.Send(context.Background(), []Message{{
		To:          []string{"east@example.com"},
		Subject:     "客户保持报告 · " + hostile + " · " + formula + " · 2026-10",
		Text:        "body",
		Attachments: attachments,
	}}, nil))

	got := srv.Received()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"east@example.com"}) {
		t.Fatalf("envelopes %+v, want one message to east@example.com only", got)
	}
	p := parseMail(t, got[0].Data)
	var keys []string
	for k := range p.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wantKeys := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "User-Agent", "X-Mailer"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("headers %v, want %v", keys, wantKeys)
	}
	if len(p.To) != 1 || p.To[0].Address != "east@example.com" {
		t.Errorf("To %v", p.To)
	}
	if strings.ContainsAny(p.Subject, "\r\n") || !strings.Contains(p.Subject, "Bcc: evil@example.net") ||
		!strings.Contains(p.Subject, formula) {
		t.Errorf("subject %q: want the hostile text kept on one line", p.Subject)
	}
	if len(p.Attachments) != len(names) {
		t.Fatalf("%d attachments, want %d", len(p.Attachments), len(names))
	}
	wantNames := []string{
		"华东__Bcc_ evil@example.net__X-Injected_ 1.xlsx",
		`=HYPERLINK(_http___evil.example.net_,_点我_).xlsx`,
		"线上_直营_.xlsx",
	}
	for i, a := range p.Attachments {
		if a.Filename != wantNames[i] || a.SHA256 != sha256.Sum256([]byte(names[i])) {
			t.Errorf("attachment %d: %q, want %q with its bytes", i, a.Filename, wantNames[i])
		}
		for k := range a.Header {
			if k != "Content-Disposition" && k != "Content-Type" && k != "Content-Transfer-Encoding" {
				t.Errorf("attachment %d has a header %q", i, k)
			}
		}
	}
	for _, line := range strings.Split(string(got[0].Data), "\r\n") {
		l := strings.ToLower(line)
		if strings.HasPrefix(l, "bcc:") || strings.HasPrefix(l, "x-injected:") || strings.HasPrefix(l, "cc:") {
			t.Errorf("injected header line %q", line)
		}
	}
}

func TestSendRejectsABadMessageAndSendsTheRest(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, withUser)
	m := mailer(t, srv, StartTLS, testUser, testPassword, &sleeps{})
	missing := filepath.Join(t.TempDir(), "华北.xlsx")
	results := m.Send(context.Background(), []Message{
		{To: []string{"east@example.com\r\nBcc: evil@example.net"}, Subject: "1", Text: "1"},
		{To: nil, Subject: "2", Text: "2"},
		{To: []string{"north@example.com"}, Subject: "3", Text: "3", Attachments: []Attachment{{Path: missing}}},
		{To: []string{"ok@example.com"}, Subject: "4", Text: "4"},
	}, nil)
	for i, want := range []string{`"east@example.com\r\nBcc: evil@example.net"`, "no recipient", missing} {
		var me *MailError
		if !errors.As(results[i].Err, &me) || me.Op != OpPrepare || me.Transient || results[i].Attempts != 0 {
			t.Fatalf("message %d: got %v after %d attempts, want a permanent error before connecting", i, results[i].Err, results[i].Attempts)
		}
		if !strings.Contains(me.Error(), want) {
			t.Errorf("message %d: %q does not name %s", i, me, want)
		}
	}
	if results[3].Err != nil {
		t.Fatalf("good message: %v", results[3].Err)
	}
	if got := byRecipient(t, srv.Received()); len(got) != 1 {
		t.Errorf("received by %v, want ok@example.com only", slices.Collect(mapKeys(got)))
	}
}

func TestSMTPValidate(t *testing.T) {
	t.Parallel()
	good := SMTP{Addr: "smtp.internal:587", Username: "reports", Password: "pw-secret", From: testFrom}
	for _, tc := range []struct {
		name string
		edit func(*SMTP)
		want string // "" for valid
	}{
		{"good", func(*SMTP) {}, ""},
		{"no auth", func(s *SMTP) { s.Username, s.Password = "", "" }, ""},
		{"no TLS without a password", func(s *SMTP) { s.TLS, s.Username, s.Password = NoTLS, "", "" }, ""},
		{"no port", func(s *SMTP) { s.Addr = "smtp.internal" }, `addr "smtp.internal"`},
		{"bad port", func(s *SMTP) { s.Addr = "smtp.internal:99999" }, `addr "smtp.internal:99999"`},
		{"no host", func(s *SMTP) { s.Addr = ":587" }, `addr ":587"`},
		{"bad from", func(s *SMTP) { s.From = "reports" }, `from: address "reports"`},
		{"from with CRLF", func(s *SMTP) { s.From = "a@example.com\r\nBcc: b@example.com" }, "from: address"},
		{"password without user", func(s *SMTP) { s.Username = "" }, "password: given without a username"},
		{"password in clear", func(s *SMTP) { s.TLS = NoTLS }, `username "reports": a password is never sent without TLS`},
		{"bad mode", func(s *SMTP) { s.TLS = 7 }, "tls: TLSMode(7)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := NewMailer(s); err != nil {
					t.Fatalf("NewMailer: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), good.Password) {
				t.Errorf("error %q shows the password", err)
			}
			if _, err := NewMailer(s); err == nil {
				t.Error("NewMailer accepted it")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, withUser)
	if err := mailer(t, srv, StartTLS, testUser, testPassword, &sleeps{}).Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := len(srv.Received()); n != 0 {
		t.Errorf("Check sent %d messages", n)
	}
	err := mailer(t, srv, StartTLS, testUser, "wrong-password", &sleeps{}).Check(context.Background())
	var me *MailError
	if !errors.As(err, &me) || me.Op != OpAuthenticate || me.Account != testUser || me.Transient {
		t.Fatalf("Check with a wrong password: %v, want a permanent authentication failure", err)
	}
	if want := srv.Addr + `: authenticating as "reports": `; !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error %q, want it to start %q and not show the password", err, want)
	}
	down := mailer(t, &mailServer{Addr: delivertest.FreeAddr(t), Pool: srv.Pool}, StartTLS, "", "", &sleeps{})
	if err := down.Check(context.Background()); !IsTransient(err) || !strings.Contains(err.Error(), "connecting") {
		t.Errorf("Check of a server that is down: %v, want a transient connection failure", err)
	}
}

// deadlineMailer is a Mailer on srv (STARTTLS, the test account) with the
// given deadlines.
func deadlineMailer(t *testing.T, srv *mailServer, timeout, final time.Duration, sl *sleeps) *Mailer {
	t.Helper()
	m, err := NewMailer(SMTP{Addr: srv.Addr, Username: testUser, Password: testPassword, From: testFrom, RootCAs: srv.Pool,
		Timeout: timeout, FinalTimeout: final, Retry: Retry{Sleep: sl.Sleep}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSendWaitsForAScanningServer: a server that takes longer than a
// command's deadline to reply after the message's content (it scans the
// message) gets FinalTimeout for that reply: the message is delivered, in
// one attempt, once.
func TestSendWaitsForAScanningServer(t *testing.T) {
	t.Parallel()
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Data = func(int) error { time.Sleep(600 * time.Millisecond); return nil } // the server's scan, not a wait of the test
	})
	m := deadlineMailer(t, srv, 200*time.Millisecond, 10*time.Second, &sleeps{})
	r := m.Send(context.Background(), []Message{{To: []string{"east@example.com"}, Subject: "s", Text: "t",
		Attachments: []Attachment{{Name: "华东.xlsx", Data: randomBytes(t, 256<<10)}}}}, nil)[0]
	if r.Err != nil || r.Attempts != 1 || len(srv.Received()) != 1 {
		t.Fatalf("%v after %d attempts, %d received; want delivered once, first time", r.Err, r.Attempts, len(srv.Received()))
	}
}

// TestSendNeverRepeatsAMessageInDoubt: when the reply after a message's
// content never comes within FinalTimeout, the server may have kept it:
// the message is in doubt, a transient failure, and is not sent again in
// the same Send (the next one repeats it, under the same Message-ID); the
// message after it goes in a new session.
func TestSendNeverRepeatsAMessageInDoubt(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Data = func(call int) error {
			if call == 1 {
				<-release // the reply to the first message never comes in time
			}
			return nil
		}
	})
	t.Cleanup(func() { close(release) })
	sl := &sleeps{}
	m := deadlineMailer(t, srv, 5*time.Second, 300*time.Millisecond, sl)
	results := m.Send(context.Background(), []Message{
		{To: []string{"east@example.com"}, Subject: "1", Text: "1", MessageID: "one@example.com"},
		{To: []string{"north@example.com"}, Subject: "2", Text: "2", MessageID: "two@example.com"},
	}, nil)
	if r := results[0]; !r.InDoubt || !IsTransient(r.Err) || r.Attempts != 1 {
		t.Errorf("first: %v, in doubt %v, %d attempts; want in doubt, transient, tried once", r.Err, r.InDoubt, r.Attempts)
	}
	if r := results[1]; r.Err != nil || r.Attempts != 2 {
		t.Errorf("second: %v after %d attempts; want delivered in the second session", r.Err, r.Attempts)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "north@example.com" {
		t.Fatalf("received %d messages; want only the second (the first is held)", len(got))
	}
	if id := delivertest.ParseMail(t, got[0].Data).Header.Get("Message-Id"); id != "<two@example.com>" {
		t.Errorf("Message-ID %q, want <two@example.com>", id)
	}
}

// TestSendCommandDeadline: a server that stalls in a command (MAIL) longer
// than Timeout fails that session with a transient error, and the message
// goes in the next.
func TestSendCommandDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := startServer(t, startTLSServer, func(s *delivertest.Options) {
		withUser(s)
		s.Mail = func(_ *smtp.Conn, call int) error {
			if call == 1 {
				<-release
			}
			return nil
		}
	})
	t.Cleanup(func() { close(release) })
	m := deadlineMailer(t, srv, 300*time.Millisecond, 10*time.Second, &sleeps{})
	r := m.Send(context.Background(), []Message{{To: []string{"east@example.com"}, Subject: "1", Text: "1"}}, nil)[0]
	if r.Err != nil || r.Attempts != 2 || len(srv.Received()) != 1 {
		t.Fatalf("%v after %d attempts, %d received; want delivered in the second session", r.Err, r.Attempts, len(srv.Received()))
	}
}

// TestMessageDeadlineScalesWithSize: a message's content may take Timeout
// plus its size at MinRate, and each write must progress within Timeout;
// past the whole deadline a write fails, naming it.
func TestMessageDeadlineScalesWithSize(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := &deadlineWriter{w: &buf, st: &sessionState{}, step: time.Second, limit: time.Now().Add(time.Hour), allowed: time.Hour}
	if _, err := w.Write([]byte("ok")); err != nil || buf.String() != "ok" {
		t.Fatalf("within the deadline: %v", err)
	}
	w.limit = time.Now().Add(-time.Millisecond)
	if _, err := w.Write([]byte("late")); err == nil || !strings.Contains(err.Error(), "1h0m0s its size allows") {
		t.Errorf("past the deadline: %v", err)
	}
}

// TestSendClosesAConnectionWhoseHandshakeFails: a server whose
// certificate does not verify fails the session, and the client closes the
// connection at once (the server reads its end) instead of leaving it
// open until the process ends.
func TestSendClosesAConnectionWhoseHandshakeFails(t *testing.T) {
	t.Parallel()
	cert, _ := delivertest.Certificate(t) // trusted by nobody: the mailer uses the system pool
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	closed := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			closed <- err
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		fmt.Fprint(c, "220 test ESMTP\r\n")
		r.ReadString('\n') // EHLO
		fmt.Fprint(c, "250-test\r\n250 STARTTLS\r\n")
		r.ReadString('\n') // STARTTLS
		fmt.Fprint(c, "220 go ahead\r\n")
		tc := tls.Server(&prefixed{Conn: c, r: r}, &tls.Config{Certificates: []tls.Certificate{cert}})
		tc.Handshake() // the client refuses the certificate
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.Copy(io.Discard, c) // returns when the client closes
		closed <- err
	}()
	m, err := NewMailer(SMTP{Addr: l.Addr().String(), From: testFrom, Timeout: 20 * time.Second, Retry: Retry{Delays: []time.Duration{}}})
	if err != nil {
		t.Fatal(err)
	}
	r := m.Send(context.Background(), []Message{{To: []string{"a@example.com"}, Subject: "s", Text: "t"}}, nil)[0]
	if r.Err == nil {
		t.Fatal("delivered over a certificate nobody trusts")
	}
	select {
	case err := <-closed:
		// EOF, or a reset when the client closed with bytes unread; a
		// timeout means it left the connection open.
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("the connection was not closed by the client: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the server never saw the connection end")
	}
}

// prefixed is a connection whose first reads come from r (which read ahead).
type prefixed struct {
	net.Conn
	r *bufio.Reader
}

func (p *prefixed) Read(b []byte) (int, error) { return p.r.Read(b) }
