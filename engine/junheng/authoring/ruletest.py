"""Rule tests written as data: a small filing, the standard, the findings expected and forbidden.

A test file in ``rules/tests/`` (any ``*.yaml`` there except base filings) is::

    cases:
      - note: 24.99 books per pupil is below 25 (STD-05 fires)
        set: {/schools/0/books: 22491}       # JSON pointer → new value, over the base filing
                                             # (a school by index, /schools/0, or by id, /schools/P1)
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
        verified: {/schools/P1/books: 20000} # optional: figures verified on site (junheng verify,
                                             # DATA-06), in place of the filed ones

``base`` (default ``base.yaml``) names the filing the cases start from; a case
may instead give a whole ``filing:`` inline. Policy staff add a case by adding
lines, never Python.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from junheng.check.run import Options, check_source
from junheng.check.run import Previous as PreviousFilings
from junheng.check.verified import Verified
from junheng.errors import InputError, InputErrors, suggest
from junheng.filing.model import Filing
from junheng.filing.sheets.layout import unwrap
from junheng.located.read import LoadedDocument, load_document
from junheng.policy.compiled import Policy
from junheng.policy.load import _display, pydantic_error_to_input_error
from junheng.policy.model import Severity
from junheng.report.result import Finding, Result

__all__ = ["Case", "CaseResult", "Match", "PointerError", "Previous", "Proposal", "TestFile", "accept", "build_case_filing",
           "case_data", "coverage", "field_names", "find_test_files", "load_test_file", "run_all", "run_file", "tests_dir"]

MATCH_KEYS = ("rule", "subject", "severity", "for_rule", "shortfall", "unit", "missing")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    rule: str
    subject: str | None = None
    severity: Severity | None = None  # as in rule files: blocking … or 否决项 …
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
    # Figures verified on site (junheng verify, DATA-06): a school field's pointer → the verified figure.
    verified: dict[str, Any] = Field(default_factory=dict)
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


@dataclass(frozen=True)
class Proposal:
    """An expected figure (a ``shortfall``), severity or verdict that the check now gives differently: what
    ``--accept`` would write."""

    path: Path  # the test file
    file: str  # as messages name it: rules/tests/funding.yaml
    pointer: str  # /cases/3/expect/0/shortfall
    line: int
    column: int
    finding: str  # which expectation: "FIN-13 500108" (the case's note for a verdict)
    old: float | int | str
    new: float | int | str
    kind: str = "shortfall"  # shortfall | severity | verdict

    def text(self, lang: str = "en") -> str:
        """``FIN-13 500108 shortfall 1000 → 1500``, ``STD-01 P1 严重程度 须整改 → 否决项``."""
        what = {"shortfall": ("缺口", "shortfall"), "severity": ("严重程度", "severity"), "verdict": ("结论", "verdict")}[self.kind]
        return f"{self.finding} {what[0] if lang == 'zh' else what[1]} {_shown(self.old, lang)} → {_shown(self.new, lang)}"


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
    proposals: list[Proposal] = field(default_factory=list)  # expected figures the findings now give differently
    skipped: tuple[str, ...] = ()  # the switched-off rules (enabled: false) it expects: not run, not a failure

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
        raise PointerError(f"JSON 指针应以 “/” 开头：{pointer!r}", f"a JSON pointer starts with '/': {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


class PointerError(ValueError):
    """A ``set``/``remove`` pointer that names no place of the filing: a located mistake in the test file, not a failed case."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en
        self.where = ""  # the pointer, in the test file, of the bad set key or remove item (filled by _edit)


def _unknown_field(tokens: list[str]) -> str | None:
    """The first token of a pointer that the filing model has no field for (a list position is any index or school id)."""
    current: Any = Filing
    for t in tokens:
        inner, _ = unwrap(current)
        if typing.get_origin(inner) in (list, tuple):
            current = typing.get_args(inner)[0]
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and t in inner.model_fields:
            current = inner.model_fields[t].annotation
        else:
            return t
    return None


