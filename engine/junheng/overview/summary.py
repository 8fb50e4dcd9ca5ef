"""One filing's check reduced to what the overview shows: a summary whose size does not grow with the number of schools.

A ``Summary`` keeps, for one district and year, the verdict, the counts by severity, and per rule how
many subjects (and of them schools) fall short, could not be judged (数据缺失) or were judged at all,
with the amounts to make up summed per unit where they add up; the difference coefficients of each
school level against the limits of the pack's rules, and the growth of education appropriation
against regular revenue. Every number is bounded by the number of rules, never by the schools: the
overview of the national set keeps 2,850 summaries, not 2,850 results.

A summary is made where the filing was checked (``summarise``, in the worker process) and travels to
the parent as JSON (``to_json`` / ``from_json``). A result of an earlier ``junheng check --format json``
(``--previous-results``) gives a summary too (``from_check_json``): its findings are there, its
indicators are not, so it carries no coefficients, no growth and no judged counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from junheng.errors import InputError
from junheng.policy.compiled import CompiledPack
from junheng.report.formats.html import per_what  # the district report's rule for an amount that is a rate: one rule for both pages
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Result, Series

__all__ = ["Coefficient", "Failed", "Growth", "RuleTally", "Summary", "error_json", "from_check_json", "subject_kind", "summarise"]

SCHOOL_KINDS = ("school", "unit", "school_id")


def subject_kind(subject: str, code: str) -> str:
    """What a finding's subject is, from its name alone: ``district`` (the code), ``part`` (a level or a survey
    group, ``code/primary``) or ``school`` (a school record's id, ``id#2`` for a repeated one)."""
    if subject == code:
        return "district"
    return "part" if subject.startswith(f"{code}/") else "school"


@dataclass(frozen=True)
class RuleTally:
    """One rule at one district: subjects short of it, of them schools; subjects it could not judge; subjects it judged."""

    rule: str
    severity: str
    short: int = 0  # subjects with a finding of the rule
    schools_short: int = 0
    missing: int = 0  # subjects with a DATA-MISSING finding for the rule
    schools_missing: int = 0
    judged: int | None = None  # subjects of its kind it applies to; None: not known (no indicators)
    schools_judged: int | None = None
    amounts: tuple[tuple[str, float], ...] = ()  # (unit as the rule writes it, sum) of the amounts that add up
    rates: int = 0  # findings whose amount is a rate (每名教师每年 … 元, 个百分点): listed by the district report, never summed

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "short": self.short, "schools_short": self.schools_short,
                "missing": self.missing, "schools_missing": self.schools_missing, "judged": self.judged,
                "schools_judged": self.schools_judged, "amounts": [list(a) for a in self.amounts], "rates": self.rates}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleTally:
        return cls(**{**data, "amounts": tuple((str(u), float(v)) for u, v in data.get("amounts", ()))})


@dataclass(frozen=True)
class Coefficient:
    """A difference coefficient (差异系数) of one school level, with the limit the pack's rule puts on it."""

    rule: str
    level: str  # primary | junior
    name: str  # the rule's value: composite, cv_sports_per_student …
    label: tuple[str, str]  # (zh, en)
    value: float | None
    limit: float | None
    status: str  # ok | short | missing | na (the rule does not apply: too few schools)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level, "name": self.name, "label": list(self.label), "value": self.value,
                "limit": self.limit, "status": self.status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Coefficient:
        return cls(**{**data, "label": (str(data["label"][0]), str(data["label"][1]))})


@dataclass(frozen=True)
class Growth:
    """A district rule that compares two growths (教育财政拨款增长 against 财政经常性收入增长): both, and whether it holds."""

    rule: str
    left: float | None  # the growth that must be higher, as a ratio (1.12 is +12%)
    right: float | None
    status: str  # ok | short | missing

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "left": self.left, "right": self.right, "status": self.status}


