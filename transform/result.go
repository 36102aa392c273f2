package transform

import "time"

// Options shape a Result.
type Options struct {
	// History is the number of periods, ending with the reported one, that
	// get a snapshot and a cohort. At least 2, so that the reported period
	// always has its previous one beside it.
	History int
	// AtRiskLimit caps each at-risk list; AtRiskTotal still counts them all.
	AtRiskLimit int
}

// Result is everything reported for one period: a snapshot per scope and
// history period, and the per-customer lists of the reported period.
type Result struct {
	Period   Period
	Periods  []Period // the history window, oldest first; the last is Period
	Location *time.Location

	Company     Scope
	Departments []Scope // by name, Unassigned last

	Quality Quality
}

// Scope is the result for one department, or for the whole company.
type Scope struct {
	Company    bool
	Department string // the department key; "" for the company

	Snapshots []Snapshot // one per Result.Periods
	YearAgo   Snapshot   // the period a year before the reported one (the previous one, by year)

	Churned     []ChurnedCustomer // L(P), by revenue in P-1, descending
	AtRisk      []AtRiskCustomer  // by value at risk, descending, at most Options.AtRiskLimit
	AtRiskTotal int               // customers at risk before the limit

	Cohorts []Cohort // one per acquisition period of the history window
	Tiers   []Tier   // key, ordinary, small
}

// Current is the snapshot of the reported period.
func (s *Scope) Current() *Snapshot { return &s.Snapshots[len(s.Snapshots)-1] }

// Previous is the snapshot of the period before the reported one.
func (s *Scope) Previous() *Snapshot { return &s.Snapshots[len(s.Snapshots)-2] }

// ChurnedCustomer is one row of the churned-customer list: a customer of
// the base B(P) with no purchase in P.
type ChurnedCustomer struct {
	CustomerID       string
	LastPurchase     time.Time // the day of the latest purchase, in P-1: midnight in the report time zone
	RevenuePrevCents int64     // rev(c, P-1)
	OrdersPrev       int64     // purchases in P-1
	Share            Ratio     // rev(c, P-1) over the churned customers' total rev in P-1
}

// Signal is a reason a customer is at risk.
type Signal uint8

// Signals; a customer can have several.
const (
	SignalFewerPurchases Signal = 1 << iota // purchases in P below half their average
	SignalLowerRevenue                      // revenue in P below half their average
	SignalComplaint                         // a complaint in P still open or rated 1–2
)

// Signals lists every signal in display order.
var Signals = []Signal{SignalFewerPurchases, SignalLowerRevenue, SignalComplaint}

// Key names the signal for machines and label tables.
func (s Signal) Key() string {
	switch s {
	case SignalFewerPurchases:
		return "fewer_purchases"
	case SignalLowerRevenue:
		return "lower_revenue"
	case SignalComplaint:
		return "complaint"
	}
	return "signal"
}

// AtRiskCustomer is one row of the at-risk list: a customer active in P
// whose behaviour signals churn.
type AtRiskCustomer struct {
	CustomerID     string
	Signals        Signal
	ValueAtRisk    float64   // average revenue per active period over the lookback, currency units
	Lookback       int       // previous active periods averaged: 0 to 3
	AvgOrders      float64   // average purchases over the lookback
	Orders         int64     // purchases in P
	RevenueCents   int64     // rev(c, P)
	LastPurchase   time.Time // the day of the latest purchase, in P: midnight in the report time zone
	OpenComplaints int64     // complaints created up to P and not resolved
}

// Cohort is the customers acquired in one period and how many of them were
// active in each period since.
type Cohort struct {
	Period Period
	Size   int64   // |N(Q)|
	Active []int64 // Active[k] = |N(Q) ∩ A(Q+k)|, k = 0 … P-Q
}

// Rate is |N(Q) ∩ A(Q+k)| / |N(Q)|.
func (c Cohort) Rate(k int) Ratio { return ratio(c.Active[k], c.Size) }

// TierKind is a value tier of the base.
type TierKind uint8

// Value tiers, highest first.
const (
	TierKey      TierKind = iota // 关键客户: the top 20 % of B(P) by rev(c, P-1)
	TierOrdinary                 // 普通客户: the next 30 %
	TierSmall                    // 小客户: the rest
)

// Key names the tier for machines and label tables.
func (k TierKind) Key() string {
	switch k {
	case TierKey:
		return "key"
	case TierOrdinary:
		return "ordinary"
	}
	return "small"
}

// Tier is the retention of one value tier of the base B(P).
type Tier struct {
	Kind              TierKind
	Base              int64
	Retained          int64
	Churned           int64
	RevenuePrevCents  int64 // Σ rev(c, P-1) over the tier
	ChurnedPrevCents  int64 // Σ rev(c, P-1) over its churned customers
	RetentionRate     Ratio
	RelativeChurnRate Ratio
}
