"""The overview of the stored filings (issue 18): every district at a glance, as ``junheng overview`` makes it, built from
the newest stored filing of each district and year.

The library does the work: each stored original is checked again with its indicators under the rules version of its
newest result (``followup.check_stored``) and reduced to its ``Summary`` (``overview.summary.summarise``); the summaries go
through the ``OverviewBuilder`` with, for each district's two latest years, the follow-up ledger's counts
(``followup.compare_stored``); the page and the JSON are ``overview.build.render`` and ``Overview.to_json``. A check is a
pure function of the original's bytes and name, the rules version and the pack asked for, so the summaries and ledger
counts are kept in memory under those (bounded): the home page does not check every filing again on every visit.

Who sees what: officers, reviewers and admins every district; a filer their own district's history only. ``year`` shows
the overview as it stood for that year (the filings of that year and before: each district's latest row, its trend);
``standard`` checks every filing with that pack, as ``junheng overview --standard`` does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from junheng.errors import InputError, InputErrors
from junheng.overview.aggregate import OverviewBuilder
from junheng.overview.build import render
from junheng.overview.catalogue import catalogue
from junheng.overview.model import Overview
from junheng.overview.stream import NEEDS
from junheng.overview.summary import Failed, Summary, summarise
from junheng.web.problems import Refused, invalid
from junheng.web.roles import Principal, require
from junheng.web.service.filings import Report
from junheng.web.service.filings import policy_for
from junheng.web.service.followup import Stored, check_stored, compare_stored, latest_stored
from junheng.web.workbench import Workbench

__all__ = ["REPORT_LINK", "overview_json", "overview_page", "overview_workbook"]

REPORT_LINK = "/api/filings/{id}/report.html"  # where a district's row links: its own report
_KEEP = 20_000  # summaries and ledger counts kept in memory (each a few kilobytes at most)
_T = TypeVar("_T")


class _Memo:
    """A bounded, thread-safe memory of pure computations: what was computed for a key is never computed again."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                found: _T = self._kept[key]
                return found
        made = make()  # outside the lock: a check takes the workbench's check lock
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return made


_MEMO = _Memo(_KEEP)


def _key(s: Stored, standard: str | None) -> tuple[str, str, str, str | None]:
    """What a check of a stored filing depends on: its bytes, its name, the rules version, the pack asked for."""
    return (s.sha256, s.filename, s.rules_version, standard)


def _failed(s: Stored, errors: list[InputError]) -> Failed:
    return Failed(s.filename, 2, tuple(errors))


def _summary(wb: Workbench, s: Stored, standard: str | None) -> Summary | Failed:
    """The filing's summary, from a check with its indicators; ``Failed`` when it cannot be checked (as the CLI lists it)."""
    def make() -> Summary | Failed:
        try:
            result = check_stored(wb, s, NEEDS, standard)
        except InputErrors as exc:  # as the check of these bytes under these rules will always say: kept too
            return _failed(s, list(exc.errors))
        return summarise(result, policy_for(wb, s.rules_version).packs.get(result.standard))

    try:
        return _MEMO.get(("summary", *_key(s, standard)), make)
    except Refused as exc:  # its rules version is not kept in this data folder: nothing to remember, another may keep it
        return _failed(s, [InputError(exc.code, s.filename, None, None, "", exc.zh, exc.en)])


def _ledger_counts(wb: Workbench, earlier: Stored, later: Stored, standard: str | None) -> tuple[tuple[str, int], ...] | None:
    """The follow-up ledger's count of each status between two years, as ``junheng overview`` counts them; None when the
    ledger cannot be made (the rule-by-rule comparison stays)."""
    def make() -> tuple[tuple[str, int], ...] | None:
        try:
            return tuple(compare_stored(wb, earlier, later, standard).summary.items())
        except InputErrors:
            return None

    try:
        return _MEMO.get(("ledger", *_key(earlier, standard), *_key(later, standard)), make)
    except Refused:
        return None


def _overview(wb: Workbench, who: Principal, year: int | None, standard: str | None, link: str) -> Overview:
    """The overview of the newest stored filing of each district and year up to ``year`` that ``who`` may read."""
    require(who, "read_filings")
    _, policy = wb.rules.current()
    if standard is not None and standard not in policy.packs:
        known = ", ".join(sorted(policy.packs))
        problem = InputError("invalid_request", "<query>", None, None, "/standard", f"未知规则包 {standard}（现有：{known}）",
                             f"unknown standard {standard!r} (known: {known})")
        raise invalid("invalid_request", f"没有名为 {standard} 的规则包（现有：{known}）",
                      f"no rule pack is named {standard} (known: {known})", [problem])
    with wb.db.reading() as session:
        stored = latest_stored(session, who, last_year=year)
    builder = OverviewBuilder(catalogue(policy))
    by_year = {(s.district, s.year): s for s in stored}
    for s in stored:
        builder.add(_summary(wb, s, standard), link.format(id=s.id))
    for earlier, later in builder.pairs():
        first, second = by_year.get((earlier.code, earlier.year)), by_year.get((later.code, later.year))
        counts = _ledger_counts(wb, first, second, standard) if first is not None and second is not None else None
        if counts is not None:
            builder.ledgers[(later.code, later.year)] = counts
    return builder.build()


def overview_json(wb: Workbench, who: Principal, year: int | None = None, standard: str | None = None, lang: str = "zh", *,
                  link: str = REPORT_LINK) -> dict[str, Any]:
    """The overview as ``junheng overview --format json`` prints it (docs/overview.md) over the stored filings, each
    district's ``report`` a link to its filing's report (``link`` with ``{id}``), and ``asked``: the year and pack asked."""
    o = _overview(wb, who, year, standard, link)
    return o.to_json(lang) | {"asked": {"year": year, "standard": standard}}


def overview_page(wb: Workbench, who: Principal, year: int | None, standard: str | None, lang: str = "zh", *,
                  link: str = REPORT_LINK) -> str:
    """The overview as a complete HTML page (``junheng overview --format html``): SVG charts, no script, nothing from
    another host."""
    page = render(_overview(wb, who, year, standard, link), "html", lang)
    return page if isinstance(page, str) else page.decode("utf-8")


def overview_workbook(wb: Workbench, who: Principal, year: int | None = None, standard: str | None = None, lang: str = "zh", *,
                      link: str = REPORT_LINK) -> Report:
    """The overview's workbook (``junheng overview --format xlsx``): the same tables, one sheet each."""
    body = render(_overview(wb, who, year, standard, link), "xlsx", lang)
    return Report(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"overview-{year or 'all'}.xlsx")
