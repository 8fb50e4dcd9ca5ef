"""The derive stage: every rule's values for every subject of a filing, as the engine's facts.

The rules' formulas were compiled to closures once (``policy/formula.py``); here they
run for the district, each school level, each survey group, each school record, each
school unit (campus) and each repeated school id. Values a condition compares go into
the subject's facts (``rete/facts.py``); nothing here decides whether a rule is violated.

The same values, in the fast mode the facts need, are also written out as one straight-line
function per pack, subject kind and variant (``policy/straight.py``) once a batch has interpreted
enough subjects of that kind (``WRITE_AFTER``): a subject then costs one call instead of one per
formula node. The closures stay the reference (``interpreted=True``; ``tests/test_derive_code.py``
holds the two to the same facts) and compute everything a finding needs exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from junheng.check.subjects import Subject, enumerate_subjects
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.formula import MISSING, UNDEFINED, Closure, Env, name_resolver
from junheng.rete.facts import HUGE, KIND_CODES, SubjectFact, missing_marker, sanitize_number, subject_fact
from junheng.rete.plan import Plan

__all__ = ["DerivePlan", "Derived", "RulePlan", "Step", "derive", "derive_plans", "evaluate_exact", "evaluate_values"]


@dataclass
class Derived:
    """The derive stage's output for one filing: its subjects and the engine's facts about them."""

    subjects: list[Subject]  # index = the facts' "s"
    facts: list[SubjectFact]


# One value of a rule, for the derive loop: (name, closure, the fact slot it fills or None, share key or None).
Step = tuple[str, Closure, str | None, int | None]
# One rule of a kind, flattened for the derive loop: per variant?, params and float params per variant, the
# steps per variant, the chunk its slots travel in, its missing marker (None: the rule reports no missing data).
RulePlan = tuple[bool, dict[str | None, dict[str, Fraction]], dict[str | None, dict[str, float]], dict[str | None, list[Step]], int,
                 str | None]


# A subject's values written out (``_write``): fills the subject's chunk facts, as ``_derive_subject`` does.
SubjectCode = Callable[[Subject, list[SubjectFact]], None]


# How much interpreting a kind of subject takes before its function is written (one unit per subject and per
# school record it reads): writing and compiling a function costs ~2 ms, as much as interpreting ~150 school
# records, so one filing (``junheng check`` of a file, ~100 schools) is interpreted and a batch is not.
WRITE_AFTER = 300

_RECORD_KINDS = frozenset({"school", "unit", "school_id"})  # the kinds of subject whose own object is a school record


class DerivePlan(dict[str, list[RulePlan]]):
    """A pack's rules by subject kind, flattened for the interpreted loop; and their straight-line functions,
    one per subject kind, variant and placeholders, written once enough subjects of that kind were interpreted."""

    def __init__(self, pack: CompiledPack, plan: Plan, flattened: dict[str, list[RulePlan]]):
        super().__init__(flattened)
        self.pack = pack
        self.plan = plan
        self._code: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], SubjectCode] = {}
        self._interpreted: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], int] = {}

    def code(self, kind: str, subject: Subject, write_after: int = WRITE_AFTER) -> SubjectCode | None:
        """The subject's function, or None while subjects like it are still interpreted (``write_after``)."""
        key = (kind, subject.variant, tuple(subject.placeholders.items()))
        code = self._code.get(key)
        if code is None:
            done = self._interpreted[key] = self._interpreted.get(key, 0) + 1 + len(subject.records)
            if done <= write_after:
                return None
            code = self._code[key] = _write(self.pack, self.plan, kind, subject.variant, subject.placeholders)
        return code


def derive_plans(pack: CompiledPack, plan: Plan) -> DerivePlan:
    """A pack's rules, by subject kind, flattened once for the derive loop."""
    plans: dict[str, list[RulePlan]] = {}
    for kind in KIND_CODES:
        plans[kind] = []
        for rule in pack.rules_for(kind):
            steps = {v: [(n, c, f, share) for (n, c, f), share in zip(rule.values, rule.share_keys[v], strict=True)]
                     for v in rule.variants}
            plans[kind].append((rule.variants[0] is not None, rule.params, rule.float_params, steps, plan.chunk_of[rule.key],
                                missing_marker(rule.key) if rule.rule.report_missing else None))
    return DerivePlan(pack, plan, plans)


def derive(pack: CompiledPack, plan: Plan, steps: dict[str, list[RulePlan]], data: dict[str, Any],
           prior: dict[str, Any] | None = None, *, interpreted: bool = False, write_after: int = WRITE_AFTER) -> Derived:
    """Evaluate every value of every rule of a pack for every subject (fast mode): the engine's facts.

    Through the closures, formula node by formula node; when ``steps`` is a ``DerivePlan`` (``derive_plans``),
    through its straight-line functions once they are written (``write_after``; never with ``interpreted``).
    """
    by_kind = enumerate_subjects(data, pack.teaching_point_min_students, prior, kinds=[kind for kind, rules in steps.items() if rules])
    written = steps if isinstance(steps, DerivePlan) and not interpreted else None
    subjects: list[Subject] = []
    facts: list[SubjectFact] = []
    for kind, members in by_kind.items():
        rules = steps[kind]
        if not rules:
            continue
        for subject in members:
            index = len(subjects)
            subjects.append(subject)
            chunk_facts = [subject_fact(kind, index, c, subject.variant) for c in range(plan.chunks[kind])]
            code = written.code(kind, subject, write_after) if written is not None else None
            if code is not None:
                code(subject, chunk_facts)
            else:
                _derive_subject(subject, rules, chunk_facts)
            facts.extend(chunk_facts)
    return Derived(subjects, facts)


