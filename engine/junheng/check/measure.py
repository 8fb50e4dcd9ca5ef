"""The indicators behind a check: every rule's values at every subject, against its standard, for reports.

The derive stage (``check/derive.py``) has already computed every value of every rule for every
subject, in floats, as the engine's facts; this module only reads them back into ``Series`` (one
per rule), so that a report can chart each school's value against the standard line and each
difference coefficient against its limit. The added cost is about one dictionary look-up per value:
formulas are evaluated again (``derive.evaluate_values``, in the facts' own float arithmetic) only for values a report shows
that no condition reads — the engine's facts leave those out — such as the coefficients a BAL rule
labels, and so only for the few subjects of such rules (levels). Whether a rule applies (``applies_when``, ``zero_holds``) is decided
from the same values with the catalogue's tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from junheng.check.derive import Derived, evaluate_values
from junheng.check.subjects import Subject
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.passes import placeholders
from junheng.policy.tolerance import compare
from junheng.report.numbers import fmt_value
from junheng.report.result import Indicators, Series
from junheng.rete.plan import Plan

__all__ = ["measure"]

# A value of one subject by name (a policy number, a derived value), as a float; None when missing or undefined.
Reader = Callable[[str], float | None]


def measure(pack: CompiledPack, plan: Plan, derived: Derived) -> Indicators:
    """The Series of every rule of ``pack`` that compares figures with a standard (integrity checks,
    which compare the data with itself, and aggregate rules are left out)."""
    chunks = {(fact["s"], fact["c"]): fact for fact in derived.facts}
    by_kind: dict[str, list[int]] = {}
    for index, subject in enumerate(derived.subjects):
        by_kind.setdefault(subject.kind, []).append(index)
    series: list[Series] = []
    for rule in pack.rules:
        if rule.rule.aggregate is not None or not rule.rule.report_missing:
            continue
        indexes = by_kind.get(rule.rule.subject, [])
        if not indexes:
            continue
        series.append(_series(rule, plan.chunk_of[rule.key], indexes, derived.subjects, chunks))
    subjects = tuple((s.name, s.kind, s.variant, s.label) for s in derived.subjects)
    return Indicators(subjects=subjects, series=tuple(series))


def _series(rule: CompiledRule, chunk: int, indexes: list[int], subjects: list[Subject],
            chunks: Mapping[tuple[int, int], Mapping[str, Any]]) -> Series:
    """One rule's Series: its values, limits and requirement texts, and a row per subject of its kind."""
    fields = {name: field for name, _, field in rule.values}
    limits: list[tuple[str, str, str]] = []
    for req in rule.requirement:
        right = req.simple
        if right is not None and req.name in fields and (right in fields or right in rule.params[rule.variants[0]]):
            limits.append((req.name, req.op, right))
    names = list(rule.declared)
    names += [n for n, _, _ in limits if n not in names]
    texts = [rule.rule.message.zh, rule.rule.message.en]
    for case in rule.rule.rectification if isinstance(rule.rule.rectification, list) else [rule.rule.rectification]:
        texts += [case.zh, case.en]
    formats = {name: spec for text in texts for name, spec in placeholders(text) if spec is not None}
    requirement: dict[str | None, tuple[tuple[str, str], ...]] = {}
    for variant in rule.variants:
        params = rule.params[variant]

        def show(name: str) -> str:
            return fmt_value(params[name], formats.get(name)) if name in params else name  # noqa: B023 - used at once

        requirement[variant] = tuple((req.name, req.render(show)) for req in sorted(rule.requirement, key=lambda r: r.name))
    # Values the engine's facts leave out (no condition reads them), which a report shows: the
    # coefficients a BAL rule labels, the sides of its requirement. Evaluated again, as the facts are, for
    # the few subjects of such a rule only (district, levels, groups).
    shown = {n for n, _, r in limits} | {r for _, _, r in limits} | set(rule.rule.labels) | {req.name for req in rule.requirement}
    again = any(fields.get(n, "") is None for n in shown)
    wanted = (*names, *(right for _, _, right in limits))
    steps: dict[str | None, list[tuple[int, Any]]] = {}  # variant → where each wanted value is read (``_steps``)
    rows = []
    for index in indexes:
        subject = subjects[index]
        fact = chunks.get((index, chunk), _NOTHING)
        v_key = subject.variant if rule.variants[0] is not None else None
        read = steps.get(v_key)
        if read is None:
            read = steps[v_key] = _steps(rule.params[v_key], fields, wanted)
        exact = evaluate_values(rule, subject) if again else _NOTHING
        got = [p if k == _POLICY else _slot(fact.get(p)) if k == _FACT else _evaluated(exact.get(p)) for k, p in read]
        applies = _applies(rule.applies, _reader(rule.params[v_key], fields, exact, fact)) if rule.applies else True
        rows.append((index, applies, tuple(got[:len(names)]), tuple(got[len(names):])))
    return Series(rule=rule.rule.id, kind=rule.rule.subject, severity=rule.rule.severity, area=rule.area,
                  area_title=rule.area_title, title=rule.rule.title, names=tuple(names), labels=dict(rule.rule.labels),
                  formats=formats, limits=tuple(limits), requirement=requirement, rows=tuple(rows))


