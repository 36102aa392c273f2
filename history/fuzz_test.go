package history

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFileNames: whatever two departments are called, they get two
// distinct, safe file names in the period's directory, the same every run.
//
//	go test ./history -run '^$' -fuzz FuzzFileNames -fuzztime 30s
func FuzzFileNames(f *testing.F) {
	for _, pair := range [][2]string{{"华东", "华北"}, {"../../etc", "/abs"}, {"East", "east"}, {"a:b", "a*b"}, {".", ".."},
		{"CON", "con.txt"}, {"company", "manifest"}, {"a\x00b", "\xff\xfe"}, {strings.Repeat("华", 300), strings.Repeat("华", 301)}} {
		f.Add(pair[0], pair[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == b {
			return
		}
		names := FileNames([]string{a, b})
		for _, d := range []string{a, b} {
			n := names[d]
			if n == "" || filepath.Base(n) != n || n == "." || n == ".." || strings.HasPrefix(n, ".") ||
				strings.ContainsAny(n, "/\\:*?\"<>|") || !utf8.ValidString(n) || len(n) > 200 || !strings.HasSuffix(n, ".xlsx") {
				t.Fatalf("department %q gets unsafe file name %q", d, n)
			}
			for _, r := range n {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("department %q gets file name %q with a control character", d, n)
				}
			}
			base := strings.ToLower(strings.TrimSuffix(n, ".xlsx"))
			if base == "company" || base == "manifest" || reservedNames[base] {
				t.Fatalf("department %q takes the reserved name %q", d, n)
			}
		}
		if strings.EqualFold(names[a], names[b]) {
			t.Fatalf("departments %q and %q share %q", a, b, names[a])
		}
		again := FileNames([]string{a, b})
		if again[a] != names[a] || again[b] != names[b] {
			t.Fatal("the names change from one run to the next")
		}
	})
}
