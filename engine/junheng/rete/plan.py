"""The engine plan: a compiled pack's conditions as durable_rules rules, and the actions they fire.

For every rule, variant and cause one engine rule matches a subject fact whose slots
satisfy the condition, with the catalogue's tolerance built into the constants
(``adjust_const``): the engine's answer equals ``policy.tolerance.compare``'s. A rule
that reports missing data gets one more engine rule for the subject facts that carry
its missing marker. Aggregate rules (QLT-08) and the verdict are engine rules over the
finding facts the recorder asserts (forward chaining). The fact layout is
``facts.py``'s.

A kind's values are split over several facts ("chunks") when one fact would carry more
than ``MAX_FIELDS_PER_FACT`` fields: durable_rules crashes on facts of ~250 properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.packs import failures_at_least
from junheng.policy.params import fraction
from junheng.policy.tolerance import REL_TOL
from junheng.rete.facts import (
    DATA_MISSING,
    FINDING,
    KIND_CODES,
    NO_RULE,
    STAGE,
    STAGE_AGGREGATE_MISSING,
    STAGE_VERDICT,
    Action,
    missing_marker,
)

if TYPE_CHECKING:  # annotations only: a check reads the rule models' read-only records (policy/frozen.py) alike
    from junheng.policy.model import Aggregate


__all__ = ["MAX_FIELDS_PER_FACT", "Plan", "adjust_const", "plan_pack"]

MAX_FIELDS_PER_FACT = 200  # durable_rules crashes on facts of more than ~250 properties
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}

Durable = dict[str, Any]  # one durable_rules rule definition (without its "run")
Condition = dict[str, Any]  # one durable_rules condition: {"$and": [...]}, {"$lt": {field: …}}, {field: value} …
# A side of a comparison: a constant (a number or a param), or the name of the fact field a value travels in.
Operand = float | str


@dataclass(eq=False)
class Plan:
    """One pack as the engine runs it."""

    name: str  # the pack's name
    durable: dict[str, Durable]  # engine rule name → durable_rules definition (without "run")
    actions: dict[str, Action]  # engine rule name → what firing it means
    chunks: dict[str, int]  # subject kind → how many facts carry one subject's values
    chunk_of: dict[str, int] = field(default_factory=dict)  # rule key → the chunk its slots travel in


def plan_pack(pack: CompiledPack) -> Plan:
    """The engine rules and actions of a compiled pack (its rules are valid: the pack compiled)."""
    chunks, chunk_of = _assign_chunks(pack.rules)
    plan = Plan(pack.name, {}, {}, chunks, chunk_of)
    for rule in pack.rules:
        if rule.rule.aggregate:
            durable, actions = _aggregate_rules(rule, rule.rule.aggregate)
        else:
            durable, actions = _durable_rules_for(rule, chunk_of[rule.key], chunks[rule.rule.subject] > 1)
        plan.durable.update(durable)
        plan.actions.update(actions)
    durable, actions = _verdict_rules(pack.deferred_when_any)
    plan.durable.update(durable)
    plan.actions.update(actions)
    return plan


def _assign_chunks(rules: list[CompiledRule]) -> tuple[dict[str, int], dict[str, int]]:
    """Split a subject kind's values over several facts when one fact would be too wide."""
    chunks = {k: 1 for k in KIND_CODES}
    used = {k: 0 for k in KIND_CODES}
    chunk_of: dict[str, int] = {}
    for r in rules:
        if r.rule.aggregate:
            continue
        kind = r.rule.subject
        width = sum(1 for _, _, f in r.values if f is not None) + 1
        if used[kind] + width > MAX_FIELDS_PER_FACT:
            chunks[kind] += 1
            used[kind] = 0
        chunk_of[r.key] = chunks[kind] - 1
        used[kind] += width
    return chunks, chunk_of


def adjust_const(op: str, t: float) -> float:
    """The constant the engine compares with, so that its answer equals math.isclose semantics.

    "v < t and not close" is "v < lo(t)"; "v <= t or close" is "v <= hi(t)", with
    lo(t) = t(1−ε), hi(t) = t/(1−ε) for t ≥ 0 (mirrored for t < 0).
    """
    lo = t * (1 - REL_TOL) if t >= 0 else t / (1 - REL_TOL)
    hi = t / (1 - REL_TOL) if t >= 0 else t * (1 - REL_TOL)
    return lo if op in ("<", ">=") else hi


