"""Rule tests written as data: a small filing, the standard, the findings expected and forbidden.

A test file in ``rules/tests/`` (any ``*.yaml`` there except base filings) is::

    cases:
      - note: 24.99 books per pupil is below 25 (STD-05 fires)
        set: {/schools/0/books: 22491}       # JSON pointer → new value, over the base filing
        remove: [/survey/deputies]           # pointers to delete
        standard: basic                      # optional: like --standard
        expect:                              # each must match one finding (the keys given)
          - {rule: STD-05, subject: P1, severity: major, shortfall: 9}
        forbid:                              # none may match any finding
          - {rule: STD-05, subject: P2}
        verdict: qualified                   # optional
        only: false                          # true: no findings beyond `expect`
        previous:                            # optional: last year's filing (DATA-05), the case's
          set: {/finance/teacher_salary/current: 64000}   # filing a year earlier, changed so

``base`` (default ``base.yaml``) names the filing the cases start from; a case
may instead give a whole ``filing:`` inline. Policy staff add a case by adding
lines, never Python.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from junheng.check.run import Options, check_source
from junheng.check.run import Previous as PreviousFilings
from junheng.errors import InputErrors
from junheng.located.read import LoadedDocument, load_document
from junheng.policy.compiled import Policy
from junheng.policy.load import _display, pydantic_error_to_input_error
from junheng.report.result import Finding, Result

__all__ = ["Case", "CaseResult", "Match", "Previous", "TestFile", "build_case_filing", "case_data", "coverage", "find_test_files",
           "load_test_file", "run_all", "run_file", "tests_dir"]

MATCH_KEYS = ("rule", "subject", "severity", "for_rule", "shortfall", "unit", "missing")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    rule: str
    subject: str | None = None
    severity: Literal["blocking", "major", "minor", "info"] | None = None
    for_rule: str | None = None
    shortfall: float | int | None = None
    unit: str | None = None
    missing: list[str] | None = None


class Previous(_Strict):
    """Last year's filing of the same district (for DATA-05): the case's filing changed by set/remove."""

    set: dict[str, Any] = Field(default_factory=dict)
    remove: list[str] = Field(default_factory=list)


class Case(_Strict):
    note: str = Field(min_length=1)
    previous: Previous | None = None
    standard: str | None = None
    filing: dict[str, Any] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    remove: list[str] = Field(default_factory=list)
    expect: list[Match] = Field(default_factory=list)
    forbid: list[Match] = Field(default_factory=list)
    verdict: Literal["qualified", "deferred"] | None = None
    only: bool = False


class TestFile(_Strict):
    base: str = "base.yaml"
    cases: list[Case] = Field(min_length=1)


@dataclass
class CaseResult:
    file: str
    index: int
    note: str
    line: int
    passed: bool
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    actual: list[dict[str, Any]] = field(default_factory=list)
    fired_rules: set[str] = field(default_factory=set)
    expected_rules: set[str] = field(default_factory=set)  # the rules this case asserts (expect), when it passed

    def problem_texts(self, lang: str = "en") -> list[str]:
        return [zh if lang == "zh" else en for zh, en in self.problems]

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line} {self.note}"


def tests_dir(rules_root: Path) -> Path:
    """Where a rules folder keeps its tests."""
    return Path(rules_root) / "tests"


def find_test_files(rules_root: Path) -> list[Path]:
    """The test files below ``<rules>/tests/``: every YAML file with ``cases:`` (base filings have none)."""
    folder = tests_dir(rules_root)
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.rglob("*.yaml")):
        try:
            head = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            out.append(p)
            continue
        if "\ncases:" in "\n" + head:
            out.append(p)
    return out


def load_test_file(path: Path) -> tuple[TestFile, LoadedDocument]:
    """A test file, validated; raises InputErrors with every located mistake."""
    doc = load_document(path, name=_display(path))
    try:
        return TestFile.model_validate(doc.data), doc
    except ValidationError as e:
        raise InputErrors([pydantic_error_to_input_error(err, doc, TestFile, "rule_test_error") for err in e.errors()]) from None


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _apply(data: dict[str, Any], pointer: str, value: Any = None, delete: bool = False) -> None:
    """Set (or delete) the value at a JSON pointer, making the mappings on the way."""
    tokens = _tokens(pointer)
    if not tokens:
        raise ValueError("cannot replace the whole filing; use `filing:`")
    obj: Any = data
    for t in tokens[:-1]:
        if isinstance(obj, list):
            obj = obj[int(t)]
        else:
            if t not in obj or obj[t] is None:
                obj[t] = {}
            obj = obj[t]
    last = tokens[-1]
    if isinstance(obj, list):
        if delete:
            del obj[int(last)]
        elif last == "-":
            obj.append(value)
        else:
            obj[int(last)] = value
    elif delete:
        obj.pop(last, None)
    else:
        obj[last] = value


def _edit(data: dict[str, Any], changes: dict[str, Any], removals: list[str]) -> None:
    """A case's ``set`` then its ``remove``, over a filing."""
    for pointer, value in changes.items():
        _apply(data, pointer, _plain(value))
    for pointer in removals:
        _apply(data, pointer, delete=True)


