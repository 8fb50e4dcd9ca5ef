"""Findings, results, verdicts and exit status: the data every output format renders.

A finding carries its texts in both languages (``Text``); a formatter picks
one. The exit status of a run is decided here, in one place, from the results
and the errors (output.md: 0 clean, 1 findings at or above ``--fail-on``,
2 invalid input, 3 internal error; the highest over all filings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from junheng.errors import ExitStatus, InputError

if TYPE_CHECKING:  # annotations only: the rule models (pydantic) cost start-up time that `junheng validate` need not pay
    from junheng.policy.text import Text

__all__ = ["FAIL_ON", "SEVERITY_RANK", "Failure", "Finding", "Indicators", "Location", "Outcome", "Result", "Row", "Series",
           "outcome_status", "run_status"]

SEVERITY_RANK = {"blocking": 0, "major": 1, "minor": 2, "info": 3}
FAIL_ON = ("blocking", "major", "minor", "info", "never")

# (subject index, applies (None: unknown), values in a Series' `names` order, limit values in its `limits` order)
Row = tuple[int, bool | None, tuple[float | None, ...], tuple[float | None, ...]]


@dataclass(frozen=True)
class Location:
    """Where a figure is in a filing: file, line and column (1-based), JSON pointer, and a spreadsheet's cell."""

    file: str
    line: int
    column: int
    pointer: str
    cell: str | None = None  # a spreadsheet filing's cell, "学校!F12"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line, "column": self.column, "pointer": self.pointer}
        if self.cell is not None:  # only for spreadsheets: other filings' output stays as it was
            out["cell"] = self.cell
        return out


@dataclass(frozen=True)
class Finding:
    """A violated rule (or one that could not be judged: DATA-MISSING) at one subject, with its texts in both languages."""

    rule: str
    subject: str
    severity: str
    title: Text
    message: Text
    observed: dict[str, Any]  # name → the value as filed or computed
    threshold: dict[str, str]  # name → the requirement, "≥ 25"
    basis: Text
    rectification: Text
    locations: tuple[Location, ...]
    shortfall: tuple[int | float, str] | None = None  # (value, unit)
    for_rule: str | None = None
    missing: tuple[str, ...] | None = None
    area: str = ""
    area_title: Text | None = None

    @property
    def identity(self) -> tuple[str, str, str]:
        """Unique within a result: (rule, the rule DATA-MISSING is for, subject)."""
        return (self.rule, self.for_rule or "", self.subject)

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITY_RANK[self.severity], self.rule, self.for_rule or "", self.subject)

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "subject": self.subject,
            "severity": self.severity,
            "title": _pick(self.title, lang),
            "message": _pick(self.message, lang),
            "observed": self.observed,
            "threshold": self.threshold,
            "basis": _pick(self.basis, lang),
            "rectification": _pick(self.rectification, lang),
            "locations": [loc.to_json() for loc in self.locations],
        }
        if self.shortfall is not None:
            out["shortfall"] = {"value": self.shortfall[0], "unit": self.shortfall[1]}
        if self.for_rule is not None:
            out["for_rule"] = self.for_rule
            out["missing"] = list(self.missing or ())
        return out


def _pick(text: Text, lang: str) -> str:
    return text.en if lang == "en" else text.zh


@dataclass(frozen=True)
class Series:
    """One rule's values at every subject of its kind, as the derive stage computed them (floats):
    what a report tabulates and charts. Reports only: not part of the JSON output."""

    rule: str
    kind: str  # the rule's subject kind: district | level | group | school | unit
    severity: str
    area: str
    area_title: Text
    title: Text
    names: tuple[str, ...]  # the values each row carries, the rule's declared values first
    labels: dict[str, Text]  # value name → Text, where the rule file names a value (BAL coefficients)
    formats: dict[str, str]  # value name → the format its texts use ("pct", "int" …)
    # (value name, operator that must hold, right-hand name) for each requirement against one name
    limits: tuple[tuple[str, str, str], ...]
    requirement: dict[str | None, tuple[tuple[str, str], ...]]  # variant (or None) → ((value name, "≥ 25"), …), policy numbers filled in
    rows: tuple[Row, ...]  # one per subject of the kind; a value that is missing or undefined is None


@dataclass(frozen=True)
class Indicators:
    """Every indicator of a checked filing against its standard, for reports (HTML charts)."""

    subjects: tuple[tuple[str, str, str | None, str], ...]  # (subject, kind, variant, readable label)
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Result:
    """The check of one filing."""

    file: str
    district: dict[str, Any]  # {code, name, year}
    standard: str
    standard_title: Text
    verdict: str  # qualified | deferred
    findings: tuple[Finding, ...]
    vocabulary: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Every (rule id, subject) pair the pack judged, passed or not, sorted: what a JUnit report counts as tests.
    checks: tuple[tuple[str, str], ...] = ()
    # The indicators behind the findings (see ``Indicators``); None when not computed.
    indicators: Indicators | None = field(default=None, compare=False, repr=False)
    # Warnings about how the filing was checked (a pack meant for another province, a sheet that was
    # ignored …): located like errors, shown by every format, never findings; ``--strict`` makes them exit 2.
    notices: tuple[InputError, ...] = ()
    # The filing's school records in file order, (id, name or None): how a report names the school of a location.
    schools: tuple[tuple[str, str | None], ...] = field(default=(), compare=False, repr=False)

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITY_RANK}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "schema_version": 1,
            "file": self.file,
            "district": self.district,
            "standard": self.standard,
            "verdict": self.verdict,
            "summary": self.summary,
            "findings": [f.to_json(lang) for f in self.findings],
        } | ({"notices": [n.to_json(lang) for n in self.notices]} if self.notices else {})

    def status(self, fail_on: str = "blocking") -> int:
        if fail_on == "never":
            return ExitStatus.OK
        limit = SEVERITY_RANK[fail_on]
        return ExitStatus.FINDINGS if any(SEVERITY_RANK[f.severity] <= limit for f in self.findings) else ExitStatus.OK


@dataclass(frozen=True)
class Failure:
    """A filing that could not be checked: invalid input (2) or an internal error (3)."""

    file: str
    status: int
    errors: tuple[InputError, ...]

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        return {"file": self.file, "status": self.status, "errors": [e.to_json(lang) for e in self.errors]}


Outcome = Result | Failure


def outcome_status(outcome: Outcome, fail_on: str) -> int:
    return outcome.status if isinstance(outcome, Failure) else outcome.status(fail_on)


def run_status(outcomes: list[Outcome], fail_on: str) -> int:
    """The exit status of a run: the highest any filing earns."""
    return max((outcome_status(o, fail_on) for o in outcomes), default=ExitStatus.OK)
