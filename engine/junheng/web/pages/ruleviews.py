"""What the 规则 pages show: the catalogue by area and pack, and each rule in plain words — what it asks, on what
basis, of whom, how severe, with which numbers (a share as a percentage), what a finding and its remedy say, and the
history of the changes made to it.

Everything comes from the rules in use (``catalogue.rules_catalogue`` checks that the person may read them), as the
packs compile them: a pack's own numbers show in its rows. The history comes from the service (``changes.rule_history``):
a page never reads the store itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from junheng.authoring.describe import SUBJECT_NAMES, explain, find_rule, pack_rows
from junheng.authoring.edits import LEVEL_NAMES, shown_number
from junheng.policy.compiled import CompiledRule, Policy
from junheng.policy.model import Rule
from junheng.policy.text import Text
from junheng.policy.shared import fill_title
from junheng.report.numbers import fill
from junheng.web.problems import not_found
from junheng.web.roles import Principal
from junheng.web.service import catalogue, changes
from junheng.web.workbench import Workbench

__all__ = ["ParamRow", "RuleView", "catalogue_page", "param_words", "rule_page", "severity_words"]

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*(?::[a-z0-9]+)?\}")


def severity_words(policy: Policy, lang: str) -> dict[str, str]:
    """blocking → 否决项 …, as the rules' vocabulary names them."""
    named = policy.vocabulary.get("severities", {})
    return {key: str(named.get(key, {}).get(lang, key)) for key in ("blocking", "major", "minor", "info")}


def _models(policy: Policy) -> dict[tuple[str, str], tuple[Rule, str, Text]]:
    """(id, subject) → the rule as its file writes it, with its area and the area's title."""
    out: dict[tuple[str, str], tuple[Rule, str, Text]] = {}
    for rule_file, _doc in policy.loaded.files if policy.loaded is not None else ():
        for rule in rule_file.rules:
            out[(rule.id, rule.subject)] = (rule, rule_file.area, rule_file.area_title)
    return out


def _title(policy: Policy, rule: Rule, pack: str | None, lang: str) -> str:
    """The title with the numbers of ``pack`` (else of the first pack holding the rule, else of its file) written in."""
    held = [(p, r) for p, r in find_rule(policy, rule.id) if r.rule.subject == rule.subject]
    chosen = next((r for p, r in held if p == pack), held[0][1] if held else None)
    text = chosen.rule.title if chosen is not None else fill_title(rule, rule.params)[0]
    return text.en if lang == "en" else text.zh


def catalogue_page(wb: Workbench, who: Principal, lang: str, pack: str) -> dict[str, Any]:
    """The rules by area (in the order of the rule files), narrowed to one pack when asked, with the packs listed."""
    listed = catalogue.rules_catalogue(wb, who, lang)
    _, policy = wb.rules.current()
    models = _models(policy)
    words = severity_words(policy, lang)
    areas: dict[str, dict[str, Any]] = {}
    for area in dict.fromkeys(a for _, a, _t in models.values()):
        areas[area] = {"key": area, "rules": []}
    for entry in listed["rules"]:
        if pack and pack not in entry["packs"]:
            continue
        rule, area, area_title = models[(entry["id"], entry["subject"])]
        areas[area]["title"] = area_title.en if lang == "en" else area_title.zh
        areas[area]["rules"].append({**entry, "title": _title(policy, rule, pack or None, lang), "severity_word": words[entry["severity"]],
                                     "subject_word": SUBJECT_NAMES[entry["subject"]][lang == "en"],
                                     "ambiguous": sum(1 for k in models if k[0] == entry["id"]) > 1})
    return {"rules_version": listed["rules_version"], "areas": [a for a in areas.values() if a["rules"]], "pack": pack,
            "packs": pack_rows(policy), "count": sum(len(a["rules"]) for a in areas.values())}


# ---------------------------------------------------------------- one rule


@dataclass(frozen=True)
class ParamRow:
    """One number of a rule as a pack has it: ``threshold`` (小学) 70%."""

    packs: str
    name: str
    level: str
    value: str
    shared: str  # the shared parameter it comes from (rules/params.yaml), or ""
    word: str = ""  # what the vocabulary calls it (标准值), or ""


@dataclass(frozen=True)
class RuleView:
    """One definition of a rule id (an id may be defined once per subject kind), in words."""

    id: str
    subject: str
    subject_word: str
    title: str
    basis: str
    severity: str
    severity_word: str
    enabled: bool
    packs: tuple[str, ...]
    area_title: str
    file: str
    message: str
    rectifications: tuple[str, ...]
    params: tuple[ParamRow, ...]


