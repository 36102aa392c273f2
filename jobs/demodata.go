package jobs

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"retention/extract/embedded"
	"retention/transform"
)

// Demo data: a few thousand customers over two years, shaped like a
// retailer's: a few key accounts, many occasional buyers, churn and
// reactivation, refunds, complaints, and the dirt real sources have
// (rows without customer or amount, empty departments, satisfaction
// ratings outside 1–5, names that look like spreadsheet formulas).

// Tables of the spec, as the demo creates them.
var (
	OrdersTable = []embedded.Column{
		{Name: "order_id", Type: embedded.BigInt, PrimaryKey: true},
		{Name: "customer_id", Type: embedded.BigInt, Nullable: true},
		{Name: "department", Type: embedded.VarChar, Nullable: true},
		{Name: "ordered_at", Type: embedded.DateTime},
		{Name: "amount", Type: embedded.Decimal, Nullable: true},
	}
	ComplaintsTable = []embedded.Column{
		{Name: "complaint_id", Type: embedded.BigInt, PrimaryKey: true},
		{Name: "customer_id", Type: embedded.BigInt, Nullable: true},
		{Name: "department", Type: embedded.VarChar, Nullable: true},
		{Name: "created_at", Type: embedded.DateTime},
		{Name: "resolved_at", Type: embedded.DateTime, Nullable: true},
		{Name: "satisfaction", Type: embedded.TinyInt, Nullable: true},
		{Name: "category", Type: embedded.VarChar, Nullable: true},
	}
	CustomersTable = []embedded.Column{
		{Name: "customer_id", Type: embedded.BigInt, PrimaryKey: true},
		{Name: "name", Type: embedded.VarChar, Nullable: true},
		{Name: "owner", Type: embedded.VarChar, Nullable: true},
	}
)

// DemoData is generated source data; each row holds a value per column of
// its table, nil for NULL, timestamps as wall-clock times (UTC fields).
type DemoData struct {
	Orders, Complaints, Customers [][]any
}

var (
	demoDepts    = []string{"华东", "华北", "华南", "西南", "线上/直营"}
	demoWeights  = []float64{0.32, 0.24, 0.18, 0.1, 0.16}
	demoOwners   = []string{"王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷"}
	demoSurnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文")
	demoGiven    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文博", "思远", "雨桐", "子涵"}
	demoCompany  = []string{"贸易有限公司", "科技有限公司", "商行", "实业有限公司", "餐饮管理有限公司", "连锁超市"}
	demoCities   = []string{"上海", "杭州", "南京", "北京", "天津", "广州", "深圳", "成都", "重庆", "苏州"}
	demoCategory = []string{"物流", "质量", "账单", "服务", "其他"}
	// Names a spreadsheet would evaluate if they were not written as text.
	demoFormulaNames = []string{`=HYPERLINK("http://example.com","点我")`, "+86 138 0000 0000", "-VIP- 客户", "@risk 商贸"}
)

