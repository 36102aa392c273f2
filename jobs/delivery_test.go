package jobs_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
	"retention/jobs/deliver"
	"retention/jobs/deliver/delivertest"
)

const (
	smtpUser     = "reports"
	smtpPassword = "Tr0ub4dor&3-smtp-s3cret"
)

// customerNames are names in the source that no message may carry.
var customerNames = []string{"Acme Trading", "王小明", "=HYPERLINK(\"http://x\",\"Acme\")"}

// deliveryData is the worked example with customer names.
func deliveryData(t *testing.T) *sourcetest.DB {
	t.Helper()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	d.Exec(t, "CREATE TABLE customers (customer_id BIGINT, name VARCHAR(64), owner VARCHAR(64)) DEFAULT CHARSET = utf8mb4",
		fmt.Sprintf("INSERT INTO customers VALUES (1, '%s', 'Wang'), (2, '%s', 'Li'), (4, '%s', 'Zhao')",
			customerNames[0], customerNames[1], strings.ReplaceAll(customerNames[2], "'", "''")))
	return d
}

// mailServer starts the in-process SMTP server with STARTTLS, on a
// certificate of its own, and the account reports.
func mailServer(t *testing.T, addr string) *delivertest.Server {
	t.Helper()
	return delivertest.Start(t, delivertest.Options{Mode: delivertest.StartTLS, Addr: addr,
		Users: map[string]string{smtpUser: smtpPassword}})
}

// routes is the delivery key of the tests: finance gets company.xlsx, 华东
// and 华北 their own, 西南 (which the source does not have) nothing.
const routes = `delivery:
  email:
    smtp: %s
    username: reports
    from: "客户保持报告 <reports@example.com>"
    company: [finance@example.com]
    departments:
      华东: [east-sales@example.com]
      华北: [north@example.com, "华北 Lead <north-lead@example.com>"]
      西南: [sw@example.com]
`

// mailConfig is the test configuration delivering through the server at
// addr, trusting pool, with the password the environment would give.
func mailConfig(t *testing.T, d *sourcetest.DB, addr string, pool *delivertest.Server, extra string) config.Config {
	t.Helper()
	c := testConfig(t, d, fmt.Sprintf(routes, addr)+extra)
	c.Delivery.Email.SMTP.Password = smtpPassword
	if pool != nil {
		c.Delivery.Email.SMTP.RootCAs = pool.Pool
	}
	return c
}

// logs collects a run's log lines as JSON.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// runAt runs period p with c at now, its retries recorded in sl.
func runAt(t *testing.T, c config.Config, p string, now time.Time, log *slog.Logger, sl *delivertest.Sleeps) (*jobs.Outcome, error) {
	t.Helper()
	return jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, p)), Now: now, Logger: log, Sleep: sl.Sleep})
}

// got is a received message as the tests compare it: envelope recipient,
// subject, attachment and its SHA-256, body.
type got struct {
	to, subject, file, sha, body string
}

// received reads the messages srv accepted after the first skip ones,
// checking what every message must be: one envelope recipient, the same
// in the To header, sent by reports over TLS, one attachment, no Cc or
// Bcc, and no customer name.
func received(t *testing.T, srv *delivertest.Server, skip int) []got {
	t.Helper()
	var out []got
	for _, r := range srv.Received()[skip:] {
		if len(r.To) != 1 || !r.TLS || r.User != smtpUser || r.From != "reports@example.com" {
			t.Fatalf("envelope %v from %s, user %q, TLS %v; want one recipient from reports@example.com, authenticated, over TLS", r.To, r.From, r.User, r.TLS)
		}
		p := delivertest.ParseMail(t, r.Data)
		if len(p.To) != 1 || p.To[0].Address != r.To[0] || p.Header.Get("Cc") != "" || p.Header.Get("Bcc") != "" {
			t.Errorf("headers To %v Cc %q Bcc %q for envelope %v", p.To, p.Header.Get("Cc"), p.Header.Get("Bcc"), r.To)
		}
		if len(p.Attachments) != 1 {
			t.Fatalf("%s: %d attachments", r.To[0], len(p.Attachments))
		}
		for _, name := range customerNames {
			if strings.Contains(p.Text, name) || strings.Contains(p.Subject, name) {
				t.Errorf("the message to %s names the customer %q:\n%s", r.To[0], name, p.Text)
			}
		}
		a := p.Attachments[0]
		out = append(out, got{to: r.To[0], subject: p.Subject, file: a.Filename, sha: hex.EncodeToString(a.SHA256[:]), body: p.Text})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].to+out[i].file < out[j].to+out[j].file })
	return out
}

