package history

import (
	"testing"

	"retention/transform"
)

func TestToleranceMoved(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tol := Tolerance{Points: 0.1}
	tests := []struct {
		name  string
		now   transform.Value
		was   *float64
		moved bool
	}{
		{"ratio within 0.1 point", transform.Value{Kind: transform.Fraction, Float: 0.5005, Valid: true}, f(0.500), false},
		{"ratio by exactly 0.1 point", transform.Value{Kind: transform.Fraction, Float: 0.501, Valid: true}, f(0.500), false},
		{"ratio by 0.11 point", transform.Value{Kind: transform.Fraction, Float: 0.5011, Valid: true}, f(0.500), true},
		{"ratio down by 0.2 point", transform.Value{Kind: transform.Fraction, Float: 0.498, Valid: true}, f(0.500), true},
		{"money by a cent", transform.Value{Kind: transform.Money, Int: 41001, Valid: true}, f(410.00), true},
		{"money unchanged", transform.Value{Kind: transform.Money, Int: 41000, Valid: true}, f(410.00), false},
		{"count by one", transform.Value{Kind: transform.Count, Int: 6, Valid: true}, f(5), true},
		{"count unchanged", transform.Value{Kind: transform.Count, Int: 5, Valid: true}, f(5), false},
		{"average by half a cent", transform.Value{Kind: transform.Amount, Float: 82.005, Valid: true}, f(82.00), false},
		{"average by a cent", transform.Value{Kind: transform.Amount, Float: 82.01, Valid: true}, f(82.00), true},
		{"became defined", transform.Value{Kind: transform.Fraction, Float: 0.5, Valid: true}, nil, true},
		{"became undefined", transform.Value{Kind: transform.Fraction}, f(0.5), true},
		{"still undefined", transform.Value{Kind: transform.Fraction}, nil, false},
	}
	for _, tt := range tests {
		if got := tol.moved(tt.now, tt.was); got != tt.moved {
			t.Errorf("%s: moved = %v, want %v", tt.name, got, tt.moved)
		}
	}
	if !(Tolerance{}).moved(transform.Value{Kind: transform.Fraction, Float: 0.50001, Valid: true}, f(0.5)) {
		t.Error("with tolerance 0 a ratio's smallest move does not count")
	}
}
