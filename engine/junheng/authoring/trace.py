"""The trace of a rule on a filing (``junheng rules explain RULE FILING``, the web's 试运行): what it computed and why it decided.

For every subject the rule concerns (the district, each level, each school …) the trace shows
each value of the rule with the filed figures it was computed from (label, value, where in the
filing), the rule's conditions with the figures filled in, and the outcome: 违规, 达标, 不适用 or
数据缺失.

The outcome is the engine's, never decided here: the filing is checked as ``junheng check``
checks it (``check_source``); a finding of the rule at a subject is 违规, a DATA-MISSING finding
for it 数据缺失. Whether the rule applies to the other subjects (its ``applies_when``, the balance
set, ``zero_holds``) is decided by durable_rules too: a probe of the pack whose only conditions are
the rules' applicability conditions runs over the very facts the check derives (``_probe``).
The figures shown come from the exact re-evaluation the findings use (``evaluate_exact``): display only.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from junheng.authoring.describe import SUBJECT_KINDS, find_rule, params_text
from junheng.check.derive import Derived, derive, evaluate_exact
from junheng.check.explain import input_object, locate, present_ancestor
from junheng.check.run import Options, check_source, prepare, select_pack
from junheng.check.sources import Source, expand
from junheng.check.subjects import Subject
from junheng.errors import InputError, InputErrors, suggest
from junheng.filing.read import read_filing
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule, Policy, Requirement
from junheng.policy.formula import MISSING, UNDEFINED, Env
from junheng.report.labels import field_label, pointer_label, school_label
from junheng.report.numbers import as_filed, fmt_figures, fmt_value, round4
from junheng.report.result import Finding, Location, Result
from junheng.rete.facts import DATA_MISSING, STAGE_VERDICT, stage_fact
from junheng.rete.plan import Plan, plan_pack
from junheng.rete.session import Engine, Fired

__all__ = ["OUTCOMES", "Condition", "Figure", "SubjectTrace", "Trace", "ValueTrace", "filing_source", "render_text", "trace_rule",
           "trace_rules"]

# An outcome's key (JSON) → its word in Chinese and English.
OUTCOMES = {
    "violated": ("违规", "violated"),
    "passed": ("达标", "passed"),
    "not_applicable": ("不适用", "not applicable"),
    "data_missing": ("数据缺失", "data missing"),
}
_SCHOOL_KINDS = ("school", "unit", "school_id")
_LANGS = ("zh", "en")


# ---------------------------------------------------------------- the trace, as data


@dataclass(frozen=True)
class Figure:
    """One filed figure a value read (or could not read: ``missing``), with its label and where it is in the filing."""

    pointer: str
    label: Mapping[str, str]  # zh / en: the form's label (English reports show the form's Chinese words too)
    value: Any  # as filed; None when missing
    location: Location | None  # where it is, or (missing) where it belongs
    missing: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "label": dict(self.label), "value": self.value, "missing": self.missing,
                "location": self.location.to_json() if self.location is not None else None}


@dataclass(frozen=True)
class ValueTrace:
    """One value of the rule at one subject: its formula, what it came to, and the figures it read."""

    name: str
    formula: str
    value: Any  # rounded to 4 decimals; None when missing or undefined
    shown: str  # as the trace prints it (62.5%, 1,372 …)
    state: str  # ok | missing (an input is not filed) | undefined (a division by zero)
    inputs: tuple[Figure, ...]
    records: tuple[Figure, ...] = ()  # the school records read through sum()/cv() (value None: the record as a whole)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "formula": self.formula, "value": self.value, "shown": self.shown, "state": self.state,
                "inputs": [f.to_json() for f in self.inputs], "records": [f.to_json() for f in self.records]}


@dataclass(frozen=True)
class Condition:
    """One condition of the rule with the subject's figures filled in: ``新增教育经费… 62.5% < 70%``."""

    role: str  # applies_when | violated_when | requirement | aggregate_of
    formula: str
    filled: Mapping[str, str]  # zh / en
    cause: Mapping[str, str] | None = None  # a cause's own text (DATA-02)

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "formula": self.formula, "filled": dict(self.filled),
                "cause": dict(self.cause) if self.cause is not None else None}