// workbooks maps the files of a published period's manifest to their
// SHA-256.
func workbooks(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range readManifest(t, dir).Files {
		out[f["path"].(string)] = f["sha256"].(string)
	}
	return out
}

func summary(gs []got) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.to+" "+g.file+" "+g.subject)
	}
	return out
}

// TestDeliveryRoutesEachWorkbookToItsPeople: after publishing, each
// recipient gets exactly the workbooks routed to them, as published
// (SHA-256 of the manifest); a rerun sends nothing; a restated period is
// sent again once, marked, only where its figures moved; --redeliver sends
// everything again. The ledger and the store record each message.
func TestDeliveryRoutesEachWorkbookToItsPeople(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	c := mailConfig(t, d, srv.Addr, srv, "")
	store := sourcetest.New(t)
	c.Store.DSN = store.DSN
	var log logs
	var sl delivertest.Sleeps
	now := time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC)
	out, err := runAt(t, c, "2026-09", now, log.logger(), &sl)
	if err != nil {
		t.Fatal(err)
	}
	books := workbooks(t, out.Dir)
	first := received(t, srv, 0)
	want := []string{
		"east-sales@example.com 华东.xlsx 客户保持报告 · 华东 · 2026-09",
		"finance@example.com company.xlsx 客户保持报告 · 全公司 · 2026-09",
		"north-lead@example.com 华北.xlsx 客户保持报告 · 华北 · 2026-09",
		"north@example.com 华北.xlsx 客户保持报告 · 华北 · 2026-09",
	}
	if !slices.Equal(summary(first), want) {
		t.Fatalf("received\n%s\nwant\n%s", strings.Join(summary(first), "\n"), strings.Join(want, "\n"))
	}
	for _, g := range first {
		if g.sha != books[g.file] {
			t.Errorf("%s got %s with SHA-256 %s; the manifest has %s", g.to, g.file, g.sha, books[g.file])
		}
	}
	if _, ok := books["(unassigned).xlsx"]; !ok {
		t.Error("the period has no (unassigned) workbook: the test would not show it goes to nobody")
	}
	east := first[0].body
	for _, s := range []string{"附件是华东 2026-09 的月度客户保持报告：华东.xlsx。", "· 客户保持率：66.7%", "未达目标：无。", "修订：已发布的历史数字没有变化。"} {
		if !strings.Contains(east, s) {
			t.Errorf("华东's message lacks %q:\n%s", s, east)
		}
	}
	if !strings.Contains(log.String(), `"msg":"a delivery route names a department the source does not have in this period; nothing is sent to its recipients"`) ||
		!strings.Contains(log.String(), `"department":"西南"`) {
		t.Errorf("no WARN line for 西南, which the source does not have:\n%s", log.String())
	}
	ledger := readLedger(t, c, "2026-09")
	if len(ledger.Deliveries) != 4 || ledger.HasPending() {
		t.Errorf("ledger %+v: want 4 sent, none pending", ledger.Deliveries)
	}
	for _, e := range ledger.Deliveries {
		if e.Sent == nil || e.Sent.SHA256 != books[e.Sent.File] || !e.Sent.At.Equal(now) || e.Sent.RunID != out.RunID || e.Sent.Restated {
			t.Errorf("ledger entry of %s: %+v", e.Recipient, e.Sent)
		}
	}

	// A rerun with the same figures sends nothing.
	if _, err := runAt(t, c, "2026-09", now.Add(time.Hour), log.logger(), &sl); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Received()); n != 4 {
		t.Fatalf("a rerun with the same figures sent %d messages", n-4)
	}

	// A late order of 华东 in September restates 华东's and the company's
	// figures: sent again to them, once, marked; 华北's are unchanged.
	d.Exec(t, lateRows[0])
	out, err = runAt(t, c, "2026-09", now.Add(2*time.Hour), log.logger(), &sl)
	if err != nil {
		t.Fatal(err)
	}
	books = workbooks(t, out.Dir)
	again := received(t, srv, 4)
	want = []string{
		"east-sales@example.com 华东.xlsx 客户保持报告 · 华东 · 2026-09（修订）",
		"finance@example.com company.xlsx 客户保持报告 · 全公司 · 2026-09（修订）",
	}
	if !slices.Equal(summary(again), want) {
		t.Fatalf("after the restatement, received\n%s\nwant\n%s", strings.Join(summary(again), "\n"), strings.Join(want, "\n"))
	}
	for _, g := range again {
		if g.sha != books[g.file] || !strings.Contains(g.body, "这是修订后的报告") {
			t.Errorf("%s: %s (SHA-256 %s, manifest %s), body:\n%s", g.to, g.file, g.sha, books[g.file], g.body)
		}
	}
	if _, err := runAt(t, c, "2026-09", now.Add(3*time.Hour), log.logger(), &sl); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Received()); n != 6 {
		t.Fatalf("the restatement was sent again by the next run: %d messages", n-6)
	}

	// --redeliver sends every routed workbook, unmarked.
	c.Report.Locale = "en"
	p := plan(c, mustPeriod(t, "2026-09"))
	p.Redeliver = true
	if _, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: p, Now: now.Add(4 * time.Hour), Logger: quiet, Sleep: sl.Sleep}); err != nil {
		t.Fatal(err)
	}
	if got := summary(received(t, srv, 6)); len(got) != 4 || got[0] != "east-sales@example.com 华东.xlsx Customer retention · 华东 · 2026-09" {
		t.Errorf("--redeliver sent\n%s", strings.Join(got, "\n"))
	}
	var rows, restated int
	if err := store.Conn().QueryRow("SELECT COUNT(*), SUM(restated) FROM retention_deliveries WHERE granularity = 'month' AND period = '2026-09'").Scan(&rows, &restated); err != nil {
		t.Fatal(err)
	}
	if rows != 10 || restated != 2 {
		t.Errorf("retention_deliveries holds %d rows, %d restated; want 10, 2", rows, restated)
	}
	if got := sl.Got(); len(got) != 0 {
		t.Errorf("slept %v with nothing to retry", got)
	}
}

