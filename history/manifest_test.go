package history

import (
	"encoding/json"
	"strings"
	"testing"

	"retention/transform"
)

func TestDecimalCents(t *testing.T) {
	t.Parallel()
	for cents, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 61000: "610.00", -1000: "-10.00", 123456789: "1234567.89"} {
		if got := decimalCents(cents); got != want {
			t.Errorf("decimalCents(%d) = %s, want %s", cents, got, want)
		}
	}
}

func TestSnapshotRowJSON(t *testing.T) {
	t.Parallel()
	p, _ := transform.ParsePeriod("2026-09")
	dept := "华东"
	b, err := json.Marshal(SnapshotRow{Department: &dept, Snapshot: transform.Snapshot{
		Period: p, ActiveCustomers: 4, RevenueCents: 41000,
		RetentionRate: transform.Ratio{Value: 2.0 / 3, Valid: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`{"department":"华东","period":"2026-09","active_customers":4,`, `"revenue":410.00,`,
		`"retention_rate":0.6666666666666666,`, `"churn_rate":null,`, `"new_customers_per_month":null`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(back) != len(transform.Metrics)+2 {
		t.Errorf("%d keys, want %d", len(back), len(transform.Metrics)+2)
	}
}
