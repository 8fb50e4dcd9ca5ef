"""Compile loaded rule files into packs: formulas checked and closed over, conditions as durable_rules JSON.

This is where a rule's *meaning* is fixed, once, before any filing is read:
- every name in every formula is resolved (a value the rule declares, a policy
  number in ``params``, a field of the filing model, a builtin) or reported as
  a located ``rule_compile_error`` with a suggestion;
- values become closures (``indicators.FormulaCompiler``) that the derive stage
  runs per subject;
- conditions (``applies_when``, ``violated_when``) become durable_rules
  patterns, one engine rule per (rule, variant, cause), with the catalogue's
  tolerance built into the constants (see ``_adjust``); aggregates (QLT-08) and
  the verdict become engine rules over finding facts.

Fact layout (what ``evaluate.py`` asserts): every subject fact has ``t`` (its
kind: D district, L level, G group, S school, U unit, I school id), ``s`` (the
subject's index in the filing), ``v`` (its variant) and ``c`` (its chunk);
a rule's values are ``<key>_<n>`` and its missing-data marker ``<key>_m``.
Finding facts are ``t: F`` with ``r`` (rule id), ``f`` (for_rule), ``s``,
``sev``, and for simple comparisons ``x`` (value) and ``y`` (threshold); the
stage facts ``t: E`` carry ``stage`` 1 (aggregates of missing data) and 2 (verdict).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel

from junheng.errors import InputError, InputErrors
from junheng.located.read import LoadedDocument
from junheng.check.derive import SCHOOL_BUILTINS, FormulaCompiler
from junheng.policy import expr as ex
from junheng.policy.load import LoadedRules
from junheng.policy.model import Pack, Rule, Text

EPSILON = 1e-9  # the catalogue's relative tolerance
MAX_FIELDS_PER_FACT = 200  # durable_rules crashes on facts of more than ~250 properties

KIND_CODES = {"district": "D", "level": "L", "group": "G", "school": "S", "unit": "U", "school_id": "I"}
VARIANTS = {
    "district": (),
    "level": ("primary", "junior"),
    "group": ("parents", "teachers", "deputies"),
    "school": ("primary", "junior"),
    "unit": ("primary", "junior", "nine_year"),
    "school_id": (),
}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


@dataclass
class CompiledRule:
    key: str
    rule: Rule
    area: str
    area_title: Text
    file: str
    pointer: str
    variants: tuple  # (None,) or the subject kind's variants
    params: dict  # variant → {name: Fraction}
    values: list  # [(name, closure, fact_field)] in evaluation order, implicit names included
    declared: tuple  # names declared under `values` (shown in `observed`)
    text_values: list  # [(name, closure)]
    causes: list  # [(condition node, Text | None)]
    applies: list  # conjunct condition nodes (applies_when, zero_holds)
    shortfall: object  # closure or None
    rectification: list  # [(closure | None, Text)]
    requirement: dict  # name → text with params as names
    compared: tuple | None  # (value name, op, param name) for a single simple comparison
    cv_inner: dict = field(default_factory=dict)  # cv value name → per-school closure (BAL rectifications)
    float_params: dict = field(default_factory=dict)  # variant → {name: float}, for the derive stage
    share_keys: dict = field(default_factory=dict)  # variant → [key or None per value]: values shared across rules
    chunk: int = 0

    @property
    def id(self) -> str:
        return self.rule.id

    def fact_field(self, name: str) -> str:
        for n, _, f in self.values:
            if n == name:
                return f
        raise KeyError(name)


@dataclass
class CompiledPack:
    name: str
    pack: Pack
    title: Text
    rules: list[CompiledRule]
    by_key: dict[str, CompiledRule]
    durable: dict  # engine rule name → durable_rules definition (without "run")
    actions: dict  # engine rule name → (kind, key, cause or None)
    deferred_when_any: tuple
    teaching_point_min_students: int
    chunks: dict  # subject kind → number of chunks
    vocabulary: dict

    def rules_for(self, kind: str) -> list[CompiledRule]:
        return [r for r in self.rules if r.rule.subject == kind and r.rule.aggregate is None]


@dataclass
class Policy:
    """All packs of one rules folder, compiled."""

    roots: tuple[Path, ...]
    packs: dict[str, CompiledPack]
    vocabulary: dict
    loaded: LoadedRules = field(repr=False, default=None)


# ---------------------------------------------------------------- the fact model: what a rule may name


@functools.lru_cache(maxsize=1)  # the filing model does not change within a process
def _model_paths() -> tuple[frozenset[str], frozenset[str]]:
    """Field paths a rule may name: (from the filing root, in a school record)."""
    from junheng.filing.model import Filing, School

    def walk(model, prefix: str, out: set):
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            inner = _inner_model(info.annotation)
            if inner is None:
                out.add(path)
            else:
                walk(inner, path + ".", out)
        return out

    root = walk(Filing, "", set())
    root = {p for p in root if not p.startswith("schools")}
    # {level} and {group} stand for any level / survey group
    generic = set()
    for p in root:
        parts = p.split(".")
        for i, part in enumerate(parts):
            if part in ("primary", "junior"):
                generic.add(".".join(parts[:i] + ["{level}"] + parts[i + 1 :]))
            if part in ("parents", "teachers", "deputies") and parts[0] == "survey":
                generic.add(".".join(parts[:i] + ["{group}"] + parts[i + 1 :]))
    school = walk(School, "", set())
    return frozenset(root | generic), frozenset(school)


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- compiling one rule


class _RuleCompiler:
    def __init__(self, rule: Rule, doc: LoadedDocument, pointer: str, root_paths, school_paths, errors: list[InputError]):
        self.rule = rule
        self.doc = doc
        self.pointer = pointer
        self.root_paths = root_paths
        self.school_paths = school_paths
        self.errors = errors
        self.kind = rule.subject
        self.declared: list[str] = []

    # -- errors
    def error(self, rel_pointer: str, zh: str, en: str, column_in_text: int | None = None) -> None:
        pointer = self.pointer + rel_pointer
        line, col = self.doc.location(pointer)
        if column_in_text is not None and col is not None:
            # a plain scalar starts where its text starts; a quoted one one column later
            col = col + column_in_text - 1 + (1 if self._quoted(line, col) else 0)
        self.errors.append(InputError("rule_compile_error", self.doc.file, line, col, pointer, f"规则 {self.rule.id}：{zh}", f"rule {self.rule.id}: {en}"))

    def _quoted(self, line: int, col: int) -> bool:
        return False  # columns point at the formula's start either way; good enough to find it

    def parse(self, text: str, rel_pointer: str):
        try:
            return ex.parse(text)
        except ex.ExprError as e:
            self.error(rel_pointer, f"公式无法解析：{e.zh}", f"cannot read formula: {e.en}", e.column)
            return None

    # -- names
    def field_known(self, name: str) -> bool:
        if self.kind in ("school", "unit", "school_id"):
            return name in self.school_paths
        if name.startswith("prior.") and self.kind == "district":
            return name[len("prior."):] in self.root_paths and "{" not in name
        path_ok = name in self.root_paths
        if path_ok and "{level}" in name and self.kind != "level":
            return False
        if path_ok and "{group}" in name and self.kind != "group":
            return False
        return path_ok

    def suggest(self, name: str, pool, own=()) -> tuple[str, str]:
        """'did you mean …?': the rule's own names (values, params) first, then everything else."""
        close = difflib.get_close_matches(name, list(own), n=1, cutoff=0.6) or difflib.get_close_matches(name, list(pool), n=1, cutoff=0.6)
        if close:
            return f"，是否应为 “{close[0]}”？", f"; did you mean {close[0]!r}?"
        return "", ""

    def check_names(self, node, rel_pointer: str, allowed_values, params, *, in_aggregate=False) -> bool:
        ok = True

        def walk(n, agg):
            nonlocal ok
            if isinstance(n, ex.Name):
                name = n.name
                if agg:
                    if name in self.school_paths or name in SCHOOL_BUILTINS:
                        return
                    pool = set(self.school_paths) | set(SCHOOL_BUILTINS)
                elif name in allowed_values or name in params:
                    return
                elif self.kind in ("school",) and name in SCHOOL_BUILTINS:
                    return
                elif self.field_known(name):
                    return
                else:
                    pool = set(allowed_values) | set(params)
                    if self.kind in ("school", "unit", "school_id"):
                        pool |= set(self.school_paths)
                    else:
                        pool |= {p for p in self.root_paths if self.field_known(p)}
                hint_zh, hint_en = self.suggest(name, pool, own=set(allowed_values) | set(params))
                self.error(rel_pointer, f"未知名称 “{name}”{hint_zh}", f"unknown name {name!r}{hint_en}", n.col)
                ok = False
            elif isinstance(n, ex.Call):
                if n.fn in ex.AGGREGATES and self.kind not in ("district", "level", "unit", "school_id"):
                    self.error(rel_pointer, f"{n.fn}() 只能用于区县、学段、学校单元或学校标识码规则", f"{n.fn}() is only for district, level, unit and school-id rules", n.col)
                    ok = False
                if n.fn in ("cv", "balance_count") and self.kind != "level":
                    self.error(rel_pointer, f"{n.fn}() 只能用于学段（level）规则", f"{n.fn}() is only for level rules", n.col)
                    ok = False
                for a in n.args:
                    walk(a, agg or n.fn in ex.AGGREGATES)
            elif isinstance(n, (ex.BinOp, ex.Cmp)):
                walk(n.left, agg)
                walk(n.right, agg)
            elif isinstance(n, (ex.Neg, ex.Not)):
                walk(n.operand, agg)
            elif isinstance(n, ex.BoolOp):
                for a in n.operands:
                    walk(a, agg)

        walk(node, in_aggregate)
        return ok

    def resolver(self, values_so_far, params):
        def resolve(name: str) -> str:
            if name in values_so_far:
                return "value"
            if name in params:
                return "param"
            if self.kind == "school" and name in SCHOOL_BUILTINS:
                return f"builtin:{name}"
            return "field"

        return resolve