// readLedger reads a period's delivery ledger where c keeps it: in the
// store when c has one, else in the output directory.
func readLedger(t *testing.T, c config.Config, period string) *history.Ledger {
	t.Helper()
	h := history.Open(c.Report.OutDir, c.Store.DSN)
	defer h.Close()
	l, err := h.Ledger(context.Background(), mustPeriod(t, period))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestDeliveryWhenTheServerIsDown: the period is published, the run exits
// 9 naming the server and the recipients pending, after retries of 1, 2
// and 4 s; the next run delivers them, and its own period's messages.
func TestDeliveryWhenTheServerIsDown(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	addr := delivertest.FreeAddr(t)
	c := mailConfig(t, d, addr, nil, "")
	var sl delivertest.Sleeps
	out, err := runAt(t, c, "2026-08", time.Date(2026, 9, 1, 22, 30, 0, 0, time.UTC), quiet, &sl)
	if jobs.ExitCode(err) != jobs.ExitDelivery {
		t.Fatalf("run with the mail server down: exit %d (%v), want %d", jobs.ExitCode(err), err, jobs.ExitDelivery)
	}
	msg := err.Error()
	for _, s := range []string{"published 2026-08, but delivery failed", "2 recipients pending on " + addr, "2 messages", "connection refused"} {
		if !strings.Contains(msg, s) {
			t.Errorf("reason %q does not say %q", msg, s)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, smtpPassword) {
		t.Errorf("reason %q is not one line, or shows the password", msg)
	}
	if out == nil || !history.Complete(out.Dir) {
		t.Fatalf("the period is not published: %+v", out)
	}
	if got := sl.Got(); !slices.Equal(got, deliver.DefaultDelays) {
		t.Errorf("retries after %v, want %v", got, deliver.DefaultDelays)
	}
	if l := readLedger(t, c, "2026-08"); !l.HasPending() || len(l.Deliveries) != 2 {
		t.Errorf("ledger of 2026-08: %+v, want finance's and 华东's messages pending", l.Deliveries)
	}

	// The server is back: the next run, of September, sends September's
	// messages and August's pending ones, one session for all.
	srv := mailServer(t, addr)
	c.Delivery.Email.SMTP.RootCAs = srv.Pool
	sep, err := runAt(t, c, "2026-09", time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC), quiet, &sl)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"east-sales@example.com 华东.xlsx 客户保持报告 · 华东 · 2026-08",
		"east-sales@example.com 华东.xlsx 客户保持报告 · 华东 · 2026-09",
		"finance@example.com company.xlsx 客户保持报告 · 全公司 · 2026-08",
		"finance@example.com company.xlsx 客户保持报告 · 全公司 · 2026-09",
		"north-lead@example.com 华北.xlsx 客户保持报告 · 华北 · 2026-09",
		"north@example.com 华北.xlsx 客户保持报告 · 华北 · 2026-09",
	}
	gotMsgs := received(t, srv, 0)
	sort.Slice(gotMsgs, func(i, j int) bool { return summary(gotMsgs[i : i+1])[0] < summary(gotMsgs[j : j+1])[0] })
	if !slices.Equal(summary(gotMsgs), want) {
		t.Fatalf("received\n%s\nwant\n%s", strings.Join(summary(gotMsgs), "\n"), strings.Join(want, "\n"))
	}
	aug, sepBooks := workbooks(t, out.Dir), workbooks(t, sep.Dir)
	for _, g := range gotMsgs {
		books := sepBooks
		if strings.HasSuffix(g.subject, "2026-08") {
			books = aug
		}
		if g.sha != books[g.file] {
			t.Errorf("%s: %s is not the published one", g.to, g.subject)
		}
	}
	for _, p := range []string{"2026-08", "2026-09"} {
		if l := readLedger(t, c, p); l.HasPending() {
			t.Errorf("ledger of %s still has pending messages: %+v", p, l.Deliveries)
		}
	}
}

