package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"retention/transform"
)

// ledgerSuffix ends the name of a period's delivery ledger.
const ledgerSuffix = ".deliveries.json"

// LedgerFile is where the delivery ledger of period p is kept:
// out_dir/<granularity>/<period>.deliveries.json, beside the period's
// directory and not in it, because publishing the period again replaces
// the directory whole and the ledger must outlive that (it is what tells
// a rerun that the workbooks were sent).
func (h *History) LedgerFile(p transform.Period) string {
	return filepath.Join(h.root, p.G.String(), p.String()+ledgerSuffix)
}

// Ledger is what was delivered of one published period: for each scope
// and recipient, the message last accepted by the mail server and the
// attempt still pending.
type Ledger struct {
	Granularity string      `json:"granularity"`
	Period      string      `json:"period"`
	Deliveries  []*Delivery `json:"deliveries"`
}

// Delivery is one workbook of the period for one recipient.
type Delivery struct {
	Department *string   `json:"department"` // nil for company.xlsx
	Recipient  string    `json:"recipient"`  // the bare address, east@example.com
	Sent       *Sent     `json:"sent"`       // the last message accepted; nil when none was
	Pending    *Pending  `json:"pending"`    // the last attempt failed; nil when it did not
	InFlight   *InFlight `json:"in_flight"`  // a message was going out when the ledger was last written; nil otherwise
}

// InFlight is the intent written before a message's content goes to the
// mail server, cleared by its outcome. A ledger read with one left means
// the run that wrote it stopped mid-message (it was killed, or the outcome
// could not be written): the message may or may not have arrived, and it
// is sent again, under the same Message-ID, so that the copies can be
// told for one message.
type InFlight struct {
	Figures   string    `json:"figures"`    // FiguresDigest of the scope it carries
	MessageID string    `json:"message_id"` // the Message-ID it goes under
	At        time.Time `json:"started_at"` // when its content started to go
	RunID     string    `json:"run_id"`
}

// Sent is a message the mail server accepted.
type Sent struct {
	File    string    `json:"file"`    // the workbook attached, relative to the period's directory
	SHA256  string    `json:"sha256"`  // of the workbook attached
	Figures string    `json:"figures"` // FiguresDigest of its scope when sent
	At      time.Time `json:"sent_at"` // when the run that sent it started
	RunID   string    `json:"run_id"`
	// Restated is set when the message was sent again because the
	// figures had changed since the one before.
	Restated bool `json:"restated"`
}

// Pending is a message not delivered yet: the next run, or `retention
// deliver`, tries again.
type Pending struct {
	Figures string    `json:"figures"` // FiguresDigest of the scope it was to carry
	Since   time.Time `json:"since"`   // the first failed attempt
	At      time.Time `json:"last_attempt"`
	Error   string    `json:"error"` // why the last attempt failed; never a password
}

// Due says whether a scope's workbook is to be sent to a recipient, given
// the figures it carries now.
type Due int

const (
	DueNew      Due = iota // never sent: send it
	DueRestated            // sent with other figures: send it again, marked
	DueDone                // sent with these figures: nothing to do
)

// NewLedger is the empty ledger of period p.
func NewLedger(p transform.Period) *Ledger {
	return &Ledger{Granularity: p.G.String(), Period: p.String(), Deliveries: []*Delivery{}}
}

// Find returns the entry of a scope and recipient, nil when there is none.
func (l *Ledger) Find(dept *string, recipient string) *Delivery {
	for _, d := range l.Deliveries {
		if sameScope(d.Department, dept) && strings.EqualFold(d.Recipient, recipient) {
			return d
		}
	}
	return nil
}

