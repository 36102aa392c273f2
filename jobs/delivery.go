package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"retention/config"
	"retention/config/endpoint"
	"retention/history"
	"retention/jobs/deliver"
	"retention/report"
	"retention/transform"
)

// due says which of a period's routed messages a command sends.
type due int

const (
	dueChanged due = iota // never sent, pending, or sent with other figures: run's period, deliver
	duePending            // only the pending ones: earlier periods, at each run
	dueKnown              // pending, or sent before with other figures: backfill, which never starts on history nobody had
	dueAll                // every one: --redeliver
)

// mailing is the e-mail of one command: the messages due, period by
// period, and what became of them. Its ledgers are written when it is
// sent; the caller holds the output lock.
type mailing struct {
	opt     RunOptions
	runID   string
	log     *slog.Logger
	email   *config.Email
	books   map[string][]byte // workbooks read, by path, each once
	batches []*batch
}

// batch is one period's messages and its ledger.
type batch struct {
	period transform.Period
	dir    string
	rec    *history.Record
	ledger *history.Ledger
	msgs   []*outgoing
	// unchanged counts the routed messages already sent with the same
	// figures, which are not sent again.
	unchanged int
	// settled is set when a pending attempt turned out to be needed no
	// more (the figures went back to those sent): the ledger is written
	// even without a message.
	settled bool
}

// outgoing is one workbook for one recipient.
type outgoing struct {
	dept     *string // nil: company.xlsx
	to       *mail.Address
	file     history.File
	data     []byte
	sha      string
	figures  string // FiguresDigest of the scope
	restated bool   // sent before with other figures
	retry    bool   // pending: an earlier attempt failed
	letter   report.Letter
	sent     bool  // the server accepted it
	err      error // why it was not delivered
}

func (o *outgoing) scope() string {
	if o.dept == nil {
		return transform.CompanyScope
	}
	return *o.dept
}

func newMailing(opt RunOptions, runID string, log *slog.Logger) *mailing {
	return &mailing{opt: opt, runID: runID, log: log, email: opt.Plan.Delivery.Email, books: map[string][]byte{}}
}

// add reads the published period p (its manifest, its files and its
// ledger) and plans the messages due under which.
func (m *mailing) add(p transform.Period, which due) error {
	h := m.opt.hist
	rec, err := h.ReadPeriod(p)
	if err != nil {
		return fail(kindOutput, err)
	}
	ledger, err := h.Ledger(p)
	if err != nil {
		return fail(kindOutput, err)
	}
	b := &batch{period: p, dir: h.PeriodDir(p), rec: rec, ledger: ledger}
	if err := m.route(b, nil, m.email.Company, which); err != nil {
		return err
	}
	routed := map[string]bool{} // scope and recipient
	routeKey := func(dept *string, to string) string {
		if dept == nil {
			return "\x00" + strings.ToLower(to)
		}
		return *dept + "\x00" + strings.ToLower(to)
	}
	for _, a := range m.email.Company {
		routed[routeKey(nil, a.Address)] = true
	}
	for _, r := range m.email.Departments {
		if _, ok := rec.Workbook(&r.Department); !ok {
			m.log.Warn("a delivery route names a department the source does not have in this period; nothing is sent to its recipients",
				"stage", "deliver", "period", p.String(), "key", "delivery.email.departments", "department", r.Department)
			continue
		}
		if err := m.route(b, &r.Department, r.To, which); err != nil {
			return err
		}
		for _, a := range r.To {
			routed[routeKey(&r.Department, a.Address)] = true
		}
	}
	for _, d := range ledger.Unroute(func(dept *string, to string) bool { return routed[routeKey(dept, to)] }) {
		b.settled = true
		scope := transform.CompanyScope
		if d.Department != nil {
			scope = *d.Department
		}
		m.log.Warn("a pending message is no longer routed and is given up", "stage", "deliver", "period", p.String(),
			"scope", scope, "recipient", d.Recipient)
	}
	m.batches = append(m.batches, b)
	return nil
}

