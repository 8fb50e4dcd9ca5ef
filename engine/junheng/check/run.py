"""The check of a filing, stage by stage: load → validate → derive → evaluate → findings.

``check_source`` runs the whole pipeline for one filing in this process;
``check_many`` runs it for many filings in worker processes (``workers.py``),
so that an engine crash costs one filing, not the run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from junheng.errors import InputError, InputErrors
from junheng.rete.session import Engine, Fired
from junheng.filing.forms import load_filing, validate_located
from junheng.filing.validate import validate_document
from junheng.check.explain import FindingBuilder, Recorded
from junheng.check.derive import derive
from junheng.policy.compile import CompiledPack, Policy
from junheng.report.result import EXIT_INTERNAL, EXIT_INVALID, Failure, Finding, Result
from junheng.check.sources import Source

BUG_REPORT_ZH = "这是 junheng 的内部错误，不是申报数据的问题。请将本消息和申报文件一并报告给维护者。"
BUG_REPORT_EN = "This is an internal error in junheng, not a problem with the filing. Please report it to the maintainers with this message and the filing."


@dataclass(frozen=True)
class Options:
    standard: str | None = None  # --standard: replaces district.standard
    # --previous: ((district code, year), path) of last year's filings, for DATA-05
    previous: tuple = ()
    # What beyond the findings a report needs: "checks" (junit), "indicators" (html); None: all.
    # Each costs time on every filing, so the CLI asks only for what its format uses.
    details: frozenset | None = None


def engine_for(pack: CompiledPack) -> Engine:
    """One engine per compiled pack per process (durable_rules cannot unregister a ruleset).

    Kept on the pack itself: a registry keyed by ``id(pack)`` could hand a new pack the
    engine of a collected one that had the same id.
    """
    engine = pack.__dict__.get("_engine")
    if engine is None:
        engine = pack.__dict__["_engine"] = Engine(pack)
    return engine


class _Recorder:
    """The engine's actions land here: remember what fired, answer with finding facts."""

    def __init__(self, pack: CompiledPack, subjects: list):
        self.pack = pack
        self.subjects = subjects
        self.entries: dict[tuple, Recorded] = {}
        self.verdicts: set[str] = set()

    def on_fire(self, fired: Fired) -> list[dict]:
        kind, key, cause = self.pack.actions[fired.name]
        if kind == "verdict":
            self.verdicts.add(key)
            return []
        rule = self.pack.by_key[key]
        if kind == "violation":
            s = fired.facts["s"]["s"]
            entry = self.entries.setdefault((rule.id, "", s), Recorded("violation", key, s))
            entry.causes.add(cause)
            fact = {"t": "F", "r": rule.id, "f": "-", "s": s, "sev": rule.rule.severity}
            if rule.compared is not None:
                name, _, param = rule.compared
                x = fired.facts["s"].get(rule.fact_field(name))
                variant = self.subjects[s].variant if rule.variants[0] is not None else None
                if x is not None:
                    fact["x"] = x
                    fact["y"] = float(rule.params[variant][param])
            return [fact]
        if kind == "missing":
            s = fired.facts["s"]["s"]
            self.entries.setdefault(("DATA-MISSING", rule.id, s), Recorded("missing", key, s))
            return [{"t": "F", "r": "DATA-MISSING", "f": rule.id, "s": s, "sev": rule.rule.severity}]
        if kind == "aggregate":
            s = fired.facts["a0"]["s"]
            self.entries.setdefault((rule.id, "", s), Recorded("aggregate", key, s))
            return [{"t": "F", "r": rule.id, "f": "-", "s": s, "sev": rule.rule.severity}]
        if kind == "aggregate_missing":
            s = fired.facts["m"]["s"]
            self.entries.setdefault(("DATA-MISSING", rule.id, s), Recorded("aggregate_missing", key, s))
            return [{"t": "F", "r": "DATA-MISSING", "f": rule.id, "s": s, "sev": rule.rule.severity}]
        raise RuntimeError(f"unknown action kind {kind!r}")


def select_pack(policy: Policy, standard: str, doc, from_option: bool) -> CompiledPack:
    pack = policy.packs.get(standard)
    if pack is not None:
        return pack
    known = ", ".join(sorted(policy.packs))
    close = difflib.get_close_matches(standard, list(policy.packs), n=1)
    hint_zh = f"，是否应为 “{close[0]}”？" if close else ""
    hint_en = f"; did you mean {close[0]!r}?" if close else ""
    if from_option:
        raise InputErrors([InputError("bad_option", "--standard", None, None, "", f"未知规则包 “{standard}”{hint_zh}（可用：{known}）", f"unknown standard {standard!r}{hint_en} (known: {known})")])
    line, col = doc.location("/district/standard")
    raise InputErrors([InputError("filing_unknown_standard", doc.file, line, col, "/district/standard",
                                  f"规则包 “{standard}” 不存在{hint_zh}（现有规则包：{known}）",
                                  f"no rule pack named {standard!r}{hint_en} (the rules define: {known})")])


