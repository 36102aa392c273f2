// Package bgbb is the beta-geometric/beta-Bernoulli (BG/BB) model of Fader,
// Hardie and Shang, "Customer-Base Analysis in a Discrete-Time
// Noncontractual Setting", Marketing Science 29(6), 2010, behind the
// spec's forecast (metrics.md, "Version 3: forecast"). It is pure: plain
// values in and out, no I/O, no logging, no clock of its own.
//
// # Model
//
// While alive, a customer is active in each period with probability
// p ~ Beta(α, β); at the start of each period after its first active one,
// an alive customer drops out for good with probability θ ~ Beta(γ, δ).
//
// # Inputs
//
// A customer is summarised by (x, t_x, n): n opportunities (the periods
// after its first active period, up to and including the reported one), x
// the periods among them it was active in, t_x the index 1…n of the last of
// those, 0 when x = 0. A Group is the Count customers who share one
// (x, t_x, n). A possible history has 0 ≤ x ≤ n ≤ MaxN, t_x = 0 when x = 0
// and x ≤ t_x ≤ n otherwise; Count > 0.
//
// # Likelihood
//
// LogLikelihood is Σ Count·log L over the groups, with the paper's eq. (6):
//
//	L(α,β,γ,δ | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//	    + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
//
// The first term is the customer alive through period n, the others the
// customer that dropped out at the start of period t_x+i+1. Each Beta
// function comes from the one before by B(a, b+1) = B(a, b)·b/(a+b), so a
// group costs one log and the steps from its t_x to its n, and groups that
// differ only in n share those steps: the cost of an evaluation grows with
// the distinct histories and the largest n, not with the customers.
//
// # Fit
//
// FitGroups maximises the likelihood over log α, log β, log γ, log δ: BFGS
// from gonum.org/v1/gonum/optimize, from α = β = γ = δ = 1, with the
// analytic gradient (digamma functions), until the gradient per customer is
// below 1e-6; then Newton steps on that gradient, with the Hessian from its
// central differences, until it is below 1e-10. The Newton steps are there
// because the likelihood's rounding hides the last digits of the optimum
// from a line search, while the gradient is exact to about 1e-13.
//
// That free search is accepted when BFGS reports convergence, the Hessian
// at the optimum is positive definite (a strict maximum, not a flat
// ridge), the Newton steps reach the tolerance, and every |log parameter|
// ≤ 12 (each parameter within e^±12). When the data push a parameter to an
// edge instead (a Beta whose parameters grow without bound at a fixed
// mean: everyone has the same p, or the same θ; or θ → 0, nobody drops
// out), the maximum of the likelihood lies at infinity and the model's
// limit there is a model without that heterogeneity. The fit is then the
// maximum with every log-parameter inside ±12 (a bounded BFGS search,
// log-parameter = 12·tanh(v/12)), which is that limit to within e^-12;
// its gradient per customer must be below 1e-6, or 1e-4 where the line
// search can no longer tell values apart along the flat edge. Data for
// which neither search converges (everyone active every period, nobody
// ever active again) give ErrNotConverged with the reason, never a
// made-up estimate. Fewer than
// MinCustomers (50) customers give ErrTooFew; a group that is not a
// possible history gives a *GroupError naming it.
//
// # Predictions
//
// PAlive is the paper's eq. (11), P(alive in period n+1 | x, t_x, n): the
// customer has also survived the drop-out chance at the start of period
// n+1, so it is alive at the end of the reported period n after that
// period's drop-out chance (the spec's p_alive at the end of P):
//
//	PAlive = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L
//
// PActiveNext is P(active in period n+1 | x, t_x, n), the paper's
// conditional expectation E[X(n, n+n*) | x, t_x, n], eq. (13), for n* = 1.
// For one period eq. (13) is B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L:
//
//	PActiveNext = PAlive · (α+x)/(α+β+n)
//
// With n = 0 they are δ/(γ+δ) and α/(α+β)·δ/(γ+δ). Both are computed with
// the same recurrences as the likelihood, as ratios below 1, so they stay
// in [0, 1] and finite for any n ≤ MaxN and parameters within e^±12.
//
// # Invariants
//
// The same multiset of groups in any order gives the same Fit, bit for bit:
// the groups are sorted into one order, and equal histories added, before
// anything is summed. Nothing is shared between calls, so fits may run in
// parallel goroutines. Invalid parameters or histories make LogLikelihood,
// PAlive and PActiveNext NaN.
package bgbb
