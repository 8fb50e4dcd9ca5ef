"""Names in a rule's formulas: what the filing model offers a rule, and the one context every pass reports through.

The filing model (``filing/model.py``) defines what a rule may name: a field path from
the filing's root for district, level and group rules (``finance.capital_budget.total``,
with ``{level}`` and ``{group}`` standing for any level or survey group), a school
record's field for school, unit and school-id rules, ``prior.…`` for last year's filing
of the same district, ``verified.…`` and ``filed.…`` (school rules) for a school's figure as
verified on site and as filed. ``RuleContext`` holds one rule being compiled: its located
errors, its "did you mean", the name check every formula goes through, and the resolver
the formula compiler uses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from junheng.errors import InputError, suggest
from junheng.filing.fast import field_paths
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.formula import FILED, SCHOOL_BUILTINS, VERIFIED, name_resolver

if TYPE_CHECKING:  # annotations only: compiling reads the models, or their records (frozen.py), alike
    from junheng.policy.model import Rule

__all__ = ["RECORD_KINDS", "RuleContext", "model_paths"]

RECORD_KINDS = ("school", "unit", "school_id")  # rules about school records: they name a record's fields


@functools.lru_cache(maxsize=1)  # the filing model does not change within a process
def model_paths() -> tuple[frozenset[str], frozenset[str]]:
    """Field paths a rule may name: (from the filing root, in a school record).

    Read from the fast validator's schema, which is the models' own (``filing/fastgen.py``): the check path does
    not import the models; ``tests/test_filing_fast.py`` holds the two to the same paths."""
    every, school = field_paths()
    root = {p for p in every if not p.startswith("schools")}
    # {level} and {group} stand for any level / survey group
    generic = set()
    for p in root:
        parts = p.split(".")
        for i, part in enumerate(parts):
            if part in ("primary", "junior"):
                generic.add(".".join(parts[:i] + ["{level}"] + parts[i + 1 :]))
            if part in ("parents", "teachers", "deputies") and parts[0] == "survey":
                generic.add(".".join(parts[:i] + ["{group}"] + parts[i + 1 :]))
    return frozenset(root | generic), frozenset(school)




class RuleContext:
    """One rule being compiled: where its errors go, and which names it may use."""

    def __init__(self, rule: Rule, doc: LoadedDocument, pointer: str, errors: list[InputError],
                 origins: Mapping[str, tuple[LoadedDocument, str]] | None = None):
        self.rule = rule
        self.doc = doc
        self.pointer = pointer
        # Where a param's value was written when not in the rule itself (a pack's override, params.yaml):
        # ``name`` or ``name/level`` → (document, pointer). Its errors point there.
        self.origins = origins or {}
        self.root_paths, self.school_paths = model_paths()
        self.errors = errors
        self.kind = rule.subject

    def error(self, rel_pointer: str, zh: str, en: str, column_in_text: int | None = None) -> None:
        """A located ``rule_compile_error``; ``column_in_text`` points into a formula (columns from its start)."""
        doc, pointer = self._origin(rel_pointer)
        line, col = doc.location(pointer)
        if column_in_text is not None and col is not None:
            col = col + column_in_text - 1
        self.errors.append(InputError("rule_compile_error", doc.file, line, col, pointer,
                                      f"规则 {self.rule.id}：{zh}", f"rule {self.rule.id}: {en}"))

    def _origin(self, rel_pointer: str) -> tuple[LoadedDocument, str]:
        """Where the text at ``rel_pointer`` was written: the rule's file, or the pack or params.yaml a param came from."""
        parts = rel_pointer.split("/")
        if len(parts) >= 3 and parts[1] == "params":
            for key in ("/".join(parts[2:4]), parts[2]):
                if key in self.origins:
                    doc, pointer = self.origins[key]
                    return doc, pointer + ("/" + parts[3] if key == parts[2] and len(parts) > 3 else "")
        return self.doc, self.pointer + rel_pointer

    def parse(self, text: str, rel_pointer: str) -> ex.Node | None:
        """A formula's tree, or None after a located error."""
        try:
            return ex.parse(text)
        except ex.ExprError as e:
            self.error(rel_pointer, f"公式无法解析：{e.zh}", f"cannot read formula: {e.en}", e.column)
            return None

    def field_known(self, name: str) -> bool:
        if self.kind in RECORD_KINDS:
            head, _, rest = name.partition(".")
            if head in (VERIFIED, FILED) and self.kind == "school":  # a verified figure and the filed one (junheng verify)
                return rest in self.school_paths
            return name in self.school_paths
        if name.startswith("prior.") and self.kind == "district":
            return name[len("prior."):] in self.root_paths and "{" not in name
        path_ok = name in self.root_paths
        if path_ok and "{level}" in name and self.kind != "level":
            return False
        if path_ok and "{group}" in name and self.kind != "group":
            return False
        return path_ok

    def fields(self) -> set[str]:
        """Every filing field this rule may name."""
        if self.kind == "school":
            return set(self.school_paths) | {f"{head}.{p}" for head in (VERIFIED, FILED) for p in self.school_paths}
        if self.kind in RECORD_KINDS:
            return set(self.school_paths)
        return {p for p in self.root_paths if self.field_known(p)}

    def unknown(self, rel_pointer: str, what: tuple[str, str], name: str, pool: Iterable[str], own: Iterable[str] = (),
                column: int | None = None) -> None:
        """``未知名称 “x”，是否应为 “y”？``: ``what`` is the kind of name in both languages."""
        hint = suggest(name, pool, own)
        self.error(rel_pointer, f"{what[0]} “{name}”{hint.zh}", f"{what[1]} {name!r}{hint.en}", column)

    def check_names(self, node: ex.Node, rel_pointer: str, allowed_values: Collection[str], params: Collection[str],
                    *, in_aggregate: bool = False) -> bool:
        """Every name of a formula is a value, a param, a field or a builtin; False after located errors."""
        ok = True

        def walk(n: ex.Node, agg: bool) -> None:
            nonlocal ok
            if isinstance(n, ex.Name):
                if not self._name_known(n.name, agg, allowed_values, params):
                    self._unknown_name(n, agg, rel_pointer, allowed_values, params)
                    ok = False
            elif isinstance(n, ex.Call):
                ok = self._call_allowed(n, rel_pointer) and ok
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

    def _name_known(self, name: str, agg: bool, allowed_values: Collection[str], params: Collection[str]) -> bool:
        if agg:  # inside sum()/count()/cv(): a school record's field
            return name in self.school_paths or name in SCHOOL_BUILTINS
        if name in allowed_values or name in params:
            return True
        if self.kind == "school" and name in SCHOOL_BUILTINS:
            return True
        return self.field_known(name)

    def _unknown_name(self, n: ex.Name, agg: bool, rel_pointer: str, allowed_values: Collection[str],
                      params: Collection[str]) -> None:
        if agg:
            pool = set(self.school_paths) | set(SCHOOL_BUILTINS)
        else:
            pool = set(allowed_values) | set(params) | self.fields()
        self.unknown(rel_pointer, ("未知名称", "unknown name"), n.name, pool, set(allowed_values) | set(params), n.col)

    def _call_allowed(self, n: ex.Call, rel_pointer: str) -> bool:
        ok = True
        if n.fn in ex.AGGREGATES and self.kind not in ("district", "level", "unit", "school_id"):
            self.error(rel_pointer, f"{n.fn}() 只能用于区县、学段、学校单元或学校标识码规则",
                       f"{n.fn}() is only for district, level, unit and school-id rules", n.col)
            ok = False
        if n.fn in ("cv", "balance_count") and self.kind != "level":
            self.error(rel_pointer, f"{n.fn}() 只能用于学段（level）规则", f"{n.fn}() is only for level rules", n.col)
            ok = False
        return ok

    def resolver(self, values_so_far: Collection[str], params: Collection[str]) -> Callable[[str], str]:
        """Where each name of a formula comes from, for the formula compiler: value, param, builtin or field."""
        return name_resolver(self.kind, values_so_far, params)
