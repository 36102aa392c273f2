package history

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFileNames(t *testing.T) {
	t.Parallel()
	depts := []string{"华东", "线上/直营", "../../etc", "/abs", ".", "..", "CON", "nul.txt", "company", "Manifest",
		"East", "east", "a\x00b\nc", strings.Repeat("华", 300), "(unassigned)", "trail. ", "线上_直营"}
	names := FileNames(depts)
	seen := map[string]string{}
	for _, d := range depts {
		n := names[d]
		if n == "" {
			t.Fatalf("%q has no file name", d)
		}
		if filepath.Base(n) != n || strings.ContainsAny(n, `/\:*?"<>|`) || strings.HasPrefix(n, ".") {
			t.Errorf("%q -> %q is not a plain, visible file name", d, n)
		}
		if !strings.HasSuffix(n, ".xlsx") || len(n) > 200 || !utf8.ValidString(n) {
			t.Errorf("%q -> %q", d, n)
		}
		for _, r := range n {
			if r < 0x20 {
				t.Errorf("%q -> %q has a control character", d, n)
			}
		}
		folded := strings.ToLower(n)
		if other, dup := seen[folded]; dup {
			t.Errorf("%q and %q both map to %q", d, other, n)
		}
		seen[folded] = d
	}
	for _, reserved := range []string{"company.xlsx", "manifest.json", "con.xlsx", "nul.txt.xlsx"} {
		if _, taken := seen[reserved]; taken {
			t.Errorf("a department took the reserved name %s", reserved)
		}
	}
	if names["华东"] != "华东.xlsx" || names["(unassigned)"] != "(unassigned).xlsx" {
		t.Errorf("plain names changed: %q, %q", names["华东"], names["(unassigned)"])
	}
	again := FileNames(depts)
	for _, d := range depts {
		if again[d] != names[d] {
			t.Errorf("%q maps to %q, then %q", d, names[d], again[d])
		}
	}
}