func sameScope(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// Due says what to do with a scope's workbook for a recipient whose
// figures now have the digest figures.
func (l *Ledger) Due(dept *string, recipient, figures string) Due {
	d := l.Find(dept, recipient)
	switch {
	case d == nil || d.Sent == nil:
		return DueNew
	case d.Sent.Figures != figures:
		return DueRestated
	}
	return DueDone
}

// entry returns the entry of a scope and recipient, adding it when missing.
func (l *Ledger) entry(dept *string, recipient string) *Delivery {
	if d := l.Find(dept, recipient); d != nil {
		return d
	}
	d := &Delivery{Recipient: recipient}
	if dept != nil {
		name := *dept
		d.Department = &name
	}
	l.Deliveries = append(l.Deliveries, d)
	return d
}

// RecordSending notes, before a message's content goes, that it is going:
// the intent of the write-ahead. It returns the entry, for SaveDelivery.
func (l *Ledger) RecordSending(dept *string, recipient string, f InFlight) *Delivery {
	d := l.entry(dept, recipient)
	d.InFlight = &f
	return d
}

// RecordSent notes that the server accepted a message: it is no longer
// pending nor in flight. It returns the entry.
func (l *Ledger) RecordSent(dept *string, recipient string, s Sent) *Delivery {
	d := l.entry(dept, recipient)
	d.Sent, d.Pending, d.InFlight = &s, nil, nil
	return d
}

// RecordPending notes a failed attempt at time at: the message is pending,
// no longer in flight. It returns the entry.
func (l *Ledger) RecordPending(dept *string, recipient, figures string, at time.Time, why string) *Delivery {
	d := l.entry(dept, recipient)
	since := at
	if d.Pending != nil {
		since = d.Pending.Since
	}
	d.Pending, d.InFlight = &Pending{Figures: figures, Since: since, At: at, Error: why}, nil
	return d
}

// Unroute gives up the pending attempts of the scopes and recipients
// routed does not keep (a recipient no longer configured, a department
// with no workbook now), so that they are not tried on every run, and
// returns them.
func (l *Ledger) Unroute(routed func(dept *string, recipient string) bool) []*Delivery {
	var dropped []*Delivery
	for _, d := range l.Deliveries {
		if d.Waiting() && !routed(d.Department, d.Recipient) {
			d.Pending, d.InFlight = nil, nil
			dropped = append(dropped, d)
		}
	}
	return dropped
}

// Waiting reports whether the entry's message awaits delivery: its last
// attempt failed, or was cut short in flight.
func (d *Delivery) Waiting() bool { return d.Pending != nil || d.InFlight != nil }

// HasPending reports whether a message of the period awaits delivery.
func (l *Ledger) HasPending() bool { return slices.ContainsFunc(l.Deliveries, (*Delivery).Waiting) }

// MessageID is the Message-ID of the message that carries a scope's
// figures to a recipient: the same for every copy of one message (its
// granularity, period, scope, recipient and figures), so that a repeat
// after a crash is known for one, and another for figures that changed.
// domain is the sender's.
func (l *Ledger) MessageID(dept *string, recipient, figures, domain string) string {
	scope := "company"
	if dept != nil {
		scope = "department\x00" + *dept
	}
	sum := sha256.Sum256([]byte(l.Granularity + "\x00" + l.Period + "\x00" + scope + "\x00" + strings.ToLower(recipient) + "\x00" + figures))
	return "retention." + hex.EncodeToString(sum[:16]) + "@" + domain
}

// check finds what no ledger the job writes holds: an entry that is
// null, lacks its recipient, or repeats another's scope and recipient.
func (l *Ledger) check() error {
	for i, d := range l.Deliveries {
		switch {
		case d == nil:
			return fmt.Errorf("deliveries[%d] is null", i)
		case d.Recipient == "":
			return fmt.Errorf("deliveries[%d] has no recipient", i)
		}
	}
	for i, d := range l.Deliveries {
		if l.Find(d.Department, d.Recipient) != d {
			return fmt.Errorf("deliveries[%d] repeats the scope and recipient of another entry", i)
		}
	}
	return nil
}

// WriteLedger writes l as indented JSON: the one encoder of the format.
// SaveLedger puts it in its file.
func WriteLedger(w io.Writer, l *Ledger) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return fmt.Errorf("writing the delivery ledger: %w", err)
	}
	return nil
}

