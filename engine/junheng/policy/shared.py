"""A rule's params as one pack holds them: shared parameters looked up, overrides merged level by level.

A number several rules use (the class-size standard 45/50 of STD-01, -02, -03
and -11) is declared once in ``params.yaml`` and a rule names it
(``params: {standard: class_size}``); a pack may change it for every rule at
once (``params: {class_size: {primary: 40}}`` in its pack.yaml) or change one
rule's param (``overrides: {STD-01: {params: {standard: {primary: 40}}}}``).
Either way a mapping by level changes only the levels it names: the other
keeps its value. Every value remembers where it was written, so that a
mistake in a pack's override is reported at the pack's own file, not at the
shipped rule.

Titles may carry the params too (``{threshold:pct}``): ``fill_title`` writes
them in, so a title follows its number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from junheng.errors import InputError, suggest
from junheng.located.read import LoadedDocument
from junheng.policy.compiled import VARIANTS
from junheng.policy.loaded import LoadedRules
from junheng.policy.params import fraction
from junheng.policy.text import Text

if TYPE_CHECKING:  # annotations only: compiling reads the models, or their records (frozen.py), alike
    from junheng.policy.model import Pack, Rule

__all__ = ["Resolved", "fill_title", "is_shared_name", "pack_param_problems", "resolve_params", "shared_value", "users_of"]

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_TITLE_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
_LEVEL_ZH = {"primary": "小学", "junior": "初中", "nine_year": "九年一贯制", "parents": "家长", "teachers": "教师", "deputies": "人大代表"}
Origins = dict[str, tuple[LoadedDocument, str]]


@dataclass
class Resolved:
    """A rule's params with numbers only, the units the shared params bring, and where values were written."""

    params: dict[str, Any]
    units: dict[str, str]
    origins: Origins = field(default_factory=dict)


def is_shared_name(value: object) -> bool:
    """A param value naming a shared parameter (a number never looks like a name)."""
    return isinstance(value, str) and bool(_NAME.match(value.strip()))


def resolve_params(rule: Rule, doc: LoadedDocument, pointer: str, chain: list[tuple[Pack, LoadedDocument]],
                   loaded: LoadedRules, errors: list[InputError]) -> Resolved:
    """The rule's params as the pack at the head of ``chain`` (nearest first, along ``extends``) holds them."""
    out = Resolved(dict(rule.params), {})
    for name, value in rule.params.items():
        if not is_shared_name(value):
            continue
        key = str(value).strip()
        if key not in loaded.shared:
            hint = suggest(key, loaded.shared)
            known = "、".join(sorted(loaded.shared)) or "无"
            line, col = doc.location(f"{pointer}/params/{name}")
            errors.append(InputError("rule_compile_error", doc.file, line, col, f"{pointer}/params/{name}",
                                     f"规则 {rule.id}：参数 {name} 引用的共用参数 “{key}” 不存在" + (hint.zh or f"（已有：{known}）"),
                                     f"rule {rule.id}: param {name} names an unknown shared parameter {key!r}" + hint.en))
            out.params[name] = 0
            continue
        out.params[name], origins = shared_value(key, chain, loaded)
        out.origins.update({name + k[len(key):]: v for k, v in origins.items()})
        out.units.setdefault(name, loaded.shared[key].param.unit)
    for pack, pack_doc in reversed(chain):  # the farthest ancestor first: a nearer pack's override wins
        override = pack.overrides.get(rule.id)
        if override is None:
            continue
        for name, value in override.params.items():
            base = f"/overrides/{rule.id}/params/{name}"
            if name not in rule.params:
                line, col = pack_doc.location(base)
                known = ", ".join(sorted(rule.params)) or "无"
                errors.append(InputError("rule_compile_error", pack_doc.file, line, col, base,
                                         f"规则 {rule.id} 没有参数 “{name}”" + (suggest(name, rule.params).zh or f"（已有：{known}）"),
                                         f"rule {rule.id} has no param {name!r} (known: {known})"))
                continue
            out.params[name] = _merge(out.params[name], value, rule.subject)
            _note_origins(out.origins, name, value, pack_doc, base)
    return out