@dataclass(frozen=True)
class Summary:
    """What the overview keeps of one checked filing."""

    file: str
    code: str
    name: str
    year: int
    standard: str
    verdict: str  # qualified | deferred
    counts: Mapping[str, int]  # severity → findings
    rules: tuple[RuleTally, ...]  # sorted by rule id
    coefficients: tuple[Coefficient, ...] = ()
    growth: Growth | None = None
    notices: int = 0
    checked: bool = True  # False: read from an earlier result (--previous-results), without indicators

    def tally(self, rule: str) -> RuleTally | None:
        return next((t for t in self.rules if t.rule == rule), None)

    def failing(self) -> frozenset[str]:
        """The rules this district falls short of, or could not be judged on."""
        return frozenset(t.rule for t in self.rules if t.short or t.missing)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "code": self.code, "name": self.name, "year": self.year, "standard": self.standard,
                "verdict": self.verdict, "counts": dict(self.counts), "rules": [t.to_json() for t in self.rules],
                "coefficients": [c.to_json() for c in self.coefficients],
                "growth": self.growth.to_json() if self.growth else None, "notices": self.notices, "checked": self.checked}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        growth = data.get("growth")
        return cls(file=data["file"], code=data["code"], name=data["name"], year=int(data["year"]), standard=data["standard"],
                   verdict=data["verdict"], counts=dict(data["counts"]),
                   rules=tuple(RuleTally.from_json(t) for t in data["rules"]),
                   coefficients=tuple(Coefficient.from_json(c) for c in data.get("coefficients", ())),
                   growth=Growth(**growth) if growth else None, notices=int(data.get("notices", 0)),
                   checked=bool(data.get("checked", True)))