def _fraction(value) -> Fraction:
    """A policy number as the exact fraction written; ValueError for anything else, or beyond ±1e300
    (the derive stage also needs it as a float)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        result = Fraction(repr(value))  # inf and nan raise ValueError here
    elif isinstance(value, int):
        result = Fraction(value)
    else:
        text = str(value).replace(" ", "")
        if "/" in text:
            a, b = text.split("/", 1)
            den = Fraction(b)
            if den == 0:
                raise ValueError("division by zero")
            result = Fraction(a) / den
        else:
            result = Fraction(text)
    if abs(result) > _MAX_PARAM:
        raise ValueError("out of range")
    return result


_MAX_PARAM = Fraction(10) ** 300


def compile_rule(rule: Rule, key: str, area: str, area_title: Text, doc: LoadedDocument, pointer: str,
                 root_paths, school_paths, errors: list[InputError], units: dict | None = None) -> CompiledRule | None:
    rc = _RuleCompiler(rule, doc, pointer, root_paths, school_paths, errors)
    n_errors = len(errors)
    kind = rule.subject

    # params: per variant
    variant_params = {n: v for n, v in rule.params.items() if isinstance(v, dict)}
    variants: tuple = VARIANTS[kind] if variant_params else (None,)
    params: dict = {v: {} for v in variants}
    for name, value in rule.params.items():
        for v in variants:
            raw = value
            if isinstance(value, dict):
                if v not in value:
                    rc.error(f"/params/{name}", f"参数 {name} 缺少 “{v}” 的取值（{kind} 规则需要 {', '.join(VARIANTS[kind])}）",
                             f"param {name} has no value for {v!r} ({kind} rules need {', '.join(VARIANTS[kind])})")
                    continue
                raw = value[v]
            try:
                params[v][name] = _fraction(raw)
            except (ValueError, ZeroDivisionError):
                rc.error(f"/params/{name}", f"参数 {name} 不是有效数值：{raw!r}", f"param {name} is not a number: {raw!r}")
                continue
            if params[v][name] < 0:
                rc.error(f"/params/{name}", f"参数 {name} 为负数 {raw}：政策数值不能小于 0", f"param {name} is negative ({raw}); policy numbers are never below 0")
        if isinstance(value, dict):
            extra = set(value) - set(VARIANTS[kind])
            if extra:
                rc.error(f"/params/{name}", f"参数 {name} 含有此类规则不用的取值：{', '.join(sorted(extra))}",
                         f"param {name} has values this kind of rule never uses: {', '.join(sorted(extra))}")
    param_names = set(rule.params)

    # values, in order; each may use the ones before it
    zero_missing = frozenset(rule.zero_is_missing)
    for z in list(rule.zero_is_missing) + list(rule.zero_holds):
        if not rc.field_known(z):
            hint_zh, hint_en = rc.suggest(z, rc.school_paths if kind in ("school", "unit") else rc.root_paths)
            rc.error("/zero_is_missing" if z in rule.zero_is_missing else "/zero_holds", f"未知字段 “{z}”{hint_zh}", f"unknown field {z!r}{hint_en}")
    names_so_far: list[str] = []
    failed_values: list[str] = []
    value_nodes: dict = {}
    for name, text in rule.values.items():
        rel = f"/values/{name}"
        if name in param_names:
            rc.error(rel, f"值 “{name}” 与参数同名", f"value {name!r} has the same name as a param")
            continue
        node = rc.parse(text, rel)
        if node is None or not rc.check_names(node, rel, names_so_far + failed_values, param_names):
            failed_values.append(name)  # reported once; later formulas may still name it
            continue
        if isinstance(node, (ex.Cmp, ex.BoolOp, ex.Not)):
            rc.error(rel, "值应为数值公式，条件请写在 applies_when / violated_when", "a value is a number formula; conditions belong in applies_when / violated_when")
            continue
        value_nodes[name] = node
        names_so_far.append(name)
    declared = tuple(names_so_far)

    # conditions
    causes: list = []
    if rule.aggregate is None:
        if rule.violated_when is None:
            rc.error("", "缺少 violated_when（或 aggregate）", "needs violated_when (or aggregate)")
        elif isinstance(rule.violated_when, str):
            node = rc.parse(rule.violated_when, "/violated_when")
            if node is not None and rc.check_names(node, "/violated_when", names_so_far + failed_values, param_names):
                causes.append((node, None, "/violated_when"))
        else:
            for i, cause in enumerate(rule.violated_when):
                rel = f"/violated_when/{i}/when"
                node = rc.parse(cause.when, rel)
                if node is not None and rc.check_names(node, rel, names_so_far + failed_values, param_names):
                    causes.append((node, Text(zh=cause.zh, en=cause.en), rel))
    elif rule.violated_when is not None:
        rc.error("/violated_when", "aggregate 规则不写 violated_when", "an aggregate rule has no violated_when")
    applies: list = []
    if rule.applies_when:
        node = rc.parse(rule.applies_when, "/applies_when")
        if node is not None and rc.check_names(node, "/applies_when", names_so_far + failed_values, param_names):
            applies.extend(_conjuncts(node))
    for z in rule.zero_holds:
        applies.append(ex.Cmp(">", ex.Name(z, 1), ex.Num(Fraction(0), 1), 1))

    # implicit values: names used in conditions that are not declared values or params
    for node in [c for c, _, _ in causes] + applies:
        for n in ex.names(node):
            if n.name not in value_nodes and n.name not in param_names:
                value_nodes[n.name] = ex.Name(n.name, n.col)
                names_so_far.append(n.name)
    for node, _, rel in causes:
        _check_condition_shape(rc, node, rel, value_nodes, param_names)
    for node in applies:
        _check_condition_shape(rc, node, "/applies_when", value_nodes, param_names)

    # only what a condition compares goes into the engine's facts; the rest is for texts
    compared_names = {n.name for node in [c for c, _, _ in causes] + applies for n in ex.names(node)}
    compiler_values: list = []
    for i, name in enumerate(names_so_far):
        fc = FormulaCompiler(rc.resolver(set(names_so_far[:i]), param_names), zero_missing)
        compiler_values.append((name, fc.compile(value_nodes[name]), f"{key}_{i}" if name in compared_names else None))
    # A value that reads only the filing and policy numbers is the same wherever the same formula
    # meets the same numbers: the derive stage computes it once per subject (STD-01..03 share three).
    share_keys = {}
    for v in params:
        keys = []
        for i, name in enumerate(names_so_far):
            used = {n.name for n in ex.names(value_nodes[name])}
            if used & set(names_so_far[:i]):
                keys.append(None)  # built on the rule's own values: not shared
                continue
            keys.append((rule.subject, ex.unparse(value_nodes[name]),
                         tuple(sorted((p, params[v].get(p)) for p in used & param_names)),
                         tuple(sorted(used & zero_missing))))
        share_keys[v] = [None if k is None else _SHARE_IDS.setdefault(k, len(_SHARE_IDS)) for k in keys]  # ints hash fast
    all_values = set(names_so_far)
    text_values = []
    for name, text in rule.text_values.items():
        rel = f"/text_values/{name}"
        node = rc.parse(text, rel)
        if node is not None and rc.check_names(node, rel, all_values, param_names):
            fc = FormulaCompiler(rc.resolver(all_values, param_names), frozenset())
            text_values.append((name, fc.compile(node)))
    shortfall = None
    if rule.shortfall is not None:
        if units is not None and rule.shortfall.unit not in units:
            hint_zh, hint_en = rc.suggest(rule.shortfall.unit, units)
            rc.error("/shortfall/unit", f"单位 “{rule.shortfall.unit}” 不在 vocabulary.yaml 的 units 中（那里规定取整精度）{hint_zh}",
                     f"unit {rule.shortfall.unit!r} is not in vocabulary.yaml's units (which set its rounding){hint_en}")
        node = rc.parse(rule.shortfall.value, "/shortfall/value")
        if node is not None and rc.check_names(node, "/shortfall/value", all_values, param_names):
            shortfall = FormulaCompiler(rc.resolver(all_values, param_names), zero_missing).compile(node)
    rect: list = []
    cases = rule.rectification if isinstance(rule.rectification, list) else [rule.rectification]
    text_names = all_values | {n for n, _ in text_values}
    for i, case in enumerate(cases):
        when = getattr(case, "when", None)
        closure = None
        if when:
            rel = f"/rectification/{i}/when"
            node = rc.parse(when, rel)
            if node is not None and rc.check_names(node, rel, text_names, param_names):
                closure = FormulaCompiler(rc.resolver(text_names, param_names), frozenset()).compile(node)
        rect.append((closure, Text(zh=case.zh, en=case.en)))

    compared = None
    if len(causes) == 1 and isinstance(causes[0][0], ex.Cmp):
        c = causes[0][0]
        if isinstance(c.left, ex.Name) and isinstance(c.right, ex.Name) and c.right.name in param_names:
            compared = (c.left.name, c.op, c.right.name)
    requirement = dict(rule.requirement or {})
    if not requirement:
        for node, _, _ in causes:
            for cmp in ex.comparisons(node):
                if isinstance(cmp.left, ex.Name):
                    requirement.setdefault(cmp.left.name, f"{_NEGATE[cmp.op]} {ex.unparse(cmp.right)}")
    if rule.lagging is not None:
        for i, name in enumerate(rule.lagging.among):
            node = value_nodes.get(name)
            if not (isinstance(node, ex.Call) and node.fn == "cv"):
                rc.error(f"/lagging/among/{i}", f"“{name}” 须是本规则以 cv(...) 声明的值", f"{name!r} must be a value of this rule declared as cv(...)")
        if isinstance(rule.lagging.count, str) and rule.lagging.count not in param_names:
            rc.error("/lagging/count", f"未知参数 “{rule.lagging.count}”", f"unknown param {rule.lagging.count!r}")
    _check_templates(rc, rule, all_values | {n for n, _ in text_values}, param_names)
    cv_inner = {}
    for name, node in value_nodes.items():
        if isinstance(node, ex.Call) and node.fn == "cv":
            fc = FormulaCompiler(rc.resolver(set(), param_names), zero_missing)
            cv_inner[name] = fc.compile(node.args[0], in_aggregate=True)
    if len(errors) > n_errors:
        return None
    return CompiledRule(
        key=key, rule=rule, area=area, area_title=area_title, file=doc.file, pointer=pointer,
        variants=variants, params=params, values=compiler_values, declared=declared, text_values=text_values,
        causes=[(n, t) for n, t, _ in causes], applies=applies, shortfall=shortfall, rectification=rect,
        requirement=requirement, compared=compared, cv_inner=cv_inner,
        float_params={v: {k: float(x) for k, x in ps.items()} for v, ps in params.items()},
        share_keys=share_keys,
    )


_TEMPLATE = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
FORMAT_SPECS = ("pct", "pct2", "growth", "int")


def _check_templates(rc: _RuleCompiler, rule: Rule, values: set, params: set) -> None:
    """Every {placeholder} of every text must name something the finding will know."""
    kind = rule.subject
    known = set(values) | set(params) | {"subject", "school_name"}
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
    if kind in ("school", "unit", "school_id"):
        known |= set(rc.school_paths)
    else:
        fields = {p for p in rc.root_paths if rc.field_known(p)}
        known |= fields | {p.split(".", 1)[1] for p in fields if "." in p}
        if kind == "district":
            known |= {f"prior.{p}" for p in fields if "{" not in p}
    texts = [("/message/zh", rule.message.zh), ("/message/en", rule.message.en)]
    if isinstance(rule.rectification, list):
        for i, case in enumerate(rule.rectification):
            texts += [(f"/rectification/{i}/zh", case.zh), (f"/rectification/{i}/en", case.en)]
    else:
        texts += [("/rectification/zh", rule.rectification.zh), ("/rectification/en", rule.rectification.en)]
    if isinstance(rule.violated_when, list):
        for i, cause in enumerate(rule.violated_when):
            texts += [(f"/violated_when/{i}/zh", cause.zh), (f"/violated_when/{i}/en", cause.en)]
    for rel, text in texts:
        for m in _TEMPLATE.finditer(text):
            name, spec = m.group(1), m.group(2)
            if name not in known:
                hint_zh, hint_en = rc.suggest(name, known, own=set(values) | set(params))
                rc.error(rel, f"文本中的占位符 {{{name}}} 不存在{hint_zh}", f"the text names {{{name}}}, which does not exist{hint_en}")
            elif spec is not None and spec not in FORMAT_SPECS:
                rc.error(rel, f"占位符 {{{name}:{spec}}} 的格式 “{spec}” 未知（可用：{', '.join(FORMAT_SPECS)}）",
                         f"unknown format {spec!r} in {{{name}:{spec}}} (known: {', '.join(FORMAT_SPECS)})")


_SHARE_IDS: dict = {}  # a shared value's key → a small int, the same for every rule that computes it


def _conjuncts(node) -> list:
    if isinstance(node, ex.BoolOp) and node.op == "and":
        out = []
        for a in node.operands:
            out.extend(_conjuncts(a))
        return out
    return [node]


def _check_condition_shape(rc: _RuleCompiler, node, rel: str, values: dict, params: set) -> None:
    """Conditions compare a value with a value, a param or a number — the engine does the comparing."""
    if isinstance(node, ex.BoolOp):
        for a in node.operands:
            _check_condition_shape(rc, a, rel, values, params)
        return
    if isinstance(node, ex.Not):
        _check_condition_shape(rc, node.operand, rel, values, params)
        return
    if not isinstance(node, ex.Cmp):
        rc.error(rel, "条件须是比较（如 a < threshold），可用 and / or / not 连接", "a condition is a comparison (a < threshold), joined by and / or / not", getattr(node, "col", None))
        return
    sides = (node.left, node.right)
    for side in sides:
        if not isinstance(side, (ex.Name, ex.Num)):
            rc.error(rel, f"比较的两边须是值、参数或数字；请把 “{ex.unparse(side)}” 声明在 values 中", f"compare values, params or numbers; declare {ex.unparse(side)!r} under values", side.col)
            return
    if all(isinstance(s, ex.Num) or (isinstance(s, ex.Name) and s.name in params) for s in sides):
        rc.error(rel, "比较至少要有一边是值（来自申报数据）", "a comparison needs a value from the filing on one side", node.col)
    if node.op in ("==", "!=") and all(isinstance(s, ex.Name) and s.name not in params for s in sides):
        rc.error(rel, "两个值之间不能用 == 或 !=", "== and != between two values are not supported", node.col)


# ---------------------------------------------------------------- durable_rules JSON


def _adjust_const(op: str, t: float) -> float:
    """The constant the engine compares with, so that its answer equals math.isclose semantics.

    "v < t and not close" is "v < lo(t)"; "v <= t or close" is "v <= hi(t)", with
    lo(t) = t(1−ε), hi(t) = t/(1−ε) for t ≥ 0 (mirrored for t < 0).
    """
    lo = t * (1 - EPSILON) if t >= 0 else t / (1 - EPSILON)
    hi = t / (1 - EPSILON) if t >= 0 else t * (1 - EPSILON)
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
                return {"$and": guard + [{"$gte": {f: _adjust_const(">=", t)}}, {"$lte": {f: _adjust_const("<=", t)}}]}
            if op == "!=":
                return {"$and": guard + [{"$or": [{"$lt": {f: _adjust_const("<", t)}}, {"$gt": {f: _adjust_const(">", t)}}]}]}
            return {"$and": guard + [{_DURABLE_OP[op]: {f: _adjust_const(op, t)}}]}
        g = right[1]
        guard.append({"$ex": {g: 1}})
        pos = (1 - EPSILON) if op in ("<", ">=") else 1 / (1 - EPSILON)
        neg = 1 / (1 - EPSILON) if op in ("<", ">=") else (1 - EPSILON)
        return {"$and": guard + [{"$or": [
            {"$and": [{"$gte": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": pos}}}}]},
            {"$and": [{"$lt": {g: 0}}, {_DURABLE_OP[op]: {f: {"$mul": {"$l": {"$m": g}, "$r": neg}}}}]},
        ]}]}

    def fields_of(self, node) -> list[str]:
        return sorted({self.fields[n.name] for n in ex.names(node) if n.name not in self.params})


def _durable_rules_for(rule: CompiledRule, chunked: bool) -> tuple[dict, dict]:
    durable: dict = {}
    actions: dict = {}
    fields = {name: f for name, _, f in rule.values}
    code = KIND_CODES[rule.rule.subject]
    marker = f"{rule.key}_m"
    for variant in rule.variants:
        cc = _ConditionCompiler(rule, variant, fields)
        base = [{"t": code}]
        if chunked:
            base.append({"c": rule.chunk})
        if variant is not None:
            base.append({"v": variant})
        applies = [cc.compile(a) for a in rule.applies]
        for i, (node, _) in enumerate(rule.causes):
            clauses = base + ([{"$nex": {marker: 1}}] if rule.rule.report_missing else []) + applies + [cc.compile(node)]
            name = f"{rule.key}|{variant or '-'}|{i}"
            durable[name] = {"all": [{"s": {"$and": clauses}}]}
            actions[name] = ("violation", rule.key, i)
        if rule.rule.report_missing:
            # applicability is judged first: a clause whose inputs are missing does not stop the report
            unknown_or = [
                {"$or": [{"$nex": {f: 1}} for f in cc.fields_of(a)] + [cc.compile(a)]} if cc.fields_of(a) else cc.compile(a)
                for a in rule.applies
            ]
            name = f"{rule.key}|{variant or '-'}|m"
            durable[name] = {"all": [{"s": {"$and": base + [{"$ex": {marker: 1}}] + unknown_or}}]}
            actions[name] = ("missing", rule.key, None)
    return durable, actions


def _aggregate_rules(rule: CompiledRule, by_id: dict) -> tuple[dict, dict]:
    agg = rule.rule.aggregate
    members = [{"r": rid} for rid in agg.of]
    of = {"$or": members} if len(members) > 1 else members[0]
    durable: dict = {}
    actions: dict = {}
    n = _failures_at_least(rule)
    patterns = []
    for i in range(n):
        clauses = [{"t": "F"}, {"f": "-"}]
        if i:
            # durable_rules 2.0.28 ignores a join reference placed after an $or in the same
            # $and (measured; tests/test_engine_boundary.py): references come first
            clauses.append({"s": {"a0": "s"}})
            clauses.extend({"$neq": {"r": {f"a{j}": "r"}}} for j in range(i))
        clauses.append(of)
        patterns.append({f"a{i}": {"$and": clauses}})
    durable[f"{rule.key}|agg|count"] = {"all": patterns}
    actions[f"{rule.key}|agg|count"] = ("aggregate", rule.key, None)
    if agg.single_below_fraction is not None:
        k = float(_fraction(agg.single_below_fraction))
        durable[f"{rule.key}|agg|single"] = {"all": [{"a0": {"$and": [
            {"t": "F"}, {"f": "-"}, of, {"$ex": {"x": 1}}, {"$ex": {"y": 1}}, {"$gte": {"y": 0}},
            {"$lt": {"x": {"$mul": {"$l": {"$m": "y"}, "$r": k * (1 - EPSILON)}}}},
        ]}}]}
        actions[f"{rule.key}|agg|single"] = ("aggregate", rule.key, None)
    if agg.missing_when_any_missing:
        durable[f"{rule.key}|agg|missing"] = {"all": [
            {"e": {"$and": [{"t": "E"}, {"stage": 1}]}},
            {"m": {"$and": [{"t": "F"}, {"r": "DATA-MISSING"}, {"$or": [{"f": rid} for rid in agg.of]} if len(agg.of) > 1 else {"f": agg.of[0]}]}},
            {"none$not": {"$and": [{"t": "F"}, {"r": rule.rule.id}, {"f": "-"}, {"s": {"m": "s"}}]}},
        ]}
        actions[f"{rule.key}|agg|missing"] = ("aggregate_missing", rule.key, None)
    return durable, actions


def _verdict_rules(deferred_when_any) -> tuple[dict, dict]:
    sev = [{"sev": s} for s in deferred_when_any]
    blocking = {"$or": sev} if len(sev) > 1 else sev[0]
    durable = {
        "verdict|deferred": {"all": [{"e": {"$and": [{"t": "E"}, {"stage": 2}]}}, {"f": {"$and": [{"t": "F"}, blocking]}}]},
        "verdict|qualified": {"all": [{"e": {"$and": [{"t": "E"}, {"stage": 2}]}}, {"none$not": {"$and": [{"t": "F"}, blocking]}}]},
    }
    actions = {"verdict|deferred": ("verdict", "deferred", None), "verdict|qualified": ("verdict", "qualified", None)}
    return durable, actions


# ---------------------------------------------------------------- packs


def compile_policy(loaded: LoadedRules) -> Policy:
    """Compile every pack of a loaded rules folder; raises InputErrors listing every mistake."""
    errors: list[InputError] = []
    root_paths, school_paths = _model_paths()
    compiled_by_identity: dict = {}
    order: list = []
    key_n = 0
    seen: dict = {}
    for rule_file, doc in loaded.files:
        for i, rule in enumerate(rule_file.rules):
            pointer = f"/rules/{i}"
            identity = (rule.id, rule.subject)
            if identity in seen:
                line, col = doc.location(pointer + "/id")
                errors.append(InputError("rule_compile_error", doc.file, line, col, pointer + "/id",
                                         f"规则 {rule.id}（{rule.subject}）重复定义（首次在 {seen[identity]}）",
                                         f"rule {rule.id} ({rule.subject}) is defined twice (first in {seen[identity]})"))
                continue
            seen[identity] = f"{doc.file}:{doc.location(pointer)[0]}"
            for j, pack_name in enumerate(rule.packs):
                if pack_name not in loaded.packs:
                    line, col = doc.location(f"{pointer}/packs/{j}")
                    close = difflib.get_close_matches(pack_name, list(loaded.packs), n=1)
                    errors.append(InputError("rule_compile_error", doc.file, line, col, f"{pointer}/packs/{j}",
                                             f"规则 {rule.id}：未知规则包 “{pack_name}”" + (f"，是否应为 “{close[0]}”？" if close else f"（已有：{', '.join(sorted(loaded.packs))}）"),
                                             f"rule {rule.id}: unknown pack {pack_name!r}" + (f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(loaded.packs))})")))
            compiled_by_identity[identity] = (rule, rule_file, doc, pointer)
            order.append(identity)
    packs: dict[str, CompiledPack] = {}
    compiled_once: dict = {}
    ids = {rid for rid, _ in order}
    for name, (pack, doc) in sorted(loaded.packs.items()):
        members = _pack_members(name, loaded, compiled_by_identity, order, doc, errors, ids)
        if members is None:
            continue
        cutoff = _inherited(name, loaded, "teaching_point_min_students")
        if cutoff is None:
            errors.append(InputError("rule_schema_error", doc.file, 1, 1, "", f"规则包 {name} 须设置 teaching_point_min_students（或继承自 extends）",
                                     f"pack {name} must set teaching_point_min_students (or inherit it through extends)"))
            continue
        rules: list[CompiledRule] = []
        for identity in members:
            rule, rule_file, rdoc, pointer = compiled_by_identity[identity]
            override = _override_for(name, rule.id, loaded)
            if override is not None:
                updates = {}
                if override.severity:
                    updates["severity"] = override.severity
                if override.params:
                    unknown = set(override.params) - set(rule.params)
                    for p in sorted(unknown):
                        line, col = doc.location(f"/overrides/{rule.id}/params/{p}")
                        errors.append(InputError("rule_compile_error", doc.file, line, col, f"/overrides/{rule.id}/params/{p}",
                                                 f"规则 {rule.id} 没有参数 “{p}”（已有：{', '.join(sorted(rule.params)) or '无'}）",
                                                 f"rule {rule.id} has no param {p!r} (known: {', '.join(sorted(rule.params)) or 'none'})"))
                    updates["params"] = {**rule.params, **override.params}
                rule = rule.model_copy(update=updates)
            # A rule that two packs hold alike (no override between them) is compiled once; each pack
            # gets its own shallow copy, since the chunk a rule's values travel in is the pack's choice.
            memo_key = (rdoc.file, pointer, rule.model_dump_json())
            if memo_key in compiled_once:
                compiled = compiled_once[memo_key]
                compiled = dataclasses.replace(compiled) if compiled is not None else None
            else:
                key_n += 1
                compiled = compile_rule(rule, f"r{key_n}", rule_file.area, rule_file.area_title, rdoc, pointer, root_paths, school_paths, errors,
                                        units=loaded.vocabulary.get("units") if isinstance(loaded.vocabulary.get("units"), dict) else None)
                compiled_once[memo_key] = compiled
            if compiled is not None:
                rules.append(compiled)
        by_id = {r.id: r for r in rules}
        broken = set()
        for r in rules:
            if r.rule.aggregate:
                problems = _aggregate_problems(r, name, by_id, loaded)
                errors.extend(problems)
                if problems:
                    broken.add(r.key)
        chunks = _assign_chunks(rules)
        durable: dict = {}
        actions: dict = {}
        for r in rules:
            if r.key in broken:  # reported above; building it could take the process down
                continue
            d, a = _aggregate_rules(r, by_id) if r.rule.aggregate else _durable_rules_for(r, chunks[r.rule.subject] > 1)
            durable.update(d)
            actions.update(a)
        d, a = _verdict_rules(tuple(_inherited(name, loaded, "deferred_when_any") or ("blocking",)))
        durable.update(d)
        actions.update(a)
        packs[name] = CompiledPack(
            name=name, pack=pack, title=pack.title, rules=rules, by_key={r.key: r for r in rules},
            durable=durable, actions=actions, deferred_when_any=tuple(pack.deferred_when_any),
            teaching_point_min_students=cutoff, chunks=chunks, vocabulary=loaded.vocabulary,
        )
    if errors:
        unique = {(e.file, e.line, e.column, e.pointer, e.en): e for e in errors}  # a rule is compiled once per pack
        raise InputErrors(list(unique.values()))
    return Policy(roots=loaded.roots, packs=packs, vocabulary=loaded.vocabulary, loaded=loaded)


def _failures_at_least(rule: CompiledRule):
    """``aggregate.failures_at_least``: a count, or the name of one of the rule's params holding it."""
    n = rule.rule.aggregate.failures_at_least
    if isinstance(n, str):
        n = rule.params[None][n] if n in rule.params.get(None, {}) else Fraction(n) if n.strip().isdigit() else n
    return int(n) if isinstance(n, Fraction) and n.denominator == 1 else n