// TestDeliverCommand: retention deliver sends a published period's
// pending messages without recomputing, lists them with --dry-run, and
// sends nothing twice.
func TestDeliverCommand(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	addr := delivertest.FreeAddr(t)
	c := mailConfig(t, d, addr, nil, "")
	var sl delivertest.Sleeps
	now := time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC)
	if _, err := runAt(t, c, "2026-09", now, quiet, &sl); jobs.ExitCode(err) != jobs.ExitDelivery {
		t.Fatalf("exit %d (%v), want %d", jobs.ExitCode(err), err, jobs.ExitDelivery)
	}
	// The source is gone: deliver reads only what was published.
	c.Source.DSN = "nobody@tcp(127.0.0.1:1)/gone"
	srv := mailServer(t, addr)
	c.Delivery.Email.SMTP.RootCAs = srv.Pool
	deliverCmd := func(dryRun bool) (string, error) {
		var out bytes.Buffer
		p := newPlan(t, c, config.Flags{Command: "deliver", Period: "2026-09", DryRun: dryRun}, now)
		err := jobs.Deliver(context.Background(), jobs.RunOptions{Plan: p, Now: now, Logger: quiet, Sleep: sl.Sleep}, &out)
		return out.String(), err
	}
	listing, err := deliverCmd(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"2026-09 (month) in " + history.Open(c.Report.OutDir).PeriodDir(mustPeriod(t, "2026-09")) + ": 4 messages, 0 already sent",
		"to send (was pending)  north-lead@example.com  华北.xlsx     客户保持报告 · 华北 · 2026-09\n"} {
		if !strings.Contains(listing, s) {
			t.Errorf("dry run lacks %q:\n%s", s, listing)
		}
	}
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("the dry run sent %d messages", n)
	}
	listing, err = deliverCmd(false)
	if err != nil {
		t.Fatalf("deliver: %v\n%s", err, listing)
	}
	if got := received(t, srv, 0); len(got) != 4 || !strings.Contains(listing, "sent (was pending)  finance@example.com     company.xlsx  客户保持报告 · 全公司 · 2026-09\n") {
		t.Errorf("deliver sent %v:\n%s", summary(got), listing)
	}
	listing, err = deliverCmd(false)
	if err != nil || !strings.Contains(listing, "nothing to send, 4 already sent with these figures") || len(srv.Received()) != 4 {
		t.Errorf("deliver again: %v, %d messages in all:\n%s", err, len(srv.Received()), listing)
	}
	// Nothing published: a clear error.
	p := newPlan(t, c, config.Flags{Command: "deliver", Period: "2026-07"}, now)
	if err := jobs.Deliver(context.Background(), jobs.RunOptions{Plan: p, Now: now, Logger: quiet}, io.Discard); jobs.ExitCode(err) != jobs.ExitOutput ||
		!strings.Contains(err.Error(), "is not published") {
		t.Errorf("deliver of a period never published: exit %d, %v", jobs.ExitCode(err), err)
	}
}

