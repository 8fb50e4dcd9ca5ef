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

import re
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
from junheng.policy.load import LoadedRules, load_rules
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
            _lint_spelt_numbers(rule, doc, warnings, seen)
            if (rule.id, rule.rule.subject) not in texts_seen:
                texts_seen.add((rule.id, rule.rule.subject))
                _lint_texts(rule, doc, warnings)
    warnings.extend(_one_number_for_levels(loaded))
    return LintReport(tuple(sorted(set(errors), key=InputError.sort_key)), tuple(sorted(set(warnings), key=InputError.sort_key)), policy)


def _one_number_for_levels(loaded: LoadedRules) -> list[InputError]:
    """A pack overriding a param kept by level with one number (``standard: 40``) sets every level: say so."""
    by_id = {rule.id: rule for rule_file, _ in loaded.files for rule in rule_file.rules}
    warnings = []
    for pack, doc in loaded.packs.values():
        for rid, override in pack.overrides.items():
            rule = by_id.get(rid)
            for name, value in override.params.items():
                base = rule.params.get(name) if rule is not None else None
                if isinstance(base, str) and base.strip() in loaded.shared:
                    base = loaded.shared[base.strip()].param.value
                if isinstance(value, dict) or not isinstance(base, dict):
                    continue
                levels = "、".join(_LEVEL_ZH.get(k, k) for k in base)
                first = next(iter(base))
                warnings.append(_problem(
                    "rule_lint_warning", doc, f"/overrides/{rid}/params/{name}",
                    f"规则包 {pack.name}：{rid} 的 {name} 写成一个数 {value}，{levels}都将是 {value}；"
                    f"只改一个学段请写 {{{first}: {value}}}",
                    f"pack {pack.name}: {rid} {name} is one number ({value}), so every level ({', '.join(base)}) gets it; "
                    f"to change one level write {{{first}: {value}}}"))
    return warnings


def _problem(code: str, doc: LoadedDocument, pointer: str, zh: str, en: str) -> InputError:
    line, col = doc.location(pointer)
    return InputError(code, doc.file, line, col, pointer, zh, en)


_LEVEL_ZH = {"primary": "小学", "junior": "初中", "nine_year": "九年一贯制"}


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
    # A declared unit decides (a ratio above 1 is already a compile error); the name is only a guess without one.
    if name not in rule.rule.units and any(name == p or name.endswith("_" + p) for p in RATE_PARAMS) and value > 1:
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
            if right.name in rule.rule.units:  # the declared unit decides, not the value's name
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


# ---------------------------------------------------------------- numbers spelt out in texts

_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
# A number with its unit in a Chinese text ("45人", "30个班"); 系数 and 数 have none: a decimal stands alone.
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.%％])\s*(个班|班|人|名|册|台|间|所|条|年|万元|元|㎡|m²|个)?(及以上)?")
_SAME_UNIT = {"个班": "班", "名": "人"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _unit_of(rule: CompiledRule, name: str) -> str | None:
    """A param's declared unit; without one, ``ratio`` when its name says so (``rate``, ``*_share`` …)."""
    declared = rule.rule.units.get(name)
    if declared is not None:
        return declared
    return "ratio" if any(name == p or name.endswith("_" + p) for p in RATE_PARAMS) else None


def _spelt(text: str, unit: str) -> list[tuple[str, Fraction]]:
    """The numbers a text writes in ``unit`` (as written, and as the param would hold them): "70%" is 7/10."""
    text = _PLACEHOLDER.sub(" ", text)  # a placeholder is filled in from the params: never stale
    if unit == "ratio":
        return [(m.group(0), Fraction(m.group(1)) / 100) for m in _PERCENT.finditer(text)]
    out = []
    for m in _NUMBER.finditer(text):
        written = _SAME_UNIT.get(m.group(2) or "", m.group(2))
        if (unit in ("系数", "数") and written is None and "." in m.group(1)) or (written is not None and written == unit):
            # "66人及以上" is "more than 65": the param holds 65 (STD-03)
            number = Fraction(m.group(1)) - (1 if m.group(3) and "." not in m.group(1) else 0)
            out.append((m.group(0).strip(), number))
    return out


def _lint_spelt_numbers(rule: CompiledRule, doc: LoadedDocument, warnings: list[InputError], seen: set[tuple[Any, ...]]) -> None:
    """A title or text that spells a number no param of its unit holds: the param changed and the text did not (70% vs 0.75)."""
    by_unit: dict[str, dict[str, set[Fraction]]] = {}
    for per_variant in rule.params.values():
        for name, value in per_variant.items():
            unit = _unit_of(rule, name)
            if unit is not None:
                by_unit.setdefault(unit, {}).setdefault(name, set()).add(value)
    texts = [("/title/zh", rule.rule.title.zh), ("/title/en", rule.rule.title.en), *passes.rule_texts(rule.rule)]
    for unit, params in sorted(by_unit.items()):
        held = set().union(*params.values())
        for rel, text in texts:
            for written, number in _spelt(text, unit):
                key = ("spelt", rule.id, rule.rule.subject, rel, written, frozenset(held))
                if number in held or key in seen:
                    continue
                seen.add(key)
                warnings.append(_spelt_warning(rule, doc, rel, written, params, unit))


def _spelt_warning(rule: CompiledRule, doc: LoadedDocument, rel: str, written: str, params: dict[str, set[Fraction]],
                   unit: str) -> InputError:
    shown = "、".join(f"{name} = {'/'.join(_show(v, unit) for v in sorted(values))}" for name, values in sorted(params.items()))
    where = "标题" if rel.startswith("/title") else "文字"
    placeholder = "{" + min(params) + (":pct}" if unit == "ratio" else "}")  # titles have no placeholders
    hint_zh = "；改了数值请同时改标题" if rel.startswith("/title") else f"；可改用占位符，如 {placeholder}"
    hint_en = "; change the title with the number" if rel.startswith("/title") else f"; use a placeholder such as {placeholder}"
    return _problem("rule_lint_warning", doc, rule.pointer + rel,
                    f"规则 {rule.id}：{where}写的 “{written}” 与参数不符（{shown}）{hint_zh}",
                    f"rule {rule.id}: the text says {written!r}, which no param holds ({shown}){hint_en}")


def _show(value: Fraction, unit: str) -> str:
    return f"{float(value * 100):g}%" if unit == "ratio" else f"{float(value):g}"
