package extract_test

import (
	"context"
	"slices"
	"testing"

	"retention/extract"
	"retention/extract/sourcetest"
)

// TestDepartments: the distinct departments of a query, East and east
// apart although the column's collation is case-insensitive, NULL and
// empty as "".
func TestDepartments(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE orders (order_id BIGINT, department VARCHAR(64) COLLATE utf8mb4_general_ci) DEFAULT CHARSET = utf8mb4",
		"INSERT INTO orders VALUES (1, 'East'), (2, 'east'), (3, NULL), (4, ''), (5, '华东'), (6, '华东'), (7, 'East')")
	got, err := snapshot(t, d, shanghai).Departments(context.Background(), extract.Query{Name: "source.orders", SQL: "SELECT * FROM orders"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"", "", "East", "east", "华东"}; !slices.Equal(got, want) {
		t.Errorf("departments %q, want %q", got, want)
	}
}
