"""The derive stage: every rule's values for every subject of a filing, as the engine's facts.

The rules' formulas were compiled to closures once (``policy/formula.py``); here they
run for the district, each school level, each survey group, each school record, each
school unit (campus) and each repeated school id. Values a condition compares go into
the subject's facts (``rete/facts.py``); nothing here decides whether a rule is violated.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from junheng.check.subjects import Subject, enumerate_subjects
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.formula import MISSING, UNDEFINED, Closure, Env
from junheng.rete.facts import HUGE, KIND_CODES, SubjectFact, missing_marker, sanitize_number, subject_fact
from junheng.rete.plan import Plan

__all__ = ["Derived", "RulePlan", "Step", "derive", "derive_plans", "evaluate_exact"]


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


def derive_plans(pack: CompiledPack, plan: Plan) -> dict[str, list[RulePlan]]:
    """A pack's rules, by subject kind, flattened once for the derive loop."""
    plans: dict[str, list[RulePlan]] = {}
    for kind in KIND_CODES:
        plans[kind] = []
        for rule in pack.rules_for(kind):
            steps = {v: [(n, c, f, share) for (n, c, f), share in zip(rule.values, rule.share_keys[v], strict=True)]
                     for v in rule.variants}
            plans[kind].append((rule.variants[0] is not None, rule.params, rule.float_params, steps, plan.chunk_of[rule.key],
                                missing_marker(rule.key) if rule.rule.report_missing else None))
    return plans


def derive(pack: CompiledPack, plan: Plan, steps: dict[str, list[RulePlan]], data: dict[str, Any],
           prior: dict[str, Any] | None = None) -> Derived:
    """Evaluate every value of every rule of a pack for every subject (fast mode): the engine's facts."""
    by_kind = enumerate_subjects(data, pack.teaching_point_min_students, prior)
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
            _derive_subject(subject, rules, chunk_facts)
            facts.extend(chunk_facts)
    return Derived(subjects, facts)


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

