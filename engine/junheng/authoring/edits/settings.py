"""What an officer sees: the rule files as the settings workbook and the web server's rule form show them
(``read_settings``): each rule's switch, severity and Chinese texts, each parameter per school level, each
shared parameter once, as a pack has them with ``standard``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from junheng.authoring.describe import SUBJECT_KINDS
from junheng.authoring.edits.cells import rule_param_cells, severity_cell, shared_cells
from junheng.authoring.edits.model import SHARED
from junheng.authoring.edits.rulefiles import RuleEntry, RuleFiles, display_path, unknown_pack
from junheng.errors import InputErrors
from junheng.policy.compiled import Policy
from junheng.policy.load import Roots, load_rules
from junheng.policy.packs import compile_policy
from junheng.policy.params import fraction
from junheng.policy.shared import is_shared_name


@dataclass(frozen=True)
class RuleSetting:
    """A rule as the workbook's 规则 sheet shows it: switch, severity and Chinese texts, as the pack has them."""

    id: str
    subject: str
    ambiguous: bool  # the id is defined for several subjects (DATA-02): the subject tells them apart
    enabled: bool
    severity: str  # the English key
    title: str  # the Chinese texts as written: placeholders ({threshold:pct}) unfilled
    basis: str
    message: str
    rectification: str  # the first case's text
    rectification_when: str | None  # its condition, when it has one
    other_cases: tuple[tuple[str | None, str], ...]  # the other cases: (condition, text), read-only in the workbook
    packs: tuple[str, ...]  # the packs holding the rule (the packs named in its file when switched off)
    file: str

    @property
    def label(self) -> str:
        """The rule as a change line names it: FIN-13, or DATA-02（学校） for an id with several subjects."""
        return f"{self.id}（{SUBJECT_KINDS.get(self.subject, (self.subject,))[0]}）" if self.ambiguous else self.id


@dataclass(frozen=True)
class ParamSetting:
    """One value of a parameter (one school level of it) as the 参数 sheet shows it."""

    rule: str  # a rule id, or SHARED
    subject: str | None
    ambiguous: bool
    param: str
    level: str | None
    value: Fraction
    unit: str | None  # ratio: a share, shown as a percentage
    title: str  # the rule's title (filled), or the shared parameter's
    users: tuple[str, ...]  # for a shared parameter: the rules naming it
    file: str

    @property
    def ratio(self) -> bool:
        return self.unit == "ratio"


@dataclass(frozen=True)
class PackSetting:
    name: str
    title: str
    extends: str | None
    valid_from: int | None
    valid_to: int | None
    folder: str


@dataclass(frozen=True)
class Settings:
    """The rule files as an officer edits them, for one pack (``standard``) or as the files write them."""

    roots: tuple[Path, ...]
    standard: str | None
    rules: tuple[RuleSetting, ...]
    params: tuple[ParamSetting, ...]
    packs: tuple[PackSetting, ...]
    fingerprint: str


def read_settings(roots: Roots = None, standard: str | None = None) -> Settings:
    """The rule files as the workbook shows them; InputErrors for broken rules or an unknown ``standard``."""
    loaded = load_rules(roots)
    policy = compile_policy(loaded)
    if standard is not None and standard not in policy.packs:
        raise InputErrors([unknown_pack(standard, policy.packs)])
    files = RuleFiles(list(loaded.roots))
    entries = _listed(files, policy, standard)
    titles: dict[tuple[str, str], str] = {(r.id, r.rule.subject): r.rule.title.zh for p in policy.packs.values() for r in p.rules}
    holders: dict[tuple[str, str], list[str]] = {}
    for name, pack in sorted(policy.packs.items()):
        for r in pack.rules:
            holders.setdefault((r.id, r.rule.subject), []).append(name)
    counts: dict[str, int] = {}
    for e in files.rules:
        counts[e.id] = counts.get(e.id, 0) + 1
    rules = tuple(_rule_setting(e, files, standard, counts[e.id] > 1, holders.get((e.id, e.subject))) for e in entries)
    params = _shared_settings(files, entries, standard) + tuple(
        p for e in entries for p in _param_settings(e, files, standard, counts[e.id] > 1, titles.get((e.id, e.subject))))
    packs = tuple(PackSetting(name, p.title.zh, p.pack.extends, p.valid_from, p.valid_to, display_path(files.packs[name].path.parent))
                  for name, p in sorted(policy.packs.items()))
    return Settings(tuple(files.roots), standard, rules, params, packs, files.fingerprint())


def _listed(files: RuleFiles, policy: Policy, standard: str | None) -> list[RuleEntry]:
    """The rules shown: all of them; with a standard, those its pack holds and those switched off that name it."""
    if standard is None:
        return list(files.rules)
    held = {(r.id, r.rule.subject) for r in policy.packs[standard].rules}
    chain = files.chain(standard)
    names = {str(p.data["name"]) for p in chain}
    excluded = {str(rid) for p in chain for rid in p.data.get("exclude") or []}
    return [e for e in files.rules if (e.id, e.subject) in held
            or (e.data.get("enabled") is False and names & {str(n) for n in e.data["packs"]} and e.id not in excluded)]


def _rule_setting(entry: RuleEntry, files: RuleFiles, standard: str | None, ambiguous: bool, holders: list[str] | None) -> RuleSetting:
    data = entry.data
    first, when, others = _rectification(data)
    packs = tuple(holders) if holders is not None else tuple(str(p) for p in data["packs"])
    return RuleSetting(
        id=entry.id, subject=entry.subject, ambiguous=ambiguous, enabled=data.get("enabled", True) is not False,
        severity=str(severity_cell(files, entry, standard).raw), title=str(data["title"]["zh"]), basis=str(data["basis"]["zh"]),
        message=str(data["message"]["zh"]), rectification=first, rectification_when=None if when is None else str(when),
        other_cases=tuple((None if w is None else str(w), t) for w, t in others), packs=packs, file=display_path(entry.file.path))


def _param_settings(entry: RuleEntry, files: RuleFiles, standard: str | None, ambiguous: bool, title: str | None) -> list[ParamSetting]:
    units = entry.data.get("units") or {}
    out = []
    for name, cells in rule_param_cells(files, entry, standard).items():
        for level, cell in cells.items():
            out.append(ParamSetting(entry.id, entry.subject, ambiguous, name, level, fraction(cell.raw), units.get(name),
                                    title or str(entry.data["title"]["zh"]), (), display_path(entry.file.path)))
    return out


def _shared_settings(files: RuleFiles, entries: list[RuleEntry], standard: str | None) -> tuple[ParamSetting, ...]:
    out = []
    for name, declared in files.shared.items():
        users = tuple(dict.fromkeys(e.id for e in entries for v in (e.data.get("params") or {}).values()
                                    if is_shared_name(v) and str(v).strip() == name))
        spec = declared.data["params"][name]
        for level, cell in shared_cells(files, name, standard).items():
            out.append(ParamSetting(SHARED, None, False, name, level, fraction(cell.raw), str(spec.get("unit")), str(spec["title"]["zh"]),
                                    users, display_path(declared.path)))
    return tuple(out)


def _rectification(data: Any) -> tuple[str, str | None, tuple[tuple[str | None, str], ...]]:
    """The first rectification text, its condition, and the other cases (condition, text)."""
    rect = data["rectification"]
    if isinstance(rect, Mapping):
        return str(rect["zh"]), None, ()
    first = rect[0]
    return str(first["zh"]), first.get("when"), tuple((case.get("when"), str(case["zh"])) for case in rect[1:])
