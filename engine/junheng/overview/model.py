"""The overview as data: what every format (HTML, xlsx, JSON, Markdown) renders, and its JSON (docs/overview.md).

Built by ``aggregate.OverviewBuilder`` from the summaries of a run; frozen; the same summaries give
the same overview (every list has a stated order), so every format gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from junheng.overview.catalogue import Catalogue
from junheng.overview.summary import Coefficient, Failed, Growth, Summary
from junheng.report.numbers import round4
from junheng.report.result import SEVERITY_RANK

__all__ = ["SCHEMA_VERSION", "AreaTable", "CoefficientChart", "DistrictRow", "GrowthRow", "Overview", "Progress", "RuleRow",
           "ShareRow", "TrendRow"]

SCHEMA_VERSION = 1


def _amounts(amounts: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    return {unit: round4(value) for unit, value in amounts}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


@dataclass(frozen=True)
class DistrictRow:
    """A district's latest filing: its summary, the link to its own report, the rules it falls short of by severity."""

    summary: Summary
    report: str | None  # the district's report, relative to the overview; None when none was written
    blocking: tuple[tuple[str, int, int], ...]  # (rule, subjects short, subjects missing data) of the blocking rules
    amounts: tuple[tuple[str, float], ...]  # (unit, sum) over every rule whose amounts add up

    def to_json(self, catalogue: Catalogue, lang: str) -> dict[str, Any]:
        s = self.summary
        return {"code": s.code, "name": s.name, "year": s.year, "standard": s.standard, "verdict": s.verdict, "file": s.file,
                "report": self.report, "summary": {k: s.counts.get(k, 0) for k in SEVERITY_RANK},
                "blocking": [{"rule": r, "title": catalogue.title(r, lang), "subjects": n, "missing": m} for r, n, m in self.blocking],
                "shortfalls": _amounts(self.amounts), "notices": s.notices}


@dataclass(frozen=True)
class RuleRow:
    """One rule over the districts: how many districts and schools fall short of it, how many it judged."""

    rule: str
    severity: str
    districts_short: int
    districts_missing: int  # districts where some subject lacked the data for it
    districts_judged: int  # districts checked with a pack that holds it
    schools_short: int
    schools_missing: int
    schools_judged: int | None  # None: the rule does not judge schools, or nobody knows how many
    subjects_short: int  # every subject: district, levels, survey groups, schools
    amounts: tuple[tuple[str, float], ...]

    def to_json(self, catalogue: Catalogue, lang: str) -> dict[str, Any]:
        return {"rule": self.rule, "title": catalogue.title(self.rule, lang), "severity": self.severity,
                "districts_short": self.districts_short, "districts_missing": self.districts_missing,
                "districts_judged": self.districts_judged, "schools_short": self.schools_short, "schools_missing": self.schools_missing,
                "schools_judged": self.schools_judged, "subjects_short": self.subjects_short, "shortfalls": _amounts(self.amounts)}


@dataclass(frozen=True)
class AreaTable:
    area: str
    title: tuple[str, str]
    rules: tuple[RuleRow, ...]  # the rules some district falls short of or lacks data for, most widespread first
    met: int  # the area's other rules: every district meets them

    def to_json(self, catalogue: Catalogue, lang: str) -> dict[str, Any]:
        return {"area": self.area, "title": _pick(self.title, lang), "rules": [r.to_json(catalogue, lang) for r in self.rules],
                "rules_met": self.met}


@dataclass(frozen=True)
class CoefficientChart:
    """The coefficients of one school level of every district checked with one pack, against the pack's limits."""

    standard: str
    level: str
    limits: tuple[tuple[str, str, float], ...]  # (rule, value name, limit), from the compiled pack
    rows: tuple[tuple[Summary, tuple[Coefficient, ...]], ...]  # worst first: the highest coefficient against its limit

    def to_json(self, lang: str) -> dict[str, Any]:
        return {"standard": self.standard, "level": self.level,
                "limits": [{"rule": r, "name": n, "limit": limit} for r, n, limit in self.limits],
                "districts": [{"code": s.code, "name": s.name, "year": s.year,
                               "coefficients": [{"rule": c.rule, "name": c.name, "label": _pick(c.label, lang), "value": round4(c.value),
                                                 "limit": c.limit, "status": c.status} for c in cs]} for s, cs in self.rows]}