@dataclass(frozen=True)
class SubjectTrace:
    """The rule at one subject: figures, conditions and the engine's outcome."""

    subject: str  # as findings name it: 500108, 500108/primary, 5001080001 …
    kind: str
    label: Mapping[str, str]  # zh / en: 南岸区（500108）, 小学, 南坪实验小学（5001080001）
    variant: str | None
    outcome: str  # a key of OUTCOMES
    applies: bool  # the probe's answer: the rule's applicability conditions hold
    params: Mapping[str, Any]
    values: tuple[ValueTrace, ...]
    conditions: tuple[Condition, ...]
    finding: Mapping[str, str] | None = None  # the engine's finding's message, zh / en

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": self.kind, "label": dict(self.label), "variant": self.variant,
                "outcome": self.outcome, "outcome_text": dict(zip(_LANGS, OUTCOMES[self.outcome], strict=True)),
                "applies": self.applies, "params": dict(self.params), "values": [v.to_json() for v in self.values],
                "conditions": [c.to_json() for c in self.conditions],
                "finding": dict(self.finding) if self.finding is not None else None}


@dataclass(frozen=True)
class Trace:
    """One rule on one filing, for every subject the rule concerns (or the one school asked for)."""

    rule: str
    title: Mapping[str, str]
    pack: str
    file: str  # the filing as reports name it
    subject_kind: str
    params: str  # ``threshold: 0.7`` — the pack's policy numbers (``rules list``'s column)
    applies_when: str | None
    violated_when: tuple[str, ...]
    subjects: tuple[SubjectTrace, ...]
    notices: tuple[InputError, ...] = field(default=())  # how the filing was read (as ``check`` warns)

    def counts(self) -> dict[str, int]:
        return {key: sum(1 for s in self.subjects if s.outcome == key) for key in OUTCOMES}

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": dict(self.title), "pack": self.pack, "file": self.file,
                "subject_kind": self.subject_kind, "params": self.params, "applies_when": self.applies_when,
                "violated_when": list(self.violated_when), "counts": self.counts(),
                "subjects": [s.to_json() for s in self.subjects],
                "notices": [{**n.to_json(), "message": {"zh": n.zh, "en": n.en}} for n in self.notices]}


# ---------------------------------------------------------------- reading the filing as ``check`` does


def filing_source(argument: str, stdin: Any = None, input_format: str = "yaml") -> Source:
    """The one filing an argument names, found as ``junheng check`` finds filings (``-``, a file, a CSV folder …).

    Raises InputErrors when it names no filing, or several."""
    sources = expand([argument], stdin, input_format)
    if len(sources) != 1:
        shown = [s.name for s in sources[:3]] + (["…"] if len(sources) > 3 else [])
        raise InputErrors([InputError(
            "trace_one_filing", argument, None, None, "",
            f"“{argument}”含有 {len(sources)} 份申报（{'、'.join(shown)}）：试运行一次只针对一份申报，请指定其中一个",
            f"'{argument}' holds {len(sources)} filings ({', '.join(shown)}): a trace is of one filing; name one of them")])
    source = sources[0]
    if source.error is not None:
        raise InputErrors([source.error])
    return source


def trace_rule(policy: Policy, rule_id: str, filing: str | os.PathLike[str] | bytes | Source, standard: str | None = None, *,
               school: str | None = None, name: str | None = None, fmt: str | None = None) -> Trace:
    """The trace of one rule on one filing (see the module's docstring); InputErrors for what cannot be traced."""
    return trace_rules(policy, [rule_id], filing, standard, school=school, name=name, fmt=fmt)[0]