def _aggregate_problems(rule: CompiledRule, pack_name: str, by_id: dict, loaded: LoadedRules) -> list[InputError]:
    """What makes an aggregate rule impossible to build: members outside the pack or listed twice, a count
    that is not a whole number from 1 to the number of members (durable_rules cannot create a rule of
    thousands of patterns, and building it eats the memory), a fraction that is not a number."""
    agg, errors = rule.rule.aggregate, []

    def error(rel: str, zh: str, en: str) -> None:
        doc = next((d for _, d in loaded.files if d.file == rule.file), None)
        line, col = doc.location(rule.pointer + rel) if doc is not None else (None, None)
        errors.append(InputError("rule_compile_error", rule.file, line, col, rule.pointer + rel, f"规则 {rule.id}：{zh}", f"rule {rule.id}: {en}"))

    for i, rid in enumerate(agg.of):
        if rid not in by_id:
            error(f"/aggregate/of/{i}", f"汇总的规则 {rid} 不在规则包 {pack_name} 中", f"aggregated rule {rid} is not in pack {pack_name}")
        elif rid in agg.of[:i]:
            error(f"/aggregate/of/{i}", f"汇总的规则 {rid} 重复列出", f"aggregated rule {rid} is listed twice")
    n = _failures_at_least(rule)
    if not (isinstance(n, int) and 1 <= n <= len(agg.of)):
        error("/aggregate/failures_at_least", f"failures_at_least 须为 1 到 {len(agg.of)} 之间的整数（或取此值的参数名），实为 {n!r}",
              f"failures_at_least must be a whole number from 1 to {len(agg.of)} (or a param holding one), not {n!r}")
    if agg.single_below_fraction is not None:
        try:
            if _fraction(agg.single_below_fraction) < 0:
                raise ValueError("negative")
        except (ValueError, ZeroDivisionError):
            error("/aggregate/single_below_fraction", f"single_below_fraction 须为非负数，实为 {agg.single_below_fraction!r}",
                  f"single_below_fraction must be a number of at least 0, not {agg.single_below_fraction!r}")
    return errors