# ---------------------------------------------------------------- patterns over the fact protocol


def _is_finding() -> Condition:
    return {"t": FINDING}


def _stage_is(stage: int) -> Condition:
    """The stage fact of ``stage`` (``facts.stage_fact``)."""
    return {"$and": [{"t": STAGE}, {"stage": stage}]}


def _any_of(field_name: str, values: list[str]) -> Condition:
    """``field`` equals one of ``values`` (durable_rules wants no ``$or`` of one)."""
    options: list[Condition] = [{field_name: v} for v in values]
    return {"$or": options} if len(options) > 1 else options[0]


# ---------------------------------------------------------------- single-subject rules


class _ConditionCompiler:
    """One rule's conditions, for one variant, as durable_rules conditions over the subject's fact."""

    def __init__(self, rule: CompiledRule, variant: str | None, fields: dict[str, str | None]):
        self.rule = rule
        self.params = rule.params[variant]
        self.fields = fields  # value name → fact field

    def operand(self, node: ex.Node) -> Operand:
        if isinstance(node, ex.Num):
            return float(node.value)
        if not isinstance(node, ex.Name):  # the shape pass lets only names and numbers be compared
            raise TypeError(node)
        if node.name in self.params:
            return float(self.params[node.name])
        return self._field(node.name)

    def _field(self, name: str) -> str:
        slot = self.fields[name]
        if slot is None:  # every value a condition names has a slot (passes.closures_pass)
            raise KeyError(name)
        return slot

    def compile(self, node: ex.Node, negate: bool = False) -> Condition:
        if isinstance(node, ex.Not):
            return self.compile(node.operand, not negate)
        if isinstance(node, ex.BoolOp):
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            parts = [self.compile(a, negate) for a in node.operands]
            return {"$and" if op == "and" else "$or": parts}
        if not isinstance(node, ex.Cmp):  # the shape pass lets only comparisons be conditions
            raise TypeError(node)
        op = _NEGATE[node.op] if negate else node.op
        f, g = self.operand(node.left), self.operand(node.right)
        if isinstance(f, float):  # the field goes left
            f, g, op = g, f, _FLIP[op]
        if isinstance(f, float):  # the shape pass lets no comparison of two constants through
            raise TypeError(node)
        guard: list[Condition] = [{"$ex": {f: 1}}]
        if isinstance(g, float):
            return {"$and": guard + _against_constant(op, f, g)}
        guard.append({"$ex": {g: 1}})
        pos = (1 - REL_TOL) if op in ("<", ">=") else 1 / (1 - REL_TOL)
        neg = 1 / (1 - REL_TOL) if op in ("<", ">=") else (1 - REL_TOL)
        return {"$and": guard + [{"$or": [
            {"$and": [{"$gte": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": pos}}}}]},
            {"$and": [{"$lt": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": neg}}}}]},
        ]}]}

    def fields_of(self, node: ex.Node) -> list[str]:
        return sorted({self._field(n.name) for n in ex.names(node) if n.name not in self.params})


def _against_constant(op: str, f: str, t: float) -> list[Condition]:
    """``f op t`` with the catalogue's tolerance built into the constant(s)."""
    if op == "==":
        return [{"$gte": {f: adjust_const(">=", t)}}, {"$lte": {f: adjust_const("<=", t)}}]
    if op == "!=":
        return [{"$or": [{"$lt": {f: adjust_const("<", t)}}, {"$gt": {f: adjust_const(">", t)}}]}]
    return [{_DURABLE_OP[op]: {f: adjust_const(op, t)}}]


def _durable_rules_for(rule: CompiledRule, chunk: int, chunked: bool) -> tuple[dict[str, Durable], dict[str, Action]]:
    durable: dict[str, Durable] = {}
    actions: dict[str, Action] = {}
    fields = {name: f for name, _, f in rule.values}
    code = KIND_CODES[rule.rule.subject]
    marker = missing_marker(rule.key)
    for variant in rule.variants:
        cc = _ConditionCompiler(rule, variant, fields)
        base: list[Condition] = [{"t": code}]
        if chunked:
            base.append({"c": chunk})
        if variant is not None:
            base.append({"v": variant})
        applies = [cc.compile(a) for a in rule.applies]
        for i, (node, _) in enumerate(rule.causes):
            clauses = base + ([{"$nex": {marker: 1}}] if rule.rule.report_missing else []) + applies + [cc.compile(node)]
            name = f"{rule.key}|{variant or '-'}|{i}"
            durable[name] = {"all": [{"s": {"$and": clauses}}]}
            actions[name] = Action("violation", rule.key, i)
        if rule.rule.report_missing:
            # applicability is judged first: a clause whose inputs are missing does not stop the report
            unknown_or = [
                {"$or": [{"$nex": {f: 1}} for f in cc.fields_of(a)] + [cc.compile(a)]} if cc.fields_of(a) else cc.compile(a)
                for a in rule.applies
            ]
            name = f"{rule.key}|{variant or '-'}|m"
            durable[name] = {"all": [{"s": {"$and": base + [{"$ex": {marker: 1}}] + unknown_or}}]}
            actions[name] = Action("missing", rule.key)
    return durable, actions


# ---------------------------------------------------------------- rules over findings: aggregates (QLT-08), the verdict


def _aggregate_rules(rule: CompiledRule, agg: Aggregate) -> tuple[dict[str, Durable], dict[str, Action]]:
    of = _any_of("r", agg.of)
    durable: dict[str, Durable] = {}
    actions: dict[str, Action] = {}
    n = failures_at_least(rule)
    patterns = []
    for i in range(n):
        clauses: list[Condition] = [_is_finding(), {"f": NO_RULE}]
        if i:
            # durable_rules 2.0.28 ignores a join reference placed after an $or in the same
            # $and (measured; tests/test_engine_boundary.py): references come first
            clauses.append({"s": {"a0": "s"}})
            clauses.extend({"$neq": {"r": {f"a{j}": "r"}}} for j in range(i))
        clauses.append(of)
        patterns.append({f"a{i}": {"$and": clauses}})
    durable[f"{rule.key}|agg|count"] = {"all": patterns}
    actions[f"{rule.key}|agg|count"] = Action("aggregate", rule.key)
    if agg.single_below_fraction is not None:
        k = float(fraction(agg.single_below_fraction))
        durable[f"{rule.key}|agg|single"] = {"all": [{"a0": {"$and": [
            _is_finding(), {"f": NO_RULE}, of, {"$ex": {"x": 1}}, {"$ex": {"y": 1}}, {"$gte": {"y": 0}},
            {"$lt": {"x": {"$mul": {"$l": {"$m": "y"}, "$r": k * (1 - REL_TOL)}}}},
        ]}}]}
        actions[f"{rule.key}|agg|single"] = Action("aggregate", rule.key)
    if agg.missing_when_any_missing:
        durable[f"{rule.key}|agg|missing"] = {"all": [
            {"e": _stage_is(STAGE_AGGREGATE_MISSING)},
            {"m": {"$and": [_is_finding(), {"r": DATA_MISSING}, _any_of("f", agg.of)]}},
            {"none$not": {"$and": [_is_finding(), {"r": rule.rule.id}, {"f": NO_RULE}, {"s": {"m": "s"}}]}},
        ]}
        actions[f"{rule.key}|agg|missing"] = Action("aggregate_missing", rule.key)
    return durable, actions


def _verdict_rules(deferred_when_any: tuple[str, ...]) -> tuple[dict[str, Durable], dict[str, Action]]:
    blocking = _any_of("sev", list(deferred_when_any))
    durable: dict[str, Durable] = {
        "verdict|deferred": {"all": [{"e": _stage_is(STAGE_VERDICT)}, {"f": {"$and": [_is_finding(), blocking]}}]},
        "verdict|qualified": {"all": [{"e": _stage_is(STAGE_VERDICT)}, {"none$not": {"$and": [_is_finding(), blocking]}}]},
    }
    actions = {"verdict|deferred": Action("verdict", "deferred"), "verdict|qualified": Action("verdict", "qualified")}
    return durable, actions