def check_source(source, policy: Policy, options: Options = Options(), name: str | None = None, fmt: str | None = None) -> Result:
    """Check one filing (a path, or bytes with a display name); raises InputErrors for invalid input.

    ``fmt`` ('yaml' or 'json') overrides the format the extension of the path or ``name`` gives:
    bytes read from standard input are shown as ``<stdin>``, which has no extension.
    """
    doc = load_filing(source, name=name, fmt=fmt)  # YAML, JSON, or a spreadsheet (xlsx, CSV folder)
    filing = validate_located(doc, validate_document)
    data = filing.model_dump(mode="python", exclude_none=True)
    standard = options.standard or filing.district.standard
    pack = select_pack(policy, standard, doc, from_option=options.standard is not None)
    prior_doc, prior_data = _prior(filing, options)
    derived = derive(pack, data, prior_data)
    recorder = _Recorder(pack, derived.subjects)
    session = engine_for(pack).run([derived.facts, [{"t": "E", "stage": 1}], [{"t": "E", "stage": 2}]], recorder.on_fire)
    if session.errors:
        raise RuntimeError("; ".join(session.errors[:3]))
    builder = FindingBuilder(pack, doc, data, derived.subjects, policy.vocabulary, prior_doc)
    findings = _build_findings(pack, recorder, builder, derived.subjects)
    if doc.cells:  # a spreadsheet filing: every location also names its cell
        findings = [replace(f, locations=tuple(replace(loc, cell=doc.cell(loc.pointer)) for loc in f.locations)) for f in findings]
    if "deferred" in recorder.verdicts:
        verdict = "deferred"
    elif "qualified" in recorder.verdicts:
        verdict = "qualified"
    else:
        raise RuntimeError("the engine gave no verdict")
    district = {"code": filing.district.code, "name": filing.district.name, "year": filing.district.year}
    return Result(file=doc.file, district=district, standard=pack.name, standard_title=pack.title, verdict=verdict,
                  findings=tuple(findings), vocabulary=policy.vocabulary,
                  checks=_checks(pack, derived.subjects) if _wants(options, "checks") else (),
                  indicators=_measure(pack, derived) if _wants(options, "indicators") else None)


def _measure(pack, derived):
    from junheng.check.measure import measure  # only reports that chart the indicators need it

    return measure(pack, derived)


def _wants(options: Options, detail: str) -> bool:
    return options.details is None or detail in options.details


def _checks(pack: CompiledPack, subjects: list) -> tuple[tuple[str, str], ...]:
    """Every (rule, subject) the pack judged: each rule against every subject of its kind.

    An aggregate rule (QLT-08) is judged at the subjects of its own kind (schools) too.
    Sorted, so that the order of the schools in the file does not change a report.
    """
    names: dict[str, set[str]] = {}
    for subject in subjects:
        names.setdefault(subject.kind, set()).add(subject.name)
    return tuple(sorted({(rule.id, name) for rule in pack.rules for name in names.get(rule.rule.subject, ())}))


def _prior(filing, options: Options):
    """The same district's filing for the year before, when --previous supplied one."""
    wanted = (filing.district.code, filing.district.year - 1)
    for key, path in options.previous:
        if tuple(key) == wanted:
            # a path, or (rule tests) the JSON bytes of the filing itself
            doc = load_filing(path, name="<previous>.json", fmt="json") if isinstance(path, bytes) else load_filing(path)
            return doc, validate_located(doc, validate_document).model_dump(mode="python", exclude_none=True)
    return None, None


def previous_index(paths: list[str]) -> tuple[tuple, list[Failure]]:
    """Index last year's filings by (district code, year) for --previous; invalid ones are failures."""
    index: dict = {}
    failures: list[Failure] = []
    for path in paths:
        try:
            doc = load_filing(path)  # last year's filing may be a spreadsheet too
            filing = validate_located(doc, validate_document)
        except InputErrors as e:
            failures.append(Failure(str(path), EXIT_INVALID, tuple(e.errors)))
            continue
        key = (filing.district.code, filing.district.year)
        if key in index:
            failures.append(Failure(str(path), EXIT_INVALID, (InputError(
                "previous_ambiguous", doc.file, 1, 1, "/district",
                f"上年申报中 {key[0]} 区县 {key[1]} 年有两份：{index[key]} 与 {path}",
                f"two previous filings for district {key[0]}, year {key[1]}: {index[key]} and {path}"),)))
            continue
        index[key] = str(path)
    return tuple(sorted(index.items())), failures


