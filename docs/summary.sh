#!/usr/bin/env bash
# Renders docs/summary.png, the picture of the summary sheet in README.md:
# the first printed page of the demo's company.xlsx (zh-CN), cropped to the
# sheet's content. Run from anywhere in the repository:
#
#   docs/summary.sh
#
# Needs Go, LibreOffice and poppler, and a CJK font for the labels:
#   apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk
set -euo pipefail
cd "$(dirname "$0")/.."

for cmd in go soffice pdftoppm; do
	command -v "$cmd" >/dev/null || {
		echo "docs/summary.sh: $cmd not found; apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk" >&2
		exit 1
	}
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The demo reports the latest complete month: one period directory.
go run . demo --out "$tmp/demo" >/dev/null 2>"$tmp/demo.log" || { cat "$tmp/demo.log" >&2; exit 1; }
cp "$tmp"/demo/month/*/company.xlsx "$tmp/company.xlsx"

# A profile of its own, so that a LibreOffice already open does not take
# the conversion over.
soffice -env:UserInstallation="file://$tmp/profile" --headless \
	--convert-to pdf --outdir "$tmp" "$tmp/company.xlsx" >"$tmp/soffice.log" 2>&1 ||
	{ cat "$tmp/soffice.log" >&2; exit 1; }
[ -s "$tmp/company.pdf" ] || { cat "$tmp/soffice.log" >&2; echo "docs/summary.sh: LibreOffice wrote no PDF" >&2; exit 1; }

# Page 1 is the summary sheet's first page (A4 landscape, 1286 x 909 pixels
# at 110 dpi); the crop drops the print header, the page number and the
# empty margin below the charts.
pdftoppm -png -r 110 -f 1 -l 1 -x 60 -y 52 -W 1166 -H 650 -singlefile \
	"$tmp/company.pdf" docs/summary
echo "docs/summary.png: $(wc -c <docs/summary.png) bytes"
