package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"retention/config"
	"retention/config/endpoint"
	"retention/extract"
	"retention/history"
	"retention/jobs/deliver"
	"retention/report"
	"retention/transform"
)

// deliverPublished delivers what a run or a backfill has just published,
// under its output lock: the messages due of each period published, the
// messages still pending of earlier periods, then the run's chat notice.
// Publishing never waits for it, and a failure here undoes nothing: it is
// exit 9, and the next run, or deliver, sends what is pending.
func deliverPublished(ctx context.Context, opt RunOptions, runID, command string, outs []*Outcome, log *slog.Logger) error {
	c := opt.Plan
	if len(outs) == 0 || c.Delivery.Email == nil && c.Delivery.Webhook == nil {
		return nil
	}
	warnPlaintext(c, log)
	first, last := outs[0], outs[len(outs)-1]
	run := report.Run{Periods: len(outs), First: first.Period.String(), Dir: last.Dir}
	var mailErr, hookErr, ledgerErr error
	if c.Delivery.Email != nil {
		// An error of the ledger or the store keeps its own exit code; the
		// chat notice goes out all the same.
		m, err := mailPublished(ctx, opt, runID, command, outs, log)
		if err != nil {
			ledgerErr = err
		} else {
			mailErr = m.failure()
			planned, unchanged := m.messages()
			run.Mail, run.Pending, run.Unchanged = true, len(m.pending()), unchanged
			run.Sent = planned - run.Pending
		}
	}
	if c.Delivery.Webhook != nil {
		hookErr = notify(ctx, opt, last.Period, run, log)
	}
	if ledgerErr != nil {
		if hookErr != nil {
			log.Error("the chat notice failed too", "stage", "deliver", "error", hookErr.Error())
		}
		return ledgerErr
	}
	return joinDelivery(span(first.Period, last.Period), mailErr, hookErr)
}

// mailPublished sends the messages of the periods published (all those
// due after a run, only those sent before or pending after a backfill,
// every one with --redeliver) and those pending of other periods.
func mailPublished(ctx context.Context, opt RunOptions, runID, command string, outs []*Outcome, log *slog.Logger) (*mailing, error) {
	c := opt.Plan
	which := dueChanged
	switch {
	case c.Redeliver:
		which = dueAll
	case command == "backfill":
		which = dueKnown
	}
	m := newMailing(opt, runID, log)
	done := map[transform.Period]bool{}
	earlier, damaged, err := opt.hist.PendingPeriods(ctx, outs[0].Period.G)
	if err != nil {
		return nil, failLedger(err)
	}
	if len(damaged) > 0 {
		// Its messages' state is unknown: sending anything could repeat
		// what went out, or forget what did not.
		return nil, fail(kindOutput, fmt.Errorf("cannot read the delivery ledger %s: %w; delivery stopped, nothing sent (restore or remove the file)",
			damaged[0].Path, damaged[0].Err))
	}
	for _, o := range outs {
		if err := m.add(ctx, o.Period, which); err != nil {
			return nil, err
		}
		done[o.Period] = true
	}
	for _, p := range earlier {
		if done[p] {
			continue
		}
		if err := m.add(ctx, p, duePending); err != nil {
			return nil, err
		}
	}
	return m, m.send(ctx)
}

// Deliver sends the messages of the plan's one period as it was
// published, without recomputing anything: from its manifest, its files
// and its delivery ledger, the messages never sent, pending or sent with
// other figures (every routed one with Redeliver). With DryRun it lists
// them (recipient, attachment, subject) and sends nothing. It writes what
// it did to w.
func Deliver(ctx context.Context, opt RunOptions, w io.Writer) error {
	opt = opt.withHistory()
	defer opt.hist.Close()
	c := opt.Plan
	if c.Delivery.Email == nil {
		return errNoDelivery
	}
	if err := deliveryReady(c); err != nil {
		return err
	}
	p := c.Periods[0]
	runID := newRunID(opt.Now)
	log := opt.Logger.With("run_id", runID)
	which := dueChanged
	if c.Redeliver {
		which = dueAll
	}
	m := newMailing(opt, runID, log)
	if c.DryRun {
		if err := m.add(ctx, p, which); err != nil {
			return err
		}
		m.list(w)
		return nil
	}
	lock, err := lockOutput(ctx, opt, fmt.Sprintf("deliver %s, pid %d", runID, pid()))
	if err != nil {
		return err
	}
	defer lock.Release()
	if err := m.add(ctx, p, which); err != nil {
		return err
	}
	warnPlaintext(c, log)
	planned, unchanged := m.messages()
	log.Info("deliver started", "period", p.String(), "messages", planned, "unchanged", unchanged, "redeliver", c.Redeliver)
	err = m.send(ctx)
	m.list(w)
	if err != nil {
		return err
	}
	return joinDelivery(p.String(), m.failure())
}