def _plain(value: Any) -> Any:
    """Loader ints (SourceInt) to plain ints, so the JSON round trip keeps them integers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return int(value)
    return value


def _summary(f: Finding) -> dict[str, Any]:
    """The keys of a finding a case can match (``MATCH_KEYS``)."""
    d: dict[str, Any] = {"rule": f.rule, "subject": f.subject, "severity": f.severity}
    if f.for_rule is not None:
        d["for_rule"] = f.for_rule
        d["missing"] = list(f.missing or ())
    if f.shortfall is not None:
        d["shortfall"] = f.shortfall[0]
        d["unit"] = f.shortfall[1]
    return d


def _matches(m: Match, actual: dict[str, Any]) -> bool:
    for key in MATCH_KEYS:
        want = getattr(m, key)
        if want is None:
            continue
        got = actual.get(key)
        if key == "shortfall":
            if got is None or abs(float(got) - float(want)) > 1e-9 * max(1.0, abs(float(want))):
                return False
        elif got != want:
            return False
    return True


def _match_text(m: Match) -> str:
    def shown(v: Any) -> Any:
        return int(v) if isinstance(v, float) and v.is_integer() else v

    return ", ".join(f"{k}={shown(getattr(m, k))}" for k in MATCH_KEYS if getattr(m, k) is not None)


def _json(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def case_data(spec: TestFile, case: Case, path: Path, _cache: dict[str, Any] | None = None) -> dict[str, Any]:
    """The filing of one case: its own ``filing``, or the base with ``set`` and ``remove`` applied.

    Raises ValueError with a readable reason when the case cannot be built.
    """
    data: dict[str, Any]
    if case.filing is not None:
        data = _plain(case.filing)
    else:
        base_path = path.parent / spec.base
        key = str(base_path)
        if _cache is not None and key in _cache:
            data = copy.deepcopy(_cache[key])
        else:
            if not base_path.is_file():
                raise ValueError(f"base filing not found: {spec.base}")
            base = _plain(load_document(base_path).data)
            if _cache is not None:
                _cache[key] = base
            data = copy.deepcopy(base)
    try:
        _edit(data, case.set, case.remove)
    except (KeyError, IndexError, TypeError) as e:
        raise ValueError(f"cannot apply set/remove: {e}") from None
    return data


def build_case_filing(spec: TestFile, case: Case, path: Path) -> bytes | None:
    """A case's filing as JSON bytes; None when it cannot be built."""
    try:
        return json.dumps(case_data(spec, case, path), ensure_ascii=False).encode("utf-8")
    except (ValueError, InputErrors):
        return None


def run_file(path: Path, policy: Policy, rules_root: Path | None = None) -> list[CaseResult]:
    """Run every case of one test file against a compiled policy (``rules_root`` is not needed: the file knows its base)."""
    spec, doc = load_test_file(path)
    cache: dict[str, Any] = {}  # base filings by path, read once per file
    return [_run_case(spec, case, i, path, doc, policy, cache) for i, case in enumerate(spec.cases)]


