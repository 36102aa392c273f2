package config_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"retention/config"
	"retention/transform"
)

func noEnv(string) string { return "" }

func TestExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := config.Load(f, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location.String() != "Asia/Shanghai" || c.Source.DSN != "reporter@tcp(127.0.0.1:3306)/shop" || !c.Source.CustomersSet ||
		c.Report.Granularity != transform.Month || c.Report.History != 12 || c.Report.AtRiskLimit != 500 || c.Schedule.Spec != "30 6 * * *" || c.Schedule.Cron == nil ||
		c.Report.RestatementTolerance != 0.1 || c.Gate.MaxOrderDrop != 0.5 || c.Gate.MaxSkippedRatio != 0.01 ||
		c.Store.DSN != "" || c.Source.Shards != 1 {
		t.Errorf("example loaded as %+v", c)
	}
	if strings.HasSuffix(c.Source.Orders, "\n") {
		t.Errorf("orders query keeps its trailing newline: %q", c.Source.Orders)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(strings.NewReader(""), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location.String() != "Asia/Shanghai" || c.Source.Location.String() != "Asia/Shanghai" ||
		c.Source.Orders != config.DefaultOrders || c.Source.CustomersSet || c.Report.OutDir != "./out" ||
		c.Report.Granularity != transform.Month || c.Report.History != 12 || c.Report.Locale != "zh-CN" || c.Report.Currency != "¥" || c.Report.AtRiskLimit != 500 || c.Schedule.Spec != "" || c.Schedule.Cron != nil ||
		c.Source.Shards != 1 {
		t.Errorf("defaults = %+v", c)
	}
	c, err = config.Load(strings.NewReader("timezone: UTC\n"), noEnv)
	if err != nil || c.Source.Location.String() != "UTC" {
		t.Errorf("source.timezone does not default to timezone: %+v, %v", c.Source, err)
	}
}

// TestHistoryAndGate: the defaults of the restatement tolerance and the
// gate, and that 0, a strict limit, is kept rather than defaulted.
func TestHistoryAndGate(t *testing.T) {
	t.Parallel()
	c, err := config.Load(strings.NewReader(""), noEnv)
	if err != nil || c.Report.RestatementTolerance != 0.1 || c.Gate.MaxOrderDrop != 0.5 || c.Gate.MaxSkippedRatio != 0.01 || c.Store.DSN != "" {
		t.Errorf("defaults: %+v %+v %+v, %v", c.Report, c.Gate, c.Store, err)
	}
	c, err = config.Load(strings.NewReader("report: {restatement_tolerance: 0}\ngate: {max_order_drop: 0, max_skipped_ratio: 0}\n"), noEnv)
	if err != nil || c.Report.RestatementTolerance != 0 || c.Gate.MaxOrderDrop != 0 || c.Gate.MaxSkippedRatio != 0 {
		t.Errorf("explicit zeros: %+v %+v, %v", c.Report, c.Gate, err)
	}
	env := func(k string) string {
		if k == config.EnvStoreDSN {
			return "w:pw@tcp(h:3306)/history"
		}
		return ""
	}
	c, err = config.Load(strings.NewReader("store: {dsn: 'x@tcp(y:1)/z'}"), env)
	if err != nil || c.Store.DSN != "w:pw@tcp(h:3306)/history" {
		t.Errorf("store DSN = %q, %v", c.Store.DSN, err)
	}
}

func TestEnvOverridesDSN(t *testing.T) {
	t.Parallel()
	env := func(k string) string {
		if k == config.EnvDSN {
			return "u:pw@tcp(h:3306)/d"
		}
		return ""
	}
	c, err := config.Load(strings.NewReader("source: {dsn: 'x@tcp(y:1)/z'}"), env)
	if err != nil || c.Source.DSN != "u:pw@tcp(h:3306)/d" {
		t.Errorf("DSN = %q, %v", c.Source.DSN, err)
	}
}

// TestTargets: the rules load into typed targets; a percentage is
// a fraction.
func TestTargets(t *testing.T) {
	t.Parallel()
	c, err := config.Load(strings.NewReader(`targets:
  - {metric: retention_rate, min: 0.7}
  - {metric: relative_churn_rate, max: 1%, departments: [华东]}
  - {metric: retention_rate, min: 0.99, departments: [华北, company]}
  - {metric: revenue, min: 100000, max: 900000}
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, r := range c.Targets {
		got += r.Metric
		if r.Min != nil {
			got += fmt.Sprintf(" min %g", *r.Min)
		}
		if r.Max != nil {
			got += fmt.Sprintf(" max %g", *r.Max)
		}
		got += fmt.Sprintf(" %q; ", r.Scopes)
	}
	want := `retention_rate min 0.7 []; relative_churn_rate max 0.01 ["华东"]; retention_rate min 0.99 ["华北" "company"]; revenue min 100000 max 900000 []; `
	if got != want {
		t.Errorf("targets:\n got %s\nwant %s", got, want)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, key string
	}{
		{"unknown top-level key", "timezon: UTC", "timezon"},
		{"unknown nested key", "report:\n  granularty: month", "report.granularty"},
		{"bad granularity", "report: {granularity: monthly}", "report.granularity"},
		{"bad history", "report: {history: twelve}", "report.history"},
		{"history too short", "report: {history: 1}", "report.history"},
		{"bad locale", "report: {locale: fr}", "report.locale"},
		{"bad currency", "report: {currency: '\"$\"'}", "report.currency"},
		{"negative limit", "report: {at_risk_limit: -1}", "report.at_risk_limit"},
		{"bad time zone", "timezone: Mars/Olympus", "timezone"},
		{"bad source time zone", "source: {timezone: Nowhere}", "source.timezone"},
		{"bad schedule", "schedule: every day", "schedule"},
		{"schedule that crashes cron's parser", "schedule: CRON_TZ=", "schedule"},
		{"bad DSN", "source: {dsn: 'user:secret@db:3306/x'}", "source.dsn"},
		{"not a select", "source: {orders: 'DELETE FROM orders'}", "source.orders"},
		{"two statements", "source: {complaints: 'SELECT 1; DROP TABLE x'}", "source.complaints"},
		{"into outfile", "source: {customers: \"SELECT * FROM c INTO OUTFILE '/tmp/x'\"}", "source.customers"},
		{"source not a mapping", "source: orders", "source"},
		{"no shards", "source: {shards: 0}", "source.shards"},
		{"too many shards", "source: {shards: 65}", "source.shards"},
		{"shards not a number", "source: {shards: four}", "source.shards"},
		{"customers in shards", "source: {customers: 'SELECT * FROM customers WHERE MOD(customer_id, {shards}) = {shard}'}", "source.customers"},
		{"key twice", "timezone: UTC\ntimezone: UTC", "timezone"},
		{"not yaml", "report: [", "config"},
		{"bad tolerance", "report: {restatement_tolerance: a tenth}", "report.restatement_tolerance"},
		{"negative tolerance", "report: {restatement_tolerance: -0.1}", "report.restatement_tolerance"},
		{"drop above 100 %", "gate: {max_order_drop: 50}", "gate.max_order_drop"},
		{"negative skipped share", "gate: {max_skipped_ratio: -0.01}", "gate.max_skipped_ratio"},
		{"unknown gate key", "gate: {max_drop: 0.5}", "gate.max_drop"},
		{"bad store DSN", "store: {dsn: 'user:secret@db:3306/x'}", "store.dsn"},
		{"store without database", "store: {dsn: 'user:secret@tcp(db:3306)/'}", "store.dsn"},
		{"store is the source", "source: {dsn: 'r@tcp(db:3306)/shop'}\nstore: {dsn: 'w:secret@tcp(db:3306)/shop'}", "store.dsn"},
		{"targets not a list", "targets: {metric: retention_rate}", "targets"},
		{"unknown metric", "targets: [{metric: retention_rate, min: 0.6}, {metric: retention, min: 0.6}]", "targets[1].metric"},
		{"rule without metric", "targets: [{min: 0.6}]", "targets[0].metric"},
		{"rule with neither min nor max", "targets: [{metric: churn_rate}]", "targets[0]"},
		{"min above max", "targets: [{metric: churn_rate, min: 0.5, max: 0.1}]", "targets[0]"},
		{"unknown rule key", "targets: [{metric: churn_rate, maximum: 0.1}]", "targets[0].maximum"},
		{"bad bound", "targets: [{metric: churn_rate, max: low}]", "targets[0].max"},
		{"departments not a list", "targets: [{metric: churn_rate, max: 0.1, departments: 华东}]", "targets[0].departments"},
		{"empty department", "targets: [{metric: churn_rate, max: 0.1, departments: ['']}]", "targets[0].departments[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(strings.NewReader(tt.yaml), noEnv)
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Fatalf("err = %v, want a config.Error for %s", err, tt.key)
			}
			if !strings.HasPrefix(err.Error(), tt.key) {
				t.Errorf("message %q does not start with the key", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("message %q shows the password", err)
			}
		})
	}
}

func TestSelectOnly(t *testing.T) {
	t.Parallel()
	ok := []string{
		"SELECT 1",
		"  select a from b ;\n",
		"-- comment\nSELECT 1",
		"/* c */ (SELECT 1)",
		"WITH x AS (SELECT 1) SELECT * FROM x",
		"SELECT ';' AS semi FROM t",
	}
	for _, q := range ok {
		if _, err := config.SelectOnly(q); err != nil {
			t.Errorf("SelectOnly(%q) = %v", q, err)
		}
	}
	bad := []string{"", "  ;", "UPDATE t SET a=1", "-- SELECT\nDELETE FROM t", "SELECT 1; SELECT 2", "CALL p()", "SELECT * INTO DUMPFILE '/x' FROM t"}
	for _, q := range bad {
		if _, err := config.SelectOnly(q); err == nil {
			t.Errorf("SelectOnly(%q) accepted", q)
		}
	}
}
