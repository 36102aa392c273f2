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

// Scopes lists every scope of r: the company first, then the departments
// in their order.
func (r *Result) Scopes() []*Scope {
	out := make([]*Scope, 0, len(r.Departments)+1)
	out = append(out, &r.Company)
	for i := range r.Departments {
		out = append(out, &r.Departments[i])
	}
	return out
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

	// AtRiskPrev follows up the customers at risk at the end of P-1: what
	// each did in P. By value at risk then, descending, at most
	// Options.AtRiskLimit; AtRiskPrevTotal counts them all.
	AtRiskPrev      []FollowUp
	AtRiskPrevTotal int

	Cohorts    []Cohort       // one per acquisition period of the history window
	Tiers      []Tier         // problem, key, ordinary, small
	Categories []CategoryStat // complaint categories of P with a non-zero figure, by complaints, descending
	// Owners sums P by the customers' owners (State.SetOwner), by value at
	// risk, descending; the customers without an owner last, as Owner "".
	Owners []OwnerStat
	// Forecasts are the BG/BB model fitted at the end of each period from
	// the one before Result.Periods to P: Forecasts[i] predicts the
	// period after Result.Periods[i-1], so that each period shown has the
	// rate predicted for it beside its actual one, and the last predicts
	// P+1.
	Forecasts []Forecast
}

// OwnerStat is one owner's (sales rep's) customers in P: the base and what
// became of it, the customers at risk now, and how last period's were kept.
type OwnerStat struct {
	Owner                   string // "" for customers without an owner
	Base, Retained, Churned int64  // of B(P)
	ChurnedRevenuePrevCents int64  // Σ rev(c, P-1) over the churned
	AtRisk                  int64  // |Risk(P)|
	ValueAtRisk             float64
	AtRiskPrev              int64 // |Risk(P-1)|
	AtRiskPrevKept          int64 // of them, active in P
}

// RetentionRate is Retained / Base.
func (o OwnerStat) RetentionRate() Ratio { return ratio(o.Retained, o.Base) }

// AtRiskRetentionRate is AtRiskPrevKept / AtRiskPrev.
func (o OwnerStat) AtRiskRetentionRate() Ratio { return ratio(o.AtRiskPrevKept, o.AtRiskPrev) }

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
	// RevenueHistoryCents is the customer's revenue over the history window
	// (Result.Periods, ending with P): what it was worth.
	RevenueHistoryCents int64
	Tier                TierKind // the customer's value tier in B(P)
	Categories          []string // the categories of its complaints created in P-1, sorted: the likely cause
	Departments         []string // company-wide: the departments it bought from in P-1; nil in a department's list
	Chance              Chance   // its outlook under the scope's forecast at the end of P
}

// Signal is a reason a customer is at risk.
type Signal uint8

// Signals; a customer can have several.
const (
	SignalFewerPurchases Signal = 1 << iota // purchases in P below half their average
	SignalLowerRevenue                      // revenue in P below half their average
	SignalComplaint                         // a complaint open at the end of P, or one created in P rated 1–2
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
	OpenComplaints int64     // complaints open at the end of P: created by then, resolved_at NULL or later
	Tier           TierKind  // its value tier in B(P); TierNone when it was not active in P-1
	Departments    []string  // company-wide: the departments it bought from in P; nil in a department's list
	Chance         Chance    // its outlook under the scope's forecast at the end of P
}

// FollowUp is one customer of Risk(P-1), the at-risk list of the period
// before, with what it did in P: whether the work on it kept it.
type FollowUp struct {
	CustomerID       string
	Signals          Signal  // the signals that fired in P-1
	ValueAtRisk      float64 // as computed in P-1, currency units
	RevenuePrevCents int64   // rev(c, P-1)
	Bought           bool    // active in P: kept
	Orders           int64   // purchases in P
	RevenueCents     int64   // rev(c, P)
}

// CategoryStat is the complaints of one category in P, and how the base's
// complainants of that category in P-1 were kept.
type CategoryStat struct {
	Category         string // Uncategorized for NULL or empty
	Complaints       int64  // created in P
	Complainants     int64  // distinct customers among them
	Resolved         int64  // of those complaints, resolved_at not NULL
	BaseComplainants int64  // customers of B(P) who complained in P-1 in this category
	Retained         int64  // of them, those in A(P)
}

// RetentionRate is Retained / BaseComplainants.
func (c CategoryStat) RetentionRate() Ratio { return ratio(c.Retained, c.BaseComplainants) }

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

// Value tiers in the order they are shown. Problem customers come first;
// the rest of B(P) is ranked by rev(c, P-1).
const (
	TierNone     TierKind = iota // not in B(P)
	TierProblem                  // 问题客户: rev(c, P-1) <= 0, or two or more complaints in P-1
	TierKey                      // 关键客户: the top 20 % of the rest
	TierOrdinary                 // 普通客户: up to 50 %
	TierSmall                    // 小客户: the rest
)

// Key names the tier for machines and label tables; "" for TierNone.
func (k TierKind) Key() string {
	switch k {
	case TierProblem:
		return "problem"
	case TierKey:
		return "key"
	case TierOrdinary:
		return "ordinary"
	case TierSmall:
		return "small"
	}
	return ""
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