def trace_rules(policy: Policy, rule_ids: Iterable[str] | None, filing: str | os.PathLike[str] | bytes | Source,
                standard: str | None = None, *, school: str | None = None, name: str | None = None,
                fmt: str | None = None) -> list[Trace]:
    """The traces of several rules (None: every rule of the pack) on one filing, checked once.

    ``filing`` is a path, the bytes of a filing shown as ``name`` (in format ``fmt``), or a ``Source``.
    ``standard`` replaces the pack the filing names, as ``check --standard`` does; ``school`` keeps
    only the subjects of that school id (school-level rules only). Raises InputErrors for an invalid
    filing (the messages ``check`` gives), an unknown rule, pack or school, or a rule the pack lacks.
    """
    if isinstance(filing, Source):
        filing, name, fmt = (filing.data, filing.name, filing.fmt) if filing.data is not None else (filing.name, None, None)
    ids = None if rule_ids is None else [_known_rule(policy, r) for r in rule_ids]
    doc, read = read_filing(filing, name=name, fmt=fmt)
    pack = select_pack(policy, standard or read.district.standard or "", doc, from_option=standard is not None)
    rules = pack.rules if ids is None else [_rule_in_pack(policy, pack, r, doc, standard) for r in ids]
    result = check_source(filing, policy, Options(standard=standard), name=name, fmt=fmt)
    data = read.model_dump(mode="python", exclude_none=True)
    prepared = prepare(pack)
    derived = derive(pack, prepared.plan, prepared.steps, data)
    applies = _applicable(pack, derived)
    context = _Context(pack, doc, data, result, policy.vocabulary, applies)
    traces = []
    for rule in rules:
        if school is not None and rule.rule.subject not in _SCHOOL_KINDS:
            if ids is None:  # every rule, for one school: those about the school
                continue
            raise InputErrors([_not_a_school_rule(rule, school)])
        subjects = _subjects_of(rule, derived, school, data)
        traces.append(Trace(
            rule=rule.id, title={"zh": rule.rule.title.zh, "en": rule.rule.title.en}, pack=pack.name, file=result.file,
            subject_kind=rule.rule.subject, params=params_text(rule),
            applies_when=" and ".join(ex.unparse(a) for a in rule.applies) or None,
            violated_when=tuple(ex.unparse(node) for node, _ in rule.causes),
            subjects=tuple(context.subject(rule, s, i) for i, s in subjects), notices=result.notices))
    return traces


def _known_rule(policy: Policy, rule_id: str) -> str:
    """The rule's id as the rules write it (fin-13 is FIN-13); an unknown one is an error with a suggestion."""
    ids = sorted({r.id for p in policy.packs.values() for r in p.rules})
    found = next((i for i in ids if i.casefold() == rule_id.strip().casefold()), None)
    if found is not None:
        return found
    hint = suggest(rule_id.strip().upper(), ids)
    raise InputErrors([InputError("unknown_rule", rule_id, None, None, "", f"没有规则 “{rule_id}”{hint.zh}",
                                  f"no rule {rule_id!r}{hint.en}")])


def _rule_in_pack(policy: Policy, pack: CompiledPack, rule_id: str, doc: LoadedDocument, standard: str | None) -> CompiledRule:
    """The rule as the pack has it; a pack without it is an error naming the packs that hold it."""
    rule = next((r for r in pack.rules if r.id == rule_id), None)
    if rule is not None:
        return rule
    held = [p for p, _ in find_rule(policy, rule_id)]
    zh_packs, en_packs = "、".join(held), ", ".join(held)
    zh = f"规则包 {pack.name}（{pack.title.zh}）不含规则 {rule_id}；含有它的规则包：{zh_packs}（可用 --standard {held[0]} 指定）"
    en = (f"pack {pack.name} ({pack.title.en}) has no rule {rule_id}; the packs that hold it: {en_packs} "
          f"(choose one with --standard {held[0]})")
    if standard is not None:  # the pack came from --standard: the option is what to change
        raise InputErrors([InputError("rule_not_in_pack", "--standard", None, None, "", zh, en)])
    line, column = doc.location("/district/standard")
    raise InputErrors([InputError("rule_not_in_pack", doc.file, line, column, "/district/standard", zh, en,
                                  cell=doc.cell("/district/standard"))])


