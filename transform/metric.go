package transform

// Ratio is a quotient that may be undefined: Valid is false when its
// denominator is zero (or, for the revenue ratios, not positive). An invalid
// ratio is null in JSON and an empty cell in a workbook, never 0 or NaN.
type Ratio struct {
	Value float64
	Valid bool
}

// ratio divides two integers; the quotient is correctly rounded because
// both operands are exact in float64 (below 2^53).
func ratio(num, den int64) Ratio {
	if den == 0 {
		return Ratio{}
	}
	return Ratio{Value: float64(num) / float64(den), Valid: true}
}

// positiveRatio is ratio, undefined unless den > 0.
func positiveRatio(num, den int64) Ratio {
	if den <= 0 {
		return Ratio{}
	}
	return ratio(num, den)
}

// centsPer divides an amount in cents by a count and gives currency units.
func centsPer(cents, n int64) Ratio {
	if n == 0 {
		return Ratio{}
	}
	return ratio(cents, n*100)
}

// Snapshot holds every metric of the spec for one scope and period.
type Snapshot struct {
	Period Period

	ActiveCustomers      int64
	BaseCustomers        int64
	NewCustomers         int64
	RetainedCustomers    int64
	ChurnedCustomers     int64
	ReactivatedCustomers int64
	CustomerBase         int64

	RetentionRate     Ratio
	ChurnRate         Ratio
	RelativeChurnRate Ratio

	RevenueCents        int64
	Orders              int64
	PurchaseFrequency   Ratio
	AvgSpendPerCustomer Ratio // currency units
	AvgOrderValue       Ratio // currency units

	RevenueRetentionRate     Ratio
	NewCustomerRetentionRate Ratio
	NewCustomersPerMonth     Ratio
	WinBackRate              Ratio

	Complaints                  int64
	Complainants                int64
	ComplaintRate               Ratio
	ComplaintResolvedRate       Ratio
	AvgResolutionHours          Ratio
	ComplaintSatisfaction       Ratio
	ComplainantRetentionRate    Ratio
	NonComplainantRetentionRate Ratio

	// Version 2.
	AtRiskCustomers     int64 // |Risk(P)|
	AtRiskRetentionRate Ratio // |Risk(P-1) ∩ A(P)| / |Risk(P-1)|

	// The revenue bridge: RevenueCents(P) - RevenueCents(P-1) = New +
	// Reactivated + Expansion - Contraction - Churned + Other.
	RevenueNewCents           int64
	RevenueReactivatedCents   int64
	RevenueExpansionCents     int64
	RevenueContractionCents   int64 // a positive amount
	RevenueChurnedCents       int64
	RevenueOtherCents         int64
	GrossRevenueRetentionRate Ratio
}

// Kind says how a metric's value is to be read and shown.
type Kind uint8

// Kinds of metric.
const (
	Count    Kind = iota + 1 // a whole number of customers, orders or complaints
	Money                    // an exact amount in cents
	Fraction                 // a share, 0.25 meaning 25 %
	Amount                   // an average amount of money, in currency units
	Number                   // any other quotient (orders per customer, hours, a 1–5 score)
)

// Value is one metric of one snapshot. Int holds counts and cents, Float
// the quotients; Valid is false for an undefined quotient.
type Value struct {
	Kind  Kind
	Int   int64
	Float float64
	Valid bool
}

// Number is v as one number in the unit the manifest and the targets use:
// counts as they are, money in currency units, quotients as they are;
// false when undefined.
func (v Value) Number() (float64, bool) {
	switch {
	case !v.Valid:
		return 0, false
	case v.Kind == Money:
		return float64(v.Int) / 100, true
	case v.Kind == Count:
		return float64(v.Int), true
	}
	return v.Float, true
}

// Metric describes one metric key of the spec.
type Metric struct {
	Key  string
	Kind Kind
	// Better is +1 when a rise is good news, -1 when it is bad news, 0 when
	// neither.
	Better int
	get    func(*Snapshot) Value
}

// Of returns the metric's value in s.
func (m Metric) Of(s *Snapshot) Value { return m.get(s) }

func count(f func(*Snapshot) int64) func(*Snapshot) Value {
	return func(s *Snapshot) Value { return Value{Kind: Count, Int: f(s), Valid: true} }
}