// Ledger reads the delivery ledger of period p: from the snapshot store
// when one is set, else from its file (LedgerFile). A period the store
// holds nothing of is read from its file: a ledger written before the
// store was configured. A period never delivered has an empty ledger; one
// that cannot be read is an error naming the file or row, never an empty
// ledger (which would send everything again).
func (h *History) Ledger(ctx context.Context, p transform.Period) (*Ledger, error) {
	if h.HasStore() {
		s, err := h.Store(ctx)
		if err != nil {
			return nil, err
		}
		l, found, err := s.ledger(ctx, p)
		if err != nil || found {
			return l, err
		}
	}
	return h.fileLedger(p)
}

// SaveDelivery writes one entry d of period p's ledger l as it now is:
// the write-ahead's unit, before and after each message. In the store it
// is one row; in a file, the whole ledger, atomically.
func (h *History) SaveDelivery(ctx context.Context, p transform.Period, l *Ledger, d *Delivery) error {
	if h.HasStore() {
		s, err := h.Store(ctx)
		if err != nil {
			return err
		}
		return s.saveEntries(ctx, l, []*Delivery{d})
	}
	return h.saveLedgerFile(p, l)
}

// SaveLedger writes every entry of period p's ledger l.
func (h *History) SaveLedger(ctx context.Context, p transform.Period, l *Ledger) error {
	if h.HasStore() {
		s, err := h.Store(ctx)
		if err != nil {
			return err
		}
		return s.saveEntries(ctx, l, l.Deliveries)
	}
	return h.saveLedgerFile(p, l)
}

// saveLedgerFile writes a period's ledger atomically: to a temporary file
// in the same directory, fsynced, then renamed over the old one, so that a
// crash leaves the old ledger or the new one, never part of either.
func (h *History) saveLedgerFile(p transform.Period, l *Ledger) error {
	path := h.LedgerFile(p)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing the delivery ledger: %w", err)
	}
	f, err := os.CreateTemp(dir, ".deliveries-"+p.String()+"-*.tmp")
	if err != nil {
		return fmt.Errorf("writing the delivery ledger: %w", err)
	}
	defer os.Remove(f.Name())
	err = WriteLedger(f, l)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing the delivery ledger %s: %w", path, err)
	}
	return syncDir(dir)
}

// fileLedger reads the ledger file of period p.
func (h *History) fileLedger(p transform.Period) (*Ledger, error) {
	path := h.LedgerFile(p)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewLedger(p), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the delivery ledger: %w", err)
	}
	l, err := decodeLedger(b, p)
	if err != nil {
		return nil, fmt.Errorf("reading the delivery ledger %s: %w", path, err)
	}
	return l, nil
}

// PendingPeriods lists the periods of granularity g whose ledger holds a
// message waiting (pending, or in flight when a run stopped), oldest
// first: in the store when one is set, and in the ledger files of the
// periods it holds nothing of. A ledger file that cannot be read is
// returned among the damaged, for the caller to report.
func (h *History) PendingPeriods(ctx context.Context, g transform.Granularity) (periods []transform.Period, damaged []*ManifestError, err error) {
	var inStore []transform.Period
	if h.HasStore() {
		s, err := h.Store(ctx)
		if err != nil {
			return nil, nil, err
		}
		if inStore, periods, err = s.ledgerPeriods(ctx, g); err != nil {
			return nil, nil, err
		}
	}
	files, damaged, err := h.filePendingPeriods(g, inStore)
	if err != nil {
		return nil, nil, err
	}
	periods = append(periods, files...)
	slices.SortFunc(periods, func(a, b transform.Period) int { return a.Sub(b) })
	return periods, damaged, nil
}

