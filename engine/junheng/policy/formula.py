"""Formulas as closures: a rule's parsed formula compiled once, evaluated for every subject.

A rule file declares its values as formulas (``books / students``, ``sum(staff_quota)``,
``cv(books / students)``); ``FormulaCompiler`` turns each parsed formula (``expr.py``)
into a Python closure (no ``eval``) when the rule is compiled; the derive stage
(``check/derive.py``) runs the closures for every subject of a filing. Nothing here
decides whether a rule is violated: the engine compares.

Two modes:
- *fast*: floats, used for every subject, to build the engine's facts;
- *exact*: fractions of the decimals as written, with every input read recorded
  (its JSON pointer), used only for the few subjects a rule fires on — the
  shortfall (``ceil(t × n)`` computed exactly), the observed inputs and the
  locations of a finding.

A field that is absent, ``null``, or zero where the rule says zero means
missing (``zero_is_missing``), evaluates to ``MISSING``; everything built on it
is ``MISSING`` too, and the pointers of all such fields are collected.
Division by zero gives ``UNDEFINED``: the value is left out of the facts, so no
comparison can fire on it (a share whose whole is zero holds: ``zero_holds``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from junheng.policy import expr as ex
from junheng.policy.tolerance import compare

MISSING = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()
UNDEFINED = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED", "__bool__": lambda self: False})()
_ABSENT = (MISSING, UNDEFINED)

# `prior.finance.…` names the previous year's filing of the same district; its
# pointers are marked with this prefix so that findings locate them in that file.
PRIOR = "prior"
PRIOR_POINTER = "prior:"
# `verified.books` and `filed.books` (school rules): the figure an on-site visit found (核查数) and the one
# the filing gave (申报数), present only when a filing is checked with verified figures (junheng verify,
# ``check/verified.py``), which puts both beside the record's own fields; read like any field of it.
VERIFIED = "verified"
FILED = "filed"

# Names every school record offers besides its filed fields.
# ``is_primary`` / ``is_junior``: 1 for a record of that level, else 0 — a school rule for one level
# (``applies_when: is_junior == 1``); a nine-year school's two records are one of each.
SCHOOL_BUILTINS = ("in_balance_set", "is_primary", "is_junior")

Closure = Callable[["Env"], Any]
Record = tuple[int, dict[str, Any], bool]  # (index in the filing's schools, the school record, in the balance set)
# What one value read first (exact mode): input pointers, school record indexes, missing pointers.
Reads = tuple[set[str], set[int], set[str]]
# ``Env.cur`` outside sum()/count()/cv(), where no closure reads it (those set the record they visit).
_NO_RECORD: Record = (-1, {}, False)


@dataclass
class Env:
    """What a formula sees while it is evaluated for one subject."""

    base: dict[str, Any]  # the subject's own object: the filing root, or one school record
    base_pointer: str  # "" or "/schools/3"
    records: Sequence[Record]  # the subject's school records
    placeholders: dict[str, str]  # {"level": "primary"} / {"group": "parents"}
    params: dict[str, Fraction]  # policy numbers for this subject's variant (exact fractions)
    values: dict[str, Any] = field(default_factory=dict)
    exact: bool = False
    track: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)  # pointer → value as filed (track mode)
    missing: set[str] = field(default_factory=set)  # pointers of absent / zero-as-missing inputs
    record_inputs: set[int] = field(default_factory=set)  # indexes of school records read
    # inside sum()/count()/cv(): the record being visited
    cur: Record = _NO_RECORD
    # value name → what it read first (exact mode)
    value_reads: dict[str, Reads] = field(default_factory=dict)
    prior: dict[str, Any] | None = None  # the previous year's filing data (district subjects, --previous)
    float_params: dict[str, float] = field(default_factory=dict)  # the same policy numbers as floats (fast mode)


def number(value: Any, exact: bool) -> Any:
    """A filed number as the mode wants it: float, or the exact decimal written."""
    if isinstance(value, bool):
        value = int(value)
    if exact:
        if isinstance(value, float):
            return Fraction(repr(value))
        return Fraction(value)
    return value


def name_resolver(kind: str, values_so_far: Collection[str], params: Collection[str]) -> Callable[[str], str]:
    """Where each name of one value's formula comes from: ``value`` (declared before it), ``param`` (a policy number),
    ``builtin:…`` (a school rule's ``SCHOOL_BUILTINS``) or ``field`` — for the closures and the straight-line code alike."""

    def resolve(name: str) -> str:
        if name in values_so_far:
            return "value"
        if name in params:
            return "param"
        if kind == "school" and name in SCHOOL_BUILTINS:
            return f"builtin:{name}"
        return "field"

    return resolve


class FormulaCompiler:
    """Turns parsed formulas into closures; name lookup is fixed when a rule is compiled.

    ``kinds`` maps every name the rule may use to where it comes from:
    ``value`` (declared earlier in ``values``), ``param`` (a policy number),
    ``field`` (a path into the subject's object), ``builtin``.
    """

    def __init__(self, resolve: Callable[[str], str], zero_is_missing: frozenset[str]):
        self.resolve = resolve
        self.zero_is_missing = zero_is_missing

    def compile(self, node: ex.Node, *, in_aggregate: bool = False) -> Closure:
        """One closure per node (the factories below); ``in_aggregate``: inside sum()/count()/cv()."""

        def c(sub: ex.Node) -> Closure:
            return self.compile(sub, in_aggregate=in_aggregate)

        if isinstance(node, ex.Num):
            return _constant(node.value)
        if isinstance(node, ex.Str):
            text = node.value
            return lambda env: text
        if isinstance(node, ex.Name):
            return self._name(node.name, in_aggregate)
        if isinstance(node, ex.Neg):
            return _neg(c(node.operand))
        if isinstance(node, ex.BinOp):
            return _binop(node.op, c(node.left), c(node.right))
        if isinstance(node, ex.Cmp):
            return _compare(node.op, c(node.left), c(node.right))
        if isinstance(node, ex.BoolOp):
            return _boolop(node.op, [c(a) for a in node.operands])
        if isinstance(node, ex.Not):
            return _not(c(node.operand))
        if isinstance(node, ex.Call):
            return self._call(node, in_aggregate)
        raise TypeError(node)

    def _name(self, name: str, in_aggregate: bool) -> Closure:
        kind = self.resolve(name) if not in_aggregate else self.resolve_record(name)
        if kind == "value":
            return lambda env: env.values.get(name, MISSING)
        if kind == "param":
            return lambda env: env.params[name] if env.exact else env.float_params[name]
        if kind == "builtin:in_balance_set":
            if in_aggregate:
                return _record_in_balance_set
            return lambda env: 1 if env.records and env.records[0][2] else 0
        if kind in ("builtin:is_primary", "builtin:is_junior"):
            return _record_of_level("primary" if kind == "builtin:is_primary" else "junior", in_aggregate)
        # a field path; prior.… reads the same district's filing for the year before (--previous)
        tokens = name.split(".")
        if tokens[0] == PRIOR and not in_aggregate:
            return _field_reader(tokens[1:], name in self.zero_is_missing, False, prior=True)
        return _field_reader(tokens, name in self.zero_is_missing, in_aggregate)

    def resolve_record(self, name: str) -> str:
        """Inside sum()/count()/cv() a name is a school-record field (or builtin)."""
        if name in SCHOOL_BUILTINS:
            return f"builtin:{name}"
        return "field"

    def _call(self, node: ex.Call, in_aggregate: bool) -> Closure:
        fn = node.fn
        if fn in _AGGREGATE_CLOSURES:
            return _AGGREGATE_CLOSURES[fn](self.compile(node.args[0], in_aggregate=True))
        args = [self.compile(a, in_aggregate=in_aggregate) for a in node.args]
        if fn == "balance_count":
            return _balance_count
        if fn == "if":
            cond, then, other = args
            return _if(cond, then, other)
        if fn in ("ceil", "floor"):
            (arg,) = args
            return _rounding(math.ceil if fn == "ceil" else math.floor, arg)
        if fn == "abs":
            (arg,) = args
            return _abs(arg)
        if fn in MULTI:
            return _multi(MULTI[fn], args)
        raise TypeError(fn)


# ---------------------------------------------------------------- one closure factory per node and function
# Each returns the closure itself (no wrapper layer): these closures are the derive stage's inner loop.


def _constant(frac: Fraction) -> Closure:
    flt = float(frac)
    return lambda env: frac if env.exact else flt


def _neg(inner: Closure) -> Closure:
    def neg(env: Env) -> Any:
        v = inner(env)
        return v if v in _ABSENT else -v

    return neg


def _not(inner: Closure) -> Closure:
    def not_(env: Env) -> Any:
        v = inner(env)
        return v if v in _ABSENT else not v

    return not_


def _record_in_balance_set(env: Env) -> int:
    return 1 if env.cur[2] else 0


def _record_of_level(level: str, in_aggregate: bool) -> Closure:
    if in_aggregate:
        return lambda env: 1 if env.cur[1].get("level") == level else 0
    return lambda env: 1 if env.records and env.records[0][1].get("level") == level else 0


def _balance_count(env: Env) -> int:
    return sum(1 for r in env.records if r[2])


def _if(cond: Closure, then: Closure, other: Closure) -> Closure:
    def if_(env: Env) -> Any:
        c = cond(env)
        if c in _ABSENT:
            return c
        return then(env) if c else other(env)

    return if_


def _rounding(op: Callable[[Any], int], arg: Closure) -> Closure:
    def rounding(env: Env) -> Any:
        # exact where it matters: ceil(0.85 × 400) must be 340, not 341. A float far
        # from a whole number rounds the same either way; near one, redo it exactly.
        if not env.exact:
            v = arg(env)
            if v in _ABSENT:
                return v
            if abs(v - round(v)) > 1e-6 * max(1.0, abs(v)):
                return float(op(v))
        old, env.exact = env.exact, True
        try:
            v = arg(env)
        finally:
            env.exact = old
        if v in _ABSENT:
            return v
        r = op(v)
        return Fraction(r) if env.exact else float(r)

    return rounding


def _abs(arg: Closure) -> Closure:
    def absolute(env: Env) -> Any:
        v = arg(env)
        return v if v in _ABSENT else abs(v)

    return absolute


def _mean(vs: list[Any]) -> float:
    return sum(float(v) for v in vs) / len(vs)


# min(), max() and mean() of their arguments (the closures and the straight-line code call the same functions).
MULTI: dict[str, Callable[[list[Any]], Any]] = {"min": min, "max": max, "mean": _mean}


def _multi(agg: Callable[[list[Any]], Any], args: list[Closure]) -> Closure:
    def multi(env: Env) -> Any:
        vs = [a(env) for a in args]
        for v in vs:
            if v is MISSING:
                return MISSING
        for v in vs:
            if v is UNDEFINED:
                return UNDEFINED
        return agg(vs)

    return multi


def _field_reader(tokens: list[str], zero_missing: bool, in_aggregate: bool, prior: bool = False) -> Closure:
    if len(tokens) == 1 and "{" not in tokens[0] and not prior and not zero_missing:
        return _school_field_reader(tokens, in_aggregate)
    return _general_reader(tokens, in_aggregate, zero_missing, prior)


def _general_reader(tokens: list[str], in_aggregate: bool, zero_missing: bool = False, prior: bool = False) -> Closure:
    has_ph = any("{" in t for t in tokens)
    single = tokens[0] if len(tokens) == 1 and not has_ph else None

    def read(env: Env) -> Any:
        obj: Any
        if in_aggregate:
            obj = env.cur[1]
        elif prior:
            obj = env.prior
            if obj is None:  # no filing for the year before: nothing to compare
                return MISSING
        else:
            obj = env.base
        if single is not None:  # the common case: a school field
            obj = obj.get(single)
            path = tokens
        else:
            path = [t.format(**env.placeholders) for t in tokens] if has_ph else tokens
            for t in path:
                obj = obj.get(t) if isinstance(obj, dict) else None
                if obj is None:
                    break
        if obj is None or (zero_missing and obj == 0) or isinstance(obj, dict):
            if env.track:
                env.missing.add(_pointer(env, in_aggregate, prior) + "/" + "/".join(path))
            return MISSING
        if env.track:
            if not in_aggregate:  # records read by sum()/cv() are located as records
                env.inputs[_pointer(env, in_aggregate, prior) + "/" + "/".join(path)] = obj
            return number(obj, env.exact) if not isinstance(obj, str) else obj
        if env.exact:
            return number(obj, True) if not isinstance(obj, str) else obj
        return obj

    return read


def _school_field_reader(tokens: list[str], in_aggregate: bool) -> Closure:
    """The common case — one field of a school record (or of the district) — with a short fast path."""
    name = tokens[0]
    general = _general_reader(tokens, in_aggregate)

    if in_aggregate:
        def read(env: Env) -> Any:
            obj = env.cur[1].get(name)
            if obj is None or env.track or env.exact or obj.__class__ is dict or obj.__class__ is bool:
                return general(env)
            return obj
    else:
        def read(env: Env) -> Any:
            obj = env.base.get(name)
            if obj is None or env.track or env.exact or obj.__class__ is dict or obj.__class__ is bool:
                return general(env)
            return obj

    return read


def _pointer(env: Env, in_aggregate: bool, prior: bool) -> str:
    if in_aggregate:
        return f"/schools/{env.cur[0]}"
    return PRIOR_POINTER if prior else env.base_pointer


def _binop(op: str, left: Closure, right: Closure) -> Closure:
    """One closure per operator: the innermost loop of the derive stage.

    The sentinels MISSING and UNDEFINED support no arithmetic, so the common case (two numbers)
    runs without a test and an absent operand surfaces as a TypeError, handled off the fast path.
    """

    def absent(a: Any, b: Any) -> Any:
        if a is MISSING or b is MISSING:
            return MISSING
        return UNDEFINED

    if op == "+":
        def apply(env: Env) -> Any:
            a = left(env)
            b = right(env)
            try:
                return a + b
            except TypeError:
                return absent(a, b)
    elif op == "-":
        def apply(env: Env) -> Any:
            a = left(env)
            b = right(env)
            try:
                return a - b
            except TypeError:
                return absent(a, b)
    elif op == "*":
        def apply(env: Env) -> Any:
            a = left(env)
            b = right(env)
            try:
                return a * b
            except TypeError:
                return absent(a, b)
    else:
        def apply(env: Env) -> Any:
            a = left(env)
            b = right(env)
            try:
                return a / b
            except ZeroDivisionError:
                return UNDEFINED
            except TypeError:
                return absent(a, b)

    return apply


def _compare(op: str, left: Closure, right: Closure) -> Closure:
    def cmp(env: Env) -> Any:
        a = left(env)
        b = right(env)
        if a is MISSING or b is MISSING:
            return MISSING
        if a is UNDEFINED or b is UNDEFINED:
            return UNDEFINED
        return compare(op, a, b)

    return cmp


def _boolop(op: str, parts: list[Closure]) -> Closure:
    def apply(env: Env) -> Any:
        results = [p(env) for p in parts]
        for r in results:
            if r is MISSING:
                return MISSING
        if op == "and":
            return all(r is not UNDEFINED and r for r in results)
        return any(r is not UNDEFINED and r for r in results)

    return apply


def _sum(inner: Closure) -> Closure:
    def apply(env: Env) -> Any:
        total = Fraction(0) if env.exact else 0
        missing = False
        old = env.cur
        for rec in env.records:
            env.cur = rec
            if env.track:
                env.record_inputs.add(rec[0])
            v = inner(env)
            if v is MISSING:
                missing = True
            elif v is UNDEFINED:
                continue
            elif not missing:
                total += v
        env.cur = old
        return MISSING if missing else total

    return apply


def _count(inner: Closure) -> Closure:
    def apply(env: Env) -> Any:
        n = 0
        old = env.cur
        for rec in env.records:
            env.cur = rec
            v = inner(env)
            if v is MISSING:
                env.cur = old
                return MISSING
            if v is not UNDEFINED and v:
                n += 1
        env.cur = old
        return Fraction(n) if env.exact else n

    return apply


def _cv(inner: Closure) -> Closure:
    """差异系数: enrolment-weighted coefficient of variation over the balance set."""

    def apply(env: Env) -> Any:
        xs: list[tuple[float, float]] = []
        missing = False
        old = env.cur
        for rec in env.records:
            if not rec[2]:
                continue
            env.cur = rec
            if env.track:
                env.record_inputs.add(rec[0])
            v = inner(env)
            if v is MISSING:
                missing = True
            elif v is not UNDEFINED:
                xs.append((float(v), float(rec[1]["students"])))
        env.cur = old
        if missing:
            return MISSING
        return weighted_cv(xs)

    return apply


# sum(), count() and cv(): their argument is compiled as a school record's formula.
_AGGREGATE_CLOSURES: dict[str, Callable[[Closure], Closure]] = {"sum": _sum, "count": _count, "cv": _cv}


def weighted_cv(pairs: list[tuple[float, float]]) -> float:
    """CV = S / x̄ with x̄ = Σ nᵢxᵢ / N and S = sqrt(Σ (nᵢ/N)(xᵢ − x̄)²); 0 when x̄ is 0."""
    # lists, not generators: the same sums of the same terms in the same order, without a generator's frames
    n_total = sum([n for _, n in pairs])
    if not pairs or n_total == 0:
        return 0.0
    mean = math.fsum([n * x for x, n in pairs]) / n_total
    if mean == 0:
        return 0.0
    var = math.fsum([(n / n_total) * (x - mean) ** 2 for x, n in pairs])
    return math.sqrt(var) / mean


def weighted_mean(pairs: list[tuple[float, float]]) -> float:
    n_total = sum(n for _, n in pairs)
    return math.fsum(n * x for x, n in pairs) / n_total if n_total else 0.0

