"""A plain-Python reading of the compiled durable_rules conditions — a yardstick, not the checker.

``junheng check`` lets durable_rules decide. This module evaluates the very
same compiled JSON (``Plan.durable``) over the very same facts with a
straightforward interpreter, for two uses only:
- the differential test: the engine and this reading must fire the same rules
  on the same facts (it catches misuse of the engine's missing-field, numeric
  and identity semantics);
- the benchmark: the engine's evaluation time against this plain evaluation.

It understands the subset the compiler emits: ``$and``, ``$or``, ``$ex``,
``$nex``, ``$lt/$lte/$gt/$gte/$neq``, implicit equality, ``$mul`` of a field
(``$m``) by a constant, join references to other patterns, and ``none$not``.
Forward chaining works as in the engine: a fired rule's answer facts are
matched too, stage by stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import product
from typing import Any

from junheng.rete.plan import Condition, Durable

__all__ = ["compile_condition", "matches", "plain_single_pattern", "run"]

Fact = dict[str, Any]
Bound = dict[str, Fact]  # pattern alias → the fact it matched
Predicate = Callable[[Fact], bool]
# Called for every (rule, facts) match with the rule's name and the facts; answers the facts to assert in response.
OnFire = Callable[[str, Bound], Iterable[Mapping[str, Any]] | None]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$neq": lambda a, b: a != b,
}
_ABSENT = object()


def _operand(spec: Any, fact: Fact, bound: Bound) -> Any:
    """The right-hand side of a comparison: a constant, ``$m`` (a field of the fact), ``$mul``, or another pattern's field."""
    if isinstance(spec, dict):
        if "$mul" in spec:
            m = spec["$mul"]
            left = _operand(m["$l"], fact, bound)
            right = _operand(m["$r"], fact, bound)
            return _ABSENT if left is _ABSENT or right is _ABSENT else left * right
        if "$m" in spec:
            return fact.get(spec["$m"], _ABSENT)
        ((alias, name),) = spec.items()  # a reference to another pattern's field
        other = bound.get(alias)
        return _ABSENT if other is None else other.get(name, _ABSENT)
    return spec


def matches(cond: Condition, fact: Fact, bound: Bound) -> bool:
    """Whether ``fact`` satisfies ``cond``, with ``bound`` the facts earlier patterns matched (for join references)."""
    if len(cond) == 1:
        ((key, value),) = cond.items()
    else:  # several keys: an implicit $and
        key, value = "$and", [{k: v} for k, v in cond.items()]
    if key == "$and":
        return all(matches(c, fact, bound) for c in value)
    if key == "$or":
        return any(matches(c, fact, bound) for c in value)
    if key == "$ex":
        return all(f in fact for f in value)
    if key == "$nex":
        return all(f not in fact for f in value)
    if key in _OPS:
        ((name, spec),) = value.items()
        left = fact.get(name, _ABSENT)
        right = _operand(spec, fact, bound)
        if left is _ABSENT or right is _ABSENT or isinstance(left, str) != isinstance(right, str):
            return False
        return _OPS[key](left, right)
    right = _operand(value, fact, bound)
    return key in fact and right is not _ABSENT and fact[key] == right


def _fire(rule: Durable, facts: list[Fact]) -> Iterator[Bound]:
    """Every combination of facts (one per pattern) that a multi-pattern rule matches."""
    patterns = rule["all"]
    positive = [(alias, cond) for p in patterns for alias, cond in p.items() if not alias.endswith("$not")]
    negative = [cond for p in patterns for alias, cond in p.items() if alias.endswith("$not")]
    candidates = []
    for _, cond in positive:
        # a pattern's own constraints first (references to later patterns are checked below)
        local = _strip_none(_local(cond))
        candidates.append([f for f in facts if matches(local, f, {})])
    for combo in product(*candidates):
        if len({id(f) for f in combo}) < len(combo):
            continue
        bound = {alias: f for (alias, _), f in zip(positive, combo, strict=True)}
        if not all(matches(cond, f, bound) for (_, cond), f in zip(positive, combo, strict=True)):
            continue
        if any(matches(cond, f, bound) for cond in negative for f in facts):
            continue
        yield bound