def _not_a_school_rule(rule: CompiledRule, school: str) -> InputError:
    """``--school`` given with a rule whose subject is not a school."""
    zh_kind, en_kind = SUBJECT_KINDS[rule.rule.subject]
    return InputError("trace_school_option", "--school", None, None, "",
                      f"规则 {rule.id} 的对象是{zh_kind}，不是学校：--school {school} 只用于学校层面的规则",
                      f"rule {rule.id} is about the {en_kind}, not a school: --school {school} is only for school-level rules")


# ---------------------------------------------------------------- which subjects, and does the rule apply (the engine decides)


def _subjects_of(rule: CompiledRule, derived: Derived, school: str | None, data: dict[str, Any]) -> list[tuple[int, Subject]]:
    """(index in the derived facts, subject) of every subject of the rule's kind, or of one school's."""
    subjects = [(i, s) for i, s in enumerate(derived.subjects) if s.kind == rule.rule.subject]
    if school is None:
        return subjects
    wanted = school.strip()
    kept = [(i, s) for i, s in subjects if s.name == wanted or any(str(rec["id"]) == wanted for _, rec, _ in s.records)]
    if kept:
        return kept
    ids = sorted({str(rec["id"]) for rec in data.get("schools") or []})
    hint = suggest(wanted, ids)
    raise InputErrors([InputError("unknown_school", "--school", None, None, "",
                                  f"申报中没有学校标识码为 “{wanted}” 的学校{hint.zh}",
                                  f"the filing has no school with id {wanted!r}{hint.en}")])


# One probe engine per compiled pack, for as long as the pack lives (as ``check.run.prepare`` keeps its engine).
_PROBES: weakref.WeakKeyDictionary[CompiledPack, tuple[Plan, Engine]] = weakref.WeakKeyDictionary()


def _probe(pack: CompiledPack) -> tuple[Plan, Engine]:
    """The pack's applicability conditions as engine rules: each rule's ``applies`` become its only cause.

    Every other part of the pack stays (its values, their slots and chunks), so the probe matches the
    facts the check derives; a rule without an applicability condition has no engine rule (it always applies).
    """
    found = _PROBES.get(pack)
    if found is None:
        rules = []
        for rule in pack.rules:
            if rule.rule.aggregate is not None:
                continue
            node: ex.Node | None = None
            if rule.applies:
                node = rule.applies[0] if len(rule.applies) == 1 else ex.BoolOp("and", tuple(rule.applies), 1)
            rules.append(replace(rule, rule=rule.rule.model_copy(update={"report_missing": False}),
                                 causes=[(node, None)] if node is not None else [], applies=[]))
        probe = replace(pack, name=f"{pack.name}_applies", rules=rules, by_key={r.key: r for r in rules})
        plan = plan_pack(probe)
        found = _PROBES[pack] = (plan, Engine(plan))
    return found


def _applicable(pack: CompiledPack, derived: Derived) -> set[tuple[str, int]]:
    """(rule key, subject index) of every subject at which a rule's applicability conditions hold, as the engine finds them."""
    plan, engine = _probe(pack)
    holds: set[tuple[str, int]] = set()

    def on_fire(fired: Fired) -> list[Any]:
        kind, key, _ = plan.actions[fired.name]
        if kind == "violation":
            holds.add((key, fired.facts["s"]["s"]))
        return []

    session = engine.run([derived.facts, [stage_fact(STAGE_VERDICT)]], on_fire)
    if session.errors:
        raise RuntimeError("; ".join(session.errors[:3]))
    return holds


# ---------------------------------------------------------------- one subject


# A name of a condition at one subject: (its value, its label in zh / en — empty for a policy number —, its {name:spec} format).
Shown = tuple[Any, dict[str, str], str | None]
_SPEC = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*):([a-z0-9]+)\}")  # a rule text's {name:pct}