@dataclass(frozen=True)
class GrowthRow:
    """三个增长 at a glance: the appropriation's growth against revenue's, and each rule that asks a figure to grow."""

    summary: Summary
    growth: Growth | None
    grows: tuple[tuple[str, str], ...]  # (rule, status: ok | short | missing | na) for each of the catalogue's growth rules

    def to_json(self) -> dict[str, Any]:
        g = self.growth
        return {"code": self.summary.code, "name": self.summary.name, "year": self.summary.year,
                "growth": None if g is None else {"rule": g.rule, "appropriation": round4(g.left), "revenue": round4(g.right),
                                                  "status": g.status},
                "grows": {rule: status for rule, status in self.grows}}


@dataclass(frozen=True)
class ShareRow:
    """One school standard over every school of the districts: how many meet it."""

    rule: str
    severity: str
    judged: int
    short: int
    missing: int

    @property
    def met(self) -> int:
        return max(0, self.judged - self.short - self.missing)

    @property
    def share(self) -> float | None:
        return self.met / self.judged if self.judged else None

    def to_json(self, catalogue: Catalogue, lang: str) -> dict[str, Any]:
        return {"rule": self.rule, "title": catalogue.title(self.rule, lang), "severity": self.severity, "schools": self.judged,
                "met": self.met, "short": self.short, "missing": self.missing, "share": round4(self.share)}


@dataclass(frozen=True)
class Progress:
    """What became of the rules a district fell short of, from one year to the next, rule by rule."""

    earlier: int  # the earlier year
    later: int
    resolved: tuple[str, ...]  # short (or lacking data) then, not now
    still: tuple[str, ...]  # short then and now
    new: tuple[str, ...]  # short now, not then
    unknown: tuple[str, ...]  # short then, not judged now (not in the later pack)
    # The follow-up ledger's count of each status, finding by finding (resolved, partly, open, unknown, new), when it was computed.
    ledger: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"earlier": self.earlier, "later": self.later,
                "rules": {"resolved": list(self.resolved), "open": list(self.still), "new": list(self.new), "unknown": list(self.unknown)},
                "ledger": dict(self.ledger) if self.ledger else None}


@dataclass(frozen=True)
class TrendRow:
    code: str
    name: str
    points: tuple[Summary, ...]  # one per year, oldest first
    progress: Progress | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "years": [{"year": s.year, "verdict": s.verdict, "summary": {k: s.counts.get(k, 0) for k in SEVERITY_RANK},
                           "file": s.file, "checked": s.checked} for s in self.points],
                "progress": self.progress.to_json() if self.progress else None}


@dataclass(frozen=True)
class Overview:
    catalogue: Catalogue
    districts: tuple[DistrictRow, ...]  # each district's latest filing: deferred first, then by blocking and major findings, code
    areas: tuple[AreaTable, ...]
    coefficients: tuple[CoefficientChart, ...]
    growth: tuple[GrowthRow, ...]
    shares: tuple[ShareRow, ...]
    trend: tuple[TrendRow, ...]  # districts with more than one year
    failures: tuple[Failed, ...]
    notes: tuple[tuple[str, str], ...]  # (zh, en): duplicates and the like
    filings: int  # filings given (checked or not)
    checked: int  # of them, checked
    skipped: int = 0  # files a folder reached that are not filings

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({d.summary.year for d in self.districts} | {p.year for t in self.trend for p in t.points}))

    @property
    def verdicts(self) -> dict[str, int]:
        out = {"qualified": 0, "deferred": 0}
        for d in self.districts:
            out[d.summary.verdict] = out.get(d.summary.verdict, 0) + 1
        return out

    @property
    def totals(self) -> tuple[tuple[str, float], ...]:
        sums: dict[str, float] = {}
        for d in self.districts:
            for unit, value in d.amounts:
                sums[unit] = sums.get(unit, 0.0) + value
        return tuple(sorted(sums.items()))

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        c = self.catalogue
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "overview",
            "years": list(self.years),
            "filings": {"given": self.filings, "checked": self.checked, "failed": len(self.failures), "skipped": self.skipped},
            "verdicts": self.verdicts,
            "shortfalls": _amounts(self.totals),
            "districts": [d.to_json(c, lang) for d in self.districts],
            "areas": [a.to_json(c, lang) for a in self.areas],
            "coefficients": [chart.to_json(lang) for chart in self.coefficients],
            "growth": {"rules": list(c.grows), "districts": [g.to_json() for g in self.growth]},
            "schools": [s.to_json(c, lang) for s in self.shares],
            "trend": [t.to_json() for t in self.trend],
            "failures": [_failure_json(f, lang) for f in self.failures],
            "notes": [_pick(n, lang) for n in self.notes],
        }


def _failure_json(failure: Failed, lang: str) -> dict[str, Any]:
    return {"file": failure.file, "status": failure.status, "errors": [e.to_json(lang) for e in failure.errors]}
