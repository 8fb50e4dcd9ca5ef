"""The check of one filing, stage by stage: read → derive → evaluate → findings → result.

``check_source`` runs the whole pipeline for one filing in this process (``batch.py``
runs it for many, in worker processes). A pack is prepared once per process
(``prepare``): its engine plan, its durable_rules engine and its derive plan.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from junheng.check.derive import Derived, RulePlan, derive, derive_plans
from junheng.check.explain import FindingBuilder
from junheng.check.measure import measure
from junheng.check.recorder import Recorder, build_findings
from junheng.check.subjects import Subject
from junheng.check.verified import Verified, build_verified_findings, put_in_place
from junheng.errors import ExitStatus, InputError, InputErrors, suggest
from junheng.filing.divisions import province_name, province_of
from junheng.filing.load import notices_of
from junheng.filing.read import read_filing_data
from junheng.located.read import LoadedDocument
from junheng.policy.compiled import CompiledPack, Policy
from junheng.report.result import Failure, Indicators, Outcome, Result
from junheng.rete.facts import STAGE_AGGREGATE_MISSING, STAGE_VERDICT, stage_fact
from junheng.rete.plan import Plan, plan_pack
from junheng.rete.session import Engine, Fact

__all__ = ["BUG_REPORT_EN", "BUG_REPORT_ZH", "Options", "Prepared", "Previous", "check_one_safely", "check_source", "covers",
           "internal_failure", "pack_for_year", "prepare", "previous_index", "select_pack", "years_text"]

BUG_REPORT_ZH = "这是 junheng 的内部错误，不是申报数据的问题。请将本消息和申报文件一并报告给维护者。"
BUG_REPORT_EN = ("This is an internal error in junheng, not a problem with the filing. "
                 "Please report it to the maintainers with this message and the filing.")

# --previous: ((district code, year), last year's filing) for each filing given; the filing is a path, or (rule
# tests) the JSON bytes of the filing itself.
Previous = tuple[tuple[tuple[str, int], str | bytes], ...]


@dataclass(frozen=True)
class Options:
    """How to check: the standard to apply, last year's filings, what a report needs beyond the findings."""

    standard: str | None = None  # --standard: replaces district.standard
    previous: Previous = ()  # last year's filings, for DATA-05
    verified: tuple[Verified, ...] = ()  # figures verified on site, in place of the filed ones (junheng verify; DATA-06)
    # What beyond the findings a report needs: "checks" (junit), "indicators" (html); None: all.
    # Each costs time on every filing, so the CLI asks only for what its format uses. A streaming format may also
    # say that it shows one language ("one_language", ``formats.ONE_LANGUAGE``): ``check_many`` then sets ``lang``.
    details: frozenset[str] | None = None
    # --strict: a notice (a sheet left unread, a pack meant for another province or other years) is an error, and the
    # filing is not checked (exit 2) — as an unknown sheet was before notices existed.
    strict: bool = False
    # The one language the result is shown in, when that is known before the check (a streaming format that shows one,
    # ``formats.ONE_LANGUAGE``, rendered in the worker): the findings' texts are written in it alone, the other left
    # empty. None: both.
    lang: str | None = None


@dataclass(eq=False)
class Prepared:
    """A compiled pack made ready to check filings in this process: its plan, engine and derive plan."""

    pack: CompiledPack
    plan: Plan
    steps: dict[str, list[RulePlan]]
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The pack's durable_rules engine, created on first use (durable_rules cannot unregister a ruleset)."""
        if self._engine is None:
            self._engine = Engine(self.plan)
        return self._engine


# One Prepared per compiled pack object, for as long as the pack lives (a registry keyed by id(pack)
# could hand a new pack the engine of a collected one that had the same id).
_PREPARED: weakref.WeakKeyDictionary[CompiledPack, Prepared] = weakref.WeakKeyDictionary()


def prepare(pack: CompiledPack) -> Prepared:
    """The pack ready to run, made once per process."""
    prepared = _PREPARED.get(pack)
    if prepared is None:
        plan = plan_pack(pack)
        prepared = _PREPARED[pack] = Prepared(pack, plan, derive_plans(pack, plan))
    return prepared