def _specs(rule: CompiledRule) -> dict[str, str]:
    """How the rule's texts format each figure (``{rural_weak_share:pct}``); a ratio param is a percentage."""
    r = rule.rule
    cases = r.rectification if isinstance(r.rectification, list) else [r.rectification]
    texts = [r.message, *cases, *(t for _, t in rule.causes if t is not None)]
    out: dict[str, str] = {}
    for text in texts:
        for lang in _LANGS:
            for m in _SPEC.finditer(getattr(text, lang)):
                out.setdefault(m.group(1), m.group(2))
    for name, unit_name in r.units.items():
        if unit_name == "ratio":
            out.setdefault(name, "pct")
    return out


class _Context:
    """What tracing a subject needs from the one check of the filing: the pack, the document, the findings, the probe."""

    def __init__(self, pack: CompiledPack, doc: LoadedDocument, data: dict[str, Any], result: Result, vocabulary: dict[str, Any],
                 applies: set[tuple[str, int]]):
        self.pack = pack
        self.doc = doc
        self.data = data
        self.vocab = vocabulary
        self.applies = applies
        self.schools = {i: (str(rec["id"]), rec.get("name")) for i, rec in enumerate(data.get("schools") or [])}
        self.findings: dict[tuple[str, str, str], Finding] = {(f.rule, f.for_rule or "", f.subject): f for f in result.findings}

    def subject(self, rule: CompiledRule, subject: Subject, index: int) -> SubjectTrace:
        """The trace of the rule at one subject; its outcome from the check's findings and the probe."""
        violation = self.findings.get((rule.id, "", subject.name))
        missing = self.findings.get((DATA_MISSING, rule.id, subject.name))
        applies = not rule.applies or (rule.key, index) in self.applies
        if violation is not None:
            outcome, finding = "violated", violation
        elif missing is not None:
            outcome, finding = "data_missing", missing
        else:
            outcome, finding = ("passed" if applies else "not_applicable"), None
        variant = subject.variant if rule.variants[0] is not None else None
        params = rule.params.get(variant, {})
        values, figures = self._values(rule, subject, params) if rule.rule.aggregate is None else ((), {})
        conditions = self._conditions(rule, figures) if rule.rule.aggregate is None else self._members(rule, subject)
        return SubjectTrace(
            subject=subject.name, kind=subject.kind, label=self._label(subject), variant=subject.variant, outcome=outcome,
            applies=applies, params={k: round4(v) for k, v in params.items()}, values=values, conditions=conditions,
            finding={"zh": finding.message.zh, "en": finding.message.en} if finding is not None else None)

    def _label(self, subject: Subject) -> dict[str, str]:
        """The subject as a person names it, in both languages."""
        if subject.kind in ("level", "group"):
            words = self.vocab.get("levels" if subject.kind == "level" else "groups", {}).get(subject.variant, {})
            return {lang: school_label(subject.name, str(words.get(lang, subject.variant)), lang) for lang in _LANGS}
        if subject.kind == "district":
            name = self.data["district"].get("name")
            return {lang: school_label(subject.name, name, lang) for lang in _LANGS}  # 南岸区（500108）, as a school is named
        label = subject.label if subject.label != subject.name else None
        return {lang: school_label(subject.name, label, lang) for lang in _LANGS}

    def _values(self, rule: CompiledRule, subject: Subject, params: dict[str, Fraction]
                ) -> tuple[tuple[ValueTrace, ...], dict[str, Shown]]:
        """Each value with the figures it read; and, for the conditions, every name's (value, label, format)."""
        env = evaluate_exact(rule, subject)
        reads = _reads_of_each(rule, subject, params, env.values)
        specs = _specs(rule)  # no places: a trace shows a figure to 4 decimals (a pct to 1), finer than a finding's text
        out = []
        figures: dict[str, Shown] = {}
        for name, _, _ in rule.values:
            v = env.values.get(name, MISSING)
            inputs, records, missing = reads.get(name, ({}, set(), set()))
            state = "missing" if v is MISSING else "undefined" if v is UNDEFINED else "ok"
            number = None if state != "ok" or isinstance(v, str) else v
            out.append(ValueTrace(
                name=name, formula=rule.rule.values.get(name, name), value=round4(number) if number is not None else None,
                shown=self._shown(v, specs.get(name)), state=state,
                inputs=tuple(self._figure(p, x, subject) for p, x in inputs.items())  # in the order the formula reads them
                + tuple(self._figure(p, None, subject) for p in sorted(missing)),
                records=tuple(self._record(i) for i in sorted(records))))
            figures[name] = (v, self._value_label(rule, name), specs.get(name))
        for name, value in params.items():
            figures[name] = (value, {"zh": "", "en": ""}, specs.get(name))  # a policy number: its figure alone
        return tuple(out), figures

    def _shown(self, v: Any, spec: str | None) -> str:
        if v is MISSING:
            return "（缺失）"
        if v is UNDEFINED:
            return "（无法计算：除数为 0）"
        return fmt_value(v, spec)

    def _value_label(self, rule: CompiledRule, name: str) -> dict[str, str]:
        """A value as a condition shows it: its ``labels:`` text, else the form's label of the one field it is, else its name."""
        label = rule.rule.labels.get(name)
        if label is not None:
            return {"zh": label.zh, "en": label.en}
        node = rule.value_nodes.get(name)
        if name not in rule.rule.values:  # a name the rule's conditions use directly: a filed field (zero_holds …)
            text = field_label(name)
        elif isinstance(node, ex.Name) and (node.name == name or node.name not in rule.rule.values) and node.name not in rule.rule.params:
            text = field_label(node.name)  # max_class_size: max_class_size (a value never names itself: the field)
        else:
            text = name
        return {"zh": text, "en": text}

    def _figure(self, pointer: str, value: Any, subject: Subject) -> Figure:
        """A filed figure (or a missing one, located where it belongs), labelled as the form labels it."""
        if subject.kind == "school" and pointer.startswith(subject.base_pointer + "/"):
            labels = {lang: field_label(pointer) for lang in _LANGS}  # the subject already names the school
        else:
            labels = {lang: pointer_label(pointer, lang, self.schools) for lang in _LANGS}
        where = pointer if value is not None else present_ancestor(self.data, input_object(pointer))
        found = locate(self.doc, [where])
        location = found[0] if found else None
        if location is not None and self.doc.cells:
            location = replace(location, cell=self.doc.cell(location.pointer))
        return Figure(pointer, labels, as_filed(value) if value is not None else None, location, missing=value is None)

    def _record(self, index: int) -> Figure:
        """A school record a value read as a whole (sum, cv): named by its school, located at its first line."""
        pointer = f"/schools/{index}"
        labels = {lang: pointer_label(pointer, lang, self.schools) for lang in _LANGS}
        location = locate(self.doc, [pointer])[0]
        if self.doc.cells:
            location = replace(location, cell=self.doc.cell(pointer))
        return Figure(pointer, labels, None, location)

    def _conditions(self, rule: CompiledRule, figures: Mapping[str, Shown]) -> tuple[Condition, ...]:
        """The applicability conditions, each cause, then the requirement, with the subject's figures filled in."""
        out = [Condition("applies_when", ex.unparse(node), {lang: _filled(node, figures, lang) for lang in _LANGS})
               for node in rule.applies]
        for node, text in rule.causes:
            out.append(Condition("violated_when", ex.unparse(node), {lang: _filled(node, figures, lang) for lang in _LANGS},
                                 {"zh": text.zh, "en": text.en} if text is not None else None))
        for req in rule.requirement:
            out.append(Condition("requirement", f"{req.name} {req.op} {req.text}",
                                 {lang: _required(req, figures, lang) for lang in _LANGS}))
        return tuple(out)

    def _members(self, rule: CompiledRule, subject: Subject) -> tuple[Condition, ...]:
        """An aggregate rule (QLT-08): each rule it gathers, and whether the check found it violated at the subject."""
        agg = rule.rule.aggregate
        out = []
        for member in agg.of if agg is not None else ():
            if (member, "", subject.name) in self.findings:
                key = "violated"
            elif (DATA_MISSING, member, subject.name) in self.findings:
                key = "data_missing"
            else:
                key = "passed"
            out.append(Condition("aggregate_of", member, dict(zip(_LANGS, (f"{member} {w}" for w in OUTCOMES[key]), strict=True))))
        return tuple(out)


