package report

import (
	"fmt"
	"strings"
	"unicode"

	"retention/history"
	"retention/transform"
)

// Letter is the text of the e-mail that carries one workbook.
type Letter struct {
	Subject string
	Text    string // plain text, lines ending in \n
}

// mailKPIs are the figures a message and a notice lead with: what a
// manager reads first.
var mailKPIs = []string{"retention_rate", "relative_churn_rate", "revenue", "active_customers", "new_customers", "at_risk_customers"}

// noticeKPIs are the company figures of a chat notice, which must stay
// short.
var noticeKPIs = []string{"retention_rate", "relative_churn_rate", "revenue", "active_customers"}

// Mail writes the message that carries the workbook of one scope of a
// published period (dept nil: company.xlsx), in the language of locale,
// from the period's manifest as read back: the subject names the scope
// and the period (客户保持报告 · 华东 · 2026-10), marked when the message is
// sent again because the figures changed (restated); the body gives the
// scope's key figures beside the previous period's, its broken targets,
// how many of its published figures were restated, and the attachment's
// name. It names no customer: the figures are all it reads. A department
// name's control characters become spaces.
func Mail(locale, currency string, rec *history.Record, dept *string, restated bool) (Letter, error) {
	l, err := Locale(locale)
	if err != nil {
		return Letter{}, err
	}
	file, ok := rec.Workbook(dept)
	if !ok {
		return Letter{}, fmt.Errorf("the manifest of %s lists no workbook of %s", rec.Period, l.mailScope(dept))
	}
	subject := l.F("title.company", rec.Period)
	if dept != nil {
		subject = l.F("title.department", l.mailScope(dept), rec.Period)
	}
	if restated {
		subject += l.T("mail.restated_mark")
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line(l.F("mail.intro", l.mailScope(dept), rec.Period, l.T("granularity."+rec.Granularity), plain(file.Path)))
	if restated {
		line(l.T("mail.restated_note"))
	}
	line("")
	prev := previous(rec)
	line(l.F("mail.kpis", prev))
	for _, key := range mailKPIs {
		line(l.kpi("mail", rec, dept, key, prev, currency))
	}
	line("")
	if alerts := rec.AlertsOf(dept); len(alerts) > 0 {
		line(l.F("mail.alerts", len(alerts)))
		for _, a := range alerts {
			line(l.alert("mail", a, currency))
		}
	} else {
		line(l.T("mail.no_alerts"))
	}
	line("")
	if n := rec.RestatedIn(dept); n > 0 {
		line(l.F("mail.restated", n))
	} else {
		line(l.T("mail.not_restated"))
	}
	line("")
	line(l.F("mail.footer", rec.GeneratedAt.Format("2006-01-02 15:04 -07:00"), rec.RunID))
	return Letter{Subject: subject, Text: b.String()}, nil
}

// Run is what a chat notice says of a run besides the figures of the
// period it published last (the Record given to Notice).
type Run struct {
	Periods int    // periods published: more than one for a backfill
	First   string // the first of them
	Dir     string // the last period's directory, where its files are
	// Mail is false without e-mail delivery; Sent, Pending and Unchanged
	// count its messages (Unchanged: sent before with the same figures,
	// not again).
	Mail                     bool
	Sent, Pending, Unchanged int
}

// maxNoticeAlerts is how many broken targets a notice lists before it
// only counts the rest.
const maxNoticeAlerts = 10

// Notice writes the chat notice of a run, in the language of locale: a
// title naming the period published, the company's key figures beside the
// previous period's, the broken targets of every scope (at most ten, then
// a count), how many published figures were restated, how the e-mail went
// and where the files are. It names no customer. esc makes a department's
// name plain text in the chat's markup (markdown for WeCom and DingTalk).
func Notice(locale, currency string, rec *history.Record, run Run, esc func(string) string) (title string, lines []string, err error) {
	l, err := Locale(locale)
	if err != nil {
		return "", nil, err
	}
	title = l.F("notice.title", rec.Period)
	if run.Periods > 1 {
		lines = append(lines, l.F("notice.backfill", run.First+".."+rec.Period, run.Periods, rec.Period))
	}
	prev := previous(rec)
	lines = append(lines, l.F("notice.kpis", prev))
	for _, key := range noticeKPIs {
		lines = append(lines, l.kpi("notice", rec, nil, key, prev, currency))
	}
	if len(rec.Alerts) == 0 {
		lines = append(lines, l.T("notice.no_alerts"))
	} else {
		lines = append(lines, l.F("notice.alerts", len(rec.Alerts)))
		for i, a := range rec.Alerts {
			if i == maxNoticeAlerts {
				lines = append(lines, l.F("notice.alerts_more", len(rec.Alerts)-i))
				break
			}
			lines = append(lines, l.alert("notice", a, currency, esc(l.mailScope(a.Department))))
		}
	}
	if rec.Restated > 0 {
		lines = append(lines, l.F("notice.restated", rec.Restated))
	} else {
		lines = append(lines, l.T("notice.not_restated"))
	}
	if run.Mail {
		lines = append(lines, l.F("notice.mail", run.Sent, run.Pending, run.Unchanged))
	}
	lines = append(lines, l.F("notice.files", esc(run.Dir)))
	return title, lines, nil
}

// mailScope is a scope's visible name as plain one-line text.
func (l Labels) mailScope(dept *string) string {
	if dept == nil {
		return l.T("company")
	}
	return plain(l.DepartmentName(*dept))
}

// previous names the period before the record's.
func previous(rec *history.Record) string {
	p, err := transform.ParsePeriod(rec.Period)
	if err != nil {
		return ""
	}
	return p.Add(-1).String()
}

// kpi is one figure of a scope in the reported period, with its change
// from the previous period when both are defined.
func (l Labels) kpi(prefix string, rec *history.Record, dept *string, key, prev, currency string) string {
	m, _ := transform.MetricByKey(key)
	k := history.Key{Period: rec.Period, Company: dept == nil, Metric: key}
	if dept != nil {
		k.Department = *dept
	}
	now := rec.Values[k]
	k.Period = prev
	was := rec.Values[k]
	name := l.T("metric." + key)
	if now == nil || was == nil {
		return l.F(prefix+".kpi_alone", name, figure(now, m.Kind, currency))
	}
	return l.F(prefix+".kpi", name, figure(now, m.Kind, currency), l.difference(was, now, m.Kind, currency))
}

// alert is one broken target; a notice names its scope first.
func (l Labels) alert(prefix string, a history.AlertRow, currency string, scope ...string) string {
	m, _ := transform.MetricByKey(a.Metric)
	args := append([]any{}, toAny(scope)...)
	args = append(args, l.T("metric."+a.Metric), figure(&a.Value, m.Kind, currency))
	if a.Min != nil && a.Value < *a.Min {
		return l.F(prefix+".alert_min", append(args, figure(a.Min, m.Kind, currency))...)
	}
	return l.F(prefix+".alert_max", append(args, figure(a.Max, m.Kind, currency))...)
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// plain makes text from the data one line of valid UTF-8: control
// characters (CR, LF, tab …) and the Unicode line separators become spaces.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Columns is the number of terminal columns s takes, a Chinese character
// two: for aligning text tables such as deliver --dry-run's.
func Columns(s string) int { return columns(s) }
