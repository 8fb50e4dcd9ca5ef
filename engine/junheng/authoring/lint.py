"""``junheng rules lint``: what the schema and the compiler accept but a policy officer did not mean.

Errors (the rules folder must not be used as it is):
- everything loading and compiling reports (unknown names, broken formulas,
  unknown packs, duplicate ids, unknown placeholders …);
- a policy number below zero;
- a threshold above 1 for a share or a rate (values named ``*_share``,
  ``*_rate``, ``satisfaction``: fractions by convention, see the guide).

Warnings (probably a mistake; the rules still run):
- a condition that can never hold, or always holds, judged by interval
  arithmetic over the values' possible ranges (values built without
  subtraction are never negative);
- Chinese and English texts that name different placeholders, or are the same text.

The texts and formulas linted are the compiler's own (``policy/passes.py``): the
list of a rule's texts, their placeholders, and each value's parsed formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from junheng.errors import InputError, InputErrors
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy import passes
from junheng.policy.compiled import CompiledRule, Policy
from junheng.policy.load import load_rules
from junheng.policy.packs import compile_policy

__all__ = ["LintReport", "lint_rules"]

RATE_SUFFIXES = ("_share", "_rate", "share", "rate", "satisfaction")
RATE_PARAMS = ("rate", "share", "fraction")  # params that are fractions whatever they are compared with

Comparison = tuple[str, Any, Any]  # (operator, left node, right node); "?" for a condition that is not a comparison
Verdict = Literal["never", "always", "maybe"]


@dataclass(frozen=True)
class LintReport:
    """What lint found, sorted by place; the policy when the rules compiled."""

    errors: tuple[InputError, ...]
    warnings: tuple[InputError, ...]
    policy: Policy | None

    @property
    def status(self) -> int:
        """The exit status: 2 with errors, 1 with warnings only, else 0."""
        return 2 if self.errors else (1 if self.warnings else 0)


def lint_rules(roots: Sequence[str | Path] | None = None) -> LintReport:
    """Load, compile and lint a rules folder (the shipped one by default, or several layered)."""
    try:
        loaded = load_rules(roots)
        policy = compile_policy(loaded)
    except InputErrors as e:
        return LintReport(tuple(e.errors), (), None)
    docs: dict[str, LoadedDocument] = {}
    for _, doc in loaded.files:
        docs.setdefault(doc.file, doc)
    errors: list[InputError] = []
    warnings: list[InputError] = []
    seen: set[tuple[Any, ...]] = set()  # a rule is compiled once per pack: each problem is reported once
    texts_seen: set[tuple[str, str]] = set()
    for pack in policy.packs.values():
        for rule in pack.rules:
            doc = docs[rule.file]
            _lint_params(rule, doc, errors, seen)
            _lint_conditions(rule, doc, warnings, seen)
            if (rule.id, rule.rule.subject) not in texts_seen:
                texts_seen.add((rule.id, rule.rule.subject))
                _lint_texts(rule, doc, warnings)
    return LintReport(tuple(sorted(set(errors), key=InputError.sort_key)), tuple(sorted(set(warnings), key=InputError.sort_key)), policy)


def _problem(code: str, doc: LoadedDocument, pointer: str, zh: str, en: str) -> InputError:
    line, col = doc.location(pointer)
    return InputError(code, doc.file, line, col, pointer, zh, en)


def _is_rate(name: str) -> bool:
    """Values that are fractions by the naming convention: *_share, *_rate, satisfaction, a_to_b."""
    return name.endswith(RATE_SUFFIXES) or "_to_" in name


# ---------------------------------------------------------------- policy numbers


def _lint_params(rule: CompiledRule, doc: LoadedDocument, errors: list[InputError], seen: set[tuple[Any, ...]]) -> None:
    for variant, params in rule.params.items():
        for name, value in params.items():
            key = ("param", rule.id, rule.rule.subject, name, variant, value)
            if key not in seen:
                seen.add(key)
                errors.extend(_param_problems(rule, doc, variant, name, value))
    errors.extend(_rate_threshold_problems(rule, doc, seen))


def _param_problems(rule: CompiledRule, doc: LoadedDocument, variant: str | None, name: str, value: Fraction) -> list[InputError]:
    """A fraction param (``*rate``, ``*share``, ``*fraction``) above 1; any param below 0."""
    pointer = f"{rule.pointer}/params/{name}" + (f"/{variant}" if isinstance(rule.rule.params.get(name), dict) else "")
    where = f"（{variant}）" if variant else ""
    out = []
    if any(name == p or name.endswith("_" + p) for p in RATE_PARAMS) and value > 1:
        out.append(_problem("rule_lint_error", doc, pointer,
                            f"规则 {rule.id}：参数 {name}{where} = {float(value):g} 是比例，应在 0 到 1 之间（2% 写作 0.02）",
                            f"rule {rule.id}: param {name} = {float(value):g} is a fraction and must lie between 0 and 1 "
                            "(write 2% as 0.02)"))
    if value < 0:
        where_en = f" ({variant})" if variant else ""
        out.append(_problem("rule_lint_error", doc, pointer,
                            f"规则 {rule.id}：参数 {name}{where} 为负数 {float(value):g}，政策数值不能小于 0",
                            f"rule {rule.id}: param {name}{where_en} is negative ({float(value):g}); policy numbers are never below 0"))
    return out


def _rate_threshold_problems(rule: CompiledRule, doc: LoadedDocument, seen: set[tuple[Any, ...]]) -> list[InputError]:
    """A share or rate (by its name) compared with a threshold above 1: 70 written for 70%."""
    out = []
    for node, _ in rule.causes:
        for cmp in ex.comparisons(node):
            left, right = cmp.left, cmp.right
            if not (isinstance(left, ex.Name) and isinstance(right, ex.Name) and right.name in rule.rule.params and _is_rate(left.name)):
                continue
            for variant, params in rule.params.items():
                t = params.get(right.name)
                key = ("rate", rule.id, rule.rule.subject, right.name, variant, t)
                if t is None or t <= 1 or key in seen:
                    continue
                seen.add(key)
                out.append(_problem("rule_lint_error", doc, f"{rule.pointer}/params/{right.name}",
                                    f"规则 {rule.id}：{left.name} 是比例（0 到 1 之间），阈值 {right.name} = {float(t):g} 大于 1；"
                                    "比例请写成 0 到 1 之间的小数（70% 写作 0.70）",
                                    f"rule {rule.id}: {left.name} is a share (between 0 and 1) but {right.name} = {float(t):g} is above 1; "
                                    "write 70% as 0.70"))
    return out


# ---------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """The values a name may take: bounds, None for an open end, each included or not."""

    lo: Fraction | None
    lo_closed: bool
    hi: Fraction | None
    hi_closed: bool

    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    def intersect(self, other: Interval) -> Interval:
        lo, lo_c = self.lo, self.lo_closed
        if other.lo is not None and (lo is None or other.lo > lo or (other.lo == lo and not other.lo_closed)):
            lo, lo_c = other.lo, other.lo_closed
        hi, hi_c = self.hi, self.hi_closed
        if other.hi is not None and (hi is None or other.hi < hi or (other.hi == hi and not other.hi_closed)):
            hi, hi_c = other.hi, other.hi_closed
        return Interval(lo, lo_c, hi, hi_c)


ALL = Interval(None, False, None, False)
NON_NEGATIVE = Interval(Fraction(0), True, None, False)


def _constraint(op: str, t: Fraction) -> Interval:
    return {
        "<": Interval(None, False, t, False),
        "<=": Interval(None, False, t, True),
        ">": Interval(t, False, None, False),
        ">=": Interval(t, True, None, False),
        "==": Interval(t, True, t, True),
    }.get(op, ALL)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _dnf(node: Any, negate: bool = False) -> list[list[Comparison]]:
    """Disjunctive normal form: a list of conjunctions of comparisons."""
    if isinstance(node, ex.Not):
        return _dnf(node.operand, not negate)
    if isinstance(node, ex.BoolOp):
        op = node.op if not negate else ("or" if node.op == "and" else "and")
        parts = [_dnf(a, negate) for a in node.operands]
        if op == "or":
            return [c for p in parts for c in p]
        out: list[list[Comparison]] = [[]]
        for p in parts:
            out = [a + b for a in out for b in p]
        return out
    if isinstance(node, ex.Cmp):
        return [[(passes.NEGATE[node.op] if negate else node.op, node.left, node.right)]]
    return [[("?", node, node)]]


def _domains(rule: CompiledRule) -> dict[str, Interval]:
    """Values built without subtraction from non-negative figures are never negative."""
    return {name: ALL if _has_subtraction(node) else NON_NEGATIVE for name, node in rule.value_nodes.items()}


def _has_subtraction(node: Any) -> bool:
    if isinstance(node, ex.Neg) or (isinstance(node, ex.BinOp) and node.op == "-"):
        return True
    if isinstance(node, ex.Num):
        return node.value < 0
    children: list[Any] = []
    if isinstance(node, ex.BinOp):
        children = [node.left, node.right]
    elif isinstance(node, ex.Call):
        children = list(node.args)
    return any(_has_subtraction(c) for c in children)


def _judge(conjunction: list[Comparison], params: dict[str, Fraction], domains: dict[str, Interval]) -> Verdict:
    """Whether one conjunction of comparisons can never hold, always holds, or may."""
    intervals: dict[str, Interval] = {}
    unknown = False
    for op, left, right in conjunction:
        if op in ("?", "!="):
            unknown = True
            continue
        lconst = _const(left, params)
        rconst = _const(right, params)
        if lconst is not None and rconst is None and isinstance(right, ex.Name):
            op, left, right, rconst = _FLIP[op], right, left, lconst
        if not isinstance(left, ex.Name) or rconst is None:
            unknown = True
            continue
        name = left.name
        current = intervals.get(name, domains.get(name, NON_NEGATIVE))
        intervals[name] = current.intersect(_constraint(op, rconst))
    if any(i.empty() for i in intervals.values()):
        return "never"
    if not unknown and intervals and all(i == domains.get(n, NON_NEGATIVE) for n, i in intervals.items()):
        return "always"
    return "maybe"


def _const(node: Any, params: dict[str, Fraction]) -> Fraction | None:
    if isinstance(node, ex.Num):
        return node.value
    if isinstance(node, ex.Name) and node.name in params:
        return params[node.name]
    return None


# ---------------------------------------------------------------- conditions

_NEVER_APPLIES = ("适用条件永远不成立，规则永远不会触发", "applies_when can never hold: the rule never fires")
_NEVER_FIRES = ("违规条件永远不成立，规则永远不会触发", "the condition can never hold: the rule never fires")
_ALWAYS_FIRES = ("违规条件总是成立，只要有数据规则就会触发", "the condition always holds: the rule fires whenever its figures are filed")


def _lint_conditions(rule: CompiledRule, doc: LoadedDocument, warnings: list[InputError], seen: set[tuple[Any, ...]]) -> None:
    domains = _domains(rule)
    for variant, params in rule.params.items():
        applies_verdicts = [_judge(conj, params, domains) for a in rule.applies for conj in _dnf(a)]
        if rule.applies and any(v == "never" for v in applies_verdicts) and len(applies_verdicts) == len(rule.applies):
            _warn(rule, doc, variant, "/applies_when", _NEVER_APPLIES, warnings, seen)
        for i, (node, _) in enumerate(rule.causes):
            verdicts = [_judge(conj, params, domains) for conj in _dnf(node)]
            single = len(rule.causes) == 1 and not isinstance(rule.rule.violated_when, list)
            rel = "/violated_when" if single else f"/violated_when/{i}/when"
            if verdicts and all(v == "never" for v in verdicts):
                _warn(rule, doc, variant, rel, _NEVER_FIRES, warnings, seen)
            elif any(v == "always" for v in verdicts):
                _warn(rule, doc, variant, rel, _ALWAYS_FIRES, warnings, seen)


def _warn(rule: CompiledRule, doc: LoadedDocument, variant: str | None, rel: str, text: tuple[str, str],
          warnings: list[InputError], seen: set[tuple[Any, ...]]) -> None:
    key = ("cond", rule.id, rule.rule.subject, variant, rel)
    if key in seen:
        return
    seen.add(key)
    where_zh = f"（{variant}）" if variant else ""
    where_en = f" ({variant})" if variant else ""
    zh, en = text
    warnings.append(_problem("rule_lint_warning", doc, rule.pointer + rel,
                             f"规则 {rule.id}{where_zh}：{zh}", f"rule {rule.id}{where_en}: {en}"))


# ---------------------------------------------------------------- texts


def _text_pairs(rule: CompiledRule) -> list[tuple[str, str, str]]:
    """(pointer below the rule, zh, en) of each text the compiler fills in, and of the title."""
    pairs: dict[str, dict[str, str]] = {}
    for pointer, text in passes.rule_texts(rule.rule):
        rel, _, lang = pointer.rpartition("/")
        if rel.startswith("/violated_when/"):  # the causes' texts are not compared (yet): lint's output stays as it was
            continue
        pairs.setdefault(rel, {})[lang] = text
    title = rule.rule.title
    return [(rel, texts["zh"], texts["en"]) for rel, texts in pairs.items()] + [("/title", title.zh, title.en)]


def _lint_texts(rule: CompiledRule, doc: LoadedDocument, warnings: list[InputError]) -> None:
    for rel, zh, en in _text_pairs(rule):
        zh_names = {name for name, _ in passes.placeholders(zh)}
        en_names = {name for name, _ in passes.placeholders(en)}
        if zh_names != en_names:
            only_zh = ", ".join(sorted(zh_names - en_names)) or "—"
            only_en = ", ".join(sorted(en_names - zh_names)) or "—"
            warnings.append(_problem("rule_lint_warning", doc, rule.pointer + rel,
                                     f"规则 {rule.id}：中英文文本的占位符不同（仅中文：{only_zh}；仅英文：{only_en}）",
                                     f"rule {rule.id}: the zh and en texts name different placeholders "
                                     f"(zh only: {only_zh}; en only: {only_en})"))
        if zh.strip() == en.strip():
            warnings.append(_problem("rule_lint_warning", doc, rule.pointer + rel, f"规则 {rule.id}：中文与英文文本相同，是否未翻译？",
                                     f"rule {rule.id}: the zh and en texts are the same; untranslated?"))