def _reads_of_each(rule: CompiledRule, subject: Subject, params: dict[str, Fraction], values: Mapping[str, Any]
                   ) -> dict[str, tuple[dict[str, Any], set[int], set[str]]]:
    """Every filed figure each value reads itself (``evaluate_exact`` credits a figure to the first value that reads it).

    Each value is evaluated alone, the values before it given, so that a figure two values read shows under both.
    """
    out: dict[str, tuple[dict[str, Any], set[int], set[str]]] = {}
    floats = {k: float(v) for k, v in params.items()}
    for name, closure, _ in rule.values:
        env = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, params, exact=True, track=True,
                  prior=subject.prior, float_params=floats)
        env.values = {k: v for k, v in values.items() if k != name}
        closure(env)
        out[name] = (dict(env.inputs), set(env.record_inputs), set(env.missing))
    return out


_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_BOOL = {"zh": {"and": " 且 ", "or": " 或 ", "not": "非"}, "en": {"and": " and ", "or": " or ", "not": "not "}}


def _filled(node: ex.Node, figures: Mapping[str, Shown], lang: str) -> str:
    """A condition with every name replaced by its label and figure: ``最大班额（人） 48 > 45 且 最大班额（人） 48 ≤ 55``."""
    if isinstance(node, ex.BoolOp):
        parts = [f"（{_filled(a, figures, lang)}）" if isinstance(a, ex.BoolOp) else _filled(a, figures, lang) for a in node.operands]
        return _BOOL[lang][node.op].join(parts)
    if isinstance(node, ex.Not):
        return f"{_BOOL[lang]['not']}（{_filled(node.operand, figures, lang)}）"
    if not isinstance(node, ex.Cmp):  # the shape pass lets only comparisons be conditions
        return ex.unparse(node)
    sides = [_operand(node.left, figures), _operand(node.right, figures)]
    spec = sides[0][2] or sides[1][2]
    shown = fmt_figures([(value, spec, None) for value, _, _ in sides])
    left, right = (_side(value, label, figure, lang) for (value, label, _), figure in zip(sides, shown, strict=True))
    return f"{left} {_OPS[node.op]} {right}"


