"""Compiling one rule, as named passes run in order — the stages ``rules lint`` reuses.

Each pass reads the rule as loaded and what earlier passes built (``Compilation``),
and reports every mistake it finds as a located ``rule_compile_error`` through the
rule's ``RuleContext``; a rule with any error is not compiled (``compile_rule`` returns
None) and the rules folder is not used.

1. ``params``: policy numbers, per variant (level, survey group …), as exact fractions;
2. ``values``: each declared value's formula parsed and its names resolved;
3. ``conditions``: ``violated_when`` (one or several causes) and ``applies_when``;
4. ``implicit_values``: names the conditions compare that are not declared values;
5. ``shape``: conditions compare a value with a value, a param or a number;
6. ``closures``: values compiled to closures, with the slots the engine's facts carry;
7. ``texts``: text values, the shortfall and the rectification cases;
8. ``requirement``: what each compared value must satisfy (``Requirement``);
9. ``lagging``: the BAL rules' lagging-school naming;
10. ``templates``: every ``{placeholder}`` of every text names something a finding knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from junheng.errors import InputError, suggest
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.compiled import VARIANTS, CompiledRule, Requirement, ValueStep
from junheng.policy.formula import Closure, FormulaCompiler
from junheng.policy.params import fraction
from junheng.policy.resolve import RECORD_KINDS, RuleContext
from junheng.policy.text import Text

if TYPE_CHECKING:  # annotations only: compiling reads the models, or their records (frozen.py), alike
    from junheng.policy.model import RectificationCase, Rule

__all__ = ["FORMAT_SPECS", "NEGATE", "compile_rule", "placeholders", "rule_texts"]

NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
FORMAT_SPECS = ("pct", "pct2", "growth", "int")
_TEMPLATE = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
_SHARE_IDS: dict[tuple[Any, ...], int] = {}  # a shared value's key → a small int, the same for every rule computing it


def placeholders(text: str) -> list[tuple[str, str | None]]:
    """The ``{name}`` and ``{name:spec}`` placeholders of a rule text."""
    return [(m.group(1), m.group(2)) for m in _TEMPLATE.finditer(text)]


def rule_texts(rule: Rule) -> list[tuple[str, str]]:
    """Every text of a rule a finding fills in, with its pointer below the rule: messages, rectifications, causes."""
    texts = [("/message/zh", rule.message.zh), ("/message/en", rule.message.en)]
    if isinstance(rule.rectification, list):
        for i, case in enumerate(rule.rectification):
            texts += [(f"/rectification/{i}/zh", case.zh), (f"/rectification/{i}/en", case.en)]
    else:
        texts += [("/rectification/zh", rule.rectification.zh), ("/rectification/en", rule.rectification.en)]
    if isinstance(rule.violated_when, list):
        for i, cause in enumerate(rule.violated_when):
            texts += [(f"/violated_when/{i}/zh", cause.zh), (f"/violated_when/{i}/en", cause.en)]
    return texts


@dataclass
class Compilation:
    """One rule on its way through the passes: what each pass has built so far."""

    ctx: RuleContext
    units: dict[str, Any] | None
    variants: tuple[str | None, ...] = (None,)
    params: dict[str | None, dict[str, Fraction]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # values in evaluation order (declared, then implicit)
    failed: list[str] = field(default_factory=list)  # values with errors: reported once, later formulas may name them
    nodes: dict[str, ex.Node] = field(default_factory=dict)  # value name → formula tree
    declared: tuple[str, ...] = ()
    causes: list[tuple[ex.Node, Text | None, str]] = field(default_factory=list)  # (condition, its text, pointer)
    applies: list[ex.Node] = field(default_factory=list)
    values: list[ValueStep] = field(default_factory=list)
    share_keys: dict[str | None, list[int | None]] = field(default_factory=dict)
    text_values: list[tuple[str, Closure]] = field(default_factory=list)
    shortfall: Closure | None = None
    rectification: list[tuple[Closure | None, Text]] = field(default_factory=list)
    requirement: tuple[Requirement, ...] = ()
    cv_inner: dict[str, Closure] = field(default_factory=dict)

    @property
    def rule(self) -> Rule:
        return self.ctx.rule

    @property
    def param_names(self) -> set[str]:
        return set(self.ctx.rule.params)

    @property
    def zero_missing(self) -> frozenset[str]:
        return frozenset(self.ctx.rule.zero_is_missing)

    def known(self) -> list[str]:
        return self.names + self.failed

    def closure(self, node: ex.Node, values: set[str] | list[str], zero_missing: frozenset[str] = frozenset(),
                in_aggregate: bool = False) -> Closure:
        fc = FormulaCompiler(self.ctx.resolver(set(values), self.param_names), zero_missing)
        return fc.compile(node, in_aggregate=in_aggregate)


# ---------------------------------------------------------------- 1. params


def params_pass(c: Compilation) -> None:
    """Policy numbers per variant: a dict of values by level or group, or one number for all."""
    rule, ctx, kind = c.rule, c.ctx, c.rule.subject
    c.variants = VARIANTS[kind] if any(isinstance(v, dict) for v in rule.params.values()) else (None,)
    c.params = {v: {} for v in c.variants}
    for name, value in rule.params.items():
        for v in c.variants:
            raw = value
            if isinstance(value, dict):
                if v not in value:
                    ctx.error(f"/params/{name}", f"参数 {name} 缺少 “{v}” 的取值（{kind} 规则需要 {', '.join(VARIANTS[kind])}）",
                              f"param {name} has no value for {v!r} ({kind} rules need {', '.join(VARIANTS[kind])})")
                    continue
                raw = value[v]
            at = f"/params/{name}" + (f"/{v}" if isinstance(value, dict) else "")
            try:
                c.params[v][name] = fraction(raw)
            except (ValueError, ZeroDivisionError):
                ctx.error(at, f"参数 {name} 不是有效数值：{raw!r}", f"param {name} is not a number: {raw!r}")
                continue
            if c.params[v][name] < 0:
                ctx.error(at, f"参数 {name} 为负数 {raw}：政策数值不能小于 0",
                          f"param {name} is negative ({raw}); policy numbers are never below 0")
            else:
                _check_unit(c, name, v, raw, per_variant=isinstance(value, dict))
        if isinstance(value, dict):
            extra = set(value) - set(VARIANTS[kind])
            if extra:
                ctx.error(f"/params/{name}", f"参数 {name} 含有此类规则不用的取值：{', '.join(sorted(extra))}",
                          f"param {name} has values this kind of rule never uses: {', '.join(sorted(extra))}")


def _check_unit(c: Compilation, name: str, variant: str | None, raw: object, per_variant: bool) -> None:
    """A ratio lies between 0 and 1 (60 written for 60% is a mistake); only a ratio may be written as a percentage."""
    unit = c.rule.units.get(name)
    if not per_variant and variant != c.variants[0]:
        return  # one number for every variant: checked once
    pointer = f"/params/{name}" + (f"/{variant}" if per_variant else "")
    value = c.params[variant][name]
    percent = isinstance(raw, str) and raw.strip().endswith(("%", "％"))
    if unit == "ratio" and value > 1:
        c.ctx.error(pointer, f"参数 {name} = {raw}：比例应在 0 到 1 之间" + ("（不能超过 100%）" if percent else f"（或写作 {raw}%）"),
                    f"param {name} = {raw}: a ratio lies between 0 and 1" + (" (at most 100%)" if percent else f" (or write {raw}%)"))
    elif unit != "ratio" and percent:
        c.ctx.error(pointer, f"参数 {name} = {raw}：只有单位为 ratio 的参数可以写成百分数（units: {{{name}: ratio}}）",
                    f"param {name} = {raw}: only a param whose unit is ratio may be a percentage (units: {{{name}: ratio}})")


def _units_pass(c: Compilation) -> None:
    """Every unit declared belongs to a param of the rule."""
    for name in c.rule.units:
        if name not in c.rule.params:
            hint = suggest(name, c.rule.params)
            c.ctx.error(f"/units/{name}", f"units 中的 “{name}” 不是本规则的参数{hint.zh}（参数：{', '.join(c.rule.params) or '无'}）",
                        f"units names {name!r}, which is not a param of the rule{hint.en} (params: {', '.join(c.rule.params) or 'none'})")


# ---------------------------------------------------------------- 2. values


def values_pass(c: Compilation) -> None:
    """Each declared value parsed, its names resolved; each may use the ones declared before it."""
    rule, ctx = c.rule, c.ctx
    for z in list(rule.zero_is_missing) + list(rule.zero_holds):
        if not ctx.field_known(z):
            rel = "/zero_is_missing" if z in rule.zero_is_missing else "/zero_holds"
            ctx.unknown(rel, ("未知字段", "unknown field"), z, ctx.fields())
    for name, text in rule.values.items():
        rel = f"/values/{name}"
        if name in c.param_names:
            ctx.error(rel, f"值 “{name}” 与参数同名", f"value {name!r} has the same name as a param")
            continue
        node = ctx.parse(text, rel)
        if node is None or not ctx.check_names(node, rel, c.known(), c.param_names):
            c.failed.append(name)
            continue
        if isinstance(node, (ex.Cmp, ex.BoolOp, ex.Not)):
            ctx.error(rel, "值应为数值公式，条件请写在 applies_when / violated_when",
                      "a value is a number formula; conditions belong in applies_when / violated_when")
            continue
        c.nodes[name] = node
        c.names.append(name)
    c.declared = tuple(c.names)


# ---------------------------------------------------------------- 3. conditions


def conditions_pass(c: Compilation) -> None:
    """``violated_when`` as one condition or several causes with their own texts; ``applies_when`` as conjuncts."""
    rule, ctx = c.rule, c.ctx
    if rule.aggregate is None:
        if rule.violated_when is None:
            ctx.error("", "缺少 violated_when（或 aggregate）", "needs violated_when (or aggregate)")
        elif isinstance(rule.violated_when, str):
            _cause(c, rule.violated_when, None, "/violated_when")
        else:
            for i, cause in enumerate(rule.violated_when):
                _cause(c, cause.when, Text(cause.zh, cause.en), f"/violated_when/{i}/when")
    elif rule.violated_when is not None:
        ctx.error("/violated_when", "aggregate 规则不写 violated_when", "an aggregate rule has no violated_when")
    if rule.applies_when:
        node = ctx.parse(rule.applies_when, "/applies_when")
        if node is not None and ctx.check_names(node, "/applies_when", c.known(), c.param_names):
            c.applies.extend(_conjuncts(node))
    for z in rule.zero_holds:
        c.applies.append(ex.Cmp(">", ex.Name(z, 1), ex.Num(Fraction(0), 1), 1))


def _cause(c: Compilation, text: str, cause_text: Text | None, rel: str) -> None:
    node = c.ctx.parse(text, rel)
    if node is not None and c.ctx.check_names(node, rel, c.known(), c.param_names):
        c.causes.append((node, cause_text, rel))


def _conjuncts(node: ex.Node) -> list[ex.Node]:
    if isinstance(node, ex.BoolOp) and node.op == "and":
        out: list[ex.Node] = []
        for a in node.operands:
            out.extend(_conjuncts(a))
        return out
    return [node]


def _conditions(c: Compilation) -> list[ex.Node]:
    return [node for node, _, _ in c.causes] + c.applies


# ---------------------------------------------------------------- 4. implicit values


def implicit_values_pass(c: Compilation) -> None:
    """A filing field a condition compares directly becomes a value of its own (it is read like one)."""
    for node in _conditions(c):
        for n in ex.names(node):
            if n.name not in c.nodes and n.name not in c.param_names:
                c.nodes[n.name] = ex.Name(n.name, n.col)
                c.names.append(n.name)


# ---------------------------------------------------------------- 5. shape


def shape_pass(c: Compilation) -> None:
    """Conditions compare a value with a value, a param or a number — the engine does the comparing."""
    for node, _, rel in c.causes:
        _check_shape(c, node, rel)
    for node in c.applies:
        _check_shape(c, node, "/applies_when")


def _check_shape(c: Compilation, node: ex.Node, rel: str) -> None:
    ctx, params = c.ctx, c.param_names
    if isinstance(node, ex.BoolOp):
        for a in node.operands:
            _check_shape(c, a, rel)
        return
    if isinstance(node, ex.Not):
        _check_shape(c, node.operand, rel)
        return
    if not isinstance(node, ex.Cmp):
        ctx.error(rel, "条件须是比较（如 a < threshold），可用 and / or / not 连接",
                  "a condition is a comparison (a < threshold), joined by and / or / not", node.col)
        return
    sides = (node.left, node.right)
    for side in sides:
        if not isinstance(side, (ex.Name, ex.Num)):
            ctx.error(rel, f"比较的两边须是值、参数或数字；请把 “{ex.unparse(side)}” 声明在 values 中",
                      f"compare values, params or numbers; declare {ex.unparse(side)!r} under values", side.col)
            return
    if all(isinstance(s, ex.Num) or (isinstance(s, ex.Name) and s.name in params) for s in sides):
        ctx.error(rel, "比较至少要有一边是值（来自申报数据）", "a comparison needs a value from the filing on one side", node.col)
    if node.op in ("==", "!=") and all(isinstance(s, ex.Name) and s.name not in params for s in sides):
        ctx.error(rel, "两个值之间不能用 == 或 !=", "== and != between two values are not supported", node.col)


# ---------------------------------------------------------------- 6. closures


def closures_pass(c: Compilation, key: str) -> None:
    """Values as closures; a value a condition compares gets a slot (``<key>_<n>``) in the engine's facts.

    A value that reads only the filing and policy numbers is the same wherever the same formula
    meets the same numbers: the derive stage computes it once per subject (STD-01..03 share three).
    """
    compared = {n.name for node in _conditions(c) for n in ex.names(node)}
    for i, name in enumerate(c.names):
        slot = f"{key}_{i}" if name in compared else None
        c.values.append((name, c.closure(c.nodes[name], c.names[:i], c.zero_missing), slot))
    for v in c.variants:
        keys: list[int | None] = []
        for i, name in enumerate(c.names):
            used = {n.name for n in ex.names(c.nodes[name])}
            if used & set(c.names[:i]):
                keys.append(None)  # built on the rule's own values: not shared
                continue
            share = (c.rule.subject, ex.unparse(c.nodes[name]),
                     tuple(sorted((p, c.params[v].get(p)) for p in used & c.param_names)),
                     tuple(sorted(used & c.zero_missing)))
            keys.append(_SHARE_IDS.setdefault(share, len(_SHARE_IDS)))  # ints hash fast
        c.share_keys[v] = keys
    for name, node in c.nodes.items():
        if isinstance(node, ex.Call) and node.fn == "cv":  # the per-school figure, for BAL rectifications
            fc = FormulaCompiler(c.ctx.resolver(set(), c.param_names), c.zero_missing)
            c.cv_inner[name] = fc.compile(node.args[0], in_aggregate=True)


# ---------------------------------------------------------------- 7. texts


def texts_pass(c: Compilation) -> None:
    """Values used only by texts, the shortfall formula and its unit, the rectification cases."""
    rule, ctx = c.rule, c.ctx
    all_values = set(c.names)
    for name, text in rule.text_values.items():
        rel = f"/text_values/{name}"
        node = ctx.parse(text, rel)
        if node is not None and ctx.check_names(node, rel, all_values, c.param_names):
            c.text_values.append((name, c.closure(node, all_values)))
    if rule.shortfall is not None:
        unit = rule.shortfall.unit
        if c.units is not None and unit not in c.units:
            hint = suggest(unit, c.units)
            ctx.error("/shortfall/unit", f"单位 “{unit}” 不在 vocabulary.yaml 的 units 中（那里规定取整精度）{hint.zh}",
                      f"unit {unit!r} is not in vocabulary.yaml's units (which set its rounding){hint.en}")
        node = ctx.parse(rule.shortfall.value, "/shortfall/value")
        if node is not None and ctx.check_names(node, "/shortfall/value", all_values, c.param_names):
            c.shortfall = c.closure(node, all_values, c.zero_missing)
    cases: Sequence[Text | RectificationCase] = rule.rectification if isinstance(rule.rectification, list) else [rule.rectification]
    text_names = all_values | {n for n, _ in c.text_values}
    for i, case in enumerate(cases):
        when = getattr(case, "when", None)
        closure = None
        if when:
            rel = f"/rectification/{i}/when"
            node = ctx.parse(when, rel)
            if node is not None and ctx.check_names(node, rel, text_names, c.param_names):
                closure = c.closure(node, text_names)
        c.rectification.append((closure, Text(case.zh, case.en)))


# ---------------------------------------------------------------- 8. requirement


def requirement_pass(c: Compilation) -> None:
    """What each compared value must satisfy: as the rule file writes it, else the negation of its cause."""
    rule, ctx = c.rule, c.ctx
    found: list[Requirement] = []
    if rule.requirement:
        for name, text in rule.requirement.items():
            op = next((o for o in ("<=", ">=", "==", "!=", "<", ">") if text.lstrip().startswith(o)), None)
            right_text = text.lstrip()[len(op):].strip() if op else ""
            node = ctx.parse(right_text, f"/requirement/{name}") if op else None
            if op is None:
                ctx.error(f"/requirement/{name}", f"要求 “{text}” 须以比较符开头（如 “>= threshold”）",
                          f"the requirement {text!r} must start with a comparison (\">= threshold\")")
            if node is not None:
                found.append(Requirement(name, op or "", right_text, node))
    else:
        seen: set[str] = set()
        for node, _, _ in c.causes:
            for cmp in ex.comparisons(node):
                if isinstance(cmp.left, ex.Name) and cmp.left.name not in seen:
                    seen.add(cmp.left.name)
                    right_text = ex.unparse(cmp.right)
                    found.append(Requirement(cmp.left.name, NEGATE[cmp.op], right_text, ex.parse(right_text)))
    c.requirement = tuple(found)


# ---------------------------------------------------------------- 9. lagging


def lagging_pass(c: Compilation) -> None:
    """``lagging.among`` names the rule's cv(...) values; ``lagging.count`` a number or one of its params."""
    rule, ctx = c.rule, c.ctx
    if rule.lagging is None:
        return
    for i, name in enumerate(rule.lagging.among):
        node = c.nodes.get(name)
        if not (isinstance(node, ex.Call) and node.fn == "cv"):
            ctx.error(f"/lagging/among/{i}", f"“{name}” 须是本规则以 cv(...) 声明的值",
                      f"{name!r} must be a value of this rule declared as cv(...)")
    if isinstance(rule.lagging.count, str) and rule.lagging.count not in c.param_names:
        ctx.error("/lagging/count", f"未知参数 “{rule.lagging.count}”", f"unknown param {rule.lagging.count!r}")


