package report

import (
	"strings"
	"testing"
	"time"

	"retention/history"
)

// mailRecord is a published month as its manifest reads back: 华东's and
// the company's figures of 2026-10 and 2026-09, two broken targets of
// 华东 and one of the company, restatements of both.
func mailRecord(t *testing.T) *history.Record {
	t.Helper()
	east := "华东"
	rec := &history.Record{RunID: "20261101T223000Z-4f1c2a", Granularity: "month", Period: "2026-10",
		GeneratedAt: time.Date(2026, 11, 2, 6, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		Files:       []history.File{{Path: "华东.xlsx", Department: &east}, {Path: history.CompanyFile}},
		Values:      map[history.Key]*float64{}, Restated: 5,
		RestatedScopes: []history.ScopeCount{{Count: 2}, {Department: &east, Count: 3}}}
	set := func(dept *string, period, metric string, v float64) {
		k := history.Key{Period: period, Company: dept == nil, Metric: metric}
		if dept != nil {
			k.Department = *dept
		}
		rec.Values[k] = &v
	}
	for _, s := range []struct {
		dept   *string
		period string
		vals   map[string]float64
	}{
		{&east, "2026-10", map[string]float64{"retention_rate": 0.8125, "relative_churn_rate": 0.049, "revenue": 1234567.89, "active_customers": 1234, "new_customers": 123, "at_risk_customers": 45}},
		{&east, "2026-09", map[string]float64{"retention_rate": 0.7995, "relative_churn_rate": 0.051, "revenue": 1222222.89, "active_customers": 1222, "new_customers": 128, "at_risk_customers": 42}},
		{nil, "2026-10", map[string]float64{"retention_rate": 0.75, "relative_churn_rate": 0.06, "revenue": -2500.5, "active_customers": 3000, "new_customers": 300}},
		{nil, "2026-09", map[string]float64{"retention_rate": 0.76, "revenue": 1000, "active_customers": 2990, "new_customers": 310}},
	} {
		for k, v := range s.vals {
			set(s.dept, s.period, k, v)
		}
	}
	k := history.Key{Period: "2026-10", Company: true, Metric: "at_risk_customers"}
	rec.Values[k] = nil // undefined
	min, max := 0.85, 0.01
	rec.Alerts = []history.AlertRow{
		{Department: &east, Period: "2026-10", Metric: "retention_rate", Value: 0.8125, Min: &min},
		{Department: &east, Period: "2026-10", Metric: "relative_churn_rate", Value: 0.049, Max: &max},
		{Period: "2026-10", Metric: "retention_rate", Value: 0.75, Min: &min},
	}
	return rec
}

func TestMail(t *testing.T) {
	t.Parallel()
	rec := mailRecord(t)
	east := "华东"
	letter, err := Mail("zh-CN", "¥", rec, &east, false)
	if err != nil {
		t.Fatal(err)
	}
	if letter.Subject != "客户保持报告 · 华东 · 2026-10" {
		t.Errorf("subject %q", letter.Subject)
	}
	want := `附件是华东 2026-10 的月度客户保持报告：华东.xlsx。

核心指标（括号内为与上期 2026-09 相比的变化）：
· 客户保持率：81.3%（+1.3 个百分点）
· 相对客户流失率：4.9%（-0.2 个百分点）
· 销售额：¥1,234,567.89（+¥12,345.00）
· 活跃客户数：1,234（+12）
· 新增客户数：123（-5）
· 流失预警客户数：45（+3）

未达目标（2 项）：
· 客户保持率 81.3%，低于目标下限 85.0%
· 相对客户流失率 4.9%，高于目标上限 1.0%

修订：本期重新计算后，有 3 个已发布的历史数字发生变化，详见附件中的“修订”表。

生成于 2026-11-02 06:30 +08:00，运行编号 20261101T223000Z-4f1c2a。此邮件由客户保持报告程序自动发送，请勿直接回复。
`
	if letter.Text != want {
		t.Errorf("body:\n%s\nwant:\n%s", letter.Text, want)
	}

	// The company's, restated, in English: a negative revenue keeps its
	// sign; a figure without a previous value has no change.
	letter, err = Mail("en", "$", rec, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if letter.Subject != "Customer retention · Company · 2026-10 (restated)" {
		t.Errorf("subject %q", letter.Subject)
	}
	for _, s := range []string{
		"Attached is the customer retention report of Company for 2026-10 (Monthly): company.xlsx.\nThe figures of this period have changed",
		"· Revenue: -$2,500.50 (-$3,500.50)\n",
		"· Churn rate (relative): 6.0%\n",
		"· Customers at risk: —\n",
		"Targets missed (1):\n· Retention rate 75.0%, below the minimum of 85.0%\n\n",
		"Restatements: 2 published figures",
	} {
		if !strings.Contains(letter.Text, s) {
			t.Errorf("the company's body lacks %q:\n%s", s, letter.Text)
		}
	}
	zh, _ := Mail("zh-CN", "¥", rec, nil, true)
	if zh.Subject != "客户保持报告 · 全公司 · 2026-10（修订）" {
		t.Errorf("restated subject %q", zh.Subject)
	}

	// A department without a workbook in the period has no message.
	north := "华北"
	if _, err := Mail("zh-CN", "¥", rec, &north, false); err == nil || !strings.Contains(err.Error(), "华北") {
		t.Errorf("a message for 华北, which has no workbook: %v", err)
	}
}

// TestMailHostileNames: a department name with a line break stays one line
// of the subject and the body; one that looks like a formula is text.
func TestMailHostileNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"华东\r\nBcc: evil@example.net", "=HYPERLINK(\"http://x\",\"点我\")", "(unassigned)"} {
		rec := mailRecord(t)
		rec.Files[0].Department = &name
		rec.Files[0].Path = "x.xlsx"
		letter, err := Mail("zh-CN", "¥", rec, &name, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(letter.Subject, "\r\n") {
			t.Errorf("subject %q has a line break", letter.Subject)
		}
		first, _, _ := strings.Cut(letter.Text, "\n")
		if !strings.HasSuffix(first, "x.xlsx。") {
			t.Errorf("the first line %q is broken", first)
		}
		if name == "(unassigned)" && letter.Subject != "客户保持报告 · 未分配 · 2026-10" {
			t.Errorf("subject %q", letter.Subject)
		}
	}
}

func TestNotice(t *testing.T) {
	t.Parallel()
	rec := mailRecord(t)
	east := "华*东_"
	rec.Alerts[0].Department = &east
	esc := func(s string) string { return strings.NewReplacer("*", `\*`, "_", `\_`).Replace(s) }
	title, lines, err := Notice("zh-CN", "¥", rec, Run{Periods: 3, First: "2026-08", Dir: "/out/month/2026-10", Mail: true, Sent: 5, Pending: 2, Unchanged: 1}, esc)
	if err != nil {
		t.Fatal(err)
	}
	if title != "客户保持报告 · 2026-10 已发布" {
		t.Errorf("title %q", title)
	}
	want := `本次补算 2026-08..2026-10，共 3 个期间；以下为 2026-10。
全公司（括号内为与上期 2026-09 相比）：
- 客户保持率 75.0%（-1.0 个百分点）
- 相对客户流失率 6.0%
- 销售额 -¥2,500.50（-¥3,500.50）
- 活跃客户数 3,000（+10）
未达目标 3 项：
- 华\*东\_ 客户保持率 81.3%，低于目标下限 85.0%
- 华东 相对客户流失率 4.9%，高于目标上限 1.0%
- 全公司 客户保持率 75.0%，低于目标下限 85.0%
修订：已发布的历史数字有 5 个发生变化
邮件：本次发送 5 封，待发送 2 封，1 封此前已发送且数字未变
文件：/out/month/2026-10`
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
	for i := 0; i < 12; i++ {
		rec.Alerts = append(rec.Alerts, rec.Alerts[2])
	}
	_, lines, _ = Notice("en", "$", rec, Run{Periods: 1, Dir: "/out/month/2026-10"}, esc)
	got := strings.Join(lines, "\n")
	if !strings.Contains(got, "Targets missed: 15\n") || !strings.Contains(got, "- 5 more, see manifest.json\n") ||
		strings.Contains(got, "E-mail") || strings.Contains(got, "backfill") {
		t.Errorf("English notice of a run without e-mail, 15 alerts:\n%s", got)
	}
}