def select_pack(policy: Policy, standard: str, doc: LoadedDocument, from_option: bool) -> CompiledPack:
    """The pack a filing names (or ``--standard``); an unknown name is a located error with a suggestion."""
    pack = policy.packs.get(standard)
    if pack is not None:
        return pack
    known = ", ".join(sorted(policy.packs))
    hint_zh, hint_en, _ = suggest(standard, policy.packs)
    if from_option:
        raise InputErrors([InputError("bad_option", "--standard", None, None, "", f"未知规则包 “{standard}”{hint_zh}（可用：{known}）",
                                      f"unknown standard {standard!r}{hint_en} (known: {known})")])
    line, col = doc.location("/district/standard")
    raise InputErrors([InputError("filing_unknown_standard", doc.file, line, col, "/district/standard",
                                  f"规则包 “{standard}” 不存在{hint_zh}（现有规则包：{known}）",
                                  f"no rule pack named {standard!r}{hint_en} (the rules define: {known})")])


def covers(pack: CompiledPack, year: int) -> bool:
    """Whether the pack is for filings of ``year`` (``valid_from`` … ``valid_to``, inclusive; a missing end is open)."""
    return (pack.valid_from is None or pack.valid_from <= year) and (pack.valid_to is None or year <= pack.valid_to)


def years_text(valid_from: int | None, valid_to: int | None) -> tuple[str, str]:
    """A pack's years in words, (zh, en): ``不限`` / ``2020—2025年`` / ``2020年起`` / ``2019年及以前`` / ``2020年``."""
    if valid_from is None and valid_to is None:
        return "不限", "any year"
    if valid_from == valid_to:
        return f"{valid_from}年", f"{valid_from}"
    if valid_to is None:
        return f"{valid_from}年起", f"{valid_from} onwards"
    if valid_from is None:
        return f"{valid_to}年及以前", f"{valid_to} and before"
    return f"{valid_from}—{valid_to}年", f"{valid_from}–{valid_to}"


def pack_for_year(policy: Policy, named: CompiledPack, year: int, doc: LoadedDocument,
                  from_option: bool) -> tuple[CompiledPack, tuple[InputError, ...]]:
    """The pack to check a filing of ``year`` with, and the notices the choice gives (docs/packs.md).

    The named pack, when its years include ``year``. When they do not and the name is the filing's own
    (``district.standard``): the one pack one ``extends`` step away — a pack that extends it, or the pack it
    extends — whose years include ``year``. When there is none, or more than one, or the name came from
    ``--standard`` (never replaced): the named pack, with a warning notice at ``/district/year`` — a notice like
    the jurisdiction's, which ``--strict`` makes an error (exit 2).
    """
    if covers(named, year):
        return named, ()
    fitting = [p for p in _neighbours(policy, named) if covers(p, year)]
    if not from_option and len(fitting) == 1:
        return fitting[0], ()
    return named, (_outside_years(named, year, doc, from_option, fitting),)


def _neighbours(policy: Policy, pack: CompiledPack) -> list[CompiledPack]:
    """The packs one ``extends`` step from ``pack``: those that extend it (by name), then the one it extends."""
    children = [p for _, p in sorted(policy.packs.items()) if p.pack.extends == pack.name]
    parent = policy.packs.get(pack.pack.extends) if pack.pack.extends else None
    return children + ([parent] if parent is not None else [])


def _outside_years(pack: CompiledPack, year: int, doc: LoadedDocument, from_option: bool,
                   fitting: list[CompiledPack]) -> InputError:
    """The warning that a filing of ``year`` is checked with a pack whose years do not include it, and what to do."""
    years_zh, years_en = years_text(pack.valid_from, pack.valid_to)
    names_zh, names_en = "、".join(p.name for p in fitting), ", ".join(p.name for p in fitting)
    by = "--standard" if from_option else "district.standard"
    if from_option:
        fix_zh = "；请确认 --standard" + (f"（与它有继承关系、适用于 {year} 年的规则包：{names_zh}）" if fitting else "")
        fix_en = "; make sure of --standard" + (f" (packs related to it by extends that are for {year}: {names_en})" if fitting else "")
    elif fitting:  # several packs one extends step away are for the year: which one is meant, only a person can say
        fix_zh = f"；与它有继承关系（extends）的规则包中有多个适用于 {year} 年：{names_zh}，请用 --standard 指定其一"
        fix_en = f"; several packs it extends or that extend it are for {year}: {names_en}; name one with --standard"
    else:
        fix_zh = f"；与它有继承关系（extends）的规则包也都不适用于 {year} 年，请确认申报年度，或用 --rules 加载适用于该年度的规则包"
        fix_en = f"; no pack it extends or that extends it is for {year}: make sure of the year, or load a pack for it with --rules"
    line, column = doc.location("/district/year")
    return InputError(
        "pack_outside_years", doc.file, line, column, "/district/year",
        f"申报年度为 {year} 年，而 {by} 指定的规则包 {pack.name}（{pack.title.zh}）的适用年度为 {years_zh}，"
        f"其标准可能不适用于这一年度{fix_zh}",
        f"the filing is for {year}, but pack {pack.name} ({pack.title.en}), named by {by}, applies to {years_en}: "
        f"its standards may not apply to that year{fix_en}",
        cell=doc.cell("/district/year"))