// TestBackfillDeliversOnlyWhatWasDelivered: a backfill does not mail
// history nobody had; it sends again what it restated of what was sent.
func TestBackfillDeliversOnlyWhatWasDelivered(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	c := mailConfig(t, d, srv.Addr, srv, "")
	now := time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC)
	var sl delivertest.Sleeps
	if _, err := runAt(t, c, "2026-09", now, quiet, &sl); err != nil {
		t.Fatal(err)
	}
	backfill := func() {
		t.Helper()
		p := newPlan(t, c, config.Flags{Command: "backfill", From: "2026-07", To: "2026-09", Force: true}, now)
		if _, err := jobs.Backfill(context.Background(), jobs.RunOptions{Plan: p, Now: now, Logger: quiet, Sleep: sl.Sleep}, nil); err != nil {
			t.Fatal(err)
		}
	}
	backfill()
	if n := len(srv.Received()); n != 4 {
		t.Fatalf("the backfill sent %d messages; nothing changed and July and August were never sent", n-4)
	}
	d.Exec(t, lateRows[0])
	backfill()
	if got := summary(received(t, srv, 4)); !slices.Equal(got, []string{
		"east-sales@example.com 华东.xlsx 客户保持报告 · 华东 · 2026-09（修订）",
		"finance@example.com company.xlsx 客户保持报告 · 全公司 · 2026-09（修订）",
	}) {
		t.Errorf("the backfill after a restatement sent\n%s", strings.Join(got, "\n"))
	}
}