def _side(value: Any, label: Mapping[str, str], figure: str, lang: str) -> str:
    """One side of a comparison: its label and figure (``最大班额（人） 48``), or what stands for a figure that is not there."""
    if value is MISSING:
        figure = "缺失" if lang == "zh" else "missing"
    elif value is UNDEFINED:
        figure = "无法计算" if lang == "zh" else "undefined"
    return f"{label[lang]} {figure}" if label[lang] else figure


def _required(req: Requirement, figures: Mapping[str, Shown], lang: str) -> str:
    """What the value must satisfy, with its figures: ``最大班额（人） 45 ≤ 45``; a right-hand formula with its names' figures."""
    if isinstance(req.right, (ex.Name, ex.Num)):
        return _filled(ex.Cmp(req.op, ex.Name(req.name, 1), req.right, 1), figures, lang)
    value, label, spec = _operand(ex.Name(req.name, 1), figures)
    left = _side(value, label, fmt_value(value, spec), lang)

    def show(name: str) -> str:  # a name of the right-hand formula: its figure, when the subject has one
        value, _, spec = figures.get(name, (None, {}, None))
        return fmt_value(value, spec) if value is not None and value is not MISSING and value is not UNDEFINED else name

    op, _, right = req.render(show).partition(" ")
    return f"{left} {_OPS[op]} {right}"


def _operand(node: ex.Node, figures: Mapping[str, Shown]
             ) -> Shown:
    if isinstance(node, ex.Num):
        return (node.value, {"zh": "", "en": ""}, None)
    if isinstance(node, ex.Name) and node.name in figures:
        return figures[node.name]
    return (MISSING, {"zh": ex.unparse(node), "en": ex.unparse(node)}, None)


# ---------------------------------------------------------------- as text