def _inherited(name: str, loaded: LoadedRules, attr: str):
    seen = set()
    while name and name not in seen:
        seen.add(name)
        pack = loaded.packs.get(name)
        if pack is None:
            return None
        value = getattr(pack[0], attr)
        if attr == "deferred_when_any" and "deferred_when_any" not in pack[0].model_fields_set:
            value = None
        if value is not None:
            return value
        name = pack[0].extends
    return None


def _override_for(pack_name: str, rule_id: str, loaded: LoadedRules):
    """The nearest override of a rule along the extends chain (a pack's own wins)."""
    chain = []
    name, seen = pack_name, set()
    while name and name not in seen and name in loaded.packs:
        seen.add(name)
        chain.append(loaded.packs[name][0])
        name = loaded.packs[name][0].extends
    merged = None
    for pack in reversed(chain):
        o = pack.overrides.get(rule_id)
        if o is None:
            continue
        if merged is None:
            merged = o
        else:
            merged = merged.model_copy(update={"severity": o.severity or merged.severity, "params": {**merged.params, **o.params}})
    return merged


def _pack_members(name, loaded, by_identity, order, doc, errors, ids) -> list | None:
    chain = []
    current, seen = name, set()
    while current:
        if current in seen:
            errors.append(InputError("rule_compile_error", doc.file, *doc.location("/extends"), "/extends",
                                     f"规则包 {name} 的 extends 形成循环", f"pack {name}: extends forms a cycle"))
            return None
        seen.add(current)
        if current not in loaded.packs:
            close = difflib.get_close_matches(current, list(loaded.packs), n=1)
            errors.append(InputError("rule_compile_error", doc.file, *doc.location("/extends"), "/extends",
                                     f"规则包 {name} 继承的 “{current}” 不存在" + (f"，是否应为 “{close[0]}”？" if close else ""),
                                     f"pack {name} extends unknown pack {current!r}" + (f"; did you mean {close[0]!r}?" if close else "")))
            return None
        chain.append(loaded.packs[current][0])
        current = loaded.packs[current][0].extends
    members: list = []
    for pack in reversed(chain):
        own = [ident for ident in order if pack.name in by_identity[ident][0].packs]
        for ident in own:
            if ident not in members:
                members.append(ident)
        for field_name in ("include", "exclude", "overrides"):
            listed = getattr(pack, field_name)
            for j, rid in enumerate(listed):
                if rid not in ids:
                    pdoc = loaded.packs[pack.name][1]
                    pointer = f"/{field_name}/{j}" if field_name != "overrides" else f"/overrides/{rid}"
                    close = difflib.get_close_matches(rid, sorted(ids), n=1)
                    errors.append(InputError("rule_compile_error", pdoc.file, *pdoc.location(pointer), pointer,
                                             f"未知规则 “{rid}”" + (f"，是否应为 “{close[0]}”？" if close else ""),
                                             f"unknown rule {rid!r}" + (f"; did you mean {close[0]!r}?" if close else "")))
        for rid in pack.include:
            for ident in order:
                if ident[0] == rid and ident not in members:
                    members.append(ident)
        members = [m for m in members if m[0] not in pack.exclude]
    return [ident for ident in order if ident in members]


def _assign_chunks(rules: list[CompiledRule]) -> dict:
    """Split a subject kind's values over several facts when one fact would be too wide."""
    chunks = {k: 1 for k in KIND_CODES}
    used = {k: 0 for k in KIND_CODES}
    for r in rules:
        if r.rule.aggregate:
            continue
        kind = r.rule.subject
        width = sum(1 for _, _, f in r.values if f is not None) + 1
        if used[kind] + width > MAX_FIELDS_PER_FACT:
            chunks[kind] += 1
            used[kind] = 0
        r.chunk = chunks[kind] - 1
        used[kind] += width
    return chunks


def compile_rules(root=None) -> Policy:
    from junheng.policy.load import load_rules

    return compile_policy(load_rules(root))