// TestDeliveryHostileDepartmentNames: a department named with a line
// break and a header, or like a formula, reaches its own recipient only,
// in one line of subject, and adds no header or recipient.
func TestDeliveryHostileDepartmentNames(t *testing.T) {
	t.Parallel()
	names := []string{"华东\r\nBcc: evil@example.net", `=HYPERLINK("http://evil.example","点我")`}
	d := sourcetest.New(t)
	at := time.Date(2026, 8, 10, 10, 0, 0, 0, time.UTC)
	var rows [][]any
	for i, n := range names {
		rows = append(rows, []any{int64(2*i + 1), int64(i + 1), n, at, "10.00"}, []any{int64(2*i + 2), int64(i + 1), n, at.AddDate(0, 1, 0), "20.00"})
	}
	d.Table(t, "orders", ordersTable, rows)
	emptyComplaints(t, d)
	srv := mailServer(t, "")
	c := testConfig(t, d, fmt.Sprintf(`delivery:
  email:
    smtp: %s
    username: reports
    from: reports@example.com
    departments:
      "华东\r\nBcc: evil@example.net": [east@example.com]
      '=HYPERLINK("http://evil.example","点我")': [formula@example.com]
`, srv.Addr))
	c.Delivery.Email.SMTP.Password, c.Delivery.Email.SMTP.RootCAs = smtpPassword, srv.Pool
	if _, err := runAt(t, c, "2026-09", time.Now(), quiet, &delivertest.Sleeps{}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Received()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, r := range msgs {
		if len(r.To) != 1 || r.To[0] == "evil@example.net" {
			t.Errorf("envelope recipients %v", r.To)
		}
		if bytes.Contains(r.Data, []byte("\nBcc:")) || bytes.Contains(r.Data, []byte("evil@example.net>")) {
			t.Errorf("the message to %v carries a Bcc header:\n%s", r.To, r.Data)
		}
		p := delivertest.ParseMail(t, r.Data)
		wantSubject := map[string]string{
			"east@example.com":    "客户保持报告 · 华东  Bcc: evil@example.net · 2026-09",
			"formula@example.com": `客户保持报告 · =HYPERLINK("http://evil.example","点我") · 2026-09`,
		}[r.To[0]]
		if p.Subject != wantSubject || len(p.Header["Subject"]) != 1 {
			t.Errorf("subject %q, want %q", p.Subject, wantSubject)
		}
	}
}

// hookServer is an httptest webhook that keeps what it is posted and
// answers with status.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func startHookServer(t *testing.T, status int) *hookServer {
	t.Helper()
	h := &hookServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) posted() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bodies)
}

const hookToken = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// TestDeliveryWebhook: one notice per run with the period, the company's
// figures, the broken targets, the restatements, the messages and where
// the files are, and no customer; a webhook that fails is exit 9, its
// token shown nowhere.
func TestDeliveryWebhook(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	h := startHookServer(t, http.StatusOK)
	c := mailConfig(t, d, srv.Addr, srv, fmt.Sprintf(`  webhook:
    url: %s/hooks/retention?token=%s
    format: json
    allow_plaintext: true
targets:
  - {metric: retention_rate, min: 0.7}
`, h.URL, hookToken))
	var log logs
	out, err := runAt(t, c, "2026-09", time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC), log.logger(), &delivertest.Sleeps{})
	if err != nil {
		t.Fatal(err)
	}
	posted := h.posted()
	if len(posted) != 1 {
		t.Fatalf("%d notices, want 1", len(posted))
	}
	for _, s := range []string{`"title":"客户保持报告 · 2026-09 已发布"`, `"- 客户保持率 66.7%（+0.0 个百分点）"`, `"未达目标 2 项："`,
		`"- 华东 客户保持率 66.7%，低于目标下限 70.0%"`, `"邮件：本次发送 4 封，待发送 0 封，0 封此前已发送且数字未变"`, `"文件：` + out.Dir + `"`,
		`"period":"2026-09"`, `"mail":{"pending":0,"sent":4,"unchanged":0}`, `"retention_rate":0.6666666666666666`} {
		if !strings.Contains(posted[0], s) {
			t.Errorf("notice lacks %s:\n%s", s, posted[0])
		}
	}
	for _, name := range customerNames {
		if strings.Contains(posted[0], strings.ReplaceAll(name, `"`, `\"`)) {
			t.Errorf("notice names the customer %q", name)
		}
	}

	// A webhook that keeps failing: exit 9, the mail delivered, the token
	// in no error or log line.
	bad := startHookServer(t, http.StatusBadGateway)
	c.Delivery.Webhook.URL = bad.URL + "/hooks/retention?token=" + hookToken
	var sl delivertest.Sleeps
	_, err = runAt(t, c, "2026-09", time.Date(2026, 10, 2, 22, 30, 0, 0, time.UTC), log.logger(), &sl)
	if jobs.ExitCode(err) != jobs.ExitDelivery || !strings.Contains(err.Error(), "posting to "+bad.URL+": HTTP 502") {
		t.Fatalf("exit %d, %v; want %d naming the webhook's host", jobs.ExitCode(err), err, jobs.ExitDelivery)
	}
	if n := len(bad.posted()); n != 4 || !slices.Equal(sl.Got(), deliver.DefaultDelays) {
		t.Errorf("%d posts after waits %v, want 4 after %v", n, sl.Got(), deliver.DefaultDelays)
	}
	if strings.Contains(err.Error()+log.String(), hookToken) {
		t.Errorf("the webhook's token is shown:\n%v\n%s", err, log.String())
	}
}

