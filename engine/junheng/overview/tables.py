"""The overview's tables, once, for every format: the HTML page, the xlsx workbook (a sheet each) and Markdown.

A ``Table`` is rows of cells under named columns; a cell is text, a number (``Num``: value, decimals,
unit, or a percentage), a link (``Link``) or a status word with the key its colour follows (``Chip``).
Each format decides only how a cell looks, so the figures are the same in all of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from junheng.errors import InputError
from junheng.overview.catalogue import Catalogue
from junheng.overview.model import CoefficientChart, DistrictRow, Overview, Progress, RuleRow
from junheng.overview.words import words
from junheng.report.labels import pointer_label
from junheng.report.labels import unit as spelled
from junheng.report.numbers import fmt_number
from junheng.report.result import SEVERITY_RANK

__all__ = ["Cell", "Chip", "Column", "Link", "Num", "Table", "all_tables", "amounts_text", "area_tables", "coefficient_table",
           "districts_table", "failures_table", "unit_order", "growth_table", "shares_table", "text_of", "trend_table"]


@dataclass(frozen=True)
class Num:
    value: float | int | None
    places: int = 0
    unit: str = ""
    pct: bool = False  # a share or growth as a fraction (0.123): shown as 12.3%
    grouped: bool = True  # thousands separators (a year has none)
    below: bool = False  # a share short of 100%: rounded down, so that 2,849 of 2,850 never reads as 100%

    def text(self) -> str:
        if self.value is None:
            return "—"
        if not self.grouped:
            return str(self.value)
        if self.pct:
            shown = self.value * 100
            if self.below:
                step = 10 ** self.places
                shown = math.floor(shown * step) / step
            return f"{fmt_number(shown, self.places)}%"
        return fmt_number(self.value, self.places) + (f" {self.unit}" if self.unit else "")


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None


@dataclass(frozen=True)
class Chip:
    text: str
    key: str  # qualified | deferred | ok | short | missing | na | a severity


Cell = str | Num | Link | Chip | None


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False
    width: int = 12  # in characters, for the workbook
    small: bool = False  # a file name: shown smaller on the page


@dataclass(frozen=True)
class Table:
    key: str  # the table's id in the page and its sheet's key
    title: str
    sheet: str  # the sheet's name (at most 31 characters, none of []:*?/\)
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    marks: tuple[str, ...] = field(default=())  # per row: what the row is (a district's code, a rule), for the page's data-key


def _year(year: int) -> Num:
    return Num(year, grouped=False)


def text_of(cell: Cell) -> str:
    """A cell as plain text (Markdown, the workbook's text cells)."""
    if cell is None:
        return "—"
    if isinstance(cell, Num):
        return cell.text()
    if isinstance(cell, (Link, Chip)):
        return cell.text
    return cell


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _sheet(name: str) -> str:
    for c in "[]:*?/\\":
        name = name.replace(c, " ")
    return name[:31]


def unit_order(catalogue: Catalogue, units: Sequence[str]) -> list[str]:
    """Units in the order the rules' vocabulary lists them (万元 and 元 first), any other after, by name."""
    known = list(catalogue.vocabulary.get("units", {}))
    return sorted(set(units), key=lambda u: (known.index(u) if u in known else len(known), u))


def amounts_text(amounts: Sequence[tuple[str, float]], catalogue: Catalogue, sep: str = "\n") -> str:
    """``48,088 ㎡`` per unit, one a line, in the vocabulary's order of units."""
    by = dict(amounts)
    return sep.join(f"{fmt_number(by[u], catalogue.places(u))} {spelled(u)}" for u in unit_order(catalogue, list(by)) if by[u]) or "—"


def _units(rows: Sequence[DistrictRow], catalogue: Catalogue) -> list[str]:
    return unit_order(catalogue, [u for d in rows for u, v in d.amounts if v])


def _blocking(row: DistrictRow, catalogue: Catalogue, lang: str) -> str:
    w = words(lang)
    out = []
    for rule, short, missing in row.blocking:
        text = f"{rule} {catalogue.title(rule, lang)}"
        if short > 1:
            text += w["paren"].format(w["times"].format(n=short))
        if missing:
            text += w["paren"].format(w["data_missing"])
        out.append(text)
    return "\n".join(out) or "—"


def districts_table(o: Overview, lang: str, wide: bool = False) -> Table:
    """Every district's latest filing; ``wide``: one numeric column per unit to make up (the workbook's), else one cell."""
    w, c = words(lang), o.catalogue
    units = _units(o.districts, c)
    columns = [Column(w["district"], width=14), Column(w["code"], width=9), Column(w["year"], True, 7), Column(w["standard"], width=10),
               Column(w["verdict"], width=10)]
    columns += [Column(c.word("severities", s, lang), True, 8) for s in SEVERITY_RANK]
    columns.append(Column(w["blocking_by_name"], width=48))
    columns += ([Column(w["amount_in"].format(unit=spelled(u)), True, 14) for u in units] if wide else [Column(w["amounts"], True, 18)])
    columns.append(Column(w["file"], width=36, small=True))
    rows = []
    for d in o.districts:
        s = d.summary
        cells: list[Cell] = [Link(s.name, d.report), s.code, _year(s.year), s.standard,
                             Chip(c.word("verdicts", s.verdict, lang), s.verdict)]
        cells += [Num(s.counts.get(k, 0)) for k in SEVERITY_RANK]
        cells.append(_blocking(d, c, lang))
        amounts = dict(d.amounts)
        cells += ([Num(amounts.get(u), c.places(u)) if amounts.get(u) else None for u in units] if wide
                  else [amounts_text(d.amounts, c)])
        cells.append(s.file)
        rows.append(tuple(cells))
    note = w["latest"] + (" " + w["skipped"].format(n=o.skipped) if o.skipped else "")
    return Table("districts", w["districts"], _sheet(w["districts"]), tuple(columns), tuple(rows), note,
                 tuple(d.summary.code for d in o.districts))


def _rule_cells(r: RuleRow, c: Catalogue, lang: str) -> tuple[Cell, ...]:
    return (r.rule, c.title(r.rule, lang), Chip(c.word("severities", r.severity, lang), r.severity), Num(r.districts_short),
            Num(r.districts_missing), Num(r.districts_judged), Num(r.schools_short) if r.schools_judged is not None or r.schools_short
            else None, Num(r.schools_judged), amounts_text(r.amounts, c))


def area_tables(o: Overview, lang: str) -> list[Table]:
    """Per area, the rules some district falls short of, most widespread first."""
    w, c = words(lang), o.catalogue
    columns = (Column(w["rule"], width=10), Column(w["item"], width=44), Column(w["severity"], width=9),
               Column(w["districts_short"], True, 10), Column(w["districts_missing"], True, 10), Column(w["districts_judged"], True, 9),
               Column(w["schools_short"], True, 10), Column(w["schools_judged"], True, 9), Column(w["total"], True, 18))
    tables = []
    for a in o.areas:
        title = _pick(a.title, lang)
        note = (w["met_rules"] if a.rules else w["all_met"]).format(n=a.met) if a.met else ""
        tables.append(Table(f"area-{a.area or 'other'}", title, _sheet(title), columns,
                            tuple(_rule_cells(r, c, lang) for r in a.rules), note, tuple(r.rule for r in a.rules)))
    return tables


def _status(key: str, lang: str, over: bool = False) -> Chip:
    """A status in words: 达标, 未达标 (超标 for a coefficient above its limit), 数据缺失, 不适用."""
    w = words(lang)
    return Chip(w["over" if over and key == "short" else key], key)


def coefficient_table(chart: CoefficientChart, o: Overview, lang: str) -> Table:
    """One level of one pack: each district's coefficients against the pack's limits (the chart's numbers)."""
    w, c = words(lang), o.catalogue
    level = c.word("levels", chart.level, lang)
    pack = _pick(c.packs.get(chart.standard, (chart.standard, chart.standard)), lang)
    labels: dict[tuple[str, str], str] = {}
    for _, cs in chart.rows:
        for co in cs:
            labels.setdefault((co.rule, co.name), _pick(co.label, lang))
    keys = [(rule, name) for rule, name, _ in chart.limits] or sorted(labels)
    limit_of = {(rule, name): limit for rule, name, limit in chart.limits}
    columns = [Column(w["district"], width=14), Column(w["code"], width=9), Column(w["year"], True, 7)]
    columns += [Column(f"{labels.get(k, k[1])}（≤ {fmt_number(limit_of[k])}）" if k in limit_of and lang == "zh"
                       else f"{labels.get(k, k[1])} (≤ {fmt_number(limit_of[k])})" if k in limit_of else labels.get(k, k[1]), True, 14)
                for k in keys]
    columns.append(Column(w["result"], width=16))
    rows = []
    for s, cs in chart.rows:
        by = {(co.rule, co.name): co for co in cs}
        cells: list[Cell] = [s.name, s.code, _year(s.year)]
        cells += [Num(by[k].value, 4) if k in by else None for k in keys]
        statuses = [co.status for co in cs]
        over = [co.rule for co in cs if co.status == "short"]
        key = "short" if over else "missing" if "missing" in statuses else "na" if statuses and all(x == "na" for x in statuses) else "ok"
        chip = _status(key, lang, over=True)
        if over and len(keys) > 1:
            chip = Chip(f"{chip.text}{w['sep']}{w['list'].join(over)}", "short")
        cells.append(chip)
        rows.append(tuple(cells))
    title = w["level_chart"].format(level=level, pack=pack)
    return Table(f"cv-{chart.standard}-{chart.level}", title, _sheet(f"{w['value']} {level} {chart.standard}"), tuple(columns),
                 tuple(rows), "", tuple(s.code for s, _ in chart.rows))


def growth_table(o: Overview, lang: str) -> Table:
    """三个增长: the growths of education appropriation and of regular revenue, and each rule that asks a figure to grow."""
    w, c = words(lang), o.catalogue
    columns = [Column(w["district"], width=14), Column(w["code"], width=9), Column(w["year"], True, 7),
               Column(w["appropriation"], True, 12), Column(w["revenue"], True, 12), Column(w["margin"], True, 10),
               Column(w["result"], width=9)]
    columns += [Column(c.title(rule, lang), width=14) for rule in c.grows]
    rows = []
    for g in o.growth:
        s, gr = g.summary, g.growth
        margin = None if gr is None or gr.left is None or gr.right is None else (gr.left - gr.right) * 100
        cells: list[Cell] = [s.name, s.code, _year(s.year), Num(None if gr is None or gr.left is None else gr.left - 1, 1, pct=True),
                             Num(None if gr is None or gr.right is None else gr.right - 1, 1, pct=True), Num(margin, 1),
                             _status(gr.status, lang) if gr else None]
        cells += [_status(status, lang) for _, status in g.grows]
        rows.append(tuple(cells))
    return Table("growth", w["growth"], _sheet(w["growth"]), tuple(columns), tuple(rows), "", tuple(g.summary.code for g in o.growth))


def shares_table(o: Overview, lang: str) -> Table:
    w, c = words(lang), o.catalogue
    columns = (Column(w["rule"], width=10), Column(w["item"], width=44), Column(w["severity"], width=9), Column(w["schools"], True, 9),
               Column(w["met"], True, 9), Column(w["short"], True, 9), Column(w["missing"], True, 9), Column(w["share"], True, 9))
    rows = tuple((r.rule, c.title(r.rule, lang), Chip(c.word("severities", r.severity, lang), r.severity), Num(r.judged), Num(r.met),
                  Num(r.short), Num(r.missing), Num(r.share, 1, pct=True, below=r.met < r.judged)) for r in o.shares)
    return Table("shares", w["shares"], _sheet(w["shares"]), columns, rows, "", tuple(r.rule for r in o.shares))


def _progress_text(progress: Progress | None, lang: str) -> str:
    if progress is None:
        return "—"
    w = words(lang)
    parts = []
    if progress.ledger:
        counts = w["list"].join(f"{w['ledger_' + status]} {n}" for status, n in progress.ledger)
        parts.append(f"{w['ledger']}{w['sep']}{counts}")
    for key, rules in (("resolved", progress.resolved), ("still", progress.still), ("new", progress.new), ("unknown", progress.unknown)):
        if rules:
            shown = w["list"].join(rules[:6]) + (" " + w["more"].format(n=len(rules)) if len(rules) > 6 else "")
            parts.append(f"{w['rules_' + key].format(n=len(rules))}{w['sep']}{shown}")
    return "\n".join(parts) or "—"


def trend_table(o: Overview, lang: str) -> Table:
    """Each district with several years: per year its verdict and its blocking and major findings, then the progress."""
    w, c = words(lang), o.catalogue
    years = sorted({p.year for t in o.trend for p in t.points})
    columns = [Column(w["district"], width=14), Column(w["code"], width=9)]
    for y in years:
        columns += [Column(f"{y} {w['verdict']}", width=10), Column(f"{y} {c.word('severities', 'blocking', lang)}", True, 8),
                    Column(f"{y} {c.word('severities', 'major', lang)}", True, 8)]
    columns.append(Column(w["progress_col"], width=44))
    rows = []
    for t in o.trend:
        by = {p.year: p for p in t.points}
        cells: list[Cell] = [t.name, t.code]
        for y in years:
            p = by.get(y)
            cells += ([Chip(c.word("verdicts", p.verdict, lang), p.verdict), Num(p.counts.get("blocking", 0)),
                       Num(p.counts.get("major", 0))] if p else [None, None, None])
        cells.append(_progress_text(t.progress, lang))
        rows.append(tuple(cells))
    return Table("trend", w["trend"], _sheet(w["trend"]), tuple(columns), tuple(rows), w["progress_note"], tuple(t.code for t in o.trend))


def _error_text(error: InputError, lang: str) -> str:
    """Where and what, as a person reads it: ``第 35 行 第 2 条学校学段记录的学段：…`` (the cell of a spreadsheet), never a pointer."""
    w = words(lang)
    where = error.cell or (w["line_n"].format(n=error.line) if error.line is not None else "")
    if error.pointer:
        where = f"{where} {pointer_label(error.pointer, lang)}".strip()
    return f"{where}{w['sep']}{error.message(lang)}" if where else error.message(lang)


def failures_table(o: Overview, lang: str) -> Table:
    w = words(lang)
    rows = tuple((f.file, "\n".join(_error_text(e, lang) for e in f.errors)) for f in o.failures)
    return Table("failures", w["failures"], _sheet(w["failures"]), (Column(w["file"], width=40), Column(w["why"], width=90)), rows)


def all_tables(o: Overview, lang: str, wide: bool = False) -> list[Table]:
    """Every table of the overview, in the page's order; the empty ones left out."""
    tables = [districts_table(o, lang, wide)]
    tables += [t for t in area_tables(o, lang) if t.rows]
    tables += [coefficient_table(chart, o, lang) for chart in o.coefficients]
    if o.growth:
        tables.append(growth_table(o, lang))
    if o.shares:
        tables.append(shares_table(o, lang))
    if o.trend:
        tables.append(trend_table(o, lang))
    if o.failures:
        tables.append(failures_table(o, lang))
    return tables