def _position(items: list[Any], token: str, pointer: str) -> int:
    """A list position from a pointer token: an index (``/schools/3``) or a record's id (``/schools/J1``, ``/schools/2150000101``).

    A number within the list is an index; any other token is an id (school ids are often all digits).
    """
    if token.isdigit() and int(token) < len(items):
        return int(token)
    ids = [str(x.get("id")) for x in items if isinstance(x, dict) and x.get("id") is not None]
    for n, x in enumerate(items):
        if isinstance(x, dict) and str(x.get("id")) == token:
            return n
    if token.isdigit():
        raise PointerError(f"{pointer}：没有第 {token} 条记录（共 {len(items)} 条，从 0 数起），也没有这个标识码的学校",
                           f"{pointer}: there is no record {token} (there are {len(items)}, counted from 0), nor a school with that id")
    hint = suggest(token, ids)
    raise PointerError(f"{pointer}：没有标识码为 “{token}” 的学校{hint.zh or '（有：' + '、'.join(ids) + '）'}",
                       f"{pointer}: no school has the id {token!r}{hint.en or ' (there are: ' + ', '.join(ids) + ')'}")


def _apply(data: dict[str, Any], pointer: str, value: Any = None, delete: bool = False) -> None:
    """Set (or delete) the value at a JSON pointer, making the mappings on the way; a school by index or by id."""
    tokens = _tokens(pointer)
    if not tokens:
        raise PointerError("不能替换整份申报，请用 `filing:`", "cannot replace the whole filing; use `filing:`")
    bad = _unknown_field(tokens[:-1] if tokens[-1] == "-" else tokens)
    if bad is not None:
        hint = suggest(bad, field_names())
        raise PointerError(f"{pointer}：申报中没有字段 “{bad}”{hint.zh}", f"{pointer}: the filing has no field {bad!r}{hint.en}")
    obj: Any = data
    for t in tokens[:-1]:
        if isinstance(obj, list):
            obj = obj[_position(obj, t, pointer)]
        else:
            if t not in obj or obj[t] is None:
                obj[t] = {}
            obj = obj[t]
    last = tokens[-1]
    if isinstance(obj, list):
        if last == "-" and not delete:
            obj.append(value)
        elif delete:
            del obj[_position(obj, last, pointer)]
        else:
            obj[_position(obj, last, pointer)] = value
    elif delete:
        obj.pop(last, None)
    else:
        obj[last] = value


def field_names() -> set[str]:
    """Every field name of the filing model, for "did you mean"."""
    out: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, info in model.model_fields.items():
            out.add(name)
            inner, _ = unwrap(info.annotation)
            inner = typing.get_args(inner)[0] if typing.get_origin(inner) in (list, tuple) else inner
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                walk(inner)

    walk(Filing)
    return out


def _edit(data: dict[str, Any], changes: dict[str, Any], removals: list[str], where: str = "") -> None:
    """A case's ``set`` then its ``remove``, over a filing; a bad pointer's PointerError says where it is written (``where``)."""
    for pointer, value in changes.items():
        try:
            _apply(data, pointer, _plain(value))
        except PointerError as e:
            e.where = f"{where}/set/{_escape(pointer)}"
            raise
    for n, pointer in enumerate(removals):
        try:
            _apply(data, pointer, delete=True)
        except PointerError as e:
            e.where = f"{where}/remove/{n}"
            raise