def check_source(source: str | os.PathLike[str] | bytes, policy: Policy, options: Options = Options(), name: str | None = None,
                 fmt: str | None = None, read: tuple[LoadedDocument, dict[str, Any]] | None = None) -> Result:
    """Check one filing (a path, or bytes with a display name); raises InputErrors for invalid input.

    ``fmt`` ('yaml' or 'json') overrides the format the extension of the path or ``name`` gives:
    bytes read from standard input are shown as ``<stdin>``, which has no extension. ``read``: what
    ``read_filing_data(source, name=name, fmt=fmt)`` gave already (the server reads an upload once), not read again.
    """
    # YAML, JSON, or a spreadsheet (xlsx, CSV folder)
    doc, data = read if read is not None else read_filing_data(source, name=name, fmt=fmt)
    district = data["district"]
    if options.verified:  # junheng verify: the verified figures in place of the filed ones (check/verified.py)
        data = put_in_place(doc, data, options.verified)
    standard = options.standard or district.get("standard")
    if standard is None:  # never: the filing model's default names one
        raise RuntimeError("the filing names no standard")
    named = select_pack(policy, standard, doc, from_option=options.standard is not None)
    pack, year_notices = pack_for_year(policy, named, district["year"], doc, from_option=options.standard is not None)
    notices = notices_of(doc) + year_notices + _outside_jurisdiction(pack, district["code"], doc)
    if notices and options.strict:
        raise InputErrors(list(notices))
    prepared = prepare(pack)
    prior_doc, prior_data = _prior(district, options)
    derived = derive(pack, prepared.plan, prepared.steps, data, prior_data)
    recorder = Recorder(pack, prepared.plan, derived.subjects)
    stages: list[Sequence[Fact]] = [derived.facts, [stage_fact(STAGE_AGGREGATE_MISSING)], [stage_fact(STAGE_VERDICT)]]
    session = prepared.engine.run(stages, recorder.on_fire)
    if session.errors:
        raise RuntimeError("; ".join(session.errors[:3]))
    builder = FindingBuilder(pack, doc, data, derived.subjects, policy.vocabulary, prior_doc,
                             langs=(options.lang,) if options.lang is not None else ("zh", "en"))
    findings = (build_verified_findings(pack, recorder, builder, derived.subjects, options.verified) if options.verified
                else build_findings(pack, recorder, builder, derived.subjects))
    if doc.cells:  # a spreadsheet filing: every location in it also names its cell (not those in last year's filing or a form)
        findings = [replace(f, locations=tuple(replace(loc, cell=doc.cell(loc.pointer)) if loc.file == doc.file else loc
                                               for loc in f.locations)) for f in findings]
    if "deferred" in recorder.verdicts:
        verdict = "deferred"
    elif "qualified" in recorder.verdicts:
        verdict = "qualified"
    else:
        raise RuntimeError("the engine gave no verdict")
    shown = {"code": district["code"], "name": district["name"], "year": district["year"]}
    return Result(file=doc.file, district=shown, standard=pack.name, standard_title=pack.title, verdict=verdict,
                  findings=tuple(findings), vocabulary=policy.vocabulary,
                  checks=_checks(pack, derived.subjects) if _wants(options, "checks") else (),
                  indicators=_measure(pack, prepared.plan, derived) if _wants(options, "indicators") else None,
                  notices=notices, schools=tuple((school["id"], school.get("name")) for school in data["schools"]))


