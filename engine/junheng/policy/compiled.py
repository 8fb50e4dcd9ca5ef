"""What compiling a rules folder produces: compiled rules, packs and the policy, and a rule's requirement.

These are the values the rest of junheng reads — the derive stage runs a rule's
closures, the engine plan (``rete/plan.py``) turns its conditions into durable_rules
patterns, the findings read its texts and requirement. Nothing here knows the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from junheng.policy import expr as ex
from junheng.policy.formula import Closure
from junheng.policy.loaded import LoadedRules
from junheng.policy.text import Text

if TYPE_CHECKING:  # annotations only: compiled rules hold the models, or their records (frozen.py), alike
    from junheng.policy.model import Pack, Rule

__all__ = ["VARIANTS", "CompiledPack", "CompiledRule", "Policy", "Requirement", "ValueStep"]

VARIANTS: dict[str, tuple[str, ...]] = {
    "district": (),
    "level": ("primary", "junior"),
    "group": ("parents", "teachers", "deputies"),
    "school": ("primary", "junior"),
    "unit": ("primary", "junior", "nine_year"),
    "school_id": (),
}


@dataclass(frozen=True)
class Requirement:
    """What a compared value must satisfy, e.g. ``capital_share >= threshold``: kept as parsed, never re-read from text.

    ``text`` is the right-hand side as written (``"rate × base"``, ``"threshold"``);
    ``right`` is its parsed tree, whose names (params, values, filing fields) a report
    shows as numbers or labels (``render``).
    """

    name: str  # the value the requirement is about
    op: str  # < <= > >= == !=
    text: str  # the right-hand side as written
    right: ex.Node  # its parsed tree

    @property
    def simple(self) -> str | None:
        """The one name the right-hand side is, when it is a single name (``threshold``)."""
        return self.right.name if isinstance(self.right, ex.Name) else None

    def render(self, show: Callable[[str], str]) -> str:
        """``op text`` with every name of the right-hand side replaced by ``show(name)``, the rest as written."""
        out: list[str] = []
        last = 0
        for node in sorted(ex.names(self.right), key=lambda n: n.col):
            start = node.col - 1
            out += [self.text[last:start], show(node.name)]
            last = start + len(node.name)
        out.append(self.text[last:])
        return f"{self.op} {''.join(out)}"


# One value of a rule, in evaluation order: its name, its closure, and the slot it fills in the
# subject's engine fact (``<rule key>_<n>``) when a condition compares it, else None.
ValueStep = tuple[str, Closure, str | None]


@dataclass(eq=False)
class CompiledRule:
    """One rule compiled for one pack (``key`` is unique across the policy): what the derive stage,
    the engine plan and the findings read."""

    key: str
    rule: Rule
    area: str
    area_title: Text
    file: str
    pointer: str
    variants: tuple[str | None, ...]  # (None,) or the subject kind's variants
    params: dict[str | None, dict[str, Fraction]]  # variant → {name: exact policy number}
    values: list[ValueStep]  # in evaluation order, implicit names included
    declared: tuple[str, ...]  # names declared under `values` (shown in `observed`)
    text_values: list[tuple[str, Closure]]  # (name, closure)
    causes: list[tuple[ex.Node, Text | None]]  # (condition, the cause's own text)
    applies: list[ex.Node]  # conjunct conditions (applies_when, zero_holds)
    shortfall: Closure | None
    rectification: list[tuple[Closure | None, Text]]  # (when, text): the first case whose `when` holds
    requirement: tuple[Requirement, ...]  # one per compared value, in the order written
    compared: tuple[str, str, str] | None  # (value name, op, param name) for a single simple comparison
    cv_inner: dict[str, Closure] = field(default_factory=dict)  # cv value name → per-school closure (BAL rectifications)
    float_params: dict[str | None, dict[str, float]] = field(default_factory=dict)  # variant → {name: float}, for the derive stage
    # variant → a share key or None per value: values shared across rules (computed once per subject)
    share_keys: dict[str | None, list[int | None]] = field(default_factory=dict)
    value_nodes: dict[str, ex.Node] = field(default_factory=dict)  # value name → its parsed formula (lint reads them)
    # The title as the rule file writes it, placeholders unfilled (``rule.title`` has the pack's numbers in it).
    title_written: Text | None = None

    @property
    def id(self) -> str:
        return self.rule.id

    def fact_field(self, name: str) -> str:
        """The slot of the subject's fact that carries the value ``name``; KeyError when no condition compares it."""
        for n, _, f in self.values:
            if n == name and f is not None:
                return f
        raise KeyError(name)


@dataclass(eq=False)  # identity: the engine plan and derive plan of a pack are kept per pack object
class CompiledPack:
    """One pack compiled: its rules in order (and by key), its verdict's severities, its balance-set cutoff."""

    name: str
    pack: Pack
    title: Text
    rules: list[CompiledRule]
    by_key: dict[str, CompiledRule]
    deferred_when_any: tuple[str, ...]  # severities that defer the verdict
    teaching_point_min_students: int
    vocabulary: dict[str, Any]
    # The filing years the pack is for (inclusive), as the nearest pack along ``extends`` declares them; None: open.
    valid_from: int | None = None
    valid_to: int | None = None

    def rules_for(self, kind: str) -> list[CompiledRule]:
        return [r for r in self.rules if r.rule.subject == kind and r.rule.aggregate is None]


@dataclass
class Policy:
    """All packs of one rules folder, compiled."""

    roots: tuple[Path, ...]
    packs: Mapping[str, CompiledPack]  # a dict, or for a check packs compiled when first asked for (packs._LazyPacks)
    vocabulary: dict[str, Any]
    loaded: LoadedRules | None = field(repr=False, default=None)