// GenerateDemo makes the demo's data: customers acquired over the 24
// months ending with last (a month), their orders, refunds and complaints.
// The same last gives the same data.
func GenerateDemo(last transform.Period, customers int) DemoData {
	r := rand.New(rand.NewPCG(2026, uint64(last.N)))
	first := last.Add(-23)
	var d DemoData
	orderID, complaintID := int64(1), int64(1)
	monthStart := func(p transform.Period) time.Time { return p.Start(time.UTC) }
	randomTime := func(p transform.Period) time.Time {
		start := monthStart(p)
		span := p.End(time.UTC).Sub(start)
		switch r.IntN(200) {
		case 0:
			return start // the first instant of the month
		case 1:
			return p.End(time.UTC).Add(-time.Second) // the last
		}
		return start.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
	}
	cents := func(mean float64) string {
		v := math.Exp(math.Log(mean) + 0.6*r.NormFloat64())
		return fmt.Sprintf("%.2f", math.Max(v, 1))
	}
	for i := 0; i < customers; i++ {
		id := int64(3_100_000_000_000_000 + i*7919)
		name := any(demoName(r))
		switch {
		case i < len(demoFormulaNames):
			name = demoFormulaNames[i]
		case r.IntN(40) == 0:
			name = nil
		}
		d.Customers = append(d.Customers, []any{id, name, demoOwners[r.IntN(len(demoOwners))]})

		// Segment: key accounts buy often and much, occasional buyers rarely.
		seg := r.Float64()
		prob, spend, hazard := 0.25, 300.0, 0.06
		switch {
		case seg < 0.08:
			prob, spend, hazard = 0.85, 4000, 0.015
		case seg < 0.45:
			prob, spend, hazard = 0.55, 900, 0.035
		}
		depts := []string{pick(r, demoDepts, demoWeights)}
		if r.IntN(7) == 0 {
			depts = append(depts, pick(r, demoDepts, demoWeights))
		}
		// Acquisition: a third were customers before the window.
		start := first.Add(r.IntN(24))
		if r.IntN(3) == 0 {
			start = first
		}
		churned := false
		for p := start; p.N <= last.N; p = p.Add(1) {
			if churned {
				if r.Float64() < 0.04 {
					churned = false // reactivated
				} else {
					continue
				}
			} else if p != start && r.Float64() < hazard {
				churned = true
				continue
			}
			if p != start && r.Float64() > prob {
				continue
			}
			n := 1 + r.IntN(3)
			if seg < 0.08 {
				n += r.IntN(4)
			}
			for k := 0; k < n; k++ {
				dept := any(depts[r.IntN(len(depts))])
				switch r.IntN(150) {
				case 0:
					dept = nil
				case 1:
					dept = ""
				}
				at := randomTime(p)
				amount := any(cents(spend))
				switch r.IntN(400) {
				case 0:
					amount = "0.00" // an adjustment: not a purchase
				case 1:
					amount = nil // unusable: skipped and counted
				}
				d.Orders = append(d.Orders, []any{orderID, id, dept, at, amount})
				orderID++
				if amount != nil && r.IntN(30) == 0 {
					// A refund, the same month or the next.
					refundAt := at.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
					if refundAt.After(last.End(time.UTC)) {
						refundAt = last.End(time.UTC).Add(-time.Hour)
					}
					d.Orders = append(d.Orders, []any{orderID, id, dept, refundAt, "-" + amount.(string)})
					orderID++
				}
				if r.IntN(25) == 0 {
					d.Complaints = append(d.Complaints, demoComplaint(r, complaintID, id, dept, at, last))
					complaintID++
				}
			}
		}
	}
	// Rows a real source has: orders without a customer, complaints
	// without one.
	for k := 0; k < 12; k++ {
		p := first.Add(r.IntN(24))
		d.Orders = append(d.Orders, []any{orderID, nil, demoDepts[r.IntN(len(demoDepts))], randomTime(p), cents(500)})
		orderID++
		d.Complaints = append(d.Complaints, demoComplaint(r, complaintID, nil, demoDepts[r.IntN(len(demoDepts))], randomTime(p), last))
		complaintID++
	}
	return d
}

func demoComplaint(r *rand.Rand, id int64, customer, dept any, after time.Time, last transform.Period) []any {
	created := after.Add(time.Duration(1+r.IntN(96)) * time.Hour)
	end := last.End(time.UTC)
	if !created.Before(end) {
		created = end.Add(-time.Hour)
	}
	var resolved, satisfaction any
	if r.IntN(5) != 0 {
		t := created.Add(time.Duration(1+r.IntN(120)) * time.Hour)
		if t.Before(end) {
			resolved = t
		}
	}
	switch v := r.IntN(12); {
	case v < 8:
		satisfaction = int8(1 + r.IntN(5))
	case v == 8 && r.IntN(10) == 0:
		satisfaction = int8(0) // outside 1–5: counted as not rated
	}
	return []any{id, customer, dept, created, resolved, satisfaction, demoCategory[r.IntN(len(demoCategory))]}
}

func demoName(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return demoCities[r.IntN(len(demoCities))] + string(demoSurnames[r.IntN(len(demoSurnames))]) + "氏" + demoCompany[r.IntN(len(demoCompany))]
	}
	return string(demoSurnames[r.IntN(len(demoSurnames))]) + demoGiven[r.IntN(len(demoGiven))]
}

func pick(r *rand.Rand, items []string, weights []float64) string {
	x := r.Float64()
	for i, w := range weights {
		if x < w {
			return items[i]
		}
		x -= w
	}
	return items[len(items)-1]
}

// rowsOf adapts a slice of rows to the embedded server's loader.
func rowsOf(rows [][]any) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, row := range rows {
			if !yield(row) {
				return
			}
		}
	}
}
