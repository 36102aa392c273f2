package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestSheetDimensions: every sheet's <dimension ref> is the range from A1
// to its last used cell (cells and merged ranges), both on the sheets
// written in normal mode and on the streamed lists, so that a streaming
// reader sees the whole sheet.
func TestSheetDimensions(t *testing.T) {
	t.Parallel()
	res, dir := fixture(t)
	for _, locale := range []string{"zh-CN", "en"} {
		books := map[string]func(io.Writer) error{
			"company": func(w io.Writer) error { return Company(w, res, dir, meta(locale)) },
		}
		for i := range res.Departments {
			s := &res.Departments[i]
			books[s.Department] = func(w io.Writer) error { return Department(w, res, s, dir, restatedMeta(locale, res)) }
		}
		for name, render := range books {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			sheets := sheetDimensions(t, buf.Bytes())
			if len(sheets) < 5 {
				t.Fatalf("%s %s: %d sheets", name, locale, len(sheets))
			}
			for file, d := range sheets {
				if d.ref != d.used {
					t.Errorf("%s %s %s: dimension %q, used range %q", name, locale, file, d.ref, d.used)
				}
				if d.used == "A1" {
					t.Errorf("%s %s %s: only A1 used", name, locale, file)
				}
			}
		}
	}
}

type dimension struct{ ref, used string }

// sheetDimensions reads each worksheet's XML as a stream, the way a
// streaming reader does: its dimension element, and the range from A1 to
// the last row and column of its cells and merged ranges.
func sheetDimensions(t testing.TB, xlsx []byte) map[string]dimension {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]dimension{}
	for _, f := range zr.File {
		if path.Dir(f.Name) != "xl/worksheets" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var d dimension
		lastCol, lastRow := 0, 0
		use := func(cell string) {
			c, r, err := excelize.CellNameToCoordinates(cell)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			lastCol, lastRow = max(lastCol, c), max(lastRow, r)
		}
		dec := xml.NewDecoder(rc)
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			el, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			for _, a := range el.Attr {
				switch {
				case el.Name.Local == "dimension" && a.Name.Local == "ref":
					d.ref = a.Value
				case el.Name.Local == "c" && a.Name.Local == "r":
					use(a.Value)
				case el.Name.Local == "mergeCell" && a.Name.Local == "ref":
					for _, cell := range strings.Split(a.Value, ":") {
						use(cell)
					}
				}
			}
		}
		rc.Close()
		d.used = "A1"
		if lastCol > 0 && (lastCol > 1 || lastRow > 1) {
			d.used += ":" + cellName(lastCol, lastRow)
		}
		out[f.Name] = d
	}
	return out
}
