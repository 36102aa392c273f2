#!/usr/bin/python3
"""Reads every sheet of the workbooks in the given directories with
openpyxl in read-only mode, which trusts each sheet's <dimension ref>, and
checks that it sees what a full load sees: the same size and the same
values. A sheet whose dimension says A1 shows as one cell there."""
import pathlib
import sys

import openpyxl


def check(path):
    """Returns the number of sheets of the workbook at path and of those
    read wrong."""
    full = openpyxl.load_workbook(path)
    streamed = openpyxl.load_workbook(path, read_only=True)
    bad = 0
    for ws in full.worksheets:
        ro = streamed[ws.title]
        want = (ws.max_row, ws.max_column)
        got = (ro.max_row, ro.max_column)
        if got != want:
            print(f"{path} [{ws.title}]: read-only sees {got[0]} rows x {got[1]} columns, the sheet has {want[0]} x {want[1]}")
            bad += 1
            continue
        if list(ro.iter_rows(values_only=True)) != list(ws.iter_rows(values_only=True)):
            print(f"{path} [{ws.title}]: read-only reads other values than a full load")
            bad += 1
    streamed.close()
    return len(full.worksheets), bad


def main(dirs):
    books = sorted(p for d in dirs for p in pathlib.Path(d).rglob("*.xlsx"))
    if not books:
        print("no workbooks under", " ".join(dirs))
        return 1
    results = [check(p) for p in books]
    sheets, bad = sum(r[0] for r in results), sum(r[1] for r in results)
    print(f"{len(books)} workbooks, {sheets} sheets read in read-only mode; {bad} wrong")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