// TestCheckDelivery: check opens a session with the mail server and
// warns of a route to a department the source does not have; a wrong
// password fails it, naming the account.
func TestCheckDelivery(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	c := mailConfig(t, d, srv.Addr, srv, "")
	check := func(c config.Config) (string, error) {
		var out bytes.Buffer
		p := newPlan(t, c, config.Flags{Command: "check"}, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
		err := jobs.Check(context.Background(), jobs.RunOptions{Plan: p, Logger: quiet}, &out)
		return out.String(), err
	}
	out, err := check(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"WARNING     delivery.email.departments.西南: the source has no rows of this department",
		"email       smtp://reports@" + srv.Addr + " (tls starttls, from 客户保持报告 <reports@example.com>) reachable; company.xlsx to 1, 3 departments' workbooks to 4 recipients"} {
		if !strings.Contains(out, s) {
			t.Errorf("check lacks %q:\n%s", s, out)
		}
	}
	for _, dept := range []string{"华东", "华北"} {
		if strings.Contains(out, "departments."+dept+":") {
			t.Errorf("check warns of %s, which the source has:\n%s", dept, out)
		}
	}
	if len(srv.Received()) != 0 {
		t.Error("check sent a message")
	}
	c.Delivery.Email.SMTP.Password = "not-the-password"
	if _, err := check(c); jobs.ExitCode(err) != jobs.ExitDelivery || !strings.Contains(err.Error(), `authenticating as "reports"`) ||
		strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("check with a wrong password: exit %d, %v", jobs.ExitCode(err), err)
	}
	c.Delivery.Email.SMTP.Password = ""
	if _, err := check(c); jobs.ExitCode(err) != jobs.ExitConfig || !strings.Contains(err.Error(), config.EnvSMTPPassword) {
		t.Errorf("check without the password: exit %d, %v", jobs.ExitCode(err), err)
	}
}