def _verified(data: dict[str, Any], figures: dict[str, Any]) -> tuple[Verified, ...]:
    """A case's ``verified:`` figures, each at ``/schools/<index or id>/<field>`` of the case's filing."""
    out = []
    for pointer, value in figures.items():
        tokens = _tokens(pointer)
        try:
            if len(tokens) != 3 or tokens[0] != "schools":
                raise PointerError(f"{pointer}：核查数应写在学校字段上，如 /schools/P1/books",
                                   f"{pointer}: a verified figure is a school field's, such as /schools/P1/books")
            school = data["schools"][_position(data["schools"], tokens[1], pointer)]
            if tokens[2] not in school:
                hint = suggest(tokens[2], [k for k, v in school.items() if isinstance(v, (int, float)) and not isinstance(v, bool)])
                raise PointerError(f"{pointer}：该校申报中没有字段 “{tokens[2]}”{hint.zh}",
                                   f"{pointer}: the school's record has no field {tokens[2]!r}{hint.en}")
        except PointerError as e:
            e.where = f"/verified/{_escape(pointer)}"
            raise
        out.append(Verified(str(school["id"]), tokens[2], _plain(value)))
    return tuple(out)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


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
        _edit(data, case.set, case.remove)  # a PointerError (a ValueError) names the pointer at fault
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
    results: list[CaseResult] = []
    errors: list[InputError] = []
    off = switched_off(policy)
    for i, case in enumerate(spec.cases):
        named = sorted(({m.rule for m in case.expect} | {m.for_rule for m in case.expect if m.for_rule}) & off)
        if named:  # it tests a rule switched off: kept for when the rule is switched on again
            results.append(CaseResult(doc.file, i, case.note, doc.location(f"/cases/{i}")[0], True, skipped=tuple(named)))
            continue
        try:
            results.append(_run_case(spec, case, i, path, doc, policy, cache))
        except PointerError as e:  # a mistake in the test file, not a failed case: every one of them, located
            where = f"/cases/{i}{e.where}"
            line, col = doc.key_location(where) or doc.location(where)
            errors.append(InputError("rule_test_error", doc.file, line, col, where, f"用例 “{case.note}”：{e.zh}",
                                     f"case {case.note!r}: {e.en}"))
    if errors:
        raise InputErrors(errors)
    return results


def switched_off(policy: Policy) -> set[str]:
    """The ids of the rules switched off (``enabled: false`` in every definition of the id)."""
    ids = {rule.id: False for rule_file, _ in policy.loaded.files for rule in rule_file.rules} if policy.loaded else {}
    for rule_file, _ in policy.loaded.files if policy.loaded else ():
        for rule in rule_file.rules:
            ids[rule.id] = ids[rule.id] or rule.enabled
    return {rid for rid, on in ids.items() if not on}


def _run_case(spec: TestFile, case: Case, i: int, path: Path, doc: LoadedDocument, policy: Policy,
              cache: dict[str, Any]) -> CaseResult:
    """One case: build its filing (and last year's), check it, compare the findings with what the case expects."""
    line = doc.location(f"/cases/{i}")[0]

    def failed(zh: str, en: str) -> CaseResult:
        return CaseResult(doc.file, i, case.note, line, False, [(zh, en)])

    try:
        data = case_data(spec, case, path, cache)
    except PointerError:
        raise
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
            _edit(prior, case.previous.set, case.previous.remove, where="/previous")
        except PointerError:
            raise
        except (ValueError, KeyError, IndexError, TypeError) as e:
            return failed(f"无法构造上年申报：{e}", f"cannot build the previous filing: {e}")
        key = (str(prior["district"]["code"]), prior["district"]["year"])
        previous = ((key, json.dumps(prior, ensure_ascii=False).encode("utf-8")),)
    source = json.dumps(data, ensure_ascii=False).encode("utf-8")
    verified = _verified(data, case.verified)
    try:
        outcome = check_source(source, policy, Options(standard=case.standard, previous=previous, verified=verified),
                               name=f"{doc.file}#{i}.json")
    except InputErrors as e:
        return failed("本例的申报数据无效：" + "；".join(err.render("zh") for err in e.errors[:3]),
                      "the case's filing is invalid: " + "; ".join(err.render("en") for err in e.errors[:3]))
    actual = [_summary(f) for f in outcome.findings]
    problems = _problems(case, outcome, actual)
    fired = {a["rule"] if a["rule"] != "DATA-MISSING" else f"DATA-MISSING:{a['for_rule']}" for a in actual}
    expected = {m.rule if m.rule != "DATA-MISSING" else f"DATA-MISSING:{m.for_rule}" for m in case.expect} if not problems else set()
    proposals = _proposals(case, i, path, doc, actual, outcome.verdict) if problems else []
    return CaseResult(doc.file, i, case.note, line, not problems, problems, actual, fired, expected, proposals)