# ---------------------------------------------------------------- 10. templates


def template_names(c: Compilation) -> set[str]:
    """Every name a finding of this rule can fill into its texts."""
    rule, ctx, kind = c.rule, c.ctx, c.rule.subject
    known = set(c.names) | {n for n, _ in c.text_values} | c.param_names | {"subject", "school_name"}
    if kind == "level":
        known.add("level_name")
    if kind == "group":
        known.add("group_name")
    if isinstance(rule.violated_when, list) or rule.aggregate is not None:
        known.add("causes")
    if rule.shortfall is not None:
        known.add("shortfall")
    if rule.lagging is not None:
        known |= {"labelled", "worst_label", "worst_value", "lagging_schools"}
    if kind in RECORD_KINDS:
        return known | ctx.fields()
    fields = ctx.fields()
    known |= fields | {p.split(".", 1)[1] for p in fields if "." in p}
    if kind == "district":
        known |= {f"prior.{p}" for p in fields if "{" not in p}
    return known


def templates_pass(c: Compilation) -> None:
    """Every ``{placeholder}`` of every text must name something the finding will know, in a known format."""
    known = template_names(c)
    own = set(c.names) | {n for n, _ in c.text_values} | c.param_names
    for rel, text in rule_texts(c.rule):
        for name, spec in placeholders(text):
            head, colon, tail = name.partition("：")
            if name not in known and colon and head in known:  # a full-width colon typed before the format
                c.ctx.error(rel, f"占位符 {{{name}}} 中的冒号须为半角 “:”：写成 {{{head}:{tail}}}",
                            f"the placeholder {{{name}}} has a full-width colon: write {{{head}:{tail}}}")
            elif name not in known:
                hint = suggest(name, known, own)
                c.ctx.error(rel, f"文本中的占位符 {{{name}}} 不存在{hint.zh}", f"the text names {{{name}}}, which does not exist{hint.en}")
            elif spec is not None and spec not in FORMAT_SPECS:
                c.ctx.error(rel, f"占位符 {{{name}:{spec}}} 的格式 “{spec}” 未知（可用：{', '.join(FORMAT_SPECS)}）",
                            f"unknown format {spec!r} in {{{name}:{spec}}} (known: {', '.join(FORMAT_SPECS)})")


