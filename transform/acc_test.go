package transform

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestTrendAccAddsEveryField: the parts of Compute merge by adding every
// counter; a counter added to trendAcc but not to add would be lost.
func TestTrendAccAddsEveryField(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[trendAcc]()
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() != reflect.Int64 {
			t.Fatalf("trendAcc.%s is not an int64 counter", typ.Field(i).Name)
		}
	}
	const n = unsafe.Sizeof(trendAcc{}) / 8
	var a, b trendAcc
	fa, fb := (*[n]int64)(unsafe.Pointer(&a)), (*[n]int64)(unsafe.Pointer(&b))
	for i := range fa {
		fa[i], fb[i] = 1, int64(i+2)
	}
	a.add(&b)
	for i := range fa {
		if fa[i] != int64(i+3) {
			t.Errorf("trendAcc.add leaves %s at %d", typ.Field(i).Name, fa[i])
		}
	}
}