// TestDeliveryLedgerSurvivesRepublishing: the ledger sits beside the
// period's directory, which publishing replaces whole.
func TestDeliveryLedgerSurvivesRepublishing(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	c := mailConfig(t, d, srv.Addr, srv, "")
	out, err := runAt(t, c, "2026-09", time.Now(), quiet, &delivertest.Sleeps{})
	if err != nil {
		t.Fatal(err)
	}
	path := history.Open(c.Report.OutDir).LedgerFile(out.Period)
	if filepath.Dir(path) == out.Dir || filepath.Dir(path) != filepath.Dir(out.Dir) {
		t.Errorf("ledger %s is not beside %s", path, out.Dir)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runAt(t, c, "2026-09", time.Now(), quiet, &delivertest.Sleeps{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) || len(srv.Received()) != 4 {
		t.Errorf("republishing changed the ledger or sent again (%d messages)", len(srv.Received()))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestDeliveryPendingSettles: a restatement that could not be sent, whose
// figures then go back to those sent, is no longer pending and sends
// nothing.
func TestDeliveryPendingSettles(t *testing.T) {
	t.Parallel()
	d := deliveryData(t)
	srv := mailServer(t, "")
	c := mailConfig(t, d, srv.Addr, srv, "")
	var sl delivertest.Sleeps
	now := time.Date(2026, 10, 1, 22, 30, 0, 0, time.UTC)
	if _, err := runAt(t, c, "2026-09", now, quiet, &sl); err != nil {
		t.Fatal(err)
	}
	up := c.Delivery.Email.SMTP.Addr
	c.Delivery.Email.SMTP.Addr = delivertest.FreeAddr(t) // down
	d.Exec(t, lateRows[0])
	if _, err := runAt(t, c, "2026-09", now.Add(time.Hour), quiet, &sl); jobs.ExitCode(err) != jobs.ExitDelivery {
		t.Fatalf("exit %d (%v), want %d", jobs.ExitCode(err), err, jobs.ExitDelivery)
	}
	if !readLedger(t, c, "2026-09").HasPending() {
		t.Fatal("the restatement is not pending")
	}
	d.Exec(t, "DELETE FROM orders WHERE order_id IN (18, 19)")
	c.Delivery.Email.SMTP.Addr = up
	if _, err := runAt(t, c, "2026-09", now.Add(2*time.Hour), quiet, &sl); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Received()); n != 4 || readLedger(t, c, "2026-09").HasPending() {
		t.Errorf("%d messages in all, pending %v; want the first 4 and nothing pending", n, readLedger(t, c, "2026-09").HasPending())
	}
}

// TestDeliveryRouteNames: routes are compared with the source's
// department names in Unicode NFC and trimmed: "Cafe\u0301 " (an e and a
// combining accent, a trailing space) routes the workbook of "Café". A
// published workbook routed to nobody is a WARN line naming it on every
// run, and a route that differs from a department only by case or
// spacing ("nord" for "Nord") is an error at check. Mail allowed in clear
// (tls none, allow_plaintext) is warned of on every run.
func TestDeliveryRouteNames(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE orders (order_id BIGINT, customer_id BIGINT, department VARCHAR(20), ordered_at DATETIME, amount DECIMAL(14,2)) DEFAULT CHARSET = utf8mb4",
		"INSERT INTO orders VALUES (1, 1, 'Caf\u00e9', '2026-08-05 10:00:00', 10.00), (2, 1, 'Caf\u00e9', '2026-09-05 10:00:00', 10.00), "+
			"(3, 2, 'Nord', '2026-08-05 10:00:00', 10.00), (4, 2, 'Nord', '2026-09-05 10:00:00', 10.00)",
		"CREATE TABLE complaints (complaint_id BIGINT, customer_id BIGINT, department VARCHAR(20), created_at DATETIME, resolved_at DATETIME, satisfaction INT, category VARCHAR(20))")
	srv := delivertest.Start(t, delivertest.Options{Mode: delivertest.Plain})
	c := testConfig(t, d, fmt.Sprintf(`delivery:
  email:
    smtp: %s
    tls: none
    allow_plaintext: true
    from: "客户保持报告 <reports@example.com>"
    departments:
      "Cafe\u0301 ": [cafe@example.com]
      nord: [nord@example.com]
`, srv.Addr))
	var log logs
	var sl delivertest.Sleeps
	for range 2 {
		if _, err := runAt(t, c, "2026-09", time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC), log.logger(), &sl); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Received(); len(got) != 1 || got[0].To[0] != "cafe@example.com" {
		t.Fatalf("received %d messages, want Café's workbook to cafe@example.com once", len(got))
	}
	for _, want := range [][]string{
		{`"level":"WARN","msg":"a department's workbook is routed to nobody"`, `"department":"Nord"`},
		{`"level":"WARN","msg":"mail goes without TLS: the workbooks and the customer names in them cross the network in clear"`},
	} {
		n := 0
		for _, line := range strings.Split(log.String(), "\n") {
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(line, w) }) {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d lines with %q, want one per run:\n%s", n, want, log.String())
		}
	}
	var out bytes.Buffer
	err := jobs.Check(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet}, &out)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "delivery.email.departments.nord" || !strings.Contains(err.Error(), `"Nord"`) || jobs.ExitCode(err) == 0 {
		t.Errorf("check: %v (exit %d), want an error naming delivery.email.departments.nord and Nord\n%s", err, jobs.ExitCode(err), out.String())
	}
}
