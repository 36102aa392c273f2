package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// sharedSpec is the metric contract as the product's specification keeps
// it, beside the repository on the development machines. A clone from a
// code host has no ../shared.
const sharedSpec = "../shared/spec/metrics.md"

// TestMetricsContractInStep: docs/metrics.md is the repository's copy of
// the metric contract and stays byte for byte the same as the shared one
// wherever that one is checked out beside the repository.
func TestMetricsContractInStep(t *testing.T) {
	t.Parallel()
	local, err := os.ReadFile("docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(sharedSpec))); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no %s beside the repository (a clone from a code host): nothing to compare docs/metrics.md with",
			filepath.Dir(filepath.Dir(sharedSpec)))
	}
	shared, err := os.ReadFile(sharedSpec)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(local, shared) {
		return
	}
	a, b := strings.Split(string(local), "\n"), strings.Split(string(shared), "\n")
	line := 0
	for line < min(len(a), len(b)) && a[line] == b[line] {
		line++
	}
	t.Errorf("docs/metrics.md differs from %s from line %d on; copy it: cp %s docs/metrics.md", sharedSpec, line+1, sharedSpec)
}

// TestNoLinkOutsideTheRepository: documentation and code comments point
// to docs/metrics.md, never to ../shared, which a clone does not have.
func TestNoLinkOutsideTheRepository(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") && path != "." || e.Name() == "testdata" || e.Name() == "out") {
			return filepath.SkipDir
		}
		if e.IsDir() || path == "docs_test.go" || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if i := bytes.Index(b, []byte("../shared")); i >= 0 {
			t.Errorf("%s:%d points to ../shared; point to docs/metrics.md instead", path, bytes.Count(b[:i], []byte("\n"))+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDocLinksResolve: every relative link in README.md and docs/*.md (and
// the repository's other Markdown files) names a file that exists, and a
// #fragment names a heading of the Markdown file it points into.
func TestDocLinksResolve(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (strings.HasPrefix(e.Name(), ".") && p != "." || e.Name() == "testdata" || e.Name() == "out") {
			return filepath.SkipDir
		}
		if !e.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"README.md", "docs/CONFIGURATION.md"} {
		if !slices.Contains(files, want) {
			t.Fatalf("%s not among the Markdown files found: %v", want, files)
		}
	}
	for _, problem := range brokenLinks(os.DirFS("."), files) {
		t.Error(problem)
	}
}

// TestReadmeIsShortAndLinksEveryDoc: README.md stays a five-minute read
// (at most 250 lines) whose links reach every file of the reference in
// docs/.
func TestReadmeIsShortAndLinksEveryDoc(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(readme, []byte("\n")); n > 250 {
		t.Errorf("README.md has %d lines, more than 250: move the reference into docs/", n)
	}
	linked := map[string]bool{}
	for _, l := range markdownLinks(string(readme)) {
		if u, err := url.Parse(l.target); err == nil && u.Scheme == "" {
			linked[path.Clean(u.Path)] = true
		}
	}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	for _, doc := range docs {
		if !linked[filepath.ToSlash(doc)] {
			t.Errorf("README.md does not link %s; add it to the table of documentation", doc)
		}
	}
}

// TestBrokenLinksFindsThem: the checker behind TestDocLinksResolve reports
// a missing file, a missing heading and a link outside the tree, and
// accepts what GitHub resolves (a repeated heading's second anchor is
// #heading-1), leaving out code.
func TestBrokenLinksFindsThem(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"README.md": {Data: []byte("# Title\n\n" +
			"[ok](docs/A.md) [ok](docs/A.md#time-zones) [ok](#title) ![ok](docs/pic.png)\n" +
			"[ok](docs/A.md#extraction-in-shards-sourceshards \"a title\") [ok](docs/A.md#time-zones-1) [ok](https://example.com/x.md#nothing)\n" +
			"[missing file](docs/B.md)\n" +
			"[missing heading](docs/A.md#deliver)\n" +
			"[outside](../shared/spec/metrics.md)\n" +
			"`[in code](docs/C.md)` and `a span over\n[two lines](docs/C.md)`\n" +
			"```\n[in a fence](docs/D.md)\n```\n" +
			"[ref]: docs/E.md\n")},
		"docs/A.md": {Data: []byte("# A\n\n## Time zones\n\n### Extraction in shards: `source.shards`\n\n## Time zones\n\n" +
			"[up](../README.md#title) [self](#a) [broken](#nowhere)\n")},
		"docs/pic.png": {Data: []byte("png")},
	}
	got := brokenLinks(fsys, []string{"README.md", "docs/A.md"})
	want := []string{
		"README.md:5: docs/B.md: no such file",
		"README.md:6: docs/A.md#deliver: docs/A.md has no heading with the anchor #deliver",
		"README.md:7: ../shared/spec/metrics.md: outside the repository",
		"README.md:13: docs/E.md: no such file",
		"docs/A.md:9: #nowhere: docs/A.md has no heading with the anchor #nowhere",
	}
	if !slices.Equal(got, want) {
		t.Errorf("brokenLinks:\ngot  %q\nwant %q", got, want)
	}
}

// TestHeadingAnchor: the anchors GitHub gives headings, punctuation,
// code and links in them included.
func TestHeadingAnchor(t *testing.T) {
	t.Parallel()
	for heading, want := range map[string]string{
		"Time zones": "time-zones",
		"What changed since it was published, and the gate": "what-changed-since-it-was-published-and-the-gate",
		"Extraction in shards: `source.shards`":             "extraction-in-shards-sourceshards",
		"Kubernetes CronJob calling `run` once":             "kubernetes-cronjob-calling-run-once",
		"Version 2.1: edges that real schemas hit":          "version-21-edges-that-real-schemas-hit",
		"Revenue bridge (收入变动)":                             "revenue-bridge-收入变动",
		"客户保持报告 · 2026-09 已发布":                              "客户保持报告--2026-09-已发布",
		"See [the gate](OUTPUT.md#the-gate) **now**":        "see-the-gate-now",
		"snake_case and CamelCase":                          "snake_case-and-camelcase",
	} {
		if got := headingAnchor(heading); got != want {
			t.Errorf("headingAnchor(%q) = %q, want %q", heading, got, want)
		}
	}
}

var (
	// inlineLink matches [text](target) and ![alt](target), with an
	// optional "title" after the target.
	inlineLink = regexp.MustCompile(`\]\(\s*<?([^()\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// referenceLink matches a link reference definition, [label]: target.
	referenceLink = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?`)
	codeSpan      = regexp.MustCompile("`[^`]*`")
	fence         = regexp.MustCompile("^\\s*(```|~~~)")
	atxHeading    = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$`)
	// lineFragment is GitHub's anchor for lines of a file that is not
	// Markdown: #L10, #L10-L20.
	lineFragment = regexp.MustCompile(`^L\d+(-L\d+)?$`)
)

// brokenLinks checks the relative links of the Markdown files (paths
// slash-separated, relative to fsys's root) and returns one line per
// broken link: "file:line: target: why". Links with a scheme (https:,
// mailto:) are not checked.
func brokenLinks(fsys fs.FS, files []string) []string {
	var problems []string
	anchors := map[string]map[string]bool{} // by file, read once
	for _, file := range files {
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, l := range markdownLinks(string(src)) {
			u, err := url.Parse(l.target)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %v", file, l.line, l.target, err))
				continue
			}
			if u.Scheme != "" || u.Host != "" {
				continue
			}
			target := file
			if u.Path != "" {
				target = path.Join(path.Dir(file), u.Path)
				if !fs.ValidPath(target) {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: outside the repository", file, l.line, l.target))
					continue
				}
				if _, err := fs.Stat(fsys, target); err != nil {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: no such file", file, l.line, l.target))
					continue
				}
			}
			if u.Fragment == "" {
				continue
			}
			if !strings.HasSuffix(target, ".md") {
				if !lineFragment.MatchString(u.Fragment) {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: a fragment on %s, which has no headings", file, l.line, l.target, target))
				}
				continue
			}
			if anchors[target] == nil {
				src, err := fs.ReadFile(fsys, target)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s:%d: %s: %v", file, l.line, l.target, err))
					continue
				}
				anchors[target] = headingAnchors(string(src))
			}
			if !anchors[target][u.Fragment] {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s has no heading with the anchor #%s", file, l.line, l.target, target, u.Fragment))
			}
		}
	}
	return problems
}

type markdownLink struct {
	line   int
	target string
}

// markdownLinks returns the link targets of a Markdown text, leaving out
// fenced code blocks and code spans.
func markdownLinks(src string) []markdownLink {
	var links []markdownLink
	for i, line := range strings.Split(withoutCode(src), "\n") {
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			links = append(links, markdownLink{i + 1, m[1]})
		}
		if m := referenceLink.FindStringSubmatch(line); m != nil {
			links = append(links, markdownLink{i + 1, m[1]})
		}
	}
	return links
}

// withoutCode blanks out a Markdown text's fenced code blocks and code
// spans, keeping its line breaks. A code span may run over the lines of a
// paragraph, never over a blank line.
func withoutCode(src string) string {
	lines := strings.Split(src, "\n")
	inFence := false
	for i, line := range lines {
		if fence.MatchString(line) {
			inFence = !inFence
			lines[i] = ""
		} else if inFence {
			lines[i] = ""
		}
	}
	paragraphs := strings.Split(strings.Join(lines, "\n"), "\n\n")
	for i, p := range paragraphs {
		paragraphs[i] = codeSpan.ReplaceAllStringFunc(p, func(span string) string {
			return strings.Map(func(r rune) rune {
				if r == '\n' {
					return r
				}
				return ' '
			}, span)
		})
	}
	return strings.Join(paragraphs, "\n\n")
}

// headingAnchors returns the anchors GitHub gives the ATX headings of a
// Markdown text; a repeated anchor gets -1, -2 … as on GitHub.
func headingAnchors(src string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(src, "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		m := atxHeading.FindStringSubmatch(line)
		if inFence || m == nil {
			continue
		}
		a := headingAnchor(m[2])
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

var (
	linkInHeading = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	markup        = strings.NewReplacer("`", "", "*", "")
)

// headingAnchor is GitHub's anchor for a heading: the text as rendered
// (links as their text, no code or emphasis marks), lowercased, every
// character but letters, marks, digits, '_', '-' and spaces dropped (CJK
// characters are letters and stay), and each space turned into '-'.
func headingAnchor(heading string) string {
	text := markup.Replace(linkInHeading.ReplaceAllString(heading, "$1"))
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}
