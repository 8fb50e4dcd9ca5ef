"""Formulas as straight-line Python: the fast mode of ``formula.py``, written out as statements and compiled once.

The derive stage evaluates every value of every rule for every subject of every filing. Through the
closures of ``formula.py`` that is one Python call per node of every formula; here the same formulas
are written as the statements of one function body (``check/derive.py`` assembles one function per
pack, subject kind and variant), so that all of a subject's values cost one call.

Only the *fast* mode is written (floats, nothing tracked); the exact mode a finding needs stays with the
closures. The source is made from the validated formula tree, never from rule text: every name, number
and string a rule file holds enters the function as a constant of its namespace (``_k0``, ``_k1`` …),
so the source holds only identifiers made here, operators from a fixed table and keywords. The meaning
is ``formula.py``'s node for node — MISSING and UNDEFINED, operands evaluated in the same order, the
comparisons' tolerance (``tolerance.compare``), and a rounding near a whole number redone by the
rounding closure itself, exactly. ``tests/test_derive_code.py`` holds the two to the same facts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from junheng.policy import expr as ex
from junheng.policy.formula import MISSING, MULTI, PRIOR, SCHOOL_BUILTINS, UNDEFINED, Closure, Env, FormulaCompiler, Record, weighted_cv
from junheng.policy.tolerance import compare

__all__ = ["NUMBER", "OBJECT", "Scope", "Shapes", "Writer", "redo"]

NUMBER, OBJECT = "number", "object"  # as ``filing.fast.field_shapes`` names them

# The operators a formula may use, as Python spells them (the parser gives only these).
_ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
_BOOLEAN = {"and": "and", "or": "or"}


def redo(closure: Closure, base: dict[str, Any], base_pointer: str, records: Any, placeholders: dict[str, str],
         prior: dict[str, Any] | None, params: dict[str, Any], float_params: dict[str, float], values: dict[str, Any],
         cur: Record | None) -> Any:
    """Run one node's closure as the derive stage's closures would have (a rounding near a whole number, redone exactly)."""
    env = Env(base, base_pointer, records, placeholders, params, values, prior=prior, float_params=float_params)
    if cur is not None:
        env.cur = cur
    return closure(env)


@dataclass(frozen=True)
class Shapes:
    """What the subject's data holds at a dotted path, as ``filing.fast.field_shapes`` says of a validated filing:
    ``NUMBER`` (an int or a float) or ``OBJECT`` (a dict), or absent; a path not named here may hold anything.

    A read of a number is then written without the tests for an object or a text, and arithmetic on numbers without
    those for UNDEFINED and for a TypeError: what the general statements would do with such a value, in fewer steps.
    ``base``: the subject's own object (the filing, or a school record), ``records``: a school record, ``prior``: last
    year's filing."""

    base: Mapping[str, str]
    records: Mapping[str, str]
    prior: Mapping[str, str]


_UNKNOWN = Shapes({}, {}, {})


@dataclass
class Scope:
    """What the names of one value's formula mean: the compiler's resolution, the rule's values so far, its policy numbers."""

    resolve: Callable[[str], str]  # as the rule's closures were compiled (``RuleContext.resolver``)
    zero_is_missing: frozenset[str]
    values: dict[str, str]  # value name → the local variable holding it
    float_params: dict[str, float]  # this variant's policy numbers
    params: dict[str, Any]  # the same, exact (a rounding redone passes them to its closure)
    placeholders: dict[str, str]  # {"level": "primary"} …: the subject's, fixed for the function
    cur: list[str] = field(default_factory=list)  # the record variables of the sum()/count()/cv() loops around


