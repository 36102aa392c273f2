// Package transform folds orders and complaints into per-customer state and
// computes every metric and customer list of the spec (docs/metrics.md at
// the repository's root). It is pure: no I/O, no clock; periods are cut in
// the time zone it is given.
//
// Inputs: extract.Order and extract.Complaint rows, in any order. Outputs: a
// Result per reported period: a Snapshot per scope (each department and
// the company) and history period, plus the churned and at-risk lists, the
// cohorts and the value tiers of the reported period.
//
// Row rules: a row with a Defect (NULL customer, time or amount) is skipped
// and counted by reason in Quality. amount > 0 is a purchase: one order,
// revenue, and the customer is active. amount <= 0 adds to revenue only. An
// empty department is Unassigned.
//
// Sets, per scope and period P (a customer of a department is the pair
// customer × department; company-wide each customer counts once):
//
//	A(P) active       customers with a purchase in P
//	B(P) base         A(P-1)
//	R(P) retained     B(P) ∩ A(P)
//	L(P) churned      B(P) \ A(P)
//	N(P) new          first purchase ever, in this scope, in P
//	W(P) reactivated  A(P) \ B(P) \ N(P)
//
// Metrics (rev(c,P) sums all of c's amounts in P, refunds included):
//
//	retention_rate                 |R| / |B|
//	churn_rate                     |L| / |B|
//	relative_churn_rate            Σ_{c∈L} rev(c,P-1) / Σ_{c∈B} rev(c,P-1), undefined when the denominator <= 0
//	customer_base                  customers active in a period covering the 12 months ending with P
//	revenue                        Σ rev(c,P)
//	orders                         purchases in P
//	purchase_frequency             orders / |A|
//	avg_spend_per_customer         revenue / |A|
//	avg_order_value                revenue / orders
//	revenue_retention_rate         Σ_{c∈B} rev(c,P) / Σ_{c∈B} rev(c,P-1), undefined when the denominator <= 0
//	new_customer_retention_rate    |N(P-1) ∩ A(P)| / |N(P-1)|
//	new_customers_per_month        |N| / months in P
//	win_back_rate                  |L(P-1) ∩ A(P)| / |L(P-1)|
//	complaints, complainants       complaints created in P; distinct customers among them
//	complaint_rate                 complainants / |A|
//	complaint_resolved_rate        resolved / complaints
//	avg_resolution_hours           mean resolved_at - created_at of the resolved ones, exact to the microsecond
//	complaint_satisfaction         mean satisfaction of the rated ones (in 1–5, by value)
//	complainant_retention_rate     share of B(P) that complained in P-1 and is in A(P)
//	non_complainant_retention_rate share of B(P) that did not complain in P-1 and is in A(P)
//
// Version 2 keys:
//
//	at_risk_customers              |Risk(P)|
//	at_risk_retention_rate         |Risk(P-1) ∩ A(P)| / |Risk(P-1)|
//	revenue_new                    Σ_{c∈N} rev(c,P)
//	revenue_reactivated            Σ_{c∈W} rev(c,P)
//	revenue_expansion              Σ_{c∈R} max(0, rev(c,P) - rev(c,P-1))
//	revenue_contraction            Σ_{c∈R} max(0, rev(c,P-1) - rev(c,P))
//	revenue_churned                Σ_{c∈L} rev(c,P-1)
//	revenue_other                  Σ_{c∉A(P)} rev(c,P) - Σ_{c∉B(P)} rev(c,P-1)
//	gross_revenue_retention_rate   Σ_{c∈R} min(rev(c,P), rev(c,P-1)) / Σ_{c∈B} rev(c,P-1), undefined when <= 0
//
// The bridge is exact: revenue(P) - revenue(P-1) = new + reactivated +
// expansion - contraction - churned + other, to the cent.
//
// Risk(P) is the customers of A(P) for whom a signal fires: purchases or
// revenue in P strictly below half their average over the up to three
// most recent earlier periods in which they were active (in this scope,
// however long ago), or a complaint open at the end of P (created before
// it, resolved_at NULL or at/after it: a later resolution never changes a
// past period) or created in P and rated 1–2.
//
// Tiers rank B(P): problem customers (rev(c,P-1) <= 0, or two or more
// complaints in P-1 in the scope) apart; the rest by rev(c,P-1), ranks up
// to ceil(20 %) key, up to ceil(50 %) ordinary, ties taking the higher tier.
// Complaint categories (NULL or empty: Uncategorized) count the complaints
// of P and keep the base's complainants of P-1 per category.
//
// A quotient whose denominator is zero is an invalid Ratio, never 0 or NaN.
// Money is int64 cents; averages of money are float64 currency units.
//
// Rules the spec leaves open, decided here and stated in docs/RULES.md:
//   - At-risk value for a customer with no earlier active period is rev(c,P).
//   - "Open complaints" on the at-risk list counts those open at the end of
//     P, as the signal does.
//   - A resolved_at that cannot be read (extract.FlagResolvedAtInvalid) is
//     not NULL: the complaint was resolved, at a time nobody can tell. It
//     counts in complaints, complainants and complaint_resolved_rate as
//     resolved, never as open, and not in avg_resolution_hours.
//   - Ratings are read by value (extract.Rating, millionths of a point): one
//     in [1, 5] is a rating (2.5 is 2.5 in the mean), and "rated 1–2" is a
//     rating of at most 2. A number outside 1–5 or no number at all
//     (extract.FlagSatisfactionInvalid: "good") counts as not rated; a
//     complaint resolved before it was created counts as resolved but not
//     in the mean time. All three are data-quality warnings (repaired), as
//     is an unreadable resolved_at.
//   - Rows are counted whatever their date (1965 too: the spec's
//     Version 2.1 sets no lower limit); order_ids are not read at all (not
//     a key). A zero date is extract's to find (extract.DefectZeroTime).
//   - A department gets a scope when it has a row in the history window or
//     the period before it.
//
// The forecast (the spec's Version 3, forecast.go): at the end of each
// period T from the one before the history window to P, every customer
// whose first active period f in the scope is before T is one of the
// groups (x, t_x, n) that transform/bgbb fits: n = T − f, x the periods of
// (f, T] it was active in, t_x the last of them − f (0 when x = 0); a
// customer first active in T is scored with (0, 0, 0). Its whole history
// counts, long before the window too. Scope.Forecasts[i] predicts the
// retention of T+1 as the mean over A(T) of Pr(active in T+1); the churned
// and at-risk customers of P carry Pr(alive at the end of P) and Pr(active
// in P+1). With fewer than 50 customers fitted, or a fit that does not
// converge, a Forecast has no figures and says why. The groups are summed
// in a fixed order, so that shards and parts give the same bits.
//
// Data quality is counted company-wide and by the department of each row;
// the figures by owner use the owners folded in with SetOwner.
//
// The State is a value that merges: folding two sets of rows separately and
// merging gives the State of folding them together.
package transform
