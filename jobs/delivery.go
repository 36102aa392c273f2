package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"slices"
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
	batches []*batch
	// unresolved are the reasons pending messages could not be sent nor
	// given up (an earlier period no longer whole, a workbook changed
	// since it was published): they stay pending, and the run exits 9.
	unresolved []string
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
	dept      *string // nil: company.xlsx
	to        *mail.Address
	file      history.File
	path      string // the published workbook, checked against the manifest
	figures   string // FiguresDigest of the scope
	messageID string // the same for every copy of this message
	restated  bool   // sent before with other figures
	retry     bool   // pending: an earlier attempt failed, or was cut short
	letter    report.Letter
	sent      bool  // the server accepted it
	err       error // why it was not delivered
	inDoubt   bool  // its content went out whole, the reply never came
	recorded  bool  // its outcome is in the ledger already
}

func (o *outgoing) scope() string {
	if o.dept == nil {
		return transform.CompanyScope
	}
	return *o.dept
}

func newMailing(opt RunOptions, runID string, log *slog.Logger) *mailing {
	return &mailing{opt: opt, runID: runID, log: log, email: opt.Plan.Delivery.Email}
}

// add reads the published period p (its manifest, its files and its
// ledger) and plans the messages due under which. A ledger that cannot be
// read stops the delivery: nothing is sent.
func (m *mailing) add(ctx context.Context, p transform.Period, which due) error {
	h := m.opt.hist
	ledger, err := h.Ledger(ctx, p)
	if err != nil {
		return failLedger(fmt.Errorf("%w; delivery stopped, nothing sent", err))
	}
	rec, err := h.ReadPeriod(p)
	if err != nil {
		return m.unresolvable(p, which, err)
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
	published := departmentsByRoute(rec)
	for _, r := range m.email.Departments {
		dept, ok := published[config.RouteName(r.Department)]
		if !ok {
			m.log.Warn("a delivery route names a department the source does not have in this period; nothing is sent to its recipients",
				"stage", "deliver", "period", p.String(), "key", "delivery.email.departments", "department", r.Department)
			continue
		}
		delete(published, config.RouteName(r.Department))
		if err := m.route(b, &dept, r.To, which); err != nil {
			return err
		}
		for _, a := range r.To {
			routed[routeKey(&dept, a.Address)] = true
		}
	}
	for _, dept := range slices.Sorted(maps.Values(published)) {
		m.log.Warn("a department's workbook is routed to nobody", "stage", "deliver", "period", p.String(),
			"key", "delivery.email.departments", "department", dept)
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

// departmentsByRoute maps the departments with a workbook in rec, by their
// names as routes compare them (config.RouteName), to their names as
// published.
func departmentsByRoute(rec *history.Record) map[string]string {
	out := map[string]string{}
	for _, f := range rec.Files {
		if f.Department != nil {
			out[config.RouteName(*f.Department)] = *f.Department
		}
	}
	return out
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
		pending := entry != nil && entry.Waiting()
		send := which == dueAll ||
			which == dueChanged && state != history.DueDone ||
			which == duePending && pending && state != history.DueDone ||
			which == dueKnown && (pending && state != history.DueDone || state == history.DueRestated)
		if !send {
			if state == history.DueDone {
				b.unchanged++
				if pending {
					entry.Pending, entry.InFlight, b.settled = nil, nil, true
				}
			}
			continue
		}
		path, err := m.opt.hist.Attachment(b.period, file)
		if err != nil {
			return m.unresolvable(b.period, which, err)
		}
		restated := state == history.DueRestated
		letter, err := report.Mail(m.opt.Plan.Report.Locale, m.opt.Plan.Report.Currency, b.rec, dept, restated)
		if err != nil {
			return fail(kindInternal, err)
		}
		b.msgs = append(b.msgs, &outgoing{dept: dept, to: a, file: file, path: path, figures: figures, restated: restated, retry: pending,
			letter: letter, messageID: b.ledger.MessageID(dept, a.Address, figures, m.senderDomain())})
	}
	return nil
}

// unresolvable handles a published period whose messages cannot be
// sent: for the period a command publishes or names, an error that stops
// the delivery; for an earlier period with messages pending, a reason the
// mailing reports (exit 9), its messages staying pending.
func (m *mailing) unresolvable(p transform.Period, which due, err error) error {
	if which != duePending {
		return fail(kindOutput, err)
	}
	m.log.Error("pending messages of a period cannot be sent; they stay pending", "stage", "deliver", "period", p.String(), "error", err.Error())
	m.unresolved = append(m.unresolved, p.String()+": "+oneLine(err.Error()))
	return nil
}

// senderDomain is the domain of the sender's address, for Message-IDs.
func (m *mailing) senderDomain() string {
	from, err := endpoint.ParseAddress(m.email.SMTP.From)
	if err != nil {
		return "retention.invalid"
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	return domain
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

// send sends every planned message, one at a time, in one SMTP session
// per attempt, and writes each to its period's ledger as it goes: the
// intent before its content, the outcome after (ledgerJournal), so that a
// crash repeats at most the one message in flight, under the same
// Message-ID. It then records what never got that far and appends the
// messages accepted to the store.
func (m *mailing) send(ctx context.Context) error {
	var all []*outgoing
	var owner []*batch
	var msgs []deliver.Message
	for _, b := range m.batches {
		for _, o := range b.msgs {
			all, owner = append(all, o), append(owner, b)
			msgs = append(msgs, deliver.Message{To: []string{o.to.String()}, Subject: o.letter.Subject, Text: o.letter.Text,
				Attachments: []deliver.Attachment{{Name: o.file.Path, Path: o.path}}, MessageID: o.messageID})
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
	lctx, cancel := ledgerContext(ctx)
	defer cancel()
	j := &ledgerJournal{m: m, ctx: lctx, all: all, owner: owner}
	for i, r := range mailer.Send(ctx, msgs, j) {
		o := all[i]
		if !o.recorded {
			o.sent, o.err, o.inDoubt = r.Err == nil, r.Err, r.InDoubt
		}
	}
	if j.err != nil {
		return fail(kindOutput, fmt.Errorf("writing the delivery ledger: %w; delivery stopped, the messages not yet sent wait", j.err))
	}
	pending := len(m.pending())
	m.log.Info("mail finished", "stage", "deliver", "server", s.Addr, "sent", len(all)-pending, "pending", pending,
		"unchanged", unchanged, "duration_ms", time.Since(t).Milliseconds())
	return m.save(ctx)
}

// ledgerContext is the context of the ledger's writes: they go on when
// the command is being stopped, so that what was sent is written down, but
// for a bounded time.
func ledgerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// ledgerJournal writes each message to its period's ledger as the mailer
// sends it: before its content goes (in flight), and its outcome after.
type ledgerJournal struct {
	m     *mailing
	ctx   context.Context
	all   []*outgoing
	owner []*batch
	err   error // the first write that failed: the mailing stopped there
}

func (j *ledgerJournal) Sending(i int) error {
	o, b := j.all[i], j.owner[i]
	d := b.ledger.RecordSending(o.dept, o.to.Address, history.InFlight{Figures: o.figures, MessageID: o.messageID,
		At: time.Now().UTC().Truncate(time.Millisecond), RunID: j.m.runID})
	return j.write(b, d)
}

func (j *ledgerJournal) Done(i int, r deliver.Result) error {
	o, b := j.all[i], j.owner[i]
	o.sent, o.err, o.inDoubt, o.recorded = r.Err == nil, r.Err, r.InDoubt, true
	return j.write(b, j.m.recordOne(b, o))
}

func (j *ledgerJournal) write(b *batch, d *history.Delivery) error {
	if err := j.m.opt.hist.SaveDelivery(j.ctx, b.period, b.ledger, d); err != nil {
		if j.err == nil {
			j.err = err
		}
		return err
	}
	return nil
}

// recordOne notes a message's outcome in its batch's ledger, at the time
// the command started in the report time zone, logs it and returns the
// entry.
func (m *mailing) recordOne(b *batch, o *outgoing) *history.Delivery {
	at := m.opt.Now.In(m.opt.Plan.Location).Truncate(time.Second)
	args := []any{"stage", "deliver", "period", b.period.String(), "department", o.scope(), "recipient", o.to.Address, "file", o.file.Path,
		"message_id", o.messageID}
	if o.err == nil {
		m.log.Info("delivered", append(args, "restated", o.restated)...)
		return b.ledger.RecordSent(o.dept, o.to.Address, history.Sent{File: o.file.Path, SHA256: o.file.SHA256, Figures: o.figures,
			At: at, RunID: m.runID, Restated: o.restated})
	}
	why := oneLine(o.err.Error())
	if o.inDoubt {
		why = "in doubt (the server's reply after the message never came; it is sent again, under the same Message-ID): " + why
	}
	m.log.Error("not delivered", append(args, "transient", deliver.IsTransient(o.err), "in_doubt", o.inDoubt, "error", why)...)
	return b.ledger.RecordPending(o.dept, o.to.Address, o.figures, at, why)
}

// save records the messages whose outcome is not in the ledgers yet (they
// never reached their content: a refused connection, a refused
// recipient), writes the ledgers that changed, and appends the messages
// accepted to the store's retention_deliveries.
func (m *mailing) save(ctx context.Context) error {
	lctx, cancel := ledgerContext(ctx)
	defer cancel()
	for _, b := range m.batches {
		changed := b.settled
		for _, o := range b.msgs {
			if !o.recorded && (o.sent || o.err != nil) {
				m.recordOne(b, o)
				o.recorded, changed = true, true
			}
		}
		if !changed {
			continue
		}
		if err := m.opt.hist.SaveLedger(lctx, b.period, b.ledger); err != nil {
			return fail(kindOutput, fmt.Errorf("writing the delivery ledger: %w", err))
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
		if err := store.AppendDeliveries(lctx, b.ledger, sent); err != nil {
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
	var parts []string
	if pending := m.pending(); len(pending) > 0 {
		parts = append(parts, m.pendingReason(pending))
	}
	if len(m.unresolved) > 0 {
		parts = append(parts, "pending messages that cannot be sent until their period is published again: "+strings.Join(m.unresolved, "; "))
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}

// pendingReason says how many recipients and messages wait, and why.
func (m *mailing) pendingReason(pending []*outgoing) string {
	people := map[string]bool{}
	var periods []string
	doubt := 0
	for _, o := range pending {
		people[strings.ToLower(o.to.Address)] = true
		doubt += boolInt(o.inDoubt)
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
	inDoubt := ""
	if doubt > 0 {
		inDoubt = fmt.Sprintf(", %d of them in doubt: sent again under the same Message-ID", doubt)
	}
	return fmt.Sprintf("%s pending on %s (%s%s; the next run or %s sends them): %s",
		plural(len(people), "recipient"), m.email.SMTP.Addr, plural(len(pending), "message"), inDoubt, how, oneLine(first.Error()))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
var errNoDelivery = &config.Error{Key: "delivery.email", Msg: "not set: there is nobody to deliver to (see docs/DELIVERY.md)"}

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