def shared_value(key: str, chain: list[tuple[Pack, LoadedDocument]], loaded: LoadedRules) -> tuple[Any, Origins]:
    """A shared parameter's value as the pack at the head of ``chain`` has it, and where each part was written."""
    declared = loaded.shared[key]
    value: Any = declared.param.value
    origins: Origins = {}
    _note_origins(origins, key, value, declared.doc, declared.pointer + "/value")
    for pack, pack_doc in reversed(chain):
        if key in pack.params:
            value = _merge(value, pack.params[key], "school")
            _note_origins(origins, key, pack.params[key], pack_doc, f"/params/{key}")
    return value, origins


def pack_param_problems(chain: list[tuple[Pack, LoadedDocument]], loaded: LoadedRules) -> list[InputError]:
    """A pack's ``params`` naming no shared parameter (with "did you mean")."""
    errors = []
    for pack, pack_doc in chain[:1]:
        for key in pack.params:
            if key not in loaded.shared:
                hint = suggest(key, loaded.shared)
                line, col = pack_doc.location(f"/params/{key}")
                known = "、".join(sorted(loaded.shared)) or "无"
                errors.append(InputError("rule_compile_error", pack_doc.file, line, col, f"/params/{key}",
                                         f"规则包 {pack.name}：没有名为 “{key}” 的共用参数" + (hint.zh or f"（已有：{known}）"),
                                         f"pack {pack.name}: no shared parameter {key!r}" + hint.en))
    return errors


def users_of(loaded: LoadedRules) -> dict[str, list[str]]:
    """Each shared parameter's name → the ids of the rules naming it, in file order."""
    users: dict[str, list[str]] = {name: [] for name in loaded.shared}
    for rule_file, _ in loaded.files:
        for rule in rule_file.rules:
            for value in rule.params.values():
                if is_shared_name(value) and str(value).strip() in users and rule.id not in users[str(value).strip()]:
                    users[str(value).strip()].append(rule.id)
    return users


def _merge(base: Any, override: Any, kind: str) -> Any:
    """``override`` over ``base``: a mapping by level changes only the levels it names; one number replaces all."""
    if not isinstance(override, Mapping):
        return override
    if isinstance(base, Mapping):
        return {**base, **override}
    variants = VARIANTS.get(kind, ("primary", "junior"))
    return {**{v: base for v in variants if v is not None}, **override}


def _note_origins(origins: Origins, name: str, value: Any, doc: LoadedDocument, pointer: str) -> None:
    if isinstance(value, Mapping):
        for level in value:
            origins[f"{name}/{level}"] = (doc, f"{pointer}/{level}")
    else:
        for key in [k for k in origins if k.startswith(name + "/")]:
            del origins[key]
        origins[name] = (doc, pointer)


def fill_title(rule: Rule, params: Mapping[str, Any]) -> tuple[Text, list[tuple[str, str]]]:
    """The title with its ``{param}`` / ``{param:pct}`` placeholders written in; and the placeholders naming no param
    as (pointer below the rule, name)."""
    unknown: list[tuple[str, str]] = []

    def fill(text: str, lang: str) -> str:
        def one(m: re.Match[str]) -> str:
            name, spec = m.group(1).strip(), m.group(2)
            param, _, level = name.partition(".")  # {standard.primary}: one level of a param given by level
            value = params.get(param)
            if isinstance(value, Mapping) and level:
                value = value.get(level)
            if value is None or (level and not isinstance(params.get(param), Mapping)):
                unknown.append((f"/title/{lang}", name))
                return m.group(0)
            return _show(value, spec == "pct", lang)
        return _TITLE_PLACEHOLDER.sub(one, text)

    zh, en = fill(rule.title.zh, "zh"), fill(rule.title.en, "en")
    return Text(zh, en), unknown


def _show(value: Any, pct: bool, lang: str) -> str:
    """A param in a title: ``70%`` for a ratio asked as ``pct``, else the number; a value per level as 小学45、初中50."""
    if isinstance(value, Mapping):
        parts = [(_LEVEL_ZH.get(str(k), str(k)) if lang == "zh" else str(k).replace("_", " "), _show(v, pct, lang))
                 for k, v in value.items()]
        return "、".join(f"{k}{v}" for k, v in parts) if lang == "zh" else ", ".join(f"{k} {v}" for k, v in parts)
    try:
        number = fraction(value)
    except (ValueError, ZeroDivisionError):
        return str(value)
    if pct:
        number *= 100
    text = f"{float(number):.6g}" if number.denominator != 1 else str(number.numerator)
    return text + ("%" if pct else "")