// list writes the messages of the mailing, one line each: their state
// (to send, sent or pending), recipient, attachment and subject, aligned.
func (m *mailing) list(w io.Writer) {
	for _, b := range m.batches {
		if len(b.msgs) == 0 {
			fmt.Fprintf(w, "%s (%s) in %s: nothing to send, %d already sent with these figures (--redeliver sends them again)\n",
				b.period, b.period.G, b.dir, b.unchanged)
			continue
		}
		fmt.Fprintf(w, "%s (%s) in %s: %s, %d already sent with these figures\n",
			b.period, b.period.G, b.dir, plural(len(b.msgs), "message"), b.unchanged)
		rows := [][]string{{"state", "recipient", "attachment", "subject"}}
		for _, o := range b.msgs {
			rows = append(rows, []string{o.state(), o.to.Address, o.file.Path, o.letter.Subject})
		}
		widths := make([]int, 3)
		for _, r := range rows {
			for i := range widths {
				widths[i] = max(widths[i], report.Columns(r[i]))
			}
		}
		for _, r := range rows {
			var line strings.Builder
			for i, cell := range r {
				line.WriteString(cell)
				if i < len(widths) {
					line.WriteString(strings.Repeat(" ", widths[i]-report.Columns(cell)+2))
				}
			}
			fmt.Fprintln(w, line.String())
		}
		for _, o := range b.msgs {
			if o.err != nil {
				fmt.Fprintf(w, "pending %s: %s\n", o.to.Address, oneLine(o.err.Error()))
			}
		}
	}
}

// state is a message's state for list: before sending, what will be
// done, and why (restated, pending after a failed attempt).
func (o *outgoing) state() string {
	var why []string
	if o.restated {
		why = append(why, "restated")
	}
	if o.retry {
		why = append(why, "was pending")
	}
	s := "to send"
	switch {
	case o.err != nil:
		s, why = "pending", nil
	case o.sent:
		s = "sent"
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, ", ") + ")"
	}
	return s
}

// notify posts the run's notice to the webhook: the figures of the last
// period published, read back from its manifest.
func notify(ctx context.Context, opt RunOptions, p transform.Period, run report.Run, log *slog.Logger) error {
	c := opt.Plan
	w := chatWebhook(*c.Delivery.Webhook)
	w.Retry = deliver.Retry{Sleep: opt.Sleep}
	rec, err := opt.hist.ReadPeriod(p)
	if err != nil {
		return err
	}
	title, lines, err := report.Notice(c.Report.Locale, c.Report.Currency, rec, run, w.Format.Escape)
	if err != nil {
		return err
	}
	company := map[string]*float64{}
	for _, m := range transform.Metrics {
		company[m.Key] = rec.Values[history.Key{Period: rec.Period, Company: true, Metric: m.Key}]
	}
	data := map[string]any{"run_id": rec.RunID, "granularity": rec.Granularity, "period": rec.Period, "periods": run.Periods,
		"company": company, "alerts": rec.Alerts, "restated": rec.Restated, "dir": run.Dir}
	if run.Mail {
		data["mail"] = map[string]int{"sent": run.Sent, "pending": run.Pending, "unchanged": run.Unchanged}
	}
	if err := w.Post(ctx, deliver.Notice{Title: title, Lines: lines, Data: data}); err != nil {
		log.Error("webhook notice not posted", "stage", "deliver", "webhook", w.String(), "error", oneLine(err.Error()))
		return fmt.Errorf("%s", oneLine(err.Error()))
	}
	log.Info("webhook notice posted", "stage", "deliver", "webhook", w.String())
	return nil
}