// route plans the messages of one scope's workbook to its recipients.
func (m *mailing) route(b *batch, dept *string, to []*mail.Address, which due) error {
	if len(to) == 0 {
		return nil
	}
	file, _ := b.rec.Workbook(dept)
	figures := b.rec.FiguresDigest(dept)
	for _, a := range to {
		state := b.ledger.Due(dept, a.Address, figures)
		entry := b.ledger.Find(dept, a.Address)
		pending := entry != nil && entry.Pending != nil
		send := which == dueAll ||
			which == dueChanged && state != history.DueDone ||
			which == duePending && pending && state != history.DueDone ||
			which == dueKnown && (pending && state != history.DueDone || state == history.DueRestated)
		if !send {
			if state == history.DueDone {
				b.unchanged++
				if pending {
					entry.Pending, b.settled = nil, true
				}
			}
			continue
		}
		data, sha, err := m.workbook(b.dir, file)
		if err != nil {
			return err
		}
		restated := state == history.DueRestated
		letter, err := report.Mail(m.opt.Plan.Report.Locale, m.opt.Plan.Report.Currency, b.rec, dept, restated)
		if err != nil {
			return fail(kindInternal, err)
		}
		b.msgs = append(b.msgs, &outgoing{dept: dept, to: a, file: file, data: data, sha: sha, figures: figures,
			restated: restated, retry: pending, letter: letter})
	}
	return nil
}

// workbook reads a published workbook once, checked against the
// manifest: what is attached is what was published.
func (m *mailing) workbook(dir string, f history.File) ([]byte, string, error) {
	path := filepath.Join(dir, f.Path)
	if data, ok := m.books[path]; ok {
		return data, f.SHA256, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fail(kindOutput, fmt.Errorf("reading the workbook to send: %w", err))
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil, "", fail(kindOutput, fmt.Errorf("%s has changed since it was published (its SHA-256 is not the manifest's); publish the period again", path))
	}
	m.books[path] = data
	return data, f.SHA256, nil
}

// messages counts the messages planned, and those already sent with the
// same figures, which are not.
func (m *mailing) messages() (planned, unchanged int) {
	for _, b := range m.batches {
		planned += len(b.msgs)
		unchanged += b.unchanged
	}
	return planned, unchanged
}

// send sends every planned message, in one SMTP session per attempt, and
// records in each period's ledger (and the store) what was accepted and
// what is pending.
func (m *mailing) send(ctx context.Context) error {
	var all []*outgoing
	var msgs []deliver.Message
	for _, b := range m.batches {
		for _, o := range b.msgs {
			all = append(all, o)
			msgs = append(msgs, deliver.Message{To: []string{o.to.String()}, Subject: o.letter.Subject, Text: o.letter.Text,
				Attachments: []deliver.Attachment{{Name: o.file.Path, Data: o.data}}})
		}
	}
	_, unchanged := m.messages()
	s := mailServer(m.email.SMTP)
	if len(msgs) == 0 {
		m.log.Info("mail finished", "stage", "deliver", "server", s.Addr, "sent", 0, "pending", 0, "unchanged", unchanged)
		return m.save(ctx)
	}
	s.Retry = deliver.Retry{Sleep: m.opt.Sleep}
	mailer, err := deliver.NewMailer(s)
	if err != nil {
		return fail(kindConfig, err)
	}
	t := time.Now()
	for i, r := range mailer.Send(ctx, msgs, nil) {
		all[i].sent, all[i].err = r.Err == nil, r.Err
	}
	for _, b := range m.batches {
		m.record(b)
	}
	pending := len(m.pending())
	m.log.Info("mail finished", "stage", "deliver", "server", s.Addr, "sent", len(all)-pending, "pending", pending,
		"unchanged", unchanged, "duration_ms", time.Since(t).Milliseconds())
	return m.save(ctx)
}

// record notes each message of b in its ledger, at the time the command
// started in the report time zone, and logs it.
func (m *mailing) record(b *batch) {
	at := m.opt.Now.In(m.opt.Plan.Location).Truncate(time.Second)
	for _, o := range b.msgs {
		args := []any{"stage", "deliver", "period", b.period.String(), "department", o.scope(), "recipient", o.to.Address, "file", o.file.Path}
		if o.err == nil {
			b.ledger.RecordSent(o.dept, o.to.Address, history.Sent{File: o.file.Path, SHA256: o.sha, Figures: o.figures,
				At: at, RunID: m.runID, Restated: o.restated})
			m.log.Info("delivered", append(args, "restated", o.restated)...)
			continue
		}
		why := oneLine(o.err.Error())
		b.ledger.RecordPending(o.dept, o.to.Address, o.figures, at, why)
		m.log.Error("not delivered", append(args, "transient", deliver.IsTransient(o.err), "error", why)...)
	}
}