def _proposals(case: Case, i: int, path: Path, doc: LoadedDocument, actual: list[dict[str, Any]], verdict: str) -> list[Proposal]:
    """For each unmet expectation with a ``shortfall`` or ``severity``: the one finding that matches it in everything
    but those, and its figure and severity; and the verdict, when the case expects another one."""
    out = []
    for j, m in enumerate(case.expect):
        if (m.shortfall is None and m.severity is None) or any(_matches(m, a) for a in actual):
            continue
        loose = m.model_copy(update={"shortfall": None, "severity": None})
        candidates = [a for a in actual if _matches(loose, a)]
        who = " ".join(str(x) for x in (m.rule, m.for_rule, m.subject) if x)
        for kind in ("shortfall", "severity"):
            want = getattr(m, kind)
            found = {a[kind] for a in candidates if a.get(kind) is not None}
            if want is None or len(found) != 1:  # none, or several findings it could mean: a person decides
                continue
            new = found.pop()
            if new != want:
                pointer = f"/cases/{i}/expect/{j}/{kind}"
                line, column = doc.location(pointer)
                out.append(Proposal(path, doc.file, pointer, line, column, who, want, new, kind))
    if case.verdict is not None and verdict != case.verdict:
        line, column = doc.location(f"/cases/{i}/verdict")
        out.append(Proposal(path, doc.file, f"/cases/{i}/verdict", line, column, case.note, case.verdict, verdict, "verdict"))
    return out


_SEVERITY_ZH = {"blocking": "否决项", "major": "须整改", "minor": "建议", "info": "提示"}
_VERDICT_ZH = {"qualified": "合格", "deferred": "推迟认定"}


def _shown(value: float | int | str, lang: str) -> str:
    if isinstance(value, str):
        return (_SEVERITY_ZH.get(value) or _VERDICT_ZH.get(value) or value) if lang == "zh" else value
    return _number(value)


def _number(v: float | int | str) -> str:
    """A figure as a test file writes it: 1500, not 1500.0."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def accept(results: Sequence[CaseResult]) -> list[Proposal]:
    """Write each proposal's new figure over its old one in the test files, changing nothing else; the ones written.

    An edit is a targeted text replacement of the number at the place the file was read from, so the
    files keep their comments, quotes and layout byte for byte; a number no longer where it was read
    (the file changed meanwhile) is left alone, and not in the list returned.
    """
    by_file: dict[Path, list[Proposal]] = {}
    for r in results:
        for p in r.proposals:
            by_file.setdefault(p.path, []).append(p)
    done: list[Proposal] = []
    for path, proposals in by_file.items():
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").split("\n")
        for p in sorted(proposals, key=lambda p: (p.line, p.column), reverse=True):  # right to left: columns stay true
            text = lines[p.line - 1]
            start = p.column - 1
            end = start
            while end < len(text) and text[end] not in ",}] \t#":
                end += 1
            new = _replacement(text[start:end], p)
            if new is None:
                continue
            lines[p.line - 1] = text[:start] + new + text[end:]
            done.append(p)
        new_text = "\n".join(lines)
        tmp = path.with_name(path.name + ".accept-tmp")
        tmp.write_bytes((b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
        tmp.replace(path)  # atomic: the file is either the old one or the new one
    return sorted(done, key=lambda p: (str(p.path), p.line, p.column))


def _replacement(written: str, p: Proposal) -> str | None:
    """What to write over ``written`` (the old value as the file has it), or None when it is not the old value any more.
    A severity keeps the file's language: 须整改 becomes 否决项, major becomes blocking; quotes are kept."""
    if p.kind == "shortfall":
        try:
            return _number(p.new) if float(written) == float(p.old) else None
        except ValueError:
            return None
    quote = written[0] if written[:1] in ("'", '"') and written[-1:] == written[:1] and len(written) > 1 else ""
    bare = written[1:-1] if quote else written
    zh = bare in _SEVERITY_ZH.values() or bare in _VERDICT_ZH.values()
    old_zh = _SEVERITY_ZH.get(str(p.old)) or _VERDICT_ZH.get(str(p.old))
    if bare != p.old and bare != old_zh:
        return None
    new = str(p.new)
    return quote + ((_SEVERITY_ZH.get(new) or _VERDICT_ZH.get(new) or new) if zh else new) + quote


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
    errors: list[InputError] = []
    for root in roots or policy.roots:
        for path in find_test_files(root):
            try:
                out.extend(run_file(path, policy))
            except InputErrors as e:  # every broken test file is named, not just the first
                errors.extend(e.errors)
    if errors:
        raise InputErrors(errors)
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