def _outside_jurisdiction(pack: CompiledPack, code: str, doc: LoadedDocument) -> tuple[InputError, ...]:
    """A notice when the pack is written for other provinces than the district ``code``'s (its basis cites their laws)."""
    allowed = pack.pack.jurisdiction
    if not allowed or province_of(code) in allowed:
        return ()
    line, column = doc.location("/district/code")
    here_zh, here_en = province_name(province_of(code))
    there = [province_name(p) for p in allowed]
    there_zh, there_en = "、".join(zh for zh, _ in there), ", ".join(en for _, en in there)
    return (InputError(
        "pack_outside_jurisdiction", doc.file, line, column, "/district/code",
        f"区县代码 {code} 属于{here_zh}，而规则包 {pack.name}（{pack.title.zh}）是为{there_zh}制定的："
        "它所依据的地方法规和标准可能不适用于该区县；请确认规则包，或用 --rules 加载适用的规则包",
        f"district code {code} is in {here_en}, but pack {pack.name} ({pack.title.en}) is written for {there_en}: "
        "the local laws and standards it cites may not apply to this district; make sure of the pack, or load one that "
        "applies with --rules",
        cell=doc.cell("/district/code")),)


def _measure(pack: CompiledPack, plan: Plan, derived: Derived) -> Indicators:
    return measure(pack, plan, derived)


def _wants(options: Options, detail: str) -> bool:
    return options.details is None or detail in options.details


def _checks(pack: CompiledPack, subjects: list[Subject]) -> tuple[tuple[str, str], ...]:
    """Every (rule, subject) the pack judged: each rule against every subject of its kind.

    An aggregate rule (QLT-08) is judged at the subjects of its own kind (schools) too.
    Sorted, so that the order of the schools in the file does not change a report.
    """
    names: dict[str, set[str]] = {}
    for subject in subjects:
        names.setdefault(subject.kind, set()).add(subject.name)
    return tuple(sorted({(rule.id, name) for rule in pack.rules for name in names.get(rule.rule.subject, ())}))


def _prior(district: dict[str, Any], options: Options) -> tuple[LoadedDocument | None, dict[str, Any] | None]:
    """The same district's filing for the year before, when --previous supplied one."""
    wanted = (district["code"], district["year"] - 1)
    for key, path in options.previous:
        if tuple(key) == wanted:
            # a path, or (rule tests) the JSON bytes of the filing itself
            return read_filing_data(path, name="<previous>.json", fmt="json") if isinstance(path, bytes) else read_filing_data(path)
    return None, None


def previous_index(paths: list[str]) -> tuple[Previous, list[Failure]]:
    """Index last year's filings by (district code, year) for --previous; invalid ones are failures."""
    index: dict[tuple[str, int], str] = {}
    failures: list[Failure] = []
    for path in paths:
        try:
            doc, data = read_filing_data(path)  # last year's filing may be a spreadsheet too
        except InputErrors as e:
            failures.append(Failure(str(path), ExitStatus.INVALID_INPUT, tuple(e.errors)))
            continue
        key = (data["district"]["code"], data["district"]["year"])
        if key in index:
            failures.append(Failure(str(path), ExitStatus.INVALID_INPUT, (InputError(
                "previous_ambiguous", doc.file, 1, 1, "/district",
                f"上年申报中 {key[0]} 区县 {key[1]} 年有两份：{index[key]} 与 {path}",
                f"two previous filings for district {key[0]}, year {key[1]}: {index[key]} and {path}"),)))
            continue
        index[key] = str(path)
    return tuple(sorted(index.items())), failures


def internal_failure(file: str, error: str) -> Failure:
    """A filing that could not be checked because of a bug in junheng (exit 3), with a plea to report it."""
    said = InputError("internal_error", file, None, None, "", f"内部错误：{error}。{BUG_REPORT_ZH}",
                      f"internal error: {error}. {BUG_REPORT_EN}")
    return Failure(file, ExitStatus.INTERNAL_ERROR, (said,))


def check_one_safely(source: str | os.PathLike[str] | bytes, policy: Policy, options: Options, name: str | None = None,
                     fmt: str | None = None) -> Outcome:
    """Check one filing in this process and never raise: a Result or a Failure."""
    display = name or str(source)
    try:
        return check_source(source, policy, options, name=name, fmt=fmt)
    except InputErrors as e:
        return Failure(display, ExitStatus.INVALID_INPUT, tuple(e.errors))
    except Exception as e:  # noqa: BLE001 - anything else is a bug, reported as such (exit 3)
        if os.environ.get("JUNHENG_DEBUG"):
            import traceback  # imported here: only a bug's report with JUNHENG_DEBUG=1 needs it

            traceback.print_exc()
        return internal_failure(display, f"{type(e).__name__}: {e}")