class Writer:
    """Collects a function's lines and the constants its namespace holds; ``formula`` writes one formula."""

    def __init__(self, shapes: Shapes = _UNKNOWN) -> None:
        self.shapes = shapes
        self._numbers: set[str] = set()  # the locals that hold an int, a float or MISSING: never UNDEFINED, never text
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"MISSING": MISSING, "UNDEFINED": UNDEFINED, "compare": compare, "redo": redo,
                                          "weighted_cv": weighted_cv, "ceil": math.ceil, "floor": math.floor}
        self._constants: dict[tuple[Any, ...], str] = {}
        self._read: dict[tuple[Any, ...], str] = {}  # (source, path[, zero is missing]) → the local it was read into
        self._guards: dict[str, str] = {}  # a local read at the top → the local saying whether it is an object
        self._n = 0
        self.depth = 1  # the indentation of the next line, in levels (the body of a def)

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def local(self, prefix: str = "t") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def constant(self, value: Any) -> str:
        """The namespace name holding ``value`` (one per distinct string or float; any other object by identity)."""
        key = (type(value), repr(value)) if isinstance(value, (str, float, int)) else (type(value), id(value))
        name = self._constants.get(key)
        if name is None:
            name = self._constants[key] = f"_k{len(self._constants)}"
            self.namespace[name] = value
        return name

    def constant_name(self, held: str) -> bool:
        """Whether ``held`` (what ``formula`` returned) names a constant: a number or a text, never MISSING or UNDEFINED."""
        return held in self.namespace and held.startswith("_k")

    def number(self, held: str) -> bool:
        """Whether ``held`` is an int or a float, or MISSING (never UNDEFINED, a text or an object): a local read from a
        number's field (``Shapes``) or worked out from such locals, or a constant number."""
        if held in self._numbers:
            return True
        value = self.namespace.get(held) if self.constant_name(held) else None
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def source(self, name: str, arguments: str) -> str:
        return f"def {name}({arguments}):\n" + "\n".join(self.lines or ["    pass"]) + "\n"

    # ---------------------------------------------------------------- formulas

    def formula(self, node: ex.Node, scope: Scope) -> str:
        """Write the statements that evaluate ``node``; returns a name (a local or a constant) holding its value."""
        if isinstance(node, ex.Num):
            return self.constant(float(node.value))
        if isinstance(node, ex.Str):
            return self.constant(node.value)
        if isinstance(node, ex.Name):
            return self._name(node.name, scope)
        if isinstance(node, ex.Neg):
            return self._unary(node.operand, scope, "-")
        if isinstance(node, ex.Not):
            return self._unary(node.operand, scope, "not ")
        if isinstance(node, ex.BinOp):
            return self._binop(node, scope)
        if isinstance(node, ex.Cmp):
            a, b = self.formula(node.left, scope), self.formula(node.right, scope)
            t = self.local()
            undefined = "" if self.number(a) and self.number(b) else f"UNDEFINED if {a} is UNDEFINED or {b} is UNDEFINED else "
            self.line(f"{t} = MISSING if {a} is MISSING or {b} is MISSING else {undefined}compare({self.constant(node.op)}, {a}, {b})")
            return t
        if isinstance(node, ex.BoolOp):
            parts = [self.formula(p, scope) for p in node.operands]
            joined = f" {_BOOLEAN[node.op]} ".join(f"({p} is not UNDEFINED and {p})" for p in parts)
            t = self.local()
            self.line(f"{t} = MISSING if {' or '.join(f'{p} is MISSING' for p in parts)} else bool({joined})")
            return t
        if isinstance(node, ex.Call):
            return self._call(node, scope)
        raise TypeError(node)

    def _unary(self, operand: ex.Node, scope: Scope, op: str) -> str:
        a = self.formula(operand, scope)
        t = self.local()
        if op == "-" and self.number(a):
            self.line(f"{t} = {a} if {a} is MISSING else -{a}")
            self._numbers.add(t)
            return t
        self.line(f"{t} = {a} if {a} is MISSING or {a} is UNDEFINED else {op}{a}")
        return t

    def _binop(self, node: ex.BinOp, scope: Scope) -> str:
        a, b = self.formula(node.left, scope), self.formula(node.right, scope)
        t = self.local()
        # The closures try the operation and turn the TypeError that MISSING and UNDEFINED raise (they support
        # no arithmetic, with any operand a filing holds) into the answer; testing them first gives the same
        # answer without the cost of an exception, the common case of a rule whose inputs are absent.
        absent = [x for x in (a, b) if not self.constant_name(x)]
        if self.number(a) and self.number(b):
            return self._arithmetic(t, a, b, node.op, absent)
        if absent:
            self.line(f"if {' or '.join(f'{x} is MISSING' for x in absent)}:")
            self.line(f"    {t} = MISSING")
            self.line(f"elif {' or '.join(f'{x} is UNDEFINED' for x in absent)}:")
            self.line(f"    {t} = UNDEFINED")
            self.line("else:")
            self.depth += 1
        self.line("try:")
        self.line(f"    {t} = {a} {_ARITHMETIC[node.op]} {b}")
        if node.op == "/":
            self.line("except ZeroDivisionError:")
            self.line(f"    {t} = UNDEFINED")
        self.line("except TypeError:")  # text with a number
        self.line(f"    {t} = UNDEFINED")
        if absent:
            self.depth -= 1
        return t

    def _arithmetic(self, t: str, a: str, b: str, op: str, absent: list[str]) -> str:
        """``_binop`` of two numbers: MISSING if either is, else the operation (no TypeError is possible; a division by
        zero is UNDEFINED, as in ``_binop``)."""
        missing = " or ".join(f"{x} is MISSING" for x in absent)
        if op != "/":
            self.line(f"{t} = MISSING if {missing} else {a} {_ARITHMETIC[op]} {b}" if absent else f"{t} = {a} {_ARITHMETIC[op]} {b}")
            self._numbers.add(t)
            return t
        if absent:
            self.line(f"if {missing}:")
            self.line(f"    {t} = MISSING")
            self.line("else:")
            self.depth += 1
        self.line("try:")
        self.line(f"    {t} = {a} / {b}")
        self.line("except ZeroDivisionError:")
        self.line(f"    {t} = UNDEFINED")
        if absent:
            self.depth -= 1
        return t

    def _name(self, name: str, scope: Scope) -> str:
        in_aggregate = bool(scope.cur)
        kind = ("builtin:" + name if name in SCHOOL_BUILTINS else "field") if in_aggregate else scope.resolve(name)
        if kind == "value":
            return scope.values.get(name, "MISSING")
        if kind == "param":
            return self.constant(scope.float_params[name])
        # a builtin reads the record being visited, else the subject's first record (a school subject's own)
        record, guard = (scope.cur[-1], "") if in_aggregate else ("records[0]", "records and ")
        t = self.local()
        if kind == "builtin:in_balance_set":
            self.line(f"{t} = 1 if {guard}{record}[2] else 0")
            return t
        if kind in ("builtin:is_primary", "builtin:is_junior"):
            level = self.constant("primary" if kind == "builtin:is_primary" else "junior")
            self.line(f"{t} = 1 if {guard}{record}[1].get({self.constant('level')}) == {level} else 0")
            return t
        tokens = name.split(".")
        prior = tokens[0] == PRIOR and not in_aggregate
        return self._field(tokens[1:] if prior else tokens, scope, name in scope.zero_is_missing, prior)

    def _field(self, tokens: list[str], scope: Scope, zero_missing: bool, prior: bool) -> str:
        """A field path read as ``formula._general_reader`` reads it in fast mode: absent, null or an object is MISSING.

        The subject's data does not change while its values are computed: a path (and each path it starts with) read
        at the top of the function is read once, and its local serves every later read — never one read inside a
        loop or a branch, which does not run before everything after it.
        """
        path = tuple(token.format(**scope.placeholders) if "{" in token else token for token in tokens)
        source = f"{scope.cur[-1]}[1]" if scope.cur else "prior" if prior else "base"
        shapes = self.shapes.records if scope.cur else self.shapes.prior if prior else self.shapes.base
        top = self.depth == 1 and not scope.cur  # straight-line code, run once per subject
        done = self._read.get((source, path, zero_missing))
        if done is not None:
            return done
        held = ""
        for i in range(1, len(path) + 1):
            known = self._read.get((source, path[:i]))
            if known is not None:
                held = known
                continue
            v = self.local()
            if i > 1 and shapes.get(".".join(path[:i - 1])) == OBJECT:  # a dict, or None when absent
                self.line(f"{v} = None if {held} is None else {held}.get({self.constant(path[i - 1])})")
            elif i > 1:
                self.line(f"{v} = {held}.get({self.constant(path[i - 1])}) if {self._is_dict(held, top)} else None")
            elif prior:  # no filing for the year before: nothing to compare
                self.line(f"{v} = None if prior is None else prior.get({self.constant(path[0])})")
            else:
                self.line(f"{v} = {source}.get({self.constant(path[0])})")
            held = v
            if top:
                self._read[(source, path[:i])] = v
        t = self.local()
        zero = f" or {held} == 0" if zero_missing else ""
        if shapes.get(".".join(path)) == NUMBER:
            self.line(f"{t} = MISSING if {held} is None{zero} else {held}")
            self._numbers.add(t)
        else:
            self.line(f"{t} = MISSING if {held} is None{zero} or isinstance({held}, dict) else {held}")
        if top:
            self._read[(source, path, zero_missing)] = t
        return t

    def _is_dict(self, held: str, top: bool) -> str:
        """``isinstance(held, dict)``, or the local that holds it: asked once per subject of an object read at the top
        (``verified``, ``finance.capital_budget``), whose members many values read."""
        guard = self._guards.get(held)
        if guard is None and top and held in self._read.values():
            guard = self._guards[held] = self.local("g")
            self.line(f"{guard} = isinstance({held}, dict)")
        return guard or f"isinstance({held}, dict)"

    def _call(self, node: ex.Call, scope: Scope) -> str:
        fn = node.fn
        if fn in ("sum", "count", "cv"):
            return self._aggregate(node, scope)
        t = self.local()
        if fn == "balance_count":
            self.line(f"{t} = sum(1 for r in records if r[2])")
            self._numbers.add(t)
        elif fn == "if":
            self._if(t, node, scope)
        elif fn in ("ceil", "floor"):
            self._rounding(t, node, scope)
        elif fn == "abs":
            a = self.formula(node.args[0], scope)
            if self.number(a):
                self.line(f"{t} = {a} if {a} is MISSING else abs({a})")
                self._numbers.add(t)
            else:
                self.line(f"{t} = {a} if {a} is MISSING or {a} is UNDEFINED else abs({a})")
        elif fn in MULTI:
            args = [self.formula(a, scope) for a in node.args]
            self.line(f"if {' or '.join(f'{a} is MISSING' for a in args)}:")
            self.line(f"    {t} = MISSING")
            self.line(f"elif {' or '.join(f'{a} is UNDEFINED' for a in args)}:")
            self.line(f"    {t} = UNDEFINED")
            self.line("else:")
            self.line(f"    {t} = {self.constant(MULTI[fn])}([{', '.join(args)}])")
        else:
            raise TypeError(fn)
        return t

    def _if(self, t: str, node: ex.Call, scope: Scope) -> None:
        """``if(c, a, b)``: only the branch taken is evaluated."""
        c = self.formula(node.args[0], scope)
        self.line(f"if {c} is MISSING or {c} is UNDEFINED:")
        self.line(f"    {t} = {c}")
        for head, branch in ((f"elif {c}:", node.args[1]), ("else:", node.args[2])):
            self.line(head)
            self.depth += 1
            self.line(f"{t} = {self.formula(branch, scope)}")
            self.depth -= 1

    def _rounding(self, t: str, node: ex.Call, scope: Scope) -> None:
        """ceil()/floor() of a float far from a whole number; near one, the rounding closure redoes it exactly."""
        a = self.formula(node.args[0], scope)
        op = "ceil" if node.fn == "ceil" else "floor"
        in_aggregate = bool(scope.cur)
        closure = FormulaCompiler(scope.resolve, scope.zero_is_missing).compile(node, in_aggregate=in_aggregate)
        values = "{" + ", ".join(f"{self.constant(n)}: {v}" for n, v in scope.values.items()) + "}"
        self.line(f"if {a} is MISSING or {a} is UNDEFINED:")
        self.line(f"    {t} = {a}")
        self.line(f"elif abs({a} - round({a})) > 1e-6 * max(1.0, abs({a})):")
        self.line(f"    {t} = float({op}({a}))")
        self.line("else:")
        self.line(f"    {t} = redo({self.constant(closure)}, base, base_pointer, records, placeholders, prior, "
                  f"{self.constant(scope.params)}, {self.constant(scope.float_params)}, {values}, "
                  f"{scope.cur[-1] if in_aggregate else 'None'})")

    def _aggregate(self, node: ex.Call, scope: Scope) -> str:
        """sum(), count() and cv() over the subject's records, the argument read from each record in turn."""
        fn, t, missing, cur = node.fn, self.local(), self.local("m"), self.local("r")
        self.line(f"{t} = []" if fn == "cv" else f"{t} = 0")  # cv gathers (value, students) pairs
        self.line(f"{missing} = False")
        self.line(f"for {cur} in records:")
        self.depth += 1
        if fn == "cv":
            self.line(f"if not {cur}[2]:")
            self.line("    continue")
        scope.cur.append(cur)
        v = self.formula(node.args[0], scope)
        scope.cur.pop()
        defined = "" if self.number(v) else f"{v} is not UNDEFINED and "
        if fn == "sum":
            self.line(f"if {v} is MISSING:")
            self.line(f"    {missing} = True")
            self.line(f"elif {defined}not {missing}:")
            self.line(f"    {t} += {v}")
        elif fn == "count":
            self.line(f"if {v} is MISSING:")
            self.line(f"    {missing} = True")
            self.line("    break")
            self.line(f"if {v} is not UNDEFINED and {v}:")
            self.line(f"    {t} += 1")
        else:
            self.line(f"if {v} is MISSING:")
            self.line(f"    {missing} = True")
            self.line("else:" if self.number(v) else f"elif {v} is not UNDEFINED:")
            self.line(f"    {t}.append((float({v}), float({cur}[1][{self.constant('students')}])))")
        self.depth -= 1
        done = "" if fn != "cv" else f"weighted_cv({t})"
        self.line(f"{t} = MISSING if {missing} else {done or t}")
        if fn == "count" or (fn == "sum" and not defined):  # a count, or a sum of numbers: a number, or MISSING
            self._numbers.add(t)
        return t
