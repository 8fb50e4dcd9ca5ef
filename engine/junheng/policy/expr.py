"""The small expression language of rule files: parse text to a tree, never ``eval``.

Rule files write indicators, conditions and shortfalls as short formulas
(``books / students``, ``ceil(threshold * students) - books``,
``max_class_size > standard and max_class_size <= upper``). This module turns
such text into an immutable tree with the column of every node, so that a
mistake is reported where it was written. What the names mean is decided
elsewhere (``formula.py`` evaluates values, ``rete/plan.py`` turns
conditions into durable_rules JSON).

Grammar (whitespace ignored)::

    cond   := and ('or' and)*
    and    := not ('and' not)*
    not    := 'not' not | cmp
    cmp    := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
    sum    := prod (('+' | '-') prod)*
    prod   := unary (('*' | '/' | '×' | '÷') unary)*
    unary  := '-' unary | atom
    atom   := NUMBER | STRING | NAME | NAME '(' [cond (',' cond)*] ')' | '(' cond ')'

A NAME is dotted (``finance.capital_budget.total``) and may hold the
placeholders ``{level}`` and ``{group}``. Numbers are read as exact fractions
(``0.07`` is 7/100, not the nearest binary float) — the catalogue asks that
thresholds be the exact decimal written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

from junheng.errors import suggest

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")

# Functions the language knows, with their arity (None: one or more).
FUNCTIONS: dict[str, int | None] = {
    "ceil": 1,  # round up to an integer
    "floor": 1,
    "abs": 1,  # the size of a difference, whatever its sign
    "min": None,
    "max": None,
    "if": 3,  # if(condition, then, else): only the taken branch is read
    "sum": 1,  # Σ over the subject's school records
    "count": 1,  # number of the subject's school records where the condition holds
    "cv": 1,  # enrolment-weighted difference coefficient over the balance set (差异系数)
    "mean": None,  # arithmetic mean of its arguments
    "balance_count": 0,  # number of schools in the balance set
}
AGGREGATES = frozenset({"sum", "count", "cv"})


class ExprError(ValueError):
    """A formula that cannot be read; ``column`` is 1-based within the formula text."""

    def __init__(self, message_zh: str, message_en: str, column: int):
        super().__init__(message_en)
        self.zh = message_zh
        self.en = message_en
        self.column = column


@dataclass(frozen=True)
class Num:
    value: Fraction
    col: int


@dataclass(frozen=True)
class Str:
    value: str
    col: int


@dataclass(frozen=True)
class Name:
    name: str
    col: int


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]
    col: int


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * /
    left: Node
    right: Node
    col: int


@dataclass(frozen=True)
class Neg:
    operand: Node
    col: int


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Node
    right: Node
    col: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    operands: tuple[Node, ...]
    col: int


@dataclass(frozen=True)
class Not:
    operand: Node
    col: int


# Any node of a parsed formula (every one knows its column).
Node = Union[Num, Str, Name, Call, BinOp, Neg, Cmp, BoolOp, Not]


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<name>[A-Za-z_{][A-Za-z0-9_{}]*(?:\.[A-Za-z_{][A-Za-z0-9_{}]*)*)
  | (?P<op><=|>=|==|!=|[-+*/×÷<>(),])
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not"}


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            raise ExprError(f"无法识别的字符 “{ch}”", f"unexpected character {ch!r}", pos + 1)
        kind = m.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        value = m.group()
        if kind != "ws":
            if kind == "name" and value in _KEYWORDS:
                kind = "kw"
            if kind == "op":
                value = {"×": "*", "÷": "/"}.get(value, value)
            tokens.append((kind, value, pos + 1))
        pos = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


_MAX_NUMBER = Fraction(10) ** 300  # a policy number far beyond any threshold, still a float


def _number(text: str, col: int) -> Fraction:
    """A number literal as the exact fraction written; one a float cannot hold is an error
    (checked on the exponent first: Fraction('1e999999999') would take minutes to build)."""
    mantissa, _, exponent = text.lower().partition("e")
    magnitude = len(mantissa.split(".")[0].lstrip("0")) + int(exponent or 0)
    try:
        if -400 <= magnitude <= 400 and abs(value := Fraction(text)) <= _MAX_NUMBER:
            return value
    except ValueError:  # more digits than int() converts
        pass
    shown = text if len(text) <= 40 else f"{text[:37]}…"
    raise ExprError(f"数值 {shown} 超出范围（绝对值不能超过 1e300）", f"the number {shown} is out of range (at most 1e300)", col)


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, v, col = self.take()
        if v != value or kind not in ("op", "kw"):
            got = v or "公式结尾"
            raise ExprError(f"此处应为 “{value}”，实为 “{got}”", f"expected {value!r}, found {v or 'end of formula'!r}", col)

    def parse(self) -> Node:
        node = self.cond()
        kind, v, col = self.peek()
        if kind != "end":
            raise ExprError(f"多余的内容 “{v}”", f"unexpected {v!r}", col)
        return node

    def cond(self) -> Node:
        first = self.and_()
        operands: list[Node] = [first]
        while self.peek()[:2] == ("kw", "or"):
            self.take()
            operands.append(self.and_())
        return first if len(operands) == 1 else BoolOp("or", tuple(operands), _col(first))

    def and_(self) -> Node:
        first = self.not_()
        operands: list[Node] = [first]
        while self.peek()[:2] == ("kw", "and"):
            self.take()
            operands.append(self.not_())
        return first if len(operands) == 1 else BoolOp("and", tuple(operands), _col(first))

    def not_(self) -> Node:
        if self.peek()[:2] == ("kw", "not"):
            col = self.take()[2]
            return Not(self.not_(), col)
        return self.cmp()

    def cmp(self) -> Node:
        left = self.sum()
        kind, v, col = self.peek()
        if kind == "op" and v in COMPARISONS:
            self.take()
            right = self.sum()
            if self.peek()[0] == "op" and self.peek()[1] in COMPARISONS:
                raise ExprError("比较不能连写，请用 and 连接", "chained comparisons are not allowed; join them with 'and'", self.peek()[2])
            return Cmp(v, left, right, col)
        return left

    def sum(self) -> Node:
        node = self.prod()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            _, op, col = self.take()
            node = BinOp(op, node, self.prod(), col)
        return node

    def prod(self) -> Node:
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            _, op, col = self.take()
            node = BinOp(op, node, self.unary(), col)
        return node

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "-"):
            col = self.take()[2]
            return Neg(self.unary(), col)
        return self.atom()

    def atom(self) -> Node:
        kind, v, col = self.take()
        if kind == "num":
            return Num(_number(v, col), col)
        if kind == "str":
            return Str(v[1:-1], col)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                return self.call(v, col)
            if "{" in v or "}" in v:
                _check_placeholders(v, col)
            return Name(v, col)
        if (kind, v) == ("op", "("):
            node = self.cond()
            self.expect(")")
            return node
        got = v or "公式结尾"
        raise ExprError(f"此处应为数值或名称，实为 “{got}”", f"expected a number or a name, found {v or 'end of formula'!r}", col)

    def call(self, fn: str, col: int) -> Call:
        if fn not in FUNCTIONS:
            hint = suggest(fn, FUNCTIONS)
            hint_zh = hint.zh or f"（可用：{', '.join(sorted(FUNCTIONS))}）"
            hint_en = hint.en or f" (known: {', '.join(sorted(FUNCTIONS))})"
            raise ExprError(f"未知函数 “{fn}”{hint_zh}", f"unknown function {fn!r}{hint_en}", col)
        self.take()  # (
        args: list[Node] = []
        if self.peek()[:2] != ("op", ")"):
            args.append(self.cond())
            while self.peek()[:2] == ("op", ","):
                self.take()
                args.append(self.cond())
        self.expect(")")
        arity = FUNCTIONS[fn]
        if (arity is None and not args) or (arity is not None and len(args) != arity):
            want = "一个或多个" if arity is None else str(arity)
            want_en = "one or more" if arity is None else str(arity)
            raise ExprError(f"函数 {fn} 需要 {want} 个参数，给了 {len(args)} 个",
                            f"{fn}() takes {want_en} argument(s), {len(args)} given", col)
        return Call(fn, tuple(args), col)


def _check_placeholders(name: str, col: int) -> None:
    for part in re.findall(r"\{[^}]*\}?", name):
        if part not in ("{level}", "{group}"):
            raise ExprError(f"未知占位符 “{part}”（可用 {{level}}、{{group}}）",
                            f"unknown placeholder {part!r} (use {{level}} or {{group}})", col)


def _col(node: Node) -> int:
    return node.col


def parse(text: object) -> Node:
    """Parse one formula; raises ExprError with a 1-based column."""
    if not isinstance(text, str):
        text = str(text)
    try:
        return _Parser(text).parse()
    except RecursionError:  # thousands of '(' or '-': the recursive descent runs out of stack
        raise ExprError("公式嵌套层数过多", "the formula is nested too deeply", 1) from None


def names(node: Node) -> list[Name]:
    """Every Name in the tree, in reading order (function names excluded)."""
    out: list[Name] = []

    def walk(n: Node) -> None:
        if isinstance(n, Name):
            out.append(n)
        elif isinstance(n, Call):
            for a in n.args:
                walk(a)
        elif isinstance(n, (BinOp, Cmp)):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, (Neg, Not)):
            walk(n.operand)
        elif isinstance(n, BoolOp):
            for a in n.operands:
                walk(a)

    walk(node)
    return out


def comparisons(node: Node) -> list[Cmp]:
    """Every comparison of a condition, through and / or / not."""
    if isinstance(node, Cmp):
        return [node]
    if isinstance(node, BoolOp):
        return [c for a in node.operands for c in comparisons(a)]
    if isinstance(node, Not):
        return comparisons(node.operand)
    return []


def unparse(node: Node) -> str:
    """A canonical text of a tree (used in explanations and lint messages)."""
    if isinstance(node, Num):
        v = node.value
        return str(v.numerator) if v.denominator == 1 else _fraction_text(v)
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(unparse(a) for a in node.args)})"
    if isinstance(node, BinOp):
        return f"{_wrap(node.left, node.op)} {node.op} {_wrap(node.right, node.op, right=True)}"
    if isinstance(node, Neg):
        return f"-{_wrap(node.operand, 'neg')}"
    if isinstance(node, Cmp):
        return f"{unparse(node.left)} {node.op} {unparse(node.right)}"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(f"({unparse(a)})" if isinstance(a, BoolOp) else unparse(a) for a in node.operands)
    if isinstance(node, Not):
        return f"not ({unparse(node.operand)})"
    raise TypeError(node)


def _wrap(node: Node, parent_op: str, right: bool = False) -> str:
    text = unparse(node)
    if isinstance(node, BinOp):
        weak = node.op in "+-"
        if parent_op in "*/neg" and weak or (right and parent_op in "-/" ):
            return f"({text})"
    return text


def _fraction_text(v: Fraction) -> str:
    """A decimal if the fraction has a finite one (written exactly, in integers), else ``a/b``."""
    d, twos, fives = v.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{v.numerator}/{v.denominator}"
    places = max(twos, fives)
    whole, part = divmod(abs(v.numerator) * (10**places // v.denominator), 10**places)
    text = f"{whole}.{str(part).rjust(places, '0').rstrip('0')}" if part else str(whole)
    return f"-{text}" if v < 0 else text
