package deliver

import (
	"mime"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMimeParam(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("华东线上直营", 12) + ".xlsx" // 72 characters, 653 bytes percent-encoded
	for _, tc := range []struct {
		name, value string
		want        string // exact rendering, "" to check only the round trip
	}{
		{"ASCII", "company.xlsx", `filename="company.xlsx"`},
		{"Chinese", "华东.xlsx", `filename*=UTF-8''%E5%8D%8E%E4%B8%9C.xlsx`},
		{"space", "east sales.xlsx", `filename*=UTF-8''east%20sales.xlsx`},
		{"quote and backslash", `a"b\c.xlsx`, `filename="a\"b\\c.xlsx"`},
		{"RFC 2231 specials, quoted", "50%*'x.xlsx", `filename="50%*'x.xlsx"`},
		{"RFC 2231 specials, encoded", "50%*'华.xlsx", `filename*=UTF-8''50%25%2A%27%E5%8D%8E.xlsx`},
		{"formula", "=HYPERLINK(1).xlsx", `filename="=HYPERLINK(1).xlsx"`},
		{"long", long, ""},
		{"long ASCII", strings.Repeat("abcdefghij", 10) + ".xlsx", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := mimeParam("filename", tc.value)
			if tc.want != "" && got != tc.want {
				t.Errorf("mimeParam = %s, want %s", got, tc.want)
			}
			// Unfold as a reader does, then parse with the standard library.
			unfolded := strings.ReplaceAll(got, "\r\n", "")
			_, params, err := mime.ParseMediaType("attachment; " + unfolded)
			if err != nil || params["filename"] != tc.value {
				t.Errorf("%s parses to %q, %v; want %q", got, params["filename"], err, tc.value)
			}
			lines := strings.Split(got, "\r\n")
			for i, line := range lines {
				if strings.ContainsAny(line, "\r\n") || i > 0 && !strings.HasPrefix(line, " ") {
					t.Errorf("line %d %q: a bare line break or an unfolded continuation", i, line)
				}
				// "Content-Disposition: attachment;" goes on a line
				// of its own before a split value.
				if len(line) > 78 {
					t.Errorf("line %d is %d characters long", i, len(line))
				}
				if len(lines) > 1 {
					_, v, _ := strings.Cut(line, "*=")
					v = strings.TrimSuffix(strings.TrimPrefix(v, "UTF-8''"), ";")
					dec, err := url.PathUnescape(v)
					if err != nil || !utf8.ValidString(dec) {
						t.Errorf("section %d %q does not decode to whole characters on its own", i, line)
					}
				}
			}
			if tc.want == "" && len(lines) < 2 {
				t.Errorf("long value in one section: %s", got)
			}
		})
	}
}

func TestFileNameAndHeaderText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"华东.xlsx":                   "华东.xlsx",
		"线上/直营.xlsx":                "线上_直营.xlsx",
		"a\r\nBcc: b@x.xlsx":        "a__Bcc_ b@x.xlsx",
		`<>:"|?\` + "\x00\x7f.xlsx": "_________.xlsx",
		"para\u2028graph.xlsx":      "para_graph.xlsx",
		"..":                        "attachment",
		"":                          "attachment",
		"bad\xffutf8.xlsx":          "bad\uFFFDutf8.xlsx",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"客户保持报告 · 华东 · 2026-10": "客户保持报告 · 华东 · 2026-10",
		"华东\r\nBcc: evil@x":     "华东  Bcc: evil@x",
		"tab\there\u0085":       "tab here ",
	} {
		if got := headerText(in); got != want {
			t.Errorf("headerText(%q) = %q, want %q", in, got, want)
		}
	}
}