def _run_case(spec: TestFile, case: Case, i: int, path: Path, doc: LoadedDocument, policy: Policy,
              cache: dict[str, Any]) -> CaseResult:
    """One case: build its filing (and last year's), check it, compare the findings with what the case expects."""
    line = doc.location(f"/cases/{i}")[0]

    def failed(zh: str, en: str) -> CaseResult:
        return CaseResult(doc.file, i, case.note, line, False, [(zh, en)])

    try:
        data = case_data(spec, case, path, cache)
    except ValueError as e:
        return failed(f"无法构造本例的申报：{e}", str(e))
    except InputErrors as e:
        return failed("基础申报文件无法读取：" + "；".join(err.render("zh") for err in e.errors[:3]),
                      "the base filing cannot be read: " + "; ".join(err.render("en") for err in e.errors[:3]))
    previous: PreviousFilings = ()
    if case.previous is not None:
        prior = copy.deepcopy(data)
        prior["district"]["year"] = data["district"]["year"] - 1
        try:
            _edit(prior, case.previous.set, case.previous.remove)
        except (ValueError, KeyError, IndexError, TypeError) as e:
            return failed(f"无法构造上年申报：{e}", f"cannot build the previous filing: {e}")
        key = (str(prior["district"]["code"]), prior["district"]["year"])
        previous = ((key, json.dumps(prior, ensure_ascii=False).encode("utf-8")),)
    source = json.dumps(data, ensure_ascii=False).encode("utf-8")
    try:
        outcome = check_source(source, policy, Options(standard=case.standard, previous=previous), name=f"{doc.file}#{i}.json")
    except InputErrors as e:
        return failed("本例的申报数据无效：" + "；".join(err.render("zh") for err in e.errors[:3]),
                      "the case's filing is invalid: " + "; ".join(err.render("en") for err in e.errors[:3]))
    actual = [_summary(f) for f in outcome.findings]
    problems = _problems(case, outcome, actual)
    fired = {a["rule"] if a["rule"] != "DATA-MISSING" else f"DATA-MISSING:{a['for_rule']}" for a in actual}
    expected = {m.rule if m.rule != "DATA-MISSING" else f"DATA-MISSING:{m.for_rule}" for m in case.expect} if not problems else set()
    return CaseResult(doc.file, i, case.note, line, not problems, problems, actual, fired, expected)


def _problems(case: Case, outcome: Result, actual: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(zh, en) for each expectation of the case the findings do not meet."""
    problems = []
    for m in case.expect:
        if not any(_matches(m, a) for a in actual):
            problems.append((f"应有问题 {{{_match_text(m)}}}，但没有出现", f"expected a finding {{{_match_text(m)}}}, none matched"))
    for m in case.forbid:
        hits = [a for a in actual if _matches(m, a)]
        if hits:
            problems.append((f"不应出现的问题 {{{_match_text(m)}}} 出现了：{_json(hits[0])}",
                             f"forbidden finding {{{_match_text(m)}}} appeared: {_json(hits[0])}"))
    if case.only:
        extra = [a for a in actual if not any(_matches(m, a) for m in case.expect)]
        for a in extra:
            problems.append((f"多出的问题：{_json(a)}", f"unexpected finding {_json(a)}"))
    if case.verdict is not None and outcome.verdict != case.verdict:
        problems.append((f"结论应为 {case.verdict}，实为 {outcome.verdict}", f"expected verdict {case.verdict}, got {outcome.verdict}"))
    return problems


def run_all(policy: Policy, roots: Sequence[Path] | None = None) -> list[CaseResult]:
    """Every case of every test file of every rules folder of the policy."""
    out: list[CaseResult] = []
    for root in roots or policy.roots:
        for path in find_test_files(root):
            out.extend(run_file(path, policy))
    return out


def coverage(policy: Policy, results: list[CaseResult], roots: Sequence[Path] | None = None) -> dict[str, list[str]]:
    """Rules (by id) that no passing case expects to fire, and that no case shows silent (forbid)."""
    fired: set[str] = set()
    forbidden: set[str] = set()
    for r in results:
        fired |= r.expected_rules
    for root in roots or policy.roots:
        for path in find_test_files(root):
            try:
                spec, _ = load_test_file(path)
            except InputErrors:
                continue
            for case in spec.cases:
                forbidden |= {m.rule for m in case.forbid}
    ids = {r.id for pack in policy.packs.values() for r in pack.rules}
    return {"never_fired": sorted(ids - fired), "never_silent": sorted(ids - forbidden)}
