"""What the overview knows of the rules, read once from the compiled policy: titles, areas, packs, limits, words.

The overview's tables name a rule by its title and group it by its area as the rule files do
(``area``, ``area_title``); the coefficient charts draw the limits of each pack's balance rules (a
level rule that labels its values and holds one of them to a parameter: ``composite <= threshold``)
from the compiled params, never from numbers written in code; the 三个增长 table lists the rules that
hold a figure above last year's (``… > *_previous``). Severity, verdict and level words and the
decimals of each unit come from the rules' vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from junheng.policy.compiled import CompiledRule, Policy

__all__ = ["Catalogue", "Limit", "RuleInfo", "catalogue"]

LEVELS = ("primary", "junior")


@dataclass(frozen=True)
class RuleInfo:
    rule: str
    title: tuple[str, str]  # (zh, en)
    area: str
    area_title: tuple[str, str]
    severity: str
    kinds: tuple[str, ...]  # the subject kinds of the rules with this id (DATA-02 judges the district and each school)
    packs: tuple[str, ...]  # the packs that hold it


@dataclass(frozen=True)
class Limit:
    """A limit a pack's balance rule puts on a difference coefficient of one level: ``composite ≤ 0.65``."""

    standard: str
    level: str
    rule: str
    name: str
    op: str
    limit: float


@dataclass(frozen=True)
class Catalogue:
    rules: Mapping[str, RuleInfo]
    areas: tuple[tuple[str, tuple[str, str]], ...]  # (area, (zh, en)) in the order the packs hold them
    packs: Mapping[str, tuple[str, str]]  # pack name → its title
    pack_rules: Mapping[str, frozenset[str]]  # pack name → the ids of its rules
    limits: tuple[Limit, ...]
    grows: tuple[str, ...]  # rules that hold a figure above last year's
    vocabulary: Mapping[str, Any] = field(default_factory=dict)

    def word(self, section: str, key: str, lang: str) -> str:
        entry = self.vocabulary.get(section, {}).get(key, {})
        return str(entry.get(lang, key)) if isinstance(entry, Mapping) else key

    def places(self, unit: str) -> int:
        """The decimals an amount in ``unit`` shows: those of the unit's rounding step (万元 0.01 → 2), else 2."""
        step = self.vocabulary.get("units", {}).get(unit)
        if step is None or isinstance(step, bool):
            return 2
        exponent = Decimal(str(step)).normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 2

    def title(self, rule: str, lang: str) -> str:
        info = self.rules.get(rule)
        return rule if info is None else info.title[1 if lang == "en" else 0]


def _limits(standard: str, rule: CompiledRule) -> list[Limit]:
    if rule.rule.subject != "level" or not rule.rule.labels:
        return []
    out = []
    for req in rule.requirement:
        param = req.simple
        for level in LEVELS:
            params = rule.params.get(level) or rule.params.get(None) or {}
            if param is not None and param in params:
                out.append(Limit(standard, level, rule.id, req.name, req.op, float(params[param])))
    return out


def _grows(rule: CompiledRule) -> bool:
    """Whether the rule holds a figure above last year's (生均教育事业费、教师工资、生均公用经费逐步增长)."""
    return any(req.op == ">" and (req.simple or "").endswith("_previous") for req in rule.requirement)


def catalogue(policy: Policy) -> Catalogue:
    """The overview's view of the compiled rules."""
    rules: dict[str, dict[str, Any]] = {}
    areas: dict[str, tuple[str, str]] = {}
    limits: list[Limit] = []
    grows: list[str] = []
    for name in sorted(policy.packs):
        pack = policy.packs[name]
        for r in pack.rules:
            areas.setdefault(r.area, (r.area_title.zh, r.area_title.en))
            info = rules.setdefault(r.id, {"rule": r.id, "title": (r.rule.title.zh, r.rule.title.en), "area": r.area,
                                           "area_title": (r.area_title.zh, r.area_title.en), "severity": r.rule.severity,
                                           "kinds": [], "packs": []})
            if r.rule.subject not in info["kinds"]:
                info["kinds"].append(r.rule.subject)
            if name not in info["packs"]:
                info["packs"].append(name)
            limits += _limits(name, r)
            if _grows(r) and r.id not in grows:
                grows.append(r.id)
    return Catalogue(
        rules={k: RuleInfo(**{**v, "kinds": tuple(v["kinds"]), "packs": tuple(v["packs"])}) for k, v in rules.items()},
        areas=tuple(areas.items()),
        packs={n: (p.title.zh, p.title.en) for n, p in sorted(policy.packs.items())},
        pack_rules={n: frozenset(r.id for r in p.rules) for n, p in policy.packs.items()},
        limits=tuple(limits), grows=tuple(sorted(grows)), vocabulary=policy.vocabulary)
