package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"retention/history"
	"retention/transform"
)

// Meta describes the run that produced a workbook.
type Meta struct {
	RunID         string
	GeneratedAt   time.Time
	Locale        string
	Currency      string // symbol shown with money, such as ¥
	CustomersRead int64  // rows of the customers query; 0 when it did not run
	// Restatements are the figures of every scope that moved since they
	// were published; each workbook shows its own scope's.
	Restatements []history.Restatement
	// Forced lists the publishing checks that failed when --force
	// published anyway; the summary says so.
	Forced []CheckFailure
	// Targets are the configured targets, shown beside the values they
	// bound; Alerts the ones the reported period broke, every scope's:
	// each summary marks its own.
	Targets []transform.Target
	Alerts  []transform.Alert
}

// Contact is what a customer list shows of a customer besides the figures:
// its name and the sales rep who owns it.
type Contact struct {
	ID    string
	Name  string
	Owner string // the sales rep
}

// Directory gives customers' names and owners by id. A customer missing
// from it, or with a blank name or owner, is listed with a placeholder
// (（无名称）, （无负责人）) in grey, never with an empty cell.
type Directory map[string]Contact

// book is one workbook being written.
type book struct {
	f     *excelize.File
	l     Labels
	st    styles
	r     *transform.Result
	meta  Meta
	title string           // the workbook's title, also in every page header
	scope *transform.Scope // what the workbook reports: the company or one department
	first bool             // the default sheet has not been claimed yet
	grids []*grid          // the sheets written in normal mode
	cells map[string]any
}

func newBook(r *transform.Result, meta Meta) (*book, error) {
	l, err := Locale(meta.Locale)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	f.SetZipWriter(zipWriter)
	st, err := newStyles(f, meta.Currency, l.T("unit.points"), l.T("font"))
	if err != nil {
		f.Close()
		return nil, err
	}
	return &book{f: f, l: l, st: st, r: r, meta: meta, first: true}, nil
}

// sheet creates a sheet named by the label key, set up to print
// landscape, one page wide, with the title and period in the header, and
// returns its name.
func (b *book) sheet(key string) (string, error) {
	name := b.l.T(key)
	var err error
	if b.first {
		b.first = false
		err = b.f.SetSheetName(b.f.GetSheetName(0), name)
	} else {
		_, err = b.f.NewSheet(name)
	}
	if err != nil {
		return name, err
	}
	landscape, a4, one, free, fit := "landscape", 9, 1, 0, true
	if err := b.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &free}); err != nil {
		return name, err
	}
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return name, err
	}
	header := "&L" + headerText(b.title) + "&R" + headerText(name)
	return name, b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: header, OddFooter: "&C&P / &N"})
}

// onePage makes a sheet print on a single page.
func (b *book) onePage(name string) error {
	one := 1
	return b.f.SetPageLayout(name, &excelize.PageLayoutOptions{FitToWidth: &one, FitToHeight: &one})
}

// headerText escapes & for a page header and keeps it short.
func headerText(s string) string {
	s = strings.ReplaceAll(Text(s), "&", "&&")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

func (b *book) finish(w io.Writer, title string) error {
	defer b.f.Close()
	for _, g := range b.grids {
		if err := g.dimension(); err != nil {
			return fmt.Errorf("setting the used range of %s: %w", g.sheet, err)
		}
	}
	created := b.meta.GeneratedAt.UTC().Format(time.RFC3339)
	err := b.f.SetDocProps(&excelize.DocProperties{
		Title:    title,
		Subject:  b.l.T("sheet.summary") + " " + b.r.Period.String(),
		Creator:  "retention",
		Created:  created,
		Modified: created,
		Language: b.meta.Locale,
	})
	if err != nil {
		return fmt.Errorf("setting document properties: %w", err)
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("writing workbook: %w", err)
	}
	return nil
}

// DepartmentName is the visible name of a department key.
func (l Labels) DepartmentName(key string) string {
	if key == transform.Unassigned {
		return l.T("unassigned")
	}
	return Text(key)
}

func (l Labels) scopeName(s *transform.Scope) string {
	if s.Company {
		return l.T("company")
	}
	return l.DepartmentName(s.Department)
}

// Department writes the workbook of one department scope of r.
func Department(w io.Writer, r *transform.Result, scope *transform.Scope, dir Directory, meta Meta) error {
	return department(w, r, scope, dir, meta, (*list).stream)
}

// department renders with writeList for the long lists; the benchmark
// compares the stream writer with writing them cell by cell.
func department(w io.Writer, r *transform.Result, scope *transform.Scope, dir Directory, meta Meta, writeList func(*list) error) error {
	b, err := newBook(r, meta)
	if err != nil {
		return err
	}
	title := b.l.F("title.department", b.l.DepartmentName(scope.Department), r.Period)
	if scope.Department == transform.Unassigned {
		// Its first line says what it is: no team, a data-quality matter.
		title = b.l.F("title.unassigned", r.Period)
	}
	b.title, b.scope = title, scope
	steps := []func() error{
		func() error { return b.summary(title, scope) },
		func() error { return b.trend(scope) },
		func() error { return writeList(b.churned(scope, dir)) },
		func() error { return writeList(b.atRisk(scope, dir)) },
		func() error { return writeList(b.followUp(scope, dir)) },
		func() error { return b.owners(scope) },
		func() error { return b.complaints(scope) },
		func() error { return b.cohorts(scope) },
		func() error { return b.tiers(scope) },
		func() error { return b.restatements(scope) },
		b.quality,
		b.definitions,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			b.f.Close()
			return fmt.Errorf("rendering workbook of %s: %w", b.l.DepartmentName(scope.Department), err)
		}
	}
	return b.finish(w, title)
}

// Company writes the company workbook: its own metrics and every
// department's side by side, and the company-wide customer lists (each
// customer once, with the departments it bought from).
func Company(w io.Writer, r *transform.Result, dir Directory, meta Meta) error {
	b, err := newBook(r, meta)
	if err != nil {
		return err
	}
	title := b.l.F("title.company", r.Period)
	b.title, b.scope = title, &r.Company
	steps := []func() error{
		func() error { return b.summary(title, &r.Company) },
		b.departments,
		b.departmentMetrics,
		func() error { return b.trend(&r.Company) },
		func() error { return b.churned(&r.Company, dir).stream() },
		func() error { return b.atRisk(&r.Company, dir).stream() },
		func() error { return b.owners(&r.Company) },
		func() error { return b.complaints(&r.Company) },
		func() error { return b.cohorts(&r.Company) },
		func() error { return b.tiers(&r.Company) },
		func() error { return b.restatements(&r.Company) },
		b.quality,
		b.definitions,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			b.f.Close()
			return fmt.Errorf("rendering company workbook: %w", err)
		}
	}
	return b.finish(w, title)
}

// maxCellText is Excel's limit on the characters of one cell.
const maxCellText = 32767

// Text makes a source string safe to store in a cell: invalid UTF-8 and
// characters XML 1.0 cannot carry become U+FFFD, and it is cut to Excel's
// cell limit.
func Text(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r) || (r == utf8.RuneError && n == 1) {
			clean = false
			break
		}
		i += n
	}
	if !clean {
		var sb strings.Builder
		for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
			if !xmlChar(r) {
				r = '\uFFFD'
			}
			sb.WriteRune(r)
		}
		s = sb.String()
	}
	if utf8.RuneCountInString(s) > maxCellText {
		s = string([]rune(s)[:maxCellText])
	}
	return s
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
