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
from typing import Any

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

__all__ = ["MAX_FIELDS_PER_FACT", "Plan", "adjust_const", "plan_pack"]

MAX_FIELDS_PER_FACT = 200  # durable_rules crashes on facts of more than ~250 properties
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}

Durable = dict[str, Any]  # one durable_rules rule definition (without its "run")


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
    by_id = {r.id: r for r in pack.rules}
    for rule in pack.rules:
        if rule.rule.aggregate:
            durable, actions = _aggregate_rules(rule, by_id)
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


class _ConditionCompiler:
    def __init__(self, rule: CompiledRule, variant, fields: dict):
        self.rule = rule
        self.params = rule.params[variant]
        self.fields = fields  # value name → fact field

    def operand(self, node):
        if isinstance(node, ex.Num):
            return ("const", float(node.value))
        if node.name in self.params:
            return ("const", float(self.params[node.name]))
        return ("field", self.fields[node.name])

    def compile(self, node, negate: bool = False):
        if isinstance(node, ex.Not):
            return self.compile(node.operand, not negate)
        if isinstance(node, ex.BoolOp):
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            parts = [self.compile(a, negate) for a in node.operands]
            return {"$and" if op == "and" else "$or": parts}
        op = _NEGATE[node.op] if negate else node.op
        left, right = self.operand(node.left), self.operand(node.right)
        if left[0] == "const":
            left, right, op = right, left, _FLIP[op]
        f = left[1]
        guard = [{"$ex": {f: 1}}]
        if right[0] == "const":
            t = right[1]
            if op == "==":
                return {"$and": guard + [{"$gte": {f: adjust_const(">=", t)}}, {"$lte": {f: adjust_const("<=", t)}}]}
            if op == "!=":
                return {"$and": guard + [{"$or": [{"$lt": {f: adjust_const("<", t)}}, {"$gt": {f: adjust_const(">", t)}}]}]}
            return {"$and": guard + [{_DURABLE_OP[op]: {f: adjust_const(op, t)}}]}
        g = right[1]
        guard.append({"$ex": {g: 1}})
        pos = (1 - REL_TOL) if op in ("<", ">=") else 1 / (1 - REL_TOL)
        neg = 1 / (1 - REL_TOL) if op in ("<", ">=") else (1 - REL_TOL)
        return {"$and": guard + [{"$or": [
            {"$and": [{"$gte": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": pos}}}}]},
            {"$and": [{"$lt": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": neg}}}}]},
        ]}]}

    def fields_of(self, node) -> list[str]:
        return sorted({self.fields[n.name] for n in ex.names(node) if n.name not in self.params})


def _durable_rules_for(rule: CompiledRule, chunk: int, chunked: bool) -> tuple[dict[str, Durable], dict[str, Action]]:
    durable: dict = {}
    actions: dict = {}
    fields = {name: f for name, _, f in rule.values}
    code = KIND_CODES[rule.rule.subject]
    marker = missing_marker(rule.key)
    for variant in rule.variants:
        cc = _ConditionCompiler(rule, variant, fields)
        base = [{"t": code}]
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


def _aggregate_rules(rule: CompiledRule, by_id: dict[str, CompiledRule]) -> tuple[dict[str, Durable], dict[str, Action]]:
    agg = rule.rule.aggregate
    members = [{"r": rid} for rid in agg.of]
    of = {"$or": members} if len(members) > 1 else members[0]
    durable: dict = {}
    actions: dict = {}
    n = failures_at_least(rule)
    patterns = []
    for i in range(n):
        clauses = [{"t": FINDING}, {"f": NO_RULE}]
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
            {"t": FINDING}, {"f": NO_RULE}, of, {"$ex": {"x": 1}}, {"$ex": {"y": 1}}, {"$gte": {"y": 0}},
            {"$lt": {"x": {"$mul": {"$l": {"$m": "y"}, "$r": k * (1 - REL_TOL)}}}},
        ]}}]}
        actions[f"{rule.key}|agg|single"] = Action("aggregate", rule.key)
    if agg.missing_when_any_missing:
        durable[f"{rule.key}|agg|missing"] = {"all": [
            {"e": {"$and": [{"t": STAGE}, {"stage": STAGE_AGGREGATE_MISSING}]}},
            {"m": {"$and": [{"t": FINDING}, {"r": DATA_MISSING}, {"$or": [{"f": rid} for rid in agg.of]} if len(agg.of) > 1 else {"f": agg.of[0]}]}},
            {"none$not": {"$and": [{"t": FINDING}, {"r": rule.rule.id}, {"f": NO_RULE}, {"s": {"m": "s"}}]}},
        ]}
        actions[f"{rule.key}|agg|missing"] = Action("aggregate_missing", rule.key)
    return durable, actions


def _verdict_rules(deferred_when_any: tuple[str, ...]) -> tuple[dict[str, Durable], dict[str, Action]]:
    sev = [{"sev": s} for s in deferred_when_any]
    blocking = {"$or": sev} if len(sev) > 1 else sev[0]
    durable = {
        "verdict|deferred": {"all": [{"e": {"$and": [{"t": STAGE}, {"stage": STAGE_VERDICT}]}}, {"f": {"$and": [{"t": FINDING}, blocking]}}]},
        "verdict|qualified": {"all": [{"e": {"$and": [{"t": STAGE}, {"stage": STAGE_VERDICT}]}}, {"none$not": {"$and": [{"t": FINDING}, blocking]}}]},
    }
    actions = {"verdict|deferred": Action("verdict", "deferred"), "verdict|qualified": Action("verdict", "qualified")}
    return durable, actions