// save writes the ledgers of the periods that had messages and appends
// the messages accepted to the store.
func (m *mailing) save(ctx context.Context) error {
	for _, b := range m.batches {
		if len(b.msgs) == 0 && !b.settled {
			continue
		}
		if err := m.opt.hist.SaveLedger(b.period, b.ledger); err != nil {
			return fail(kindOutput, err)
		}
	}
	if !m.opt.hist.HasStore() || len(m.pending()) == m.planned() {
		return nil // no store, or nothing accepted to record
	}
	store, err := m.opt.hist.Store(ctx)
	if err != nil {
		return fail(kindStore, err)
	}
	for _, b := range m.batches {
		var sent []*history.Delivery
		for _, o := range b.msgs {
			if o.sent {
				sent = append(sent, b.ledger.Find(o.dept, o.to.Address))
			}
		}
		if err := store.AppendDeliveries(ctx, b.ledger, sent); err != nil {
			return fail(kindStore, err)
		}
	}
	return nil
}

func (m *mailing) planned() int {
	n, _ := m.messages()
	return n
}

// pending lists the messages not delivered.
func (m *mailing) pending() []*outgoing {
	var out []*outgoing
	for _, b := range m.batches {
		for _, o := range b.msgs {
			if o.err != nil {
				out = append(out, o)
			}
		}
	}
	return out
}

// failure is the one-line reason of a delivery that left messages
// pending: the server, how many recipients wait, and the first cause.
func (m *mailing) failure() error {
	pending := m.pending()
	if len(pending) == 0 {
		return nil
	}
	people := map[string]bool{}
	var periods []string
	for _, o := range pending {
		people[strings.ToLower(o.to.Address)] = true
	}
	for _, b := range m.batches {
		for _, o := range b.msgs {
			if o.err != nil {
				periods = append(periods, b.period.String())
				break
			}
		}
	}
	first := pending[0].err
	for _, o := range pending { // a permanent failure says more than a timeout
		if !deliver.IsTransient(o.err) {
			first = o.err
			break
		}
	}
	how := "`retention deliver --period " + periods[0] + "`"
	if len(periods) > 1 {
		how = "`retention deliver --period P` for " + strings.Join(periods, ", ")
	}
	return fmt.Errorf("%s pending on %s (%s; the next run or %s sends them): %s",
		plural(len(people), "recipient"), m.email.SMTP.Addr, plural(len(pending), "message"), how, oneLine(first.Error()))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// oneLine keeps an error on one line: a server's multi-line reply would
// break the last line of stderr and the log.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// deliveryReady checks, before a command that sends does anything, that
// it can: an SMTP account needs its password.
func deliveryReady(c config.Plan) error {
	if e := c.Delivery.Email; e != nil && !c.DryRun {
		return e.Ready()
	}
	return nil
}

// mailServer is the configured SMTP server as jobs/deliver takes it.
func mailServer(s endpoint.SMTP) deliver.SMTP {
	return deliver.SMTP{Addr: s.Addr, TLS: s.TLS, Username: s.Username, Password: s.Password, From: s.From, RootCAs: s.RootCAs}
}

// chatWebhook is the configured webhook as jobs/deliver takes it.
func chatWebhook(w endpoint.Webhook) deliver.Webhook {
	return deliver.Webhook{URL: w.URL, Format: deliver.Format(w.Format)}
}

// errNoDelivery is deliver's error when nothing is configured to deliver.
var errNoDelivery = &config.Error{Key: "delivery.email", Msg: "not set: there is nobody to deliver to (see README, Deliver)"}

// joinDelivery joins the failures of e-mail and webhook into the one
// delivery failure, after publishing, of span.
func joinDelivery(span string, errs ...error) error {
	var parts []string
	for _, err := range errs {
		if err != nil {
			parts = append(parts, err.Error())
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return fail(kindDelivery, fmt.Errorf("published %s, but delivery failed: %s", span, strings.Join(parts, "; ")))
}