# ---------------------------------------------------------------- the passes in order


def compile_rule(rule: Rule, key: str, area: str, area_title: Text, doc: LoadedDocument, pointer: str,
                 errors: list[InputError], units: dict[str, Any] | None = None,
                 origins: Mapping[str, tuple[LoadedDocument, str]] | None = None) -> CompiledRule | None:
    """Run every pass over one rule; None when any reported an error (appended to ``errors``).

    ``origins``: where params not written in the rule itself come from (``RuleContext.origins``)."""
    c = Compilation(RuleContext(rule, doc, pointer, errors, origins), units)
    n_errors = len(errors)
    params_pass(c)
    _units_pass(c)
    values_pass(c)
    conditions_pass(c)
    implicit_values_pass(c)
    shape_pass(c)
    closures_pass(c, key)
    texts_pass(c)
    requirement_pass(c)
    lagging_pass(c)
    templates_pass(c)
    if len(errors) > n_errors:
        return None
    compared = None
    if len(c.causes) == 1 and isinstance(c.causes[0][0], ex.Cmp):
        cmp = c.causes[0][0]
        if isinstance(cmp.left, ex.Name) and isinstance(cmp.right, ex.Name) and cmp.right.name in c.param_names:
            compared = (cmp.left.name, cmp.op, cmp.right.name)
    return CompiledRule(
        key=key, rule=rule, area=area, area_title=area_title, file=doc.file, pointer=pointer,
        variants=c.variants, params=c.params, values=c.values, declared=c.declared, text_values=c.text_values,
        causes=[(n, t) for n, t, _ in c.causes], applies=c.applies, shortfall=c.shortfall, rectification=c.rectification,
        requirement=c.requirement, compared=compared, cv_inner=c.cv_inner,
        float_params={v: {k: float(x) for k, x in ps.items()} for v, ps in c.params.items()},
        share_keys=c.share_keys, value_nodes=dict(c.nodes),
    )