func money(f func(*Snapshot) int64) func(*Snapshot) Value {
	return func(s *Snapshot) Value { return Value{Kind: Money, Int: f(s), Valid: true} }
}

func quotient(k Kind, f func(*Snapshot) Ratio) func(*Snapshot) Value {
	return func(s *Snapshot) Value { r := f(s); return Value{Kind: k, Float: r.Value, Valid: r.Valid} }
}

// Metrics lists every metric key of the spec, in the spec's order.
var Metrics = []Metric{
	{"active_customers", Count, 1, count(func(s *Snapshot) int64 { return s.ActiveCustomers })},
	{"base_customers", Count, 0, count(func(s *Snapshot) int64 { return s.BaseCustomers })},
	{"new_customers", Count, 1, count(func(s *Snapshot) int64 { return s.NewCustomers })},
	{"retained_customers", Count, 1, count(func(s *Snapshot) int64 { return s.RetainedCustomers })},
	{"churned_customers", Count, -1, count(func(s *Snapshot) int64 { return s.ChurnedCustomers })},
	{"reactivated_customers", Count, 1, count(func(s *Snapshot) int64 { return s.ReactivatedCustomers })},
	{"customer_base", Count, 1, count(func(s *Snapshot) int64 { return s.CustomerBase })},
	{"retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.RetentionRate })},
	{"churn_rate", Fraction, -1, quotient(Fraction, func(s *Snapshot) Ratio { return s.ChurnRate })},
	{"relative_churn_rate", Fraction, -1, quotient(Fraction, func(s *Snapshot) Ratio { return s.RelativeChurnRate })},
	{"revenue", Money, 1, money(func(s *Snapshot) int64 { return s.RevenueCents })},
	{"orders", Count, 1, count(func(s *Snapshot) int64 { return s.Orders })},
	{"purchase_frequency", Number, 1, quotient(Number, func(s *Snapshot) Ratio { return s.PurchaseFrequency })},
	{"avg_spend_per_customer", Amount, 1, quotient(Amount, func(s *Snapshot) Ratio { return s.AvgSpendPerCustomer })},
	{"avg_order_value", Amount, 1, quotient(Amount, func(s *Snapshot) Ratio { return s.AvgOrderValue })},
	{"revenue_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.RevenueRetentionRate })},
	{"new_customer_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.NewCustomerRetentionRate })},
	{"new_customers_per_month", Number, 1, quotient(Number, func(s *Snapshot) Ratio { return s.NewCustomersPerMonth })},
	{"win_back_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.WinBackRate })},
	{"complaints", Count, -1, count(func(s *Snapshot) int64 { return s.Complaints })},
	{"complainants", Count, -1, count(func(s *Snapshot) int64 { return s.Complainants })},
	{"complaint_rate", Fraction, -1, quotient(Fraction, func(s *Snapshot) Ratio { return s.ComplaintRate })},
	{"complaint_resolved_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.ComplaintResolvedRate })},
	{"avg_resolution_hours", Number, -1, quotient(Number, func(s *Snapshot) Ratio { return s.AvgResolutionHours })},
	{"complaint_satisfaction", Number, 1, quotient(Number, func(s *Snapshot) Ratio { return s.ComplaintSatisfaction })},
	{"complainant_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.ComplainantRetentionRate })},
	{"non_complainant_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.NonComplainantRetentionRate })},
	{"at_risk_customers", Count, -1, count(func(s *Snapshot) int64 { return s.AtRiskCustomers })},
	{"at_risk_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.AtRiskRetentionRate })},
	{"revenue_new", Money, 1, money(func(s *Snapshot) int64 { return s.RevenueNewCents })},
	{"revenue_reactivated", Money, 1, money(func(s *Snapshot) int64 { return s.RevenueReactivatedCents })},
	{"revenue_expansion", Money, 1, money(func(s *Snapshot) int64 { return s.RevenueExpansionCents })},
	{"revenue_contraction", Money, -1, money(func(s *Snapshot) int64 { return s.RevenueContractionCents })},
	{"revenue_churned", Money, -1, money(func(s *Snapshot) int64 { return s.RevenueChurnedCents })},
	{"revenue_other", Money, 0, money(func(s *Snapshot) int64 { return s.RevenueOtherCents })},
	{"gross_revenue_retention_rate", Fraction, 1, quotient(Fraction, func(s *Snapshot) Ratio { return s.GrossRevenueRetentionRate })},
}
