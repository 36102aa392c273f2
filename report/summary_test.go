package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// TestAlertBanner: the banner of missed targets shows each value as its
// cell does (money to the cent, with its sign) beside the target.
func TestAlertBanner(t *testing.T) {
	t.Parallel()
	res, dir := fixture(t)
	east := &res.Departments[0]
	m := meta("en")
	huge := 1e9
	m.Targets = []transform.Target{{Metric: "revenue", Min: &huge}, {Metric: "avg_order_value", Min: &huge}}
	m.Alerts = transform.Alerts(res, m.Targets)
	var buf bytes.Buffer
	if err := Department(&buf, res, east, dir, m); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	var banner string
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "⚠ Targets missed") {
			banner = r[0]
		}
	}
	cur := east.Current()
	want := []string{"Revenue " + moneyText("¥", cur.RevenueCents) + " (target ≥ ¥1,000,000,000.00)",
		"Average order value " + valueText(metricByKey("avg_order_value").Of(cur), "¥")}
	for _, w := range want {
		if !strings.Contains(banner, w) {
			t.Errorf("banner %q lacks %q", banner, w)
		}
	}
	if cur.RevenueCents%100 == 0 || strings.Contains(banner, "¥-") {
		t.Errorf("the fixture's revenue %d cents does not test the cents, or the banner shows a spurious minus: %q", cur.RevenueCents, banner)
	}
}

func TestThousandsLen(t *testing.T) {
	for _, n := range []int64{0, 7, -7, 99, 100, 999, 1000, -1000, 123456, 1234567, -9999999, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		if got, want := thousandsLen(n), len(thousands(n)); got != want {
			t.Errorf("thousandsLen(%d) = %d, want %d (%s)", n, got, want, thousands(n))
		}
	}
}
