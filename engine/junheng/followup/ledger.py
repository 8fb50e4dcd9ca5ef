"""The rectification ledger (整改台账): last year's findings, one by one, against a later check of the same district.

Every finding of the earlier result gets one status (follow-up.md §1), by its identity (rule, for_rule, subject):

- ``resolved`` 已整改: the later result has no finding of that identity, and its check did judge it — the
  subject exists in the later filing, the rule is in the later pack and applies there, and the later
  result has no DATA-MISSING for that rule and subject (a DATA-MISSING finding is itself resolved when the
  later result has none of its identity and its subject exists);
- ``partly`` 部分整改: the later result has the finding too, both quantify a shortfall in the same unit, and
  the later one is smaller (a gap that fell to 0 while the finding remains included);
- ``open`` 未整改: the later result has the finding too, and ``partly`` does not hold;
- ``unknown`` 无法判断: none of these — the subject is gone, the rule is not in the later pack or does not
  apply, or the later filing lacks the data.

Findings of the later result with no earlier one of the same identity are ``new`` 新增问题. Whether a rule
applies at a subject is read from the later check's indicators (``check/measure.py``), as the reports read
it; nothing is judged here again. A rule that reads last year's filing (``prior.…``, DATA-05) or verified
figures (``verified.…``, DATA-06) is judged only by a check that had them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from junheng.check.run import Options, check_source
from junheng.errors import ExitStatus, InputError, InputErrors
from junheng.filing.read import read_filing
from junheng.located.read import load_document
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule, Policy
from junheng.policy.text import Text
from junheng.report.result import SEVERITY_RANK, Finding, Location, Result

__all__ = ["STATUSES", "STATUS_NAMES", "Item", "Ledger", "compare", "follow_up", "ledger_of", "read_result_json"]

STATUSES = ("resolved", "partly", "open", "unknown", "new")
STATUS_NAMES = {
    "resolved": Text(zh="已整改", en="resolved"),
    "partly": Text(zh="部分整改", en="partly resolved"),
    "open": Text(zh="未整改", en="not resolved"),
    "unknown": Text(zh="无法判断", en="cannot tell"),
    "new": Text(zh="新增问题", en="new"),
}
DATA_MISSING = "DATA-MISSING"
_LEVELS = ("primary", "junior")


@dataclass(frozen=True)
class Item:
    """One line of the ledger: a finding of the earlier result and what became of it, or a new finding of the later one."""

    status: str
    earlier: Finding | None  # absent on a new item
    later: Finding | None  # absent on a resolved or unknown item

    @property
    def finding(self) -> Finding:
        """The finding the item is about: the earlier one, or the later one for a new item."""
        found = self.earlier or self.later
        if found is None:  # never: compare() gives every item one of them
            raise ValueError("a ledger item without a finding")
        return found

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        f = self.finding
        out: dict[str, Any] = {"status": self.status, "rule": f.rule, "subject": f.subject, "severity": f.severity,
                               "title": _pick(f.title, lang)}
        if f.for_rule is not None:
            out["for_rule"] = f.for_rule
        for key, side in (("earlier", self.earlier), ("later", self.later)):
            if side is not None:
                out[key] = {"message": _pick(side.message, lang)} | (
                    {"shortfall": {"value": side.shortfall[0], "unit": side.shortfall[1]}} if side.shortfall is not None else {})
        return out


@dataclass(frozen=True)
class Ledger:
    """The ledger of one district between two results (the later one checked with its indicators)."""

    earlier: Result
    later: Result
    items: tuple[Item, ...]

    @property
    def district(self) -> dict[str, Any]:
        return {"code": self.later.district["code"], "name": self.later.district["name"]}

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(item.status for item in self.items)
        return {status: counts[status] for status in STATUSES}

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        def side(r: Result) -> dict[str, Any]:
            return {"file": r.file, "year": r.district["year"], "verdict": r.verdict}

        return {"schema_version": 1, "district": self.district, "earlier": side(self.earlier), "later": side(self.later),
                "summary": self.summary, "items": [item.to_json(lang) for item in self.items]}

    def json_text(self, lang: str = "zh") -> str:
        """``--format json``: UTF-8 unescaped, 2-space indentation, keys sorted, one final newline (output.md's byte rules)."""
        return json.dumps(self.to_json(lang), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def status(self, fail_on: str = "blocking") -> int:
        """1 when an earlier finding at or above ``fail_on`` is not resolved, or a new one is at or above it; else 0."""
        if fail_on == "never":
            return ExitStatus.OK
        limit = SEVERITY_RANK[fail_on]
        failing = any(item.status != "resolved" and SEVERITY_RANK[item.finding.severity] <= limit for item in self.items)
        return ExitStatus.FINDINGS if failing else ExitStatus.OK


def _pick(text: Text, lang: str) -> str:
    return text.en if lang == "en" else text.zh


# ---------------------------------------------------------------- what the later check judged


def _reads(rule: CompiledRule, prefix: str) -> bool:
    """Whether a rule's values read names under ``prefix`` (``prior.``, ``verified.``)."""
    return any(n.name.startswith(prefix) for node in rule.value_nodes.values() for n in ex.names(node))


class _Later:
    """What the later result can say about an earlier finding: its subjects, its pack, where each rule applies."""

    def __init__(self, later: Result, pack: CompiledPack, prior: bool, verified: bool):
        if later.indicators is None:  # never: follow_up and ledger_of ask the check for them
            raise ValueError("the later result was checked without its indicators")
        self.code = str(later.district["code"])
        subjects = later.indicators.subjects
        self.records = Counter(name.split("#", 1)[0] for name, kind, _, _ in subjects if kind == "school")
        self.units = {name for name, kind, _, _ in subjects if kind == "unit"}
        self.levels = {variant for _, kind, variant, _ in subjects if kind == "level"}
        self.rules = {rule.id: rule for rule in pack.rules}
        self.has = {"prior.": prior, "verified.": verified}
        names = {i: s[0] for i, s in enumerate(subjects)}
        self.applies = {(series.rule, names[row[0]]): row[1] for series in later.indicators.series for row in series.rows}
        self.missing = {(f.for_rule, f.subject) for f in later.findings if f.for_rule is not None}
        self.by_identity = {f.identity: f for f in later.findings}

    def exists(self, subject: str) -> bool:
        """Whether the later filing has the subject (follow-up.md: a district, level, school, record, campus or group)."""
        if subject == self.code:
            return True
        head, slash, tail = subject.partition("/")
        if slash and head == self.code:
            return tail in self.levels if tail in _LEVELS else True  # a survey group always exists
        if slash:  # <school>/<field>: a verified figure's subject
            return self.exists(head)
        school, hash_sign, k = subject.partition("#")
        if hash_sign:
            return k.isdigit() and self.records[school] >= int(k)
        return self.records[school] > 0 or subject in self.units

    def judged(self, rule_id: str, subject: str) -> bool:
        """Whether the later check judged the rule at the subject: in its pack, with what the rule reads, applying there."""
        rule = self.rules.get(rule_id)
        if rule is None or any(_reads(rule, prefix) and not present for prefix, present in self.has.items()):
            return False
        if rule.rule.aggregate is not None:  # QLT-08 applies where one of its indicators does
            flags = [self.applies.get((member, subject)) for member in rule.rule.aggregate.of]
            return not flags or any(flag is not False for flag in flags)
        return self.applies.get((rule_id, subject)) is not False


def _status(earlier: Finding, later: _Later) -> tuple[str, Finding | None]:
    now = later.by_identity.get(earlier.identity)
    if now is not None:
        then_gap, now_gap = earlier.shortfall, now.shortfall
        smaller = then_gap is not None and now_gap is not None and then_gap[1] == now_gap[1] and now_gap[0] < then_gap[0]
        return ("partly" if smaller else "open"), now
    if not later.exists(earlier.subject):
        return "unknown", None
    if earlier.rule == DATA_MISSING:
        return "resolved", None
    if not later.judged(earlier.rule, earlier.subject) or (earlier.rule, earlier.subject) in later.missing:
        return "unknown", None
    return "resolved", None


def compare(earlier: Sequence[Finding], later: Result, pack: CompiledPack, *, prior: bool = False,
            verified: bool = False) -> tuple[Item, ...]:
    """The ledger's items: each earlier finding with its status, in output order, then the later result's new findings.

    ``later`` was checked with ``pack`` and its indicators; ``prior``/``verified``: whether that check had last
    year's filing (``--previous``) or verified figures.
    """
    judge = _Later(later, pack, prior, verified)
    items = []
    for finding in sorted(earlier, key=Finding.sort_key):
        status, now = _status(finding, judge)
        items.append(Item(status, finding, now))
    before = {f.identity for f in earlier}
    items += [Item("new", None, f) for f in sorted(later.findings, key=Finding.sort_key) if f.identity not in before]
    return tuple(items)


# ---------------------------------------------------------------- junheng follow-up EARLIER LATER


def follow_up(earlier: str, later: str, policy: Policy, standard: str | None = None) -> Ledger:
    """Check both filings (as ``junheng check`` would) and compare them; InputErrors for invalid input or a mismatched pair."""
    errors: list[InputError] = []
    read = []
    for path in (earlier, later):
        try:
            read.append(read_filing(path))
        except InputErrors as e:
            errors += e.errors
    if errors:
        raise InputErrors(errors)
    (_, first), (later_doc, second) = read
    _same_district(first.district.code, first.district.year, second.district.code, second.district.year, later_doc.file,
                   later_doc.location, later_doc.cell)
    checked = []
    for path, details in ((earlier, frozenset[str]()), (later, frozenset({"indicators"}))):
        try:
            checked.append(check_source(path, policy, Options(standard=standard, details=details)))
        except InputErrors as e:
            errors += e.errors
    if errors:
        raise InputErrors(errors)
    then, now = checked
    return Ledger(then, now, compare(then.findings, now, policy.packs[now.standard]))


def ledger_of(earlier: Result, later: Result, policy: Policy, *, prior: bool = False) -> Ledger:
    """The ledger of a later check against an earlier result read back from JSON (``read_result_json``): the letter's 上年整改情况."""
    return Ledger(earlier, later, compare(earlier.findings, later, policy.packs[later.standard], prior=prior))


def _same_district(code: str, year: int, later_code: str, later_year: int, file: str, location: Any, cell: Any) -> None:
    """The later filing must be the same district's, for a later year: else an error at its code or year."""
    if later_code != code:
        pointer, zh, en = ("/district/code", f"两份申报不是同一区县：上年为 {code}，本年为 {later_code}",
                           f"the two filings are of different districts: {code} earlier, {later_code} later")
    elif later_year <= year:
        pointer, zh, en = ("/district/year", f"后一份申报的年度（{later_year}）应晚于前一份（{year}）",
                           f"the later filing's year ({later_year}) must come after the earlier one's ({year})")
    else:
        return
    line, column = location(pointer)
    raise InputErrors([InputError("follow_up_mismatch", file, line, column, pointer, zh, en, cell=cell(pointer))])


# ---------------------------------------------------------------- an earlier result from `check --format json`


def read_result_json(path: str) -> list[Result]:
    """The checked results in a ``junheng check --format json`` document (one result, or ``{"results": […]}``).

    Filings that could not be checked (a failure entry) are left out: they have no findings to follow. A
    document that is not such a result is invalid input, located at the first value that breaks the
    published result schema (``junheng schema --output``).
    """
    import jsonschema  # type: ignore[import-untyped]  # imported here, not at the top: start-up time of the other commands

    from junheng.report.schema import result_json_schema  # imported here: only this reading needs the schema

    doc = load_document(path, fmt="json")
    data = json.loads(json.dumps(doc.data, ensure_ascii=False))  # plain values: the loader's carry their places
    problems = sorted(jsonschema.Draft202012Validator(result_json_schema()).iter_errors(data), key=lambda e: list(e.absolute_path))
    if problems:
        best = jsonschema.exceptions.best_match(problems)
        pointer = "".join(f"/{p}" for p in best.absolute_path)
        line, column = doc.location(pointer)
        raise InputErrors([InputError("previous_result_invalid", doc.file, line, column, pointer,
                                      f"不是 junheng check --format json 的检查结果：{best.message}",
                                      f"not a result of junheng check --format json: {best.message}")])
    entries = data["results"] if "results" in data else [data]
    return [_result(entry) for entry in entries if "verdict" in entry]


def _text(value: Any) -> Text:
    """A text the JSON gives in one language: the same words in both."""
    return Text(zh=str(value) or "—", en=str(value) or "—")


def _result(entry: dict[str, Any]) -> Result:
    findings = tuple(Finding(
        rule=f["rule"], subject=f["subject"], severity=f["severity"], title=_text(f["title"]), message=_text(f["message"]),
        observed=dict(f["observed"]), threshold=dict(f["threshold"]), basis=_text(f["basis"]), rectification=_text(f["rectification"]),
        locations=tuple(Location(loc["file"], loc["line"], loc["column"], loc["pointer"], loc.get("cell")) for loc in f["locations"]),
        shortfall=(f["shortfall"]["value"], f["shortfall"]["unit"]) if "shortfall" in f else None,
        for_rule=f.get("for_rule"), missing=tuple(f["missing"]) if "missing" in f else None) for f in entry["findings"])
    district = {"code": str(entry["district"]["code"]), "name": entry["district"]["name"], "year": int(entry["district"]["year"])}
    return Result(file=entry["file"], district=district, standard=entry["standard"], standard_title=_text(entry["standard"]),
                  verdict=entry["verdict"], findings=findings)