def _level(variant: str | None, lang: str) -> str:
    if variant is None:
        return ""
    return LEVEL_NAMES.get(variant, variant) if lang != "en" else variant.replace("_", " ")


def _unit(rule: Rule, name: str) -> str:
    unit = rule.units.get(name)
    return "" if unit in (None, "ratio") else f" {unit}"


def param_words(policy: Policy, lang: str) -> dict[str, str]:
    """What the vocabulary calls each of the rules' numbers (``params:`` in vocabulary.yaml): threshold → 标准值."""
    words = policy.vocabulary.get("params") or {}
    return {name: str(w.get(lang, name)) for name, w in words.items() if isinstance(w, dict)} if isinstance(words, dict) else {}


def _param_rows(rule: Rule, held: list[tuple[str, CompiledRule]], lang: str, words: dict[str, str]) -> list[ParamRow]:
    """The numbers of the rule per pack (packs that agree share a row), a share as a percentage, with its unit."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for pack, compiled in held:
        for variant, numbers in compiled.params.items():
            for name, value in numbers.items():
                if name not in rule.params:
                    continue
                shown = shown_number(value, rule.units.get(name) == "ratio") + _unit(rule, name)
                seen.setdefault((name, _level(variant, lang), shown), []).append(pack)
    if not held:  # switched off: the file's own numbers
        for name, written in rule.params.items():
            if isinstance(written, (int, float)):
                seen[(name, "", shown_number(Fraction(str(written)), rule.units.get(name) == "ratio") + _unit(rule, name))] = []
    return [ParamRow("、".join(dict.fromkeys(packs)) if lang != "en" else ", ".join(dict.fromkeys(packs)), name, level, value,
                     str(rule.params[name]) if isinstance(rule.params[name], str) else "", words.get(name, ""))
            for (name, level, value), packs in seen.items()]


def _words(template: str, rule: Rule, held: list[tuple[str, CompiledRule]]) -> str:
    """A finding's text as the rule file writes it, its numbers written in where the packs agree, the rest as ……."""
    numbers: dict[str, Any] = {}
    for name in rule.params:
        values = {n.get(name) for _, c in held for n in c.params.values()}
        if len(values) == 1 and None not in values:
            numbers[name] = values.pop()
    return _PLACEHOLDER.sub("……", fill(template, numbers))


def _rule_view(policy: Policy, rule: Rule, area_title: Text, entry: dict[str, Any], lang: str) -> RuleView:
    en = lang == "en"
    held = [(p, r) for p, r in find_rule(policy, rule.id) if r.rule.subject == rule.subject]
    cases = rule.rectification if isinstance(rule.rectification, list) else [rule.rectification]
    return RuleView(
        id=rule.id, subject=rule.subject, subject_word=SUBJECT_NAMES[rule.subject][en], title=_title(policy, rule, None, lang),
        basis=rule.basis.en if en else rule.basis.zh, severity=rule.severity, severity_word=severity_words(policy, lang)[rule.severity],
        enabled=rule.enabled, packs=tuple(entry["packs"]), area_title=area_title.en if en else area_title.zh, file=entry["file"],
        message=_words(rule.message.en if en else rule.message.zh, rule, held),
        rectifications=tuple(_words(c.en if en else c.zh, rule, held) for c in cases),
        params=tuple(_param_rows(rule, held, lang, param_words(policy, lang))))


def rule_page(wb: Workbench, who: Principal, rule_id: str, lang: str) -> dict[str, Any]:
    """Each definition of ``rule_id`` in words, the CLI's ``rules explain`` page, and the changes made to it."""
    listed = catalogue.rules_catalogue(wb, who, lang)
    entries = [e for e in listed["rules"] if e["id"] == rule_id]
    if not entries:
        raise not_found("规则", "rule")
    _, policy = wb.rules.current()
    models = _models(policy)
    views = [_rule_view(policy, models[(e["id"], e["subject"])][0], models[(e["id"], e["subject"])][2], e, lang) for e in entries]
    technical = explain(policy, rule_id, lang=lang) if find_rule(policy, rule_id) else ""
    return {"rule_id": rule_id, "views": views, "technical": technical, "history": changes.rule_history(wb, who, rule_id),
            "rules_version": listed["rules_version"]}
