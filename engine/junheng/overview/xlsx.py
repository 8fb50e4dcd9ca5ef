"""The overview as an xlsx workbook an officer sorts and filters: the page's tables, one sheet each.

Each sheet has its header in row 1, frozen with the first column, and an auto-filter over the table, so
that Excel, WPS and LibreOffice offer sorting and filtering at once. Numbers are numbers (with the
decimals the page shows as the cell's format), the amounts to make up one column per unit, a
district's name links to its own report when one was written. A table's note, and the districts'
totals, sit below it, outside the filtered range. The workbook carries a fixed date, so the same
overview gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from junheng.overview.model import Overview
from junheng.overview.tables import Cell, Chip, Link, Num, Table, all_tables
from junheng.overview.words import words
from junheng.report.labels import unit as spelled

__all__ = ["render"]

_FIXED = datetime.datetime(2000, 1, 1)  # no run date in the file: the same overview, the same bytes
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_HEAD = PatternFill("solid", fgColor="EEF1F4")
_STATUS = {"deferred": "C62828", "short": "C62828", "blocking": "C62828", "major": "B34700", "minor": "876500", "qualified": "2E7D5B",
           "ok": "2E7D5B"}


def _format(num: Num) -> str:
    if not num.grouped:
        return "0"
    if num.pct:
        return "0." + "0" * (num.places + (1 if num.below else 0)) + "%" if num.places or num.below else "0%"
    return "#,##0" + ("." + "0" * num.places if num.places else "")


def _write(ws: Any, row: int, col: int, cell: Cell) -> None:
    target = ws.cell(row=row, column=col)
    if cell is None:
        return
    if isinstance(cell, Num):
        target.value = cell.value
        target.number_format = _format(cell)
    elif isinstance(cell, Link):
        target.value = cell.text
        if cell.href:
            target.hyperlink = cell.href
            target.font = Font(color="1558A8", underline="single")
    elif isinstance(cell, Chip):
        target.value = cell.text
        if cell.key in _STATUS:
            target.font = Font(color=_STATUS[cell.key], bold=True)
    else:
        target.value = cell
        if "\n" in cell:
            target.alignment = Alignment(wrap_text=True, vertical="top")


def _sheet(wb: Any, t: Table, taken: set[str]) -> Any:
    name, n = t.sheet, 1
    while name in taken:
        n += 1
        name = f"{t.sheet[:28]} {n}"
    taken.add(name)
    ws = wb.create_sheet(name)
    for col, c in enumerate(t.columns, 1):
        head = ws.cell(row=1, column=col, value=c.header)
        head.font = Font(bold=True)
        head.fill = _HEAD
        head.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = c.width + 2
    for r, row in enumerate(t.rows, 2):
        for col, cell in enumerate(row, 1):
            _write(ws, r, col, cell)
    last = get_column_letter(len(t.columns))
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{last}{max(2, len(t.rows) + 1)}"
    if t.note:
        ws.cell(row=len(t.rows) + 3, column=1, value=t.note)
    return ws


def _totals(ws: Any, t: Table, o: Overview, lang: str) -> None:
    """Below the districts, outside the filter: the sum of each unit's column over every district."""
    w = words(lang)
    row = len(t.rows) + (5 if t.note else 3)
    ws.cell(row=row, column=1, value=w["city_total"]).font = Font(bold=True)
    headers = [c.header for c in t.columns]
    for unit, value in o.totals:
        header = w["amount_in"].format(unit=spelled(unit))
        if header in headers:
            _write(ws, row, headers.index(header) + 1, Num(value, o.catalogue.places(unit)))
            ws.cell(row=row, column=headers.index(header) + 1).font = Font(bold=True)


def render(o: Overview, lang: str = "zh") -> bytes:
    """The workbook's bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for t in all_tables(o, lang, wide=True):
        ws = _sheet(wb, t, taken)
        if t.key == "districts" and o.totals:
            _totals(ws, t, o, lang)
    wb.properties.created = _FIXED
    wb.properties.modified = _FIXED
    wb.properties.creator = "junheng"
    saved = io.BytesIO()
    wb.save(saved)
    return _fixed_dates(saved.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """The workbook's zip with every entry, and its ``modified`` property, dated ``_FIXED`` (openpyxl dates both at saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(entry, content)
    return out.getvalue()
