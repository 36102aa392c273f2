package deliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// Result is what became of one message.
type Result struct {
	Attempts int   // sessions in which the message was tried; 0 when it never got that far
	Err      error // nil when the server accepted the message; otherwise a *MailError
	// InDoubt is set when the message's content went out whole but the
	// server's reply to it never came (the connection broke, or the reply
	// took longer than FinalTimeout): the server may have accepted it. It
	// is not sent again in the same Send; the next one repeats it, under
	// the same Message-ID.
	InDoubt bool
}

// Journal hears of each message as it goes, so that a crash at any
// moment repeats at most the one message in flight: the caller writes
// down the intent before the content is sent, and the outcome after.
type Journal interface {
	// Sending is called when the server has taken the envelope of
	// msgs[i] (MAIL, RCPT) and the content is about to go: from here on
	// the message may reach its recipient. An error stops the mailing:
	// msgs[i] is not sent, nor anything after it.
	Sending(i int) error
	// Done is called with the outcome of msgs[i] after each attempt that
	// got as far as Sending. An error stops the mailing as Sending's does.
	Done(i int, r Result) error
}

// ErrStopped wraps the error of a Journal that stopped a mailing: the
// messages not yet sent fail with it.
var ErrStopped = errors.New("mailing stopped")

// Send sends every message, each only to the addresses of its To list, one
// at a time, and returns one Result per message, in order. All pending
// messages share one SMTP session per attempt. A transient failure (a 4xx
// reply, a refused, reset or timed-out connection) is retried after each
// of the Retry delays, in a new session, for the messages it left
// undelivered; a permanent one (a 5xx reply such as 550 for a recipient or
// 535 for the account, a bad certificate, a bad address or attachment) is
// not, nor is a message in doubt. A message the server acknowledged is not
// sent again. j, when not nil, hears of each message before and after its
// content goes. When ctx ends, the messages not yet sent fail with a
// transient error wrapping ctx's error.
func (m *Mailer) Send(ctx context.Context, msgs []Message, j Journal) []Result {
	results := make([]Result, len(msgs))
	var pending []int
	for i, msg := range msgs {
		if err := m.check(msg); err != nil {
			results[i].Err = m.failure(msg, OpPrepare, "", m.redact.MaskErr(err), false)
			continue
		}
		pending = append(pending, i)
	}
	delays := m.cfg.Retry.delays()
	var stop error
	for attempt := 0; len(pending) > 0 && ctx.Err() == nil && stop == nil; attempt++ {
		if attempt > 0 {
			if err := m.cfg.Retry.sleep(ctx, delays[attempt-1]); err != nil {
				break
			}
		}
		for _, i := range pending {
			results[i].Attempts++
		}
		stop = m.session(ctx, msgs, pending, results, j)
		pending = slices.DeleteFunc(pending, func(i int) bool {
			r := results[i]
			return r.Err == nil || r.InDoubt || !IsTransient(r.Err) || errors.Is(r.Err, ErrStopped)
		})
		if attempt == len(delays) {
			break
		}
	}
	if err := ctx.Err(); err != nil && stop == nil {
		// Whatever the last attempt said, these were cut short.
		for _, i := range pending {
			op := OpConnect
			var me *MailError
			if errors.As(results[i].Err, &me) {
				op = me.Op
			}
			results[i].Err = m.failure(msgs[i], op, "", err, true)
		}
	}
	for i := range results {
		var me *MailError
		if errors.As(results[i].Err, &me) {
			me.Attempts = results[i].Attempts
		}
	}
	return results
}

// session opens one SMTP session and sends the messages msgs[pending] in
// turn, recording in results which were accepted and why the others were
// not. It returns the Journal's error when one stopped the mailing.
func (m *Mailer) session(ctx context.Context, msgs []Message, pending []int, results []Result, j Journal) error {
	var st sessionState
	defer st.release()
	client, err := m.client(ctx, &st)
	if err != nil {
		for _, i := range pending {
			results[i].Err = m.failure(msgs[i], OpConnect, "", m.redact.MaskErr(err), false)
		}
		return nil
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		op, account := OpConnect, ""
		if st.authStarted {
			op, account = OpAuthenticate, m.cfg.Username
		}
		code, transient := classify(err)
		for _, i := range pending {
			e := m.failure(msgs[i], op, account, m.redact.MaskErr(err), transient)
			e.Code = code
			results[i].Err = e
		}
		return nil
	}
	for k, i := range pending {
		out := m.sendOne(ctx, &st, sc, msgs[i], func() error { return journal(j).Sending(i) })
		results[i].Err, results[i].InDoubt = out.err, out.inDoubt
		stop := out.journal
		if stop == nil && out.started {
			stop = journal(j).Done(i, results[i])
		}
		if stop != nil {
			// Nothing more is sent: what cannot be written down must not
			// go out. A message the server accepted stays accepted.
			stop = fmt.Errorf("%w: %w", ErrStopped, stop)
			rest := pending[k+1:]
			if out.journal != nil {
				rest = pending[k:]
			}
			for _, i := range rest {
				results[i].Err, results[i].InDoubt = m.failure(msgs[i], OpSend, "", stop, false), false
			}
			return stop
		}
		if out.broken {
			// The connection is gone: the rest wait for the next attempt.
			for _, i := range pending[k+1:] {
				results[i].Err = m.failure(msgs[i], OpSend, "", out.err, true)
			}
			return nil
		}
	}
	st.deadline(m.cfg.Timeout)
	sc.Quit() //nolint:errcheck // the messages' fates are known; a failed QUIT changes none
	return nil
}

