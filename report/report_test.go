package report

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"retention/extract"
	"retention/transform"
)

// TestLocalesComplete: every label table has the same keys, and every
// label the code asks for exists.
func TestLocalesComplete(t *testing.T) {
	t.Parallel()
	ref := locales["zh-CN"]
	for name, l := range locales {
		for k := range ref {
			if _, ok := l[k]; !ok {
				t.Errorf("locale %s lacks %q", name, k)
			}
		}
		for k := range l {
			if _, ok := ref[k]; !ok {
				t.Errorf("locale %s has %q, zh-CN does not", name, k)
			}
		}
	}
	var keys []string
	for _, m := range transform.Metrics {
		keys = append(keys, "metric."+m.Key, "def."+m.Key)
	}
	for _, s := range transform.Signals {
		keys = append(keys, "signal."+s.Key())
	}
	for _, k := range []transform.TierKind{transform.TierProblem, transform.TierKey, transform.TierOrdinary, transform.TierSmall} {
		keys = append(keys, "tier."+k.Key())
	}
	keys = append(keys, "tier.none", "category.uncategorized", "placeholder.name", "placeholder.owner")
	for d := extract.DefectNullCustomer; d <= extract.DefectLast; d++ {
		keys = append(keys, "reason."+d.String())
	}
	for _, r := range transform.Reasons {
		keys = append(keys, "reason."+r)
	}
	for _, h := range []transform.Handling{transform.Skipped, transform.Repaired, transform.Noted} {
		keys = append(keys, "handling."+h.String())
	}
	for _, g := range transform.Granularities {
		keys = append(keys, "granularity."+g.String())
	}
	for _, table := range []string{transform.TableOrders, transform.TableComplaints, transform.TableCustomers} {
		keys = append(keys, "table."+table)
	}
	for _, k := range keys {
		if _, ok := ref[k]; !ok {
			t.Errorf("no label %q", k)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"华东":          "华东",
		"=SUM(A1)":    "=SUM(A1)",
		"a\x00b\x1fc": "a\uFFFDb\uFFFDc",
		"tab\there":   "tab\there",
		"bad\xffutf8": "bad\uFFFDutf8",
	}
	for in, want := range tests {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text(strings.Repeat("x", 40000)); len(got) != maxCellText {
		t.Errorf("Text of 40000 characters keeps %d", len(got))
	}
}

// hostileDept is the department name a title contains in the test below.
const hostileDept = "=SUM(1,2)"

// TestFormulaLikeTextStaysText: names and departments that begin with =, +,
// -, @, a tab or a CR are string cells in every sheet, never formulas.
func TestFormulaLikeTextStaysText(t *testing.T) {
	t.Parallel()
	res, dir := fixture(t)
	res.Departments[0].Department = "=SUM(1,2)"
	res.Departments[1].Department = "@cmd|' /C calc'!A0"
	hostile := map[string]bool{"=SUM(1,2)": true, "@cmd|' /C calc'!A0": true}
	// The customers the first department lists get hostile names.
	var listed []string
	for _, c := range res.Departments[0].Churned {
		listed = append(listed, c.CustomerID)
	}
	for _, c := range res.Departments[0].AtRisk {
		listed = append(listed, c.CustomerID)
	}
	names := []string{"-1+2", "\t=3+4", "\r=5+6", "@7"}
	if len(listed) < len(names)/2 {
		t.Fatalf("the fixture lists %d customers, want at least %d", len(listed), len(names)/2)
	}
	for i := 0; i < len(names); i += 2 {
		id := listed[i/2]
		dir[id] = Contact{ID: id, Name: names[i], Owner: names[i+1]}
		hostile[names[i]], hostile[names[i+1]] = true, true
	}
	for _, book := range []struct {
		render func(io.Writer) error
		want   int // hostile texts it shows
	}{
		{func(w io.Writer) error { return Company(w, res, dir, meta("zh-CN")) }, 6}, // departments, and names and owners on the company-wide lists
		{func(w io.Writer) error { return Department(w, res, &res.Departments[0], dir, meta("en")) }, 5},
	} {
		render := book.render
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c, v := range row {
					cell := cellName(c+1, r+1)
					if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
						t.Errorf("%s!%s holds formula %q", sheet, cell, formula)
					}
					if hostile[v] || strings.Contains(v, hostileDept) {
						seen++
						if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
							t.Errorf("%s!%s %q has type %v, want text", sheet, cell, v, typ)
						}
					}
				}
			}
		}
		f.Close()
		if seen < book.want {
			t.Errorf("%d formula-like texts found, want %d: the fixture's names and departments are missing", seen, book.want)
		}
	}
}

// TestSheetNames: every sheet name of every locale obeys Excel's rules
// (at most 31 characters, none of []:*?/\, no leading or trailing
// apostrophe) and is unique within a workbook.
func TestSheetNames(t *testing.T) {
	t.Parallel()
	for name, l := range locales {
		seen := map[string]bool{}
		for k, v := range l {
			if !strings.HasPrefix(k, "sheet.") {
				continue
			}
			if n := len([]rune(v)); n == 0 || n > 31 || strings.ContainsAny(v, `[]:*?/\`) || strings.HasPrefix(v, "'") || strings.HasSuffix(v, "'") {
				t.Errorf("%s: sheet name %q breaks Excel's rules", name, v)
			}
			if seen[strings.ToLower(v)] {
				t.Errorf("%s: sheet name %q twice", name, v)
			}
			seen[strings.ToLower(v)] = true
		}
	}
}