@dataclass(frozen=True)
class Failed:
    """A filing (or an earlier result) that could not be used: why, located, in both languages."""

    file: str
    status: int  # 2 invalid input, 3 internal error
    errors: tuple[InputError, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "errors": [error_json(e) for e in self.errors]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Failed:
        return cls(data["file"], int(data["status"]), tuple(InputError(**e) for e in data["errors"]))

    @classmethod
    def of(cls, failure: Failure) -> Failed:
        return cls(failure.file, failure.status, failure.errors)


def error_json(error: InputError) -> dict[str, Any]:
    """An error (or a notice) in both languages, as a summary carries it from the worker; ``InputError(**…)`` reads it back."""
    return {"code": error.code, "file": error.file, "line": error.line, "column": error.column, "pointer": error.pointer,
            "zh": error.zh, "en": error.en, "cell": error.cell}


# -- from a checked filing ---------------------------------------------------------------------------


class _Tallies:
    """The per-rule counts of one result while its findings and indicators are read."""

    def __init__(self, code: str):
        self.code = code
        self.rows: dict[str, dict[str, Any]] = {}

    def row(self, rule: str, severity: str) -> dict[str, Any]:
        row = self.rows.setdefault(rule, {"rule": rule, "severity": severity, "short": set(), "missing": set(), "judged": None,
                                          "schools_judged": None, "amounts": {}, "rates": 0})
        if SEVERITY_RANK[severity] < SEVERITY_RANK[row["severity"]]:
            row["severity"] = severity
        return row

    def finding(self, rule: str, severity: str, subject: str, for_rule: bool, amount: tuple[float, str] | None, rate: bool) -> None:
        row = self.row(rule, severity)
        row["missing" if for_rule else "short"].add(subject)
        if amount is None or amount[0] == 0:
            return
        if rate:
            row["rates"] += 1
        else:
            row["amounts"][amount[1]] = row["amounts"].get(amount[1], 0.0) + float(amount[0])

    def judged(self, series: Series, kinds: Mapping[int, str]) -> None:
        """The subjects a rule judged: every subject of its kind that it applies to (or may: unknown counts)."""
        row = self.row(series.rule, series.severity)
        row["judged"] = (row["judged"] or 0) + sum(1 for r in series.rows if r[1] is not False)
        if series.kind in SCHOOL_KINDS:
            schools = sum(1 for r in series.rows if r[1] is not False and kinds.get(r[0]) in SCHOOL_KINDS)
            row["schools_judged"] = (row["schools_judged"] or 0) + schools

    def result(self, keep: Iterable[str] = ()) -> tuple[RuleTally, ...]:
        """The tallies, sorted by rule; a rule that judged no school and found nothing is left out unless kept."""
        kept = set(keep)
        out = []
        for rule in sorted(self.rows):
            r = self.rows[rule]
            if not (r["short"] or r["missing"] or r["schools_judged"] or rule in kept):
                continue
            schools_short = sum(1 for s in r["short"] if subject_kind(s, self.code) == "school")
            schools_missing = sum(1 for s in r["missing"] if subject_kind(s, self.code) == "school")
            out.append(RuleTally(rule, r["severity"], len(r["short"]), schools_short, len(r["missing"]), schools_missing, r["judged"],
                                 r["schools_judged"], tuple(sorted(r["amounts"].items())), r["rates"]))
        return tuple(out)


def _is_rate(finding: Finding) -> bool:
    return per_what(finding, "en") is not None


def summarise(result: Result, pack: CompiledPack | None = None) -> Summary:
    """The summary of a checked filing; ``pack`` (the one it was checked with) gives the coefficients' limits."""
    code = str(result.district["code"])
    tallies = _Tallies(code)
    for f in result.findings:
        tallies.finding(f.for_rule or f.rule, f.severity, f.subject, f.for_rule is not None, f.shortfall, _is_rate(f))
    coefficients: tuple[Coefficient, ...] = ()
    growth = None
    ind = result.indicators
    if ind is not None:
        kinds = {i: s[1] for i, s in enumerate(ind.subjects)}
        for series in ind.series:
            tallies.judged(series, kinds)
        fired = {(f.for_rule or f.rule, f.subject): ("missing" if f.for_rule else "short") for f in result.findings}
        coefficients = tuple(_coefficients(ind.series, ind.subjects, fired, pack))
        growth = _growth(ind.series, ind.subjects, fired)
    return Summary(file=result.file, code=code, name=str(result.district["name"]), year=int(result.district["year"]),
                   standard=result.standard, verdict=result.verdict, counts=result.summary, rules=tallies.result(),
                   coefficients=coefficients, growth=growth, notices=len(result.notices))


def _status(fired: Mapping[tuple[str, str], str], rule: str, subject: str, applies: bool | None, value: float | None) -> str:
    status = fired.get((rule, subject))
    if status is not None:
        return status
    if applies is False:
        return "na"
    return "missing" if value is None else "ok"


def _coefficients(series: Iterable[Series], subjects: tuple[tuple[str, str, str | None, str], ...],
                  fired: Mapping[tuple[str, str], str], pack: CompiledPack | None) -> Iterable[Coefficient]:
    """The difference coefficients a level's balance rules hold to a limit (the rules that label their values, as
    the district report's balance charts read them), each with the limit from the compiled rule's params."""
    for s in series:
        if s.kind != "level" or not s.labels:
            continue
        compiled = next((r for r in pack.rules if r.id == s.rule and r.rule.subject == "level"), None) if pack else None
        for left, _, right in s.limits:
            position = s.names.index(left)
            title = s.title
            label = (s.labels[left].zh, s.labels[left].en) if left in s.labels else (title.zh.split(" ")[0], title.en.split(":")[0])
            for index, applies, values, limits in s.rows:
                name, _, variant, _ = subjects[index]
                limit = limits[[lft for lft, _, _ in s.limits].index(left)]
                if compiled is not None and variant in compiled.params and right in compiled.params[variant]:
                    limit = float(compiled.params[variant][right])  # the policy number itself, as the pack's rule holds it
                value = values[position]
                yield Coefficient(s.rule, variant or "", left, label, value, limit, _status(fired, s.rule, name, applies, value))


def _growth(series: Iterable[Series], subjects: tuple[tuple[str, str, str | None, str], ...],
            fired: Mapping[tuple[str, str], str]) -> Growth | None:
    """The district rule whose requirement holds one growth above another (both written as growths in its texts)."""
    for s in series:
        if s.kind != "district":
            continue
        for left, _, right in s.limits:
            if s.formats.get(left) == "growth" and s.formats.get(right) == "growth" and right in s.names and s.rows:
                index, applies, values, _ = s.rows[0]
                a, b = values[s.names.index(left)], values[s.names.index(right)]
                return Growth(s.rule, a, b, _status(fired, s.rule, subjects[index][0], applies, None if a is None or b is None else a))
    return None


# -- from an earlier result's JSON -------------------------------------------------------------------


def from_check_json(data: Mapping[str, Any]) -> Summary:
    """The summary of one result of ``junheng check --format json`` (output.md), as far as its findings tell.

    The amounts of a rate cannot be told apart here (the English rectification is not in the JSON):
    only a unit that is a rate (个百分点, 元/人) is left out of the sums.
    """
    district = data["district"]
    code = str(district["code"])
    tallies = _Tallies(code)
    for f in data["findings"]:
        shortfall = f.get("shortfall")
        amount = (float(shortfall["value"]), str(shortfall["unit"])) if isinstance(shortfall, Mapping) else None
        rate = amount is not None and any(mark in amount[1] for mark in ("百分点", "/", "每"))
        tallies.finding(f.get("for_rule") or f["rule"], f["severity"], str(f["subject"]), "for_rule" in f, amount, rate)
    return Summary(file=str(data.get("file", "")), code=code, name=str(district.get("name", code)), year=int(district["year"]),
                   standard=str(data.get("standard", "")), verdict=str(data["verdict"]),
                   counts={s: int(data.get("summary", {}).get(s, 0)) for s in SEVERITY_RANK}, rules=tallies.result(),
                   checked=False)
