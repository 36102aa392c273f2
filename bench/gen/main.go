// Command gen writes the benchmark's source data as TSV files that MariaDB's
// LOAD DATA reads with its default options (tab-separated, newline-ended,
// \N for NULL, backslash escapes in text):
//
//	orders.tsv      order_id, customer_id, department, ordered_at, amount
//	complaints.tsv  complaint_id, customer_id, department, created_at,
//	                resolved_at, satisfaction, category
//	customers.tsv   customer_id, name, owner
//	counts.env      shell-readable row counts and parameters, written last
//
// Usage:
//
//	go run ./bench/gen -orders 10000000 -out /tmp/retention-bench/10m
//	go run ./bench/gen -orders 1000000 -customers 1000000 -out DIR
//
// The data has the shape of jobs/demo/generate.go, scaled up: key accounts,
// regular and occasional buyers with their own purchase probability, spend
// and monthly churn hazard, reactivation, refunds (negative amounts), zero
// amounts, complaints, and the dirt real sources have (NULL or empty
// departments, rows without customer or amount, ratings outside 1-5,
// customers missing from the customers table, names needing escapes).
// Timestamps are Asia/Shanghai wall-clock times over the -months months
// ending with -last; order ids ascend with time, as in a real orders table.
//
// The output is a pure function of the flags: the same flags give the same
// bytes. Customer i (id 3100000000000000 + 7919*i) has the same id, name,
// owner, segment and departments whatever -orders is, so two runs with the
// same -customers share their customers; -orders exactly is the number of
// order rows (refunds included), the number of complaints follows from it
// (about 3.5 % of the orders).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

const (
	seed       = 2026
	idBase     = 3_100_000_000_000_000 // customer ids, sparse like a real system's
	idStep     = 7919
	maxRefundH = 20 * 24 // a refund follows its order by at most 20 days
)

var (
	depts   = []string{"华东", "华北", "华南", "华中", "西南", "西北", "东北", "线上/直营"}
	weights = []float64{0.22, 0.17, 0.15, 0.09, 0.08, 0.05, 0.06, 0.18}

	categories = []string{"物流", "质量", "账单", "服务", "其他"}
	surnames   = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文")
	given      = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文博", "思远", "雨桐", "子涵"}
	companies  = []string{"贸易有限公司", "科技有限公司", "商行", "实业有限公司", "餐饮管理有限公司", "连锁超市"}
	cities     = []string{"上海", "杭州", "南京", "北京", "天津", "广州", "深圳", "成都", "重庆", "苏州", "武汉", "西安", "沈阳"}
	// The first customers: names a spreadsheet would evaluate, and names
	// that need LOAD DATA's escapes (tab, newline, backslash).
	specialNames = []string{
		`=HYPERLINK("http://example.com","点我")`, "+86 138 0000 0000", "-VIP- 客户", "@risk 商贸",
		"张三\t(备用)", "多行\n名称有限公司", `C:\客户\李四`, "尾随空格 ",
	}
	// Seasonality by calendar month (Jan..Dec): Spring Festival dip, 618 and
	// Double 11 peaks.
	season = [12]float64{0.92, 0.75, 1.0, 1.0, 1.05, 1.22, 0.96, 0.95, 1.0, 1.04, 1.32, 1.12}
)

// Segments, as in the demo: share, monthly purchase probability, mean spend,
// monthly churn hazard, weight when extra orders are spread.
type segment struct {
	share, prob, spend, hazard, weight float64
	meanRows                           float64 // rows per active month (before refunds)
}

var segments = [3]segment{
	{share: 0.08, prob: 0.85, spend: 4000, hazard: 0.015, weight: 2, meanRows: 3.5}, // key accounts: 1+[0,3)+[0,4)
	{share: 0.37, prob: 0.55, spend: 900, hazard: 0.035, weight: 1, meanRows: 2},    // regular: 1+[0,3)
	{share: 0.55, prob: 0.25, spend: 300, hazard: 0.06, weight: 1, meanRows: 2},     // occasional
}

type customer struct {
	seg     uint8
	d1, d2  int8  // departments; d2 < 0: only one
	start   int16 // first month index with activity
	pre     bool  // a customer from before the window: not forced active at start
	churned bool
}