// checkDelivery says where the workbooks would go: it opens a session
// with the mail server as a run would (TLS, AUTH) without sending, warns
// of each route to a department the source does not have, and names the
// webhook, which it does not post to.
func checkDelivery(ctx context.Context, opt RunOptions, snap *extract.Snapshot, w io.Writer) error {
	c := opt.Plan
	if e := c.Delivery.Email; e != nil {
		if err := e.Ready(); err != nil {
			return err
		}
		have := map[string]bool{}
		for _, q := range []extract.Query{{Name: "source.orders", SQL: c.Source.Orders}, {Name: "source.complaints", SQL: c.Source.Complaints}} {
			depts, err := snap.Departments(ctx, q)
			if err != nil {
				return sourceFail(err)
			}
			for _, d := range depts {
				have[config.RouteName(cmp.Or(d, transform.Unassigned))] = true
			}
		}
		recipients := 0
		for _, r := range e.Departments {
			recipients += len(r.To)
			if err := checkRoute(r.Department, have, w); err != nil {
				return err
			}
		}
		mailer, err := deliver.NewMailer(mailServer(e.SMTP))
		if err != nil {
			return fail(kindConfig, err)
		}
		if err := mailer.Check(ctx); err != nil {
			return fail(kindDelivery, fmt.Errorf("delivery.email: %s", oneLine(err.Error())))
		}
		fmt.Fprintf(w, "email       %s reachable; company.xlsx to %d, %d departments' workbooks to %d recipients\n",
			e.SMTP, len(e.Company), len(e.Departments), recipients)
	}
	if h := c.Delivery.Webhook; h != nil {
		fmt.Fprintf(w, "webhook     %s (not posted to by check)\n", h)
	}
	return nil
}

// failLedger is a failure to read the delivery ledgers: of the store when
// they are kept there, else of the output directory.
func failLedger(err error) error {
	if errors.Is(err, history.ErrStore) {
		return fail(kindStore, err)
	}
	return fail(kindOutput, err)
}

// checkRoute checks one route against the departments the source has
// (by config.RouteName): a name the source lacks is a warning, and one
// that differs from a name the source has only by case or spacing is an
// error, since it would route a workbook to nobody.
func checkRoute(name string, have map[string]bool, w io.Writer) error {
	if have[name] {
		return nil
	}
	shown := name
	if strings.IndexFunc(shown, unicode.IsControl) >= 0 {
		shown = strconv.Quote(shown) // as config names the key
	}
	loose := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	for _, d := range slices.Sorted(maps.Keys(have)) {
		if loose(d) == loose(name) {
			return &config.Error{Key: "delivery.email.departments." + shown, Msg: fmt.Sprintf(
				"the source has no department %q, but has %q, which differs only by case or spacing; write the name as the source does", name, d)}
		}
	}
	fmt.Fprintf(w, "WARNING     delivery.email.departments.%s: the source has no rows of this department; nobody gets a workbook of it\n", shown)
	return nil
}

// warnPlaintext says, on every run, that delivery goes in clear where the
// configuration allows it (allow_plaintext): customer names and workbooks
// by mail, the notice and the URL's token to the webhook.
func warnPlaintext(c config.Plan, log *slog.Logger) {
	if e := c.Delivery.Email; e != nil && e.SMTP.TLS == endpoint.NoTLS {
		log.Warn("mail goes without TLS: the workbooks and the customer names in them cross the network in clear", "stage", "deliver",
			"key", "delivery.email.allow_plaintext", "server", e.SMTP.Addr)
	}
	if h := c.Delivery.Webhook; h != nil && strings.HasPrefix(strings.ToLower(h.URL), "http:") {
		log.Warn("the chat notice goes to an http:// URL: it and the URL's token cross the network in clear", "stage", "deliver",
			"key", "delivery.webhook.allow_plaintext", "webhook", h.String())
	}
}