def _build_findings(pack: CompiledPack, recorder: _Recorder, builder: FindingBuilder, subjects: list) -> list[Finding]:
    built: dict[tuple, Finding] = {}
    entries = recorder.entries
    order = {"violation": 0, "missing": 0, "aggregate": 1, "aggregate_missing": 1}
    for ident, entry in sorted(entries.items(), key=lambda kv: (order[kv[1].kind], kv[0])):
        rule = pack.by_key[entry.key]
        subject = subjects[entry.subject]
        if entry.kind == "violation":
            built[ident] = builder.violation(rule, subject, entry.causes)
        elif entry.kind == "missing":
            built[ident] = builder.missing(rule, subject)
        elif entry.kind == "aggregate":
            members = [built[(rid, "", entry.subject)] for rid in rule.rule.aggregate.of if (rid, "", entry.subject) in built]
            built[ident] = builder.aggregate(rule, subject, members)
        else:
            pointers = set()
            for rid in rule.rule.aggregate.of:
                f = built.get(("DATA-MISSING", rid, entry.subject))
                if f is not None:
                    pointers.update(f.missing or ())
            built[ident] = builder.missing(rule, subject, pointers)
    findings = sorted(built.values(), key=Finding.sort_key)
    identities = [f.identity for f in findings]
    if len(set(identities)) != len(identities):
        raise RuntimeError("two findings share one identity")
    return findings


def internal_failure(file: str, error: str) -> Failure:
    return Failure(file, EXIT_INTERNAL, (InputError("internal_error", file, None, None, "", f"内部错误：{error}。{BUG_REPORT_ZH}", f"internal error: {error}. {BUG_REPORT_EN}"),))


def check_one_safely(source, policy: Policy, options: Options, name: str | None = None, fmt: str | None = None):
    """Check one filing in this process and never raise: a Result or a Failure."""
    display = name or str(source)
    try:
        return check_source(source, policy, options, name=name, fmt=fmt)
    except InputErrors as e:
        return Failure(display, EXIT_INVALID, tuple(e.errors))
    except Exception as e:  # noqa: BLE001 - anything else is a bug, reported as such (exit 3)
        import os
        import traceback

        if os.environ.get("JUNHENG_DEBUG"):
            traceback.print_exc()
        return internal_failure(display, f"{type(e).__name__}: {e}")


@dataclass(frozen=True)
class Rendered:
    """A filing's outcome already turned into its report text, in the worker (streaming formats).

    The parent only writes ``text`` and keeps counts: neither the findings nor their
    formatting cross the process boundary or cost the parent's time.
    """

    file: str
    text: str
    status: int  # as outcome_status gives it for the run's --fail-on
    verdict: str | None  # qualified | deferred, or None when not checked
    failure_status: int | None  # 2 or 3 when the filing could not be checked
    errors: tuple[str, ...] = ()  # rendered input errors, for stderr


def check_many(sources: list[str | Source], policy: Policy, options: Options = Options(), jobs: int | None = None,
               render=None, lang: str = "zh", fail_on: str = "blocking"):
    """Check many filings in worker processes; yields one Result or Failure per source, in order.

    With ``render`` (a streaming format's ``line``), each worker renders its filing and
    yields a ``Rendered`` instead.

    A source is a path, or a ``Source`` from ``sources.expand`` (a path, standard input's
    bytes, or an argument that named no filing, which becomes an invalid-input Failure).
    A worker that dies (a crash inside the engine's C extension) costs only the
    filing it held: that filing is reported as an internal error (exit 3).
    """
    from junheng.check.workers import run_isolated

    from junheng.report.result import outcome_status

    def finish(outcome):
        if render is None:
            return outcome
        failed = isinstance(outcome, Failure)
        return Rendered(outcome.file, render(outcome, lang=lang, fail_on=fail_on), outcome_status(outcome, fail_on),
                        None if failed else outcome.verdict, outcome.status if failed else None,
                        tuple(e.render(lang) for e in outcome.errors) if failed else ())

    def crashed(args, exitcode):
        source = args[0]
        name = source.name if isinstance(source, Source) else str(source)
        return finish(internal_failure(name, f"the engine process died (exit code {exitcode})"))

    def one(source):  # runs in a forked worker: the compiled policy is inherited, never pickled
        if not isinstance(source, Source):
            return finish(check_one_safely(source, policy, options))
        if source.error is not None:
            return finish(Failure(source.name, EXIT_INVALID, (source.error,)))
        if source.data is None:
            return finish(check_one_safely(source.name, policy, options))
        return finish(check_one_safely(source.data, policy, options, name=source.name, fmt=source.fmt))

    yield from run_isolated(((s,) for s in sources), one, crashed, jobs=jobs)