// outcome is what became of one message in a session.
type outcome struct {
	err     error // nil: accepted
	inDoubt bool  // the content went out whole, the reply never came
	started bool  // Sending was called: the message may have gone
	broken  bool  // the connection cannot carry another message
	journal error // the Journal's Sending refused
}

// sendOne sends one message in an open session: MAIL and RCPT under the
// command deadline, then (once sending agrees) DATA, the content under
// the message's deadline, and the wait for the reply under FinalTimeout.
func (m *Mailer) sendOne(ctx context.Context, st *sessionState, sc *smtp.Client, msg Message, sending func() error) outcome {
	fail := func(err error, broken bool) outcome {
		if ctx.Err() != nil { // the connection was closed for it
			err = ctx.Err()
		}
		code, transient := classify(err)
		e := m.failure(msg, OpSend, "", m.redact.MaskErr(err), transient || broken)
		e.Code = code
		return outcome{err: e, broken: broken}
	}
	gm, size, err := m.build(msg)
	if err != nil {
		return outcome{err: m.failure(msg, OpPrepare, "", m.redact.MaskErr(err), false)}
	}
	st.deadline(m.cfg.Timeout)
	if err := envelope(sc, m.from.Address, msg.To); err != nil {
		broken := connectionLost(err)
		if !broken {
			st.deadline(m.cfg.Timeout)
			broken = sc.Reset() != nil
		}
		return fail(err, broken)
	}
	if err := sending(); err != nil {
		st.deadline(m.cfg.Timeout)
		sc.Reset() //nolint:errcheck // the mailing stops here
		return outcome{journal: err}
	}
	st.deadline(m.cfg.Timeout)
	w, err := sc.Data()
	if err != nil {
		o := fail(err, connectionLost(err))
		o.started = true
		return o
	}
	allowed := m.cfg.Timeout + time.Duration(size*int64(time.Second)/m.cfg.MinRate)
	dw := &deadlineWriter{w: w, st: st, step: m.cfg.Timeout, limit: time.Now().Add(allowed), allowed: allowed}
	if _, err := gm.WriteTo(dw); err != nil {
		// The content did not go out whole: the server keeps nothing.
		o := fail(err, true)
		o.started = true
		return o
	}
	st.deadline(m.cfg.FinalTimeout)
	if err := w.Close(); err != nil {
		o := fail(err, connectionLost(err))
		o.started = true
		o.inDoubt = o.broken // no reply: it may have been accepted
		return o
	}
	return outcome{started: true}
}

// envelope sends MAIL FROM and a RCPT TO per recipient.
func envelope(sc *smtp.Client, from string, to []string) error {
	if err := sc.Mail(from); err != nil {
		return err
	}
	for _, addr := range to {
		a, err := parseAddresses([]string{addr})
		if err != nil {
			return err
		}
		if err := sc.Rcpt(a[0].Address); err != nil {
			return err
		}
	}
	return nil
}

// connectionLost reports whether err broke the session rather than
// being the server's answer to a command.
func connectionLost(err error) bool {
	code, _ := classify(err)
	return code == 0
}

// deadlineWriter writes a message's content under two deadlines: each
// write must progress within step, and the whole by limit.
type deadlineWriter struct {
	w       io.Writer
	st      *sessionState
	step    time.Duration
	limit   time.Time
	allowed time.Duration // limit, from the start
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	now := time.Now()
	if !now.Before(d.limit) {
		return 0, fmt.Errorf("the message took longer to send than the %s its size allows", d.allowed.Round(time.Second))
	}
	if d.st.conn != nil {
		d.st.conn.SetDeadline(minTime(now.Add(d.step), d.limit))
	}
	return d.w.Write(p)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// noJournal hears nothing.
type noJournal struct{}

func (noJournal) Sending(int) error      { return nil }
func (noJournal) Done(int, Result) error { return nil }

func journal(j Journal) Journal {
	if j == nil {
		return noJournal{}
	}
	return j
}
