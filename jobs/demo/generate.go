package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"retention/transform"
)

// Customers is the number of customers the demo generates.
const Customers = 3000

var (
	departments = []string{"华东", "华北", "华南", "西南", "线上/直营"}
	deptWeights = []float64{0.32, 0.24, 0.18, 0.1, 0.16}
	owners      = []string{"王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷"}
	surnames    = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文")
	givenNames  = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文博", "思远", "雨桐", "子涵"}
	companies   = []string{"贸易有限公司", "科技有限公司", "商行", "实业有限公司", "餐饮管理有限公司", "连锁超市"}
	cities      = []string{"上海", "杭州", "南京", "北京", "天津", "广州", "深圳", "成都", "重庆", "苏州"}
	categories  = []string{"物流", "质量", "账单", "服务", "其他"}
	// Names a spreadsheet would evaluate if they were not written as text.
	formulaNames = []string{`=HYPERLINK("http://example.com","点我")`, "+86 138 0000 0000", "-VIP- 客户", "@risk 商贸"}
)

// Generate makes the demo's data: customers acquired over the 24 months
// ending with last (a month), their orders, refunds and complaints. The
// same last gives the same data.
func Generate(last transform.Period, customers int) Data {
	g := &generator{r: rand.New(rand.NewPCG(2026, uint64(last.N))), first: last.Add(-23), last: last, orderID: 1, complaintID: 1}
	for i := range customers {
		g.customer(i)
	}
	g.strays()
	return g.data
}

// generator is one generation under way: the random source, the window
// and the next ids. Every draw is in a fixed order, so the same window
// gives the same data.
type generator struct {
	r                    *rand.Rand
	first, last          transform.Period
	orderID, complaintID int64
	data                 Data
}

// segment is how a kind of customer buys: the chance of buying in a
// month, the mean order value and the monthly chance of churning.
type segment struct {
	prob, spend, hazard float64
	key                 bool // a key account, with more orders a month
}

// segment draws a customer's segment: a few key accounts, a third
// regulars, the rest occasional buyers.
func (g *generator) segment() segment {
	switch x := g.r.Float64(); {
	case x < 0.08:
		return segment{prob: 0.85, spend: 4000, hazard: 0.015, key: true}
	case x < 0.45:
		return segment{prob: 0.55, spend: 900, hazard: 0.035}
	}
	return segment{prob: 0.25, spend: 300, hazard: 0.06}
}

// customer adds customer i: its row, then its months from acquisition
// on, with churn and the odd reactivation.
func (g *generator) customer(i int) {
	r := g.r
	id := int64(3_100_000_000_000_000 + i*7919)
	name := any(g.name())
	switch {
	case i < len(formulaNames):
		name = formulaNames[i]
	case r.IntN(40) == 0:
		name = nil
	}
	g.data.Customers = append(g.data.Customers, []any{id, name, owners[r.IntN(len(owners))]})

	seg := g.segment()
	depts := []string{pick(r, departments, deptWeights)}
	if r.IntN(7) == 0 {
		depts = append(depts, pick(r, departments, deptWeights))
	}
	// Acquisition: a third were customers before the window.
	start := g.first.Add(r.IntN(24))
	if r.IntN(3) == 0 {
		start = g.first
	}
	churned := false
	for p := start; p.N <= g.last.N; p = p.Add(1) {
		if churned {
			if r.Float64() < 0.008 {
				churned = false // reactivated
			} else {
				continue
			}
		} else if p != start && r.Float64() < seg.hazard {
			churned = true
			continue
		}
		if p != start && r.Float64() > seg.prob {
			continue
		}
		g.month(id, p, seg, depts)
	}
}

// month adds the orders of customer id in month p: one to three (key
// accounts up to six), now and then refunded or complained about, and
// the dirt real sources have: no department, an adjustment, no amount.
func (g *generator) month(id int64, p transform.Period, seg segment, depts []string) {
	r := g.r
	n := 1 + r.IntN(3)
	if seg.key {
		n += r.IntN(4)
	}
	for range n {
		dept := any(depts[r.IntN(len(depts))])
		switch r.IntN(150) {
		case 0:
			dept = nil
		case 1:
			dept = ""
		}
		at := g.randomTime(p)
		amount := any(g.cents(seg.spend))
		switch r.IntN(400) {
		case 0:
			amount = "0.00" // an adjustment: not a purchase
		case 1:
			amount = nil // unusable: skipped and counted
		}
		g.order(id, dept, at, amount)
		if amount != nil && r.IntN(30) == 0 {
			// A refund, the same month or the next.
			refundAt := at.Add(time.Duration(1+r.IntN(20*24)) * time.Hour)
			if end := g.last.End(time.UTC); refundAt.After(end) {
				refundAt = end.Add(-time.Hour)
			}
			g.order(id, dept, refundAt, "-"+amount.(string))
		}
		if r.IntN(25) == 0 {
			g.complaint(id, dept, at)
		}
	}
}

// strays adds the rows a real source has besides: orders without a
// customer, complaints without one.
func (g *generator) strays() {
	r := g.r
	for range 12 {
		p := g.first.Add(r.IntN(24))
		dept := departments[r.IntN(len(departments))]
		g.order(nil, dept, g.randomTime(p), g.cents(500))
		dept = departments[r.IntN(len(departments))]
		g.complaint(nil, dept, g.randomTime(p))
	}
}

func (g *generator) order(customer, dept any, at time.Time, amount any) {
	g.data.Orders = append(g.data.Orders, []any{g.orderID, customer, dept, at, amount})
	g.orderID++
}

// complaint adds a complaint made within four days after the moment
// after: most resolved within five days, most rated, one in about 120
// rated 0 (outside 1–5).
func (g *generator) complaint(customer, dept any, after time.Time) {
	r := g.r
	created := after.Add(time.Duration(1+r.IntN(96)) * time.Hour)
	end := g.last.End(time.UTC)
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
	g.data.Complaints = append(g.data.Complaints, []any{g.complaintID, customer, dept, created, resolved, satisfaction,
		categories[r.IntN(len(categories))]})
	g.complaintID++
}

// randomTime is a wall-clock time in month p, now and then its first or
// last instant.
func (g *generator) randomTime(p transform.Period) time.Time {
	start := p.Start(time.UTC)
	span := p.End(time.UTC).Sub(start)
	switch g.r.IntN(200) {
	case 0:
		return start // the first instant of the month
	case 1:
		return p.End(time.UTC).Add(-time.Second) // the last
	}
	return start.Add(time.Duration(g.r.Int64N(int64(span/time.Second))) * time.Second)
}

// cents is an amount around mean, log-normally spread, with two decimals.
func (g *generator) cents(mean float64) string {
	v := math.Exp(math.Log(mean) + 0.6*g.r.NormFloat64())
	return fmt.Sprintf("%.2f", math.Max(v, 1))
}

// name is a person's or a company's name.
func (g *generator) name() string {
	r := g.r
	if r.IntN(3) == 0 {
		return cities[r.IntN(len(cities))] + string(surnames[r.IntN(len(surnames))]) + "氏" + companies[r.IntN(len(companies))]
	}
	return string(surnames[r.IntN(len(surnames))]) + givenNames[r.IntN(len(givenNames))]
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