def _write(pack: CompiledPack, plan: Plan, kind: str, variant: str | None, placeholders: dict[str, str]) -> SubjectCode:
    """One function computing every value of every rule of ``kind`` for a subject of ``variant``, filling its facts.

    Rule by rule and value by value as ``_derive_subject`` runs them: a value several rules share is computed by
    the first; a compared value goes into its slot (as a float, sanitised); a rule whose input is missing marks it.
    """
    from junheng.filing.fast import field_shapes  # imported here, as the writer: one filing's check never writes the code
    from junheng.policy.straight import Scope, Shapes, Writer

    root, school = field_shapes()  # the data is the filing as validated: what its schema says each field holds
    writer = Writer(Shapes(school if kind in _RECORD_KINDS else root, school, root))
    writer.line("base, base_pointer, records = subject.base, subject.base_pointer, subject.records")
    writer.line("placeholders, prior = subject.placeholders, subject.prior")
    for c in range(plan.chunks[kind]):
        writer.line(f"f{c} = facts[{c}]")
    shared: dict[int, str] = {}  # share key → the local holding the value
    for rule in pack.rules_for(kind):
        v_key = variant if rule.variants[0] is not None else None
        names = [name for name, _, _ in rule.values]
        params, own = set(rule.rule.params), frozenset(rule.rule.zero_is_missing)
        fact = f"f{plan.chunk_of[rule.key]}"
        values: dict[str, str] = {}  # value name → the local holding it
        for i, ((name, _, slot), share) in enumerate(zip(rule.values, rule.share_keys[v_key], strict=True)):
            if share is None or share not in shared:
                scope = Scope(name_resolver(kind, names[:i], params), own, dict(values), rule.float_params[v_key],
                              rule.params[v_key], placeholders)
                held = writer.formula(rule.value_nodes[name], scope)
                if share is not None:
                    shared[share] = held
            values[name] = held = shared[share] if share is not None else held
            if slot is not None:
                writer.line(f"if {held} is not MISSING:" if writer.number(held) else
                            f"if {held} is not MISSING and {held} is not UNDEFINED and {held}.__class__ is not str:")
                writer.line(f"    x = float({held})")
                writer.line(f"    {fact}[{writer.constant(slot)}] = x if -HUGE < x < HUGE else sanitize_number(x)")
        if rule.rule.report_missing and values:
            writer.line(f"if {' or '.join(f'{held} is MISSING' for held in values.values())}:")
            writer.line(f"    {fact}[{writer.constant(missing_marker(rule.key))}] = 1")
    namespace = {**writer.namespace, "HUGE": HUGE, "sanitize_number": sanitize_number}
    where = f"<derive code: pack {pack.name}, {kind}, {variant}>"
    exec(compile(writer.source("derive_subject", "subject, facts"), where, "exec"), namespace)  # our own source: policy/straight.py
    code: SubjectCode = namespace["derive_subject"]
    return code


def _derive_subject(subject: Subject, rules: list[RulePlan], chunk_facts: list[SubjectFact]) -> None:
    """The innermost loop of the derive stage: every value of every rule for one subject, into its facts."""
    env = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, {}, prior=subject.prior)
    shared: dict[int, Any] = {}  # values several rules compute alike, computed once for this subject
    variant = subject.variant
    for per_variant, params, float_params, steps, chunk, marker in rules:
        v_key = variant if per_variant else None
        env.params = params[v_key]
        env.float_params = float_params[v_key]
        env.values = values = {}
        fact: dict[str, Any] = chunk_facts[chunk]  # type: ignore[assignment]  # slots are beyond the TypedDict
        missing = False
        for name, closure, slot, share in steps[v_key]:
            if share is None:
                v = closure(env)
            else:
                v = shared.get(share, shared)
                if v is shared:
                    v = shared[share] = closure(env)
            values[name] = v
            if v is MISSING:
                missing = True
            elif slot is not None and v is not UNDEFINED and v.__class__ is not str:
                v = float(v)
                fact[slot] = v if -HUGE < v < HUGE else sanitize_number(v)
        if missing and marker is not None:
            fact[marker] = 1


def evaluate_values(rule: CompiledRule, subject: Subject) -> dict[str, Any]:
    """Every value of one rule for one subject in the derive stage's own arithmetic (floats), as the engine's facts hold
    them: for a report's charts and tables, which show values no condition reads (a BAL rule's labelled coefficients)."""
    v_key = subject.variant if rule.variants[0] is not None else None
    env = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, rule.params[v_key], prior=subject.prior,
              float_params=rule.float_params[v_key])
    for name, closure, _ in rule.values:
        env.values[name] = closure(env)
    return env.values


def evaluate_exact(rule: CompiledRule, subject: Subject) -> Env:
    """Re-evaluate one rule for one subject exactly, recording every input read (for a finding)."""
    params = rule.params[subject.variant if rule.variants[0] is not None else None]
    env = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, params, exact=True, track=True,
              prior=subject.prior, float_params={k: float(v) for k, v in params.items()})
    for name, closure, _ in rule.values:
        before = (set(env.inputs), set(env.record_inputs), set(env.missing))
        env.values[name] = closure(env)
        env.value_reads[name] = (set(env.inputs) - before[0], set(env.record_inputs) - before[1], set(env.missing) - before[2])
    for name, closure in rule.text_values:
        tracked = (set(env.missing), dict(env.inputs))
        v = closure(env)
        # text-only values never make a rule DATA-MISSING: forget what they could not read
        env.missing, env.inputs = tracked[0], {**tracked[1], **{k: x for k, x in env.inputs.items() if k not in tracked[1]}}
        env.values[name] = v
    return env