_NOTHING: Mapping[str, Any] = {}  # a subject without a fact of the rule's chunk; a rule with nothing evaluated again
_POLICY, _FACT, _AGAIN = 0, 1, 2  # where a value is read: a policy number, the facts' slot, what was evaluated again


def _steps(params: Mapping[str, Fraction], fields: Mapping[str, str | None], names: tuple[str, ...]) -> list[tuple[int, Any]]:
    """Where each of ``names`` is read for a subject of one variant, worked out once per rule and variant: a policy
    number (as a float), a slot of the engine's facts, or a value evaluated again — as ``_reader`` reads one."""
    steps: list[tuple[int, Any]] = []
    for name in names:
        if name in params:
            steps.append((_POLICY, float(params[name])))
        else:
            field = fields.get(name, "")
            steps.append((_AGAIN, name) if field is None else (_FACT, field))
    return steps


def _slot(got: Any) -> float | None:
    return None if got is None else float(got)


def _evaluated(got: Any) -> float | None:
    return float(got) if isinstance(got, (int, float, Fraction)) and not isinstance(got, bool) else None


def _reader(params: Mapping[str, Fraction], fields: Mapping[str, str | None], exact: Mapping[str, Any],
            fact: Mapping[str, Any]) -> Reader:
    """The values of one subject: policy numbers, the facts' slots, and what was evaluated again."""

    def value(name: str) -> float | None:
        if name in params:
            return float(params[name])
        field = fields.get(name, "")
        if field is None:  # no condition reads it: the facts leave it out
            return _evaluated(exact.get(name))
        return _slot(fact.get(field))

    return value


def _applies(conditions: list[ex.Node], value: Reader) -> bool | None:
    """All of ``applies_when``'s conjuncts hold: True, False, or None when a value is missing."""
    result: bool | None = True
    for node in conditions:
        held = _holds(node, value)
        if held is False:
            return False
        if held is None:
            result = None
    return result


def _holds(node: ex.Node, value: Reader) -> bool | None:
    if isinstance(node, ex.Not):
        inner = _holds(node.operand, value)
        return None if inner is None else not inner
    if isinstance(node, ex.BoolOp):
        parts = [_holds(a, value) for a in node.operands]
        if node.op == "and":
            return False if False in parts else (None if None in parts else True)
        return True if True in parts else (None if None in parts else False)
    if isinstance(node, ex.Cmp):
        left, right = _side(node.left, value), _side(node.right, value)
        if left is None or right is None:
            return None
        return compare(node.op, left, right)
    return None


def _side(node: ex.Node, value: Reader) -> float | None:
    """One side of a comparison in a condition: a number, or a name (the compiler allows nothing else)."""
    if isinstance(node, ex.Num):
        return float(node.value)
    if isinstance(node, ex.Name):
        return value(node.name)
    raise TypeError(f"a condition compares numbers and names, not {ex.unparse(node)!r}")