// One order row buffered for its month; sorted by time before writing.
type orow struct {
	key   uint64 // second within the month << 32 | sequence
	cust  int32  // customer index, -1: NULL
	dept  int8   // index, -1: NULL, -2: empty
	null  bool   // amount NULL
	cents int64
}

type complaint struct {
	created, resolved int64 // unix seconds of the wall-clock time; resolved 0: NULL
	seq               int32
	cust              int32 // -1: NULL
	dept              int8
	sat               int8 // -1: NULL
	cat               int8 // -1: NULL
}

type month struct {
	start, end int64 // unix seconds of wall-clock times (treated as UTC)
	rows       int   // order rows this month
}

func main() {
	orders := flag.Int("orders", 1_000_000, "order rows to write (refunds included)")
	customers := flag.Int("customers", 0, "customers (0: orders/10, at least 1)")
	out := flag.String("out", "", "output directory (created)")
	months := flag.Int("months", 34, "months of history")
	last := flag.String("last", "2026-10", "last month (YYYY-MM)")
	flag.BoolVar(&verbose, "v", false, "print each month's rows, active customers and probability scale to stderr")
	flag.Parse()
	if *out == "" || *orders < 1 || *customers < 0 || *months < 2 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -orders N [-customers C] [-months 34] [-last 2026-10] -out DIR")
		os.Exit(2)
	}
	lastT, err := time.Parse("2006-01", *last)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: -last %q: want YYYY-MM\n", *last)
		os.Exit(2)
	}
	nCust := *customers
	derived := nCust == 0
	if derived {
		nCust = max(*orders/10, 1)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	os.Remove(filepath.Join(*out, "counts.env")) // invalid until rewritten

	t0 := time.Now()
	g := newGen(*orders, nCust, *months, lastT)
	cb, err := g.writeCustomers(filepath.Join(*out, "customers.tsv"))
	check(err)
	t1 := time.Now()
	ob, err := g.writeOrders(filepath.Join(*out, "orders.tsv"))
	check(err)
	t2 := time.Now()
	pb, err := g.writeComplaints(filepath.Join(*out, "complaints.tsv"))
	check(err)
	t3 := time.Now()

	how := "explicit -customers"
	if derived {
		how = "orders/10"
	}
	first := time.Unix(g.months[0].start, 0).UTC().Format("2006-01")
	env := fmt.Sprintf("orders=%d\ncomplaints=%d\ncustomers=%d\ncustomer_ids=%d\ncustomers_with_orders=%d\nmonths=%d\nfirst=%s\nlast=%s\nseed=%d\n",
		*orders, len(g.complaints), g.customerRows, nCust, g.withOrders, *months, first, lastT.Format("2006-01"), seed)
	check(writeFileAtomic(filepath.Join(*out, "counts.env"), []byte(env)))

	mb := func(b int64) float64 { return float64(b) / 1e6 }
	fmt.Printf("gen: %s .. %s (%d months, Asia/Shanghai wall clock), seed %d, output %s\n", first, lastT.Format("2006-01"), *months, seed, *out)
	fmt.Printf("  customer ids    %10d  (%s; ids %d + %d*i, i < %d)\n", nCust, how, idBase, idStep, nCust)
	fmt.Printf("  customers.tsv   %10d rows  %9.1f MB  %6.2f s  (%d ids left out on purpose)\n", g.customerRows, mb(cb), t1.Sub(t0).Seconds(), nCust-g.customerRows)
	fmt.Printf("  orders.tsv      %10d rows  %9.1f MB  %6.2f s  (%d customers with orders, %.1f rows each; %d refunds, %d zero, %d NULL amount, %d NULL customer, %d NULL/empty department)\n",
		*orders, mb(ob), t2.Sub(t1).Seconds(), g.withOrders, float64(*orders)/float64(max(g.withOrders, 1)),
		g.nRefund, g.nZero, g.nNullAmount, g.nNullCust, g.nNoDept)
	fmt.Printf("  complaints.tsv  %10d rows  %9.1f MB  %6.2f s\n", len(g.complaints), mb(pb), t3.Sub(t2).Seconds())
	fmt.Printf("  total           %10d rows  %9.1f MB  %6.2f s\n", *orders+len(g.complaints)+g.customerRows, mb(cb+ob+pb), t3.Sub(t0).Seconds())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

var verbose bool

type gen struct {
	nOrders      int
	cust         []customer
	months       []month
	last         int64 // end of the last month
	complaints   []complaint
	customerRows int
	withOrders   int
	nRefund      int
	nZero        int
	nNullAmount  int
	nNullCust    int
	nNoDept      int
}

func newGen(nOrders, nCust, nMonths int, last time.Time) *gen {
	g := &gen{nOrders: nOrders}
	// Months and their share of the orders: growth plus seasonality,
	// rounded cumulatively so that they add up to nOrders exactly.
	w := make([]float64, nMonths)
	var total float64
	for m := range w {
		t := last.AddDate(0, m-nMonths+1, 0)
		w[m] = (1 + 0.6*float64(m)/float64(nMonths-1)) * season[t.Month()-1]
		total += w[m]
	}
	var cum float64
	prev := 0
	for m := range w {
		t := last.AddDate(0, m-nMonths+1, 0)
		cum += w[m]
		upto := int(math.Round(float64(nOrders) * cum / total))
		g.months = append(g.months, month{start: t.Unix(), end: t.AddDate(0, 1, 0).Unix(), rows: upto - prev})
		prev = upto
	}
	g.last = g.months[nMonths-1].end

	// Customers: a stream of their own, so customer i is the same whatever
	// the number of orders (and whatever the number of customers after it).
	r := rand.New(rand.NewPCG(seed, 1))
	cumw := make([]float64, nMonths)
	cum = 0
	for m := range w {
		cum += w[m]
		cumw[m] = cum / total
	}
	g.cust = make([]customer, nCust)
	for i := range g.cust {
		c := &g.cust[i]
		s := r.Float64()
		switch {
		case s < segments[0].share:
			c.seg = 0
		case s < segments[0].share+segments[1].share:
			c.seg = 1
		default:
			c.seg = 2
		}
		c.d1, c.d2 = int8(pick(r, weights)), -1
		if r.IntN(7) == 0 {
			c.d2 = int8(pick(r, weights))
		}
		// Three in ten were customers before the window; the others are
		// acquired over it, more in the busier months.
		if i == 0 || r.IntN(10) < 3 {
			c.pre = true
		} else {
			x := r.Float64()
			m, _ := slices.BinarySearch(cumw, x)
			c.start = int16(min(m, nMonths-1))
		}
	}
	return g
}

func pick(r *rand.Rand, w []float64) int {
	x := r.Float64()
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// ---- customers -------------------------------------------------------------

func (g *gen) writeCustomers(path string) (int64, error) {
	// A stream of its own, so names do not depend on the number of orders.
	r := rand.New(rand.NewPCG(seed, 2))
	owners := make([]string, 48)
	for i := range owners {
		owners[i] = string(surnames[r.IntN(len(surnames))]) + given[r.IntN(len(given))]
	}
	return writeTSV(path, func(w *bufio.Writer) {
		for i := range g.cust {
			skip := r.IntN(200) == 0 // not in the customers table at all
			var name string
			null := false
			switch {
			case i < len(specialNames):
				name = specialNames[i]
			case r.IntN(40) == 0:
				null = true
			case r.IntN(3) == 0:
				name = cities[r.IntN(len(cities))] + string(surnames[r.IntN(len(surnames))]) + "氏" + companies[r.IntN(len(companies))]
			default:
				name = string(surnames[r.IntN(len(surnames))]) + given[r.IntN(len(given))]
			}
			owner := owners[r.IntN(len(owners))]
			if skip && i >= len(specialNames) {
				continue
			}
			b := w.AvailableBuffer()
			b = strconv.AppendInt(b, idBase+int64(i)*idStep, 10)
			b = append(b, '\t')
			if null {
				b = append(b, `\N`...)
			} else {
				b = appendEscaped(b, name)
			}
			b = append(b, '\t')
			b = appendEscaped(b, owner)
			b = append(b, '\n')
			w.Write(b)
			g.customerRows++
		}
	})
}

// ---- orders ----------------------------------------------------------------

// refundShare is the share of purchases refunded.
const refundShare = 1.0 / 30

// orderWriter writes orders.tsv month by month: a month's rows are
// generated into a buffer, sorted by time and written; refunds that fall
// into the next month are carried there.
type orderWriter struct {
	g          *gen
	r          *rand.Rand
	buf, carry []orow
	active     []int32 // customers buying this month
	nrows      []uint8 // their rows this month
	hasOrders  []bool
	orderID    int64
	escDept    [][]byte

	// The month under way.
	mi   int
	mo   month
	span int64  // its seconds
	seq  uint32 // the next sequence number of a row in it
}

func (g *gen) writeOrders(path string) (int64, error) {
	ow := &orderWriter{g: g, r: rand.New(rand.NewPCG(seed, 3)), hasOrders: make([]bool, len(g.cust)), escDept: make([][]byte, len(depts))}
	for i, d := range depts {
		ow.escDept[i] = appendEscaped(nil, d)
	}
	return writeTSV(path, func(w *bufio.Writer) {
		for mi, mo := range g.months {
			ow.startMonth(mi, mo)
			alpha := ow.chooseBuyers(ow.churn())
			if verbose {
				fmt.Fprintf(os.Stderr, "gen: %s rows %d (carried refunds %d) active customers %d scale %.3f\n",
					time.Unix(mo.start, 0).UTC().Format("2006-01"), mo.rows, len(ow.buf), len(ow.active), alpha)
			}
			ow.fill()
			ow.write(w)
		}
	})
}

// startMonth begins month mi with the refunds carried into it.
func (ow *orderWriter) startMonth(mi int, mo month) {
	ow.mi, ow.mo, ow.span = mi, mo, mo.end-mo.start
	ow.buf = append(ow.buf[:0], ow.carry...)
	ow.carry = ow.carry[:0]
	ow.seq = uint32(len(ow.buf))
	if len(ow.buf) > mo.rows {
		ow.buf = ow.buf[:mo.rows] // only with absurdly few orders per month
	}
	for i := range ow.buf {
		ow.buf[i].key = ow.buf[i].key&^0xffffffff | uint64(i)
	}
}

// churn decides who could buy this month, churning and reactivating
// customers, and returns the rows expected of those who must buy (new
// customers) and of those who may.
func (ow *orderWriter) churn() (forcedRows, freeRows float64) {
	r, mi := ow.r, ow.mi
	for i := range ow.g.cust {
		c := &ow.g.cust[i]
		if int(c.start) > mi {
			continue
		}
		sg := &segments[c.seg]
		if c.churned {
			if r.Float64() < 0.04 {
				c.churned = false // reactivated
			} else {
				continue
			}
		} else if int(c.start) != mi && r.Float64() < sg.hazard {
			c.churned = true
			continue
		}
		if int(c.start) == mi && !c.pre {
			forcedRows += sg.meanRows
		} else {
			freeRows += sg.prob * sg.meanRows
		}
	}
	return forcedRows, freeRows
}

// chooseBuyers picks the customers who buy this month and how many rows
// each, with the purchase probabilities scaled so that the month's
// expected rows come just under its share (fill tops up the rest). It
// returns the scale.
func (ow *orderWriter) chooseBuyers(forcedRows, freeRows float64) (alpha float64) {
	r, mi := ow.r, ow.mi
	room := float64(ow.mo.rows - len(ow.buf))
	if freeRows > 0 {
		alpha = math.Max(0, room*0.97/(1+refundShare+0.001)-forcedRows) / freeRows
	}
	ow.active, ow.nrows = ow.active[:0], ow.nrows[:0]
	for i := range ow.g.cust {
		c := &ow.g.cust[i]
		if int(c.start) > mi || c.churned {
			continue
		}
		sg := &segments[c.seg]
		if (int(c.start) != mi || c.pre) && r.Float64() >= sg.prob*alpha {
			continue
		}
		n := 1 + r.IntN(3)
		if c.seg == 0 {
			n += r.IntN(4)
		}
		ow.active = append(ow.active, int32(i))
		ow.nrows = append(ow.nrows, uint8(n))
	}
	if len(ow.active) == 0 {
		ow.active = append(ow.active, 0)
		ow.nrows = append(ow.nrows, 1)
	}
	return alpha
}

// fill generates the month's rows: everyone active buys once, then the
// rest of their orders, then the month is topped up with orders of its
// active customers, key accounts twice as likely.
func (ow *orderWriter) fill() {
	for _, ci := range ow.active {
		ow.emit(ci)
	}
	for k, ci := range ow.active {
		for range int(ow.nrows[k]) - 1 {
			ow.emit(ci)
		}
	}
	for len(ow.buf) < ow.mo.rows {
		ci := ow.active[ow.r.IntN(len(ow.active))]
		if ow.r.Float64()*2 < segments[ow.g.cust[ci].seg].weight {
			ow.emit(ci)
		}
	}
}

// emit adds an order of customer ci, unless the month is full: its
// department, time and amount, now and then without customer, department
// or amount, refunded or complained about.
func (ow *orderWriter) emit(ci int32) {
	if len(ow.buf) >= ow.mo.rows {
		return
	}
	r := ow.r
	c := &ow.g.cust[ci]
	sg := &segments[c.seg]
	dept := c.d1
	if c.d2 >= 0 && r.IntN(2) == 0 {
		dept = c.d2
	}
	switch r.IntN(150) {
	case 0:
		dept = -1
	case 1:
		dept = -2
	}
	var off int64
	switch r.IntN(200) {
	case 0: // the first instant of the month
	case 1:
		off = ow.span - 1 // the last
	default:
		off = r.Int64N(ow.span)
	}
	o := orow{key: uint64(off)<<32 | uint64(ow.seq), cust: ci, dept: dept}
	ow.seq++
	switch r.IntN(400) {
	case 0: // an adjustment: not a purchase
	case 1:
		o.null = true
	default:
		v := math.Exp(math.Log(sg.spend) + 0.6*r.NormFloat64())
		o.cents = max(int64(math.Round(v*100)), 100)
	}
	if r.IntN(1000) == 0 {
		o.cust = -1 // the order lost its customer
	}
	ow.buf = append(ow.buf, o)
	if o.cents > 0 && r.Float64() < refundShare {
		ow.refund(o, off)
	}
	if o.cents > 0 && r.IntN(1000) < 36 {
		ow.g.addComplaint(r, o.cust, o.dept, ow.mo.start+off)
	}
}

// refund adds the refund of order o, placed off seconds into the month:
// the same month or the next (carried), the last month's kept in it.
func (ow *orderWriter) refund(o orow, off int64) {
	at := off + int64(1+ow.r.IntN(maxRefundH))*3600
	ref := orow{cust: o.cust, dept: o.dept, cents: -o.cents}
	switch {
	case at < ow.span:
		if len(ow.buf) < ow.mo.rows {
			ref.key = uint64(at)<<32 | uint64(ow.seq)
			ow.seq++
			ow.buf = append(ow.buf, ref)
		}
	case ow.mi == len(ow.g.months)-1:
		if len(ow.buf) < ow.mo.rows {
			ref.key = uint64(ow.span-3600)<<32 | uint64(ow.seq)
			ow.seq++
			ow.buf = append(ow.buf, ref)
		}
	default:
		ref.key = uint64(at-ow.span) << 32
		ow.carry = append(ow.carry, ref)
	}
}

// write sorts the month's rows by time and writes them, counting what
// the summary reports.
func (ow *orderWriter) write(w *bufio.Writer) {
	g := ow.g
	slices.SortFunc(ow.buf, func(a, b orow) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	for i := range ow.buf {
		o := &ow.buf[i]
		ow.orderID++
		b := w.AvailableBuffer()
		b = strconv.AppendInt(b, ow.orderID, 10)
		b = append(b, '\t')
		if o.cust < 0 {
			b = append(b, `\N`...)
			g.nNullCust++
		} else {
			b = strconv.AppendInt(b, idBase+int64(o.cust)*idStep, 10)
			if !ow.hasOrders[o.cust] {
				ow.hasOrders[o.cust] = true
				g.withOrders++
			}
		}
		b = append(b, '\t')
		switch {
		case o.dept == -1:
			b = append(b, `\N`...)
			g.nNoDept++
		case o.dept == -2:
			g.nNoDept++
		default:
			b = append(b, ow.escDept[o.dept]...)
		}
		b = append(b, '\t')
		b = appendDateTime(b, ow.mo.start+int64(o.key>>32))
		b = append(b, '\t')
		switch {
		case o.null:
			b = append(b, `\N`...)
			g.nNullAmount++
		default:
			if o.cents < 0 {
				g.nRefund++
			} else if o.cents == 0 {
				g.nZero++
			}
			b = appendCents(b, o.cents)
		}
		b = append(b, '\n')
		w.Write(b)
	}
}

// ---- complaints ------------------------------------------------------------

func (g *gen) addComplaint(r *rand.Rand, cust int32, dept int8, after int64) {
	c := complaint{seq: int32(len(g.complaints)), cust: cust, dept: dept, sat: -1, cat: int8(r.IntN(len(categories)))}
	if r.IntN(300) == 0 {
		c.cust = -1
	}
	if r.IntN(100) == 0 {
		c.cat = -1
	}
	c.created = after + int64(1+r.IntN(96))*3600 + r.Int64N(3600)
	if c.created >= g.last {
		c.created = g.last - 3600
	}
	if r.IntN(5) != 0 {
		t := c.created + int64(1+r.IntN(120))*3600 + r.Int64N(3600)
		if r.IntN(2000) == 0 {
			t = c.created - int64(1+r.IntN(48))*3600 // resolved before it was created
		}
		if t < g.last {
			c.resolved = t
		}
	}
	switch v := r.IntN(12); {
	case v < 8:
		c.sat = int8(1 + r.IntN(5))
	case v == 8 && r.IntN(10) == 0:
		c.sat = [...]int8{0, 6, 9}[r.IntN(3)] // outside 1-5
	}
	g.complaints = append(g.complaints, c)
}

func (g *gen) writeComplaints(path string) (int64, error) {
	slices.SortFunc(g.complaints, func(a, b complaint) int {
		switch {
		case a.created != b.created:
			return int(a.created - b.created)
		default:
			return int(a.seq - b.seq)
		}
	})
	escDept := make([][]byte, len(depts))
	for i, d := range depts {
		escDept[i] = appendEscaped(nil, d)
	}
	escCat := make([][]byte, len(categories))
	for i, d := range categories {
		escCat[i] = appendEscaped(nil, d)
	}
	return writeTSV(path, func(w *bufio.Writer) {
		for i := range g.complaints {
			c := &g.complaints[i]
			b := w.AvailableBuffer()
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, '\t')
			if c.cust < 0 {
				b = append(b, `\N`...)
			} else {
				b = strconv.AppendInt(b, idBase+int64(c.cust)*idStep, 10)
			}
			b = append(b, '\t')
			switch {
			case c.dept == -1:
				b = append(b, `\N`...)
			case c.dept >= 0:
				b = append(b, escDept[c.dept]...)
			}
			b = append(b, '\t')
			b = appendDateTime(b, c.created)
			b = append(b, '\t')
			if c.resolved == 0 {
				b = append(b, `\N`...)
			} else {
				b = appendDateTime(b, c.resolved)
			}
			b = append(b, '\t')
			if c.sat < 0 {
				b = append(b, `\N`...)
			} else {
				b = strconv.AppendInt(b, int64(c.sat), 10)
			}
			b = append(b, '\t')
			if c.cat < 0 {
				b = append(b, `\N`...)
			} else {
				b = append(b, escCat[c.cat]...)
			}
			b = append(b, '\n')
			w.Write(b)
		}
	})
}

// ---- formatting ------------------------------------------------------------

// writeTSV writes path through a temporary file renamed into place and
// returns the bytes written.
func writeTSV(path string, fill func(*bufio.Writer)) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return st.Size(), os.Rename(tmp, path)
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// appendEscaped appends s with LOAD DATA's default escapes.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case 0:
			b = append(b, '\\', '0')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendCents appends c/100 with two decimals.
func appendCents(b []byte, c int64) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	b = strconv.AppendInt(b, c/100, 10)
	f := c % 100
	return append(b, '.', byte('0'+f/10), byte('0'+f%10))
}

// appendDateTime appends the unix time s as YYYY-MM-DD hh:mm:ss (UTC fields).
func appendDateTime(b []byte, s int64) []byte {
	days, sec := s/86400, s%86400
	// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, ' ')
	b = append2(b, sec/3600)
	b = append(b, ':')
	b = append2(b, sec/60%60)
	b = append(b, ':')
	return append2(b, sec%60)
}

func append2(b []byte, v int64) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}