def _local(cond: Condition) -> Condition | None:
    """A condition without its join references (those are checked once every pattern is bound); None if nothing is left."""
    if isinstance(cond, dict) and len(cond) == 1:
        (key, value), = cond.items()
        if key in ("$and", "$or"):
            parts = [_local(c) for c in value]
            kept = [p for p in parts if p is not None]
            if key == "$or" and len(kept) < len(value):
                return None
            return {key: kept} if kept else None
        if key in _OPS and isinstance(value, dict):
            ((_, spec),) = value.items()
            if isinstance(spec, dict) and "$mul" not in spec and "$m" not in spec:
                return None
        elif isinstance(value, dict) and key not in ("$ex", "$nex") and "$m" not in value and "$mul" not in value:
            return None
    return cond


def _strip_none(cond: Condition | None) -> Condition:
    return cond if cond is not None else {"$and": []}


def run(durable: dict[str, Durable], stages: Iterable[Iterable[Mapping[str, Any]]], on_fire: OnFire) -> list[tuple[str, Bound]]:
    """Fire rules over the stages' facts like the engine: each (rule, facts) pair once, answers chained."""
    facts: list[Fact] = []
    fired: list[tuple[str, Bound]] = []
    seen: set[tuple[str, tuple[tuple[str, int], ...]]] = set()
    rules = {name: {"all": [{a: _strip_none(c) if not a.endswith("$not") else c for a, c in p.items()} for p in r["all"]]}
             for name, r in durable.items()}
    for stage in stages:
        facts.extend(dict(f) for f in stage)
        changed = True
        while changed:
            changed = False
            for name, rule in rules.items():
                for bound in list(_fire(rule, facts)):
                    key = (name, tuple(sorted((a, id(f)) for a, f in bound.items())))
                    if key in seen:
                        continue
                    seen.add(key)
                    fired.append((name, bound))
                    for answer in on_fire(name, bound) or ():
                        if answer not in facts:
                            facts.append(dict(answer))
                            changed = True
    return fired


def compile_condition(cond: Condition) -> Predicate:
    """One pattern's condition as a Python predicate over a fact (no join references)."""
    if len(cond) == 1:
        ((key, value),) = cond.items()
    else:  # several keys: an implicit $and
        key, value = "$and", [{k: v} for k, v in cond.items()]
    if key in ("$and", "$or"):
        parts = [compile_condition(c) for c in value]
        if key == "$and":
            return lambda f: all(p(f) for p in parts)
        return lambda f: any(p(f) for p in parts)
    if key == "$ex":
        names = list(value)
        return lambda f: all(n in f for n in names)
    if key == "$nex":
        names = list(value)
        return lambda f: all(n not in f for n in names)
    if key in _OPS:
        return _compare(_OPS[key], value)
    return lambda f: f.get(key, _ABSENT) == value


def _compare(op: Callable[[Any, Any], bool], value: dict[str, Any]) -> Predicate:
    """``{field: constant}`` or ``{field: {"$mul": {"$l": {"$m": other}, "$r": k}}}`` under one operator."""
    ((name, spec),) = value.items()
    if isinstance(spec, dict) and "$mul" in spec:
        other, k = spec["$mul"]["$l"]["$m"], spec["$mul"]["$r"]

        def by_field(f: Fact) -> bool:
            a, b = f.get(name, _ABSENT), f.get(other, _ABSENT)
            return a is not _ABSENT and b is not _ABSENT and op(a, b * k)

        return by_field
    return lambda f: name in f and not isinstance(f[name], str) and op(f[name], spec)


def plain_single_pattern(durable: dict[str, Durable]) -> dict[str | None, list[tuple[str, Predicate]]]:
    """The single-pattern rules of a pack as {fact kind: [(name, predicate)]}: the plain-Python yardstick.

    Indexed by the kind (``t``) each rule's pattern requires, as any hand-written
    evaluator would do, so that a school's fact is only tried against school rules.
    """
    out: dict[str | None, list[tuple[str, Predicate]]] = {}
    for name, rule in durable.items():
        patterns = rule["all"]
        if len(patterns) == 1 and len(patterns[0]) == 1:
            (cond,) = patterns[0].values()
            parts = cond.get("$and", [cond])
            kind = next((p["t"] for p in parts if isinstance(p, dict) and "t" in p), None)
            out.setdefault(kind, []).append((name, compile_condition(cond)))
    return out