def render_text(trace: Trace, lang: str = "zh") -> str:
    """The trace as ``rules explain RULE FILING`` prints it: the rule, then each subject's figures, conditions and outcome."""
    zh = lang == "zh"
    kind_word = SUBJECT_KINDS[trace.subject_kind][0 if zh else 1]
    lines = [
        f"{trace.rule}  {trace.title[lang]}",
        (f"  规则包: {trace.pack}    申报: {trace.file}    对象: {kind_word}" if zh
         else f"  pack: {trace.pack}    filing: {trace.file}    subject: {kind_word}"),
        f"  {'阈值' if zh else 'thresholds'}: {trace.params}",
    ]
    if trace.applies_when:
        lines.append(f"  {'适用条件' if zh else 'applies when'}: {trace.applies_when}")
    lines += [f"  {'违规条件' if zh else 'violated when'}: {v}" for v in trace.violated_when]
    for s in trace.subjects:
        lines.append("")
        lines += _subject_lines(s, lang)
    counts = trace.counts()
    words = "，".join(f"{OUTCOMES[k][0]} {n}" for k, n in counts.items()) if zh else \
        ", ".join(f"{OUTCOMES[k][1]} {n}" for k, n in counts.items())
    lines += ["", ("合计：" if zh else "total: ") + words]
    return "\n".join(lines) + "\n"


_RECORDS_SHOWN = 5  # a value read from more school records than this (a cv over a level) says how many


def _subject_lines(s: SubjectTrace, lang: str) -> list[str]:
    """One subject's part of the trace."""
    zh = lang == "zh"
    outcome = OUTCOMES[s.outcome][0 if zh else 1]
    lines = [f"{s.label[lang]}：{outcome}" if zh else f"{s.label[lang]}: {outcome}"]
    for v in s.values:
        formula = f" = {v.formula}" if v.formula != v.name else ""  # a field the conditions name directly is its own formula
        lines.append(f"  {v.name}{formula} = {v.shown if zh else _english_state(v)}")
        if len(v.records) > _RECORDS_SHOWN:
            n = len(v.records)
            lines.append(f"      （读取 {n} 条学校记录，见 --format json）" if zh
                         else f"      (reads {n} school records, see --format json)")
        for f in v.records if len(v.records) <= _RECORDS_SHOWN else ():
            lines.append(f"      {'学校记录' if zh else 'school record'}: {f.label[lang]}    {_where(f.location)}")
        for f in v.inputs:
            value = ("缺失" if zh else "missing") if f.missing else _plain(f.value)
            where = _where(f.location)
            if f.missing:
                where = (f"应填于 {where}" if zh else f"belongs at {where}") if where else ""
            lines.append(f"      {f.label[lang]} = {value}" + (f"    {where}" if where else ""))
    roles = {"applies_when": ("适用", "applies"), "violated_when": ("违规条件", "violated when"),
             "requirement": ("达标要求", "requirement"), "aggregate_of": ("汇总", "gathers")}
    for c in s.conditions:
        lines.append(f"  {roles[c.role][0 if zh else 1]}: {c.filled[lang]}" + (f"    （{c.cause[lang]}）" if c.cause and zh
                                                                                   else f"    ({c.cause[lang]})" if c.cause else ""))
    if s.outcome == "not_applicable":
        lines.append("  适用条件不成立，规则不适用" if zh else "  the rule's applicability conditions do not hold")
    if s.finding is not None:
        lines.append(f"  {'结果' if zh else 'outcome'}: {outcome} — {s.finding[lang]}")
    else:
        lines.append(f"  {'结果' if zh else 'outcome'}: {outcome}")
    return lines


def _english_state(v: ValueTrace) -> str:
    return {"missing": "(missing)", "undefined": "(undefined: division by zero)"}.get(v.state, v.shown)


def _plain(value: Any) -> str:
    return fmt_value(value, None) if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool) else str(value)


def _where(location: Location | None) -> str:
    """``nanan.yaml:36:43`` or ``filled.xlsx 经费!B3``."""
    if location is None:
        return ""
    if location.cell:
        return f"{location.file} {location.cell}"
    return f"{location.file}:{location.line}:{location.column}"