// filePendingPeriods is PendingPeriods of the ledger files, but for the
// periods skip (the store's).
func (h *History) filePendingPeriods(g transform.Granularity, skip []transform.Period) (periods []transform.Period, damaged []*ManifestError, err error) {
	entries, err := os.ReadDir(filepath.Join(h.root, g.String()))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("reading the delivery ledgers: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ledgerSuffix)
		if !ok || e.IsDir() {
			continue
		}
		p, err := transform.ParsePeriod(name)
		if err != nil || p.G != g || slices.Contains(skip, p) {
			continue
		}
		l, err := h.fileLedger(p)
		switch {
		case err != nil:
			damaged = append(damaged, &ManifestError{Path: h.LedgerFile(p), Err: err})
		case l.HasPending():
			periods = append(periods, p)
		}
	}
	return periods, damaged, nil
}

// FiguresDigest is the SHA-256 of the figures a scope's workbook carries
// for the reported period, as the workbook shows them: every metric key in
// the spec's order with its value rounded as its cell shows it (money to
// the cent, shares to a tenth of a percent, other quotients to two
// decimals; null when undefined). Two publications of the same figures
// have the same digest although their workbooks' bytes differ (the
// generation time is in them); a figure that moved as a reader sees it
// changes it, and a move below what the cells show does not send the
// workbook again as restated. dept is nil for the company.
func (r *Record) FiguresDigest(dept *string) string {
	k := Key{Period: r.Period, Company: dept == nil}
	scope := "company"
	if dept != nil {
		k.Department, scope = *dept, "department "+strconv.Quote(*dept)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s %s\n", r.Granularity, r.Period, scope)
	for _, m := range transform.Metrics {
		k.Metric = m.Key
		v, ok := r.Values[k]
		switch {
		case !ok:
			continue
		case v == nil:
			fmt.Fprintf(h, "%s null\n", m.Key)
		default:
			fmt.Fprintf(h, "%s %s\n", m.Key, shownAs(m.Kind, *v))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// shownAs is a figure of the manifest's unit rounded as a cell of its kind
// shows it.
func shownAs(kind transform.Kind, v float64) string {
	switch kind {
	case transform.Count:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case transform.Money, transform.Amount:
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	case transform.Fraction:
		return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', 3, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
}

// Workbook returns the file of a scope's workbook: company.xlsx for the
// company (dept nil), else the department's; false when the period has
// no workbook of that scope.
func (r *Record) Workbook(dept *string) (File, bool) {
	for _, f := range r.Files {
		if sameScope(f.Department, dept) {
			return f, true
		}
	}
	return File{}, false
}

// RestatedIn is the number of restated figures of a scope.
func (r *Record) RestatedIn(dept *string) int {
	for _, s := range r.RestatedScopes {
		if sameScope(s.Department, dept) {
			return s.Count
		}
	}
	return 0
}

// AlertsOf lists the broken targets of a scope.
func (r *Record) AlertsOf(dept *string) []AlertRow {
	var out []AlertRow
	for _, a := range r.Alerts {
		if sameScope(a.Department, dept) {
			out = append(out, a)
		}
	}
	return out
}

// ReadPeriod reads the manifest of a published period p and checks that
// the period is whole: every file there with its size and hash
// (Complete). It names what is missing.
func (h *History) ReadPeriod(p transform.Period) (*Record, error) {
	dir := h.PeriodDir(p)
	rec, err := readManifestFile(filepath.Join(dir, ManifestFile))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", dir, err)
	case rec == nil:
		return nil, fmt.Errorf("%s is not published: there is no %s", dir, ManifestFile)
	case !Complete(dir):
		return nil, fmt.Errorf("%s is not whole: a file of its manifest is missing or changed", dir)
	case rec.Period != p.String() || rec.Granularity != p.G.String():
		return nil, fmt.Errorf("%s holds the manifest of %s %s", dir, rec.Granularity, rec.Period)
	}
	return rec, nil
}

// decodeLedger decodes the ledger of period p: the one decoder of the
// format, which refuses what no ledger the job wrote holds.
func decodeLedger(b []byte, p transform.Period) (*Ledger, error) {
	l := NewLedger(p)
	if err := json.Unmarshal(b, l); err != nil {
		return nil, err
	}
	if l.Granularity != p.G.String() || l.Period != p.String() {
		return nil, fmt.Errorf("it is the ledger of %s %s", l.Granularity, l.Period)
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	return l, nil
}
