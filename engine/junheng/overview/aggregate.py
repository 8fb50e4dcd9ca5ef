"""The streaming aggregator: summaries in one by one, the overview out at the end.

``OverviewBuilder.add`` takes one filing's ``Summary`` (or the ``Failed`` of one that could not be
checked) and keeps it; nothing of a filing's findings or schools is kept, so memory grows with the
number of districts and years, never with the number of schools. ``build`` then computes every
table from the summaries:

- the districts: each district's latest filing (a district and year filed twice: the first one given,
  the others named in a note), deferred first, then by blocking and major findings, then by code;
- per area, each rule some district falls short of, with how many districts and schools, most widespread
  first; the coefficients of every district against its pack's limits; 三个增长; the share of schools
  meeting each school standard — all over the districts' latest filings;
- with several years, each district's trend and, between its last two years, what became of the rules
  it fell short of (``rule_progress``, or a ``progress=`` of the caller's), with the follow-up ledger's counts
  finding by finding where the caller computed them (``ledgers``, see ``progress.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from junheng.overview.catalogue import Catalogue
from junheng.overview.model import (AreaTable, CoefficientChart, DistrictRow, GrowthRow, Overview, Progress, RuleRow, ShareRow,
                                    TrendRow)
from junheng.overview.summary import Failed, Summary
from junheng.report.result import SEVERITY_RANK

__all__ = ["AREA_ORDER", "OverviewBuilder", "ProgressHook", "rule_progress"]

# The order areas are shown in, as a supervision report reads them (issue 18): money, teachers, schools, balance, the public.
# An area the rules add that is not here follows, in the order the packs hold it.
AREA_ORDER = ("funding", "staffing", "schools", "quality", "balance", "society", "integrity")
LEVEL_ORDER = ("primary", "junior")

# What became of a district's shortfalls from one summary to the next: rule by rule (``rule_progress``), or finding by
# finding from the follow-up ledger when a caller has it.
ProgressHook = Callable[[Summary, Summary, Catalogue], Progress | None]


def rule_progress(earlier: Summary, later: Summary, catalogue: Catalogue) -> Progress:
    """Rule by rule: resolved (short then, not now, and judged now), still short, new, or unknown (not in the later pack)."""
    then, now = earlier.failing(), later.failing()
    in_later = catalogue.pack_rules.get(later.standard, frozenset())
    gone = sorted(then - now)
    return Progress(earlier.year, later.year, resolved=tuple(r for r in gone if r in in_later), still=tuple(sorted(then & now)),
                    new=tuple(sorted(now - then)), unknown=tuple(r for r in gone if r not in in_later))


class OverviewBuilder:
    """Keeps one summary per district and year as they come; ``build`` makes the overview."""

    def __init__(self, catalogue: Catalogue, progress: ProgressHook | None = None):
        self.catalogue = catalogue
        self.progress: ProgressHook = progress or rule_progress
        self._current: dict[tuple[str, int], Summary] = {}
        self._reports: dict[tuple[str, int], str | None] = {}
        self._previous: dict[tuple[str, int], Summary] = {}
        self._duplicates: dict[tuple[str, int], list[str]] = {}
        self._failures: list[Failed] = []
        self.filings = 0
        self.skipped = 0
        self.ledgers: dict[tuple[str, int], tuple[tuple[str, int], ...]] = {}  # (code, later year) → the ledger's counts

    def add(self, item: Summary | Failed, report: str | None = None) -> None:
        """One filing given: its summary (and the link to its report), or why it could not be checked."""
        self.filings += 1
        if isinstance(item, Failed):
            self._failures.append(item)
            return
        key = (item.code, item.year)
        if key in self._current:
            self._duplicates.setdefault(key, [self._current[key].file]).append(item.file)
            return
        self._current[key] = item
        self._reports[key] = report

    def add_previous(self, item: Summary | Failed) -> None:
        """An earlier result (``--previous-results``): for the trend only; a filing of the same district and year wins."""
        if isinstance(item, Failed):
            self._failures.append(item)
            return
        self._previous.setdefault((item.code, item.year), item)

    def pairs(self) -> list[tuple[Summary, Summary]]:
        """Each district's two latest years, when it has two (for the follow-up ledger: ``progress.ledger_counts``)."""
        return [(t.points[-2], t.points[-1]) for t in self._trend()]

    def build(self) -> Overview:
        latest: dict[str, Summary] = {}
        for (code, year), s in self._current.items():
            if code not in latest or year > latest[code].year:
                latest[code] = s
        current = sorted(latest.values(), key=lambda s: s.code)
        districts = sorted((self._row(s) for s in current), key=_district_order)
        checked = len(self._current) + sum(len(files) - 1 for files in self._duplicates.values())
        return Overview(catalogue=self.catalogue, districts=tuple(districts), areas=self._areas(current),
                        coefficients=self._coefficients(current), growth=self._growth(current), shares=self._shares(current),
                        trend=self._trend(), failures=tuple(self._failures), notes=self._notes(), filings=self.filings,
                        checked=checked, skipped=self.skipped)

    # -- the tables ------------------------------------------------------------------------------

    def _row(self, s: Summary) -> DistrictRow:
        blocking = tuple((t.rule, t.short, t.missing) for t in s.rules if t.severity == "blocking" and (t.short or t.missing))
        return DistrictRow(s, self._reports.get((s.code, s.year)), blocking, _sum_amounts(a for t in s.rules for a in t.amounts))

    def _areas(self, current: list[Summary]) -> tuple[AreaTable, ...]:
        rows: dict[str, dict[str, Any]] = {}
        for s in current:
            for t in s.rules:
                r = rows.setdefault(t.rule, {"severity": t.severity, "ds": 0, "dm": 0, "ss": 0, "sm": 0, "sj": None, "sub": 0,
                                             "amounts": []})
                r["ds"] += t.short > 0
                r["dm"] += t.missing > 0
                r["ss"] += t.schools_short
                r["sm"] += t.schools_missing
                r["sub"] += t.short
                r["amounts"] += t.amounts
                if t.schools_judged is not None:
                    r["sj"] = (r["sj"] or 0) + t.schools_judged
                if SEVERITY_RANK[t.severity] < SEVERITY_RANK[r["severity"]]:
                    r["severity"] = t.severity
        packs = {s.standard for s in current}
        judged = {rule: sum(1 for s in current if rule in self.catalogue.pack_rules.get(s.standard, ())) for rule in rows}
        by_area: dict[str, list[RuleRow]] = {}
        for rule, r in rows.items():
            if not (r["ds"] or r["dm"]):
                continue
            row = RuleRow(rule, r["severity"], r["ds"], r["dm"], judged[rule], r["ss"], r["sm"], r["sj"], r["sub"],
                          _sum_amounts(r["amounts"]))
            by_area.setdefault(self._area(rule), []).append(row)
        tables = []
        for area, title in self._area_titles():
            held = {rule for p in packs for rule in self.catalogue.pack_rules.get(p, ()) if self._area(rule) == area}
            found = sorted(by_area.get(area, []), key=_rule_order)
            if held or found:
                tables.append(AreaTable(area, title, tuple(found), len(held - {r.rule for r in found})))
        return tuple(tables)

    def _area(self, rule: str) -> str:
        info = self.catalogue.rules.get(rule)
        return info.area if info is not None else ""

    def _area_titles(self) -> list[tuple[str, tuple[str, str]]]:
        known = dict(self.catalogue.areas)
        order = [a for a in AREA_ORDER if a in known] + [a for a in known if a not in AREA_ORDER]
        return [(a, known[a]) for a in order] + [("", ("其他", "Other"))]

    def _coefficients(self, current: list[Summary]) -> tuple[CoefficientChart, ...]:
        groups: dict[tuple[str, str], list[Any]] = {}
        for s in current:
            for level in LEVEL_ORDER:
                found = tuple(c for c in s.coefficients if c.level == level)
                if found:
                    groups.setdefault((s.standard, level), []).append((s, found))
        charts = []
        for (standard, level), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], LEVEL_ORDER.index(kv[0][1]))):
            limits = tuple((lim.rule, lim.name, lim.limit) for lim in self.catalogue.limits
                           if lim.standard == standard and lim.level == level)
            rows.sort(key=lambda row: (-_worst(row[1]), row[0].code))
            charts.append(CoefficientChart(standard, level, limits, tuple(rows)))
        return tuple(charts)

    def _growth(self, current: list[Summary]) -> tuple[GrowthRow, ...]:
        rows = []
        for s in current:
            in_pack = self.catalogue.pack_rules.get(s.standard, frozenset())
            grows = tuple((rule, _grow_status(s, rule, rule in in_pack)) for rule in self.catalogue.grows)
            rows.append(GrowthRow(s, s.growth, grows))

        def margin(row: GrowthRow) -> tuple[int, float, str]:
            g = row.growth
            if g is None or g.left is None or g.right is None:
                return (1, 0.0, row.summary.code)
            return (0, g.left - g.right, row.summary.code)

        return tuple(sorted(rows, key=margin))

    def _shares(self, current: list[Summary]) -> tuple[ShareRow, ...]:
        sums: dict[str, list[Any]] = {}
        for s in current:
            for t in s.rules:
                if t.schools_judged:
                    row = sums.setdefault(t.rule, [t.severity, 0, 0, 0])
                    row[1] += t.schools_judged
                    row[2] += t.schools_short
                    row[3] += t.schools_missing
        rows = [ShareRow(rule, sev, judged, short, missing) for rule, (sev, judged, short, missing) in sums.items()]
        return tuple(sorted(rows, key=lambda r: (r.share if r.share is not None else 2.0, r.rule)))

    def _trend(self) -> tuple[TrendRow, ...]:
        years: dict[str, dict[int, Summary]] = {}
        for (code, year), s in self._previous.items():
            years.setdefault(code, {})[year] = s
        for (code, year), s in self._current.items():
            years.setdefault(code, {})[year] = s  # a filing checked now wins over an earlier result of the same year
        rows = []
        for code in sorted(years):
            points = tuple(years[code][y] for y in sorted(years[code]))
            if len(points) < 2:
                continue
            progress = self.progress(points[-2], points[-1], self.catalogue)
            ledger = self.ledgers.get((code, points[-1].year))
            if progress is not None and ledger:
                progress = replace(progress, ledger=ledger)
            rows.append(TrendRow(code, points[-1].name, points, progress))
        return tuple(rows)

    def _notes(self) -> tuple[tuple[str, str], ...]:
        notes = []
        for (code, year), files in sorted(self._duplicates.items()):
            name = self._current[(code, year)].name
            notes.append((f"{name}（{code}）{year} 年有 {len(files)} 份申报：{'、'.join(files)}；概览采用第一份 {files[0]}",
                          f"{name} ({code}) has {len(files)} filings for {year}: {', '.join(files)}; "
                          f"the overview uses the first, {files[0]}"))
        for key in sorted(set(self._previous) & set(self._current)):
            s = self._current[key]
            notes.append((f"{s.name}（{s.code}）{s.year} 年既有申报又有上次的检查结果（{self._previous[key].file}）：以本次检查为准",
                          f"{s.name} ({s.code}) {s.year} is both filed and in the earlier results ({self._previous[key].file}): "
                          "the check of the filing is used"))
        return tuple(notes)


def _sum_amounts(amounts: Iterable[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    sums: dict[str, float] = {}
    for unit, value in amounts:
        sums[unit] = sums.get(unit, 0.0) + value
    return tuple(sorted(sums.items()))


def _district_order(row: DistrictRow) -> tuple[int, int, int, str]:
    s = row.summary
    return (0 if s.verdict == "deferred" else 1, -s.counts.get("blocking", 0), -s.counts.get("major", 0), s.code)


def _rule_order(row: RuleRow) -> tuple[int, int, int, int, str]:
    return (-row.districts_short, -row.schools_short, -row.districts_missing, SEVERITY_RANK[row.severity], row.rule)


def _worst(coefficients: Iterable[Any]) -> float:
    """How far the worst coefficient of a district's level is from its limit: value ÷ limit (-1 when none is known)."""
    return max((c.value / c.limit for c in coefficients if c.value is not None and c.limit), default=-1.0)


def _grow_status(s: Summary, rule: str, in_pack: bool) -> str:
    if not in_pack:
        return "na"
    t = s.tally(rule)
    if t is not None and t.short:
        return "short"
    if t is not None and t.missing:
        return "missing"
    return "ok"
