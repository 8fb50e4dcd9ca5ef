"""Each edit made in memory on the rule files as read, and checked on its own: the rule it names found, the value
allowed, and the place it is written chosen.

A value is written where it lives in the top (last) rules layer: the rule file that defines the rule, the
``params.yaml`` that declares a shared parameter, or the pack override that sets it. A value living in a lower
layer is written as an override of the pack given as ``standard`` when that pack is in the top layer; otherwise
the edit is refused, naming the rule and the layer. A text that other rules share through a YAML anchor is
un-shared first (``_unshare``). Nothing is written to disk here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ruamel.yaml.scalarstring import ScalarString

from junheng.authoring.describe import SUBJECT_KINDS
from junheng.authoring.edits.cells import Cell, Cells, rule_param_cells, severity_cell, severity_key, shared_cells
from junheng.authoring.edits.model import (LEVEL_NAMES, SEVERITY_ZH, SHARED, TEXT_FIELDS, Change, Edit, EnabledEdit, ParamEdit, Problem,
                                           SeverityEdit, TextEdit, shown_number)
from junheng.authoring.edits.roundtrip import Key, Place, set_value, value_at, write_number
from junheng.authoring.edits.rulefiles import RuleEntry, RuleFiles, display_path, unknown_pack
from junheng.errors import suggest
from junheng.policy.load import Roots, load_rules
from junheng.policy.model import SEVERITIES, SEVERITY_NAMES_ZH
from junheng.policy.params import fraction
from junheng.policy.shared import is_shared_name


@dataclass
class Plan:
    """The edits made in memory: the files they changed, the changes, the problems."""

    files: RuleFiles
    standard: str | None
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[tuple[int, Place]] = field(default_factory=list)  # (edit, where) for every value written
    expected: list[tuple[int, Any, Any]] = field(default_factory=list)  # (edit, how to read the value again, the value it must have)

    def problem(self, index: int | None, zh: str, en: str) -> None:
        self.problems.append(Problem(index, zh, en))


def plan_edits(roots: Roots, edits: Sequence[Edit], standard: str | None) -> Plan:
    """Every edit made in memory on the files as read, each checked on its own (``verify.py`` checks them together)."""
    loaded = load_rules(roots)
    files = RuleFiles(list(loaded.roots))
    plan = Plan(files, standard)
    if standard is not None and standard not in files.packs:
        error = unknown_pack(standard, files.packs)
        plan.problem(None, error.zh, error.en)
        return plan
    for i, edit in enumerate(edits):
        n = len(plan.problems)
        if isinstance(edit, ParamEdit) and edit.rule == SHARED:
            _shared_edit(plan, i, edit)
            continue
        entry = _find(plan, i, edit.rule, edit.subject)
        if entry is None or len(plan.problems) > n:
            continue
        if isinstance(edit, ParamEdit):
            _param_edit(plan, i, edit, entry)
        elif isinstance(edit, SeverityEdit):
            _severity_edit(plan, i, edit, entry)
        elif isinstance(edit, EnabledEdit):
            _enabled_edit(plan, i, edit, entry)
        else:
            _text_edit(plan, i, edit, entry)
    return plan


def _find(plan: Plan, i: int, rule: str, subject: str | None) -> RuleEntry | None:
    found = [e for e in plan.files.rules if e.id == rule and subject in (None, e.subject)]
    if len(found) == 1:
        return found[0]
    if not found:
        ids = sorted({e.id for e in plan.files.rules})
        hint = suggest(rule, ids)
        if any(e.id == rule for e in plan.files.rules):
            plan.problem(i, f"规则 {rule} 没有对象为 {subject} 的定义", f"rule {rule} has no definition for subject {subject}")
        else:
            plan.problem(i, f"没有规则 “{rule}”{hint.zh}", f"no rule {rule!r}{hint.en}")
        return None
    kinds = "、".join(f"{e.subject}（{SUBJECT_KINDS.get(e.subject, (e.subject,))[0]}）" for e in found)
    plan.problem(i, f"规则 {rule} 有多个定义，须指明对象（subject）：{kinds}",
                 f"rule {rule} is defined more than once; name its subject: {kinds}")
    return None


def _label(plan: Plan, entry: RuleEntry) -> str:
    if sum(1 for e in plan.files.rules if e.id == entry.id) > 1:
        return f"{entry.id}（{SUBJECT_KINDS.get(entry.subject, (entry.subject,))[0]}）"
    return entry.id


def _level_problem(plan: Plan, i: int, who: str, cells: Cells, level: str | None) -> bool:
    """Whether ``level`` is not one of the param's (then say so)."""
    if level in cells:
        return False
    named = "、".join(f"{LEVEL_NAMES.get(k, k)}（{k}）" for k in cells if k is not None)
    if None in cells:
        plan.problem(i, f"{who} 不分学段，只有一个取值", f"{who} has one value, not one per level")
    elif level is None:
        plan.problem(i, f"{who} 按学段取值，须指明学段：{named}", f"{who} has a value per level; name the level: {named}")
    else:
        plan.problem(i, f"{who} 没有学段 “{level}”（可用：{named}）", f"{who} has no level {level!r} (known: {named})")
    return True


def _value_problem(plan: Plan, i: int, who: str, value: Fraction, ratio: bool) -> bool:
    if ratio and not 0 <= value <= 1:
        plan.problem(i, f"{who} 是比例，须在 0% 到 100% 之间，实为 {shown_number(value, True)}",
                     f"{who} is a share between 0% and 100%, not {shown_number(value, True)}")
        return True
    return False


def _param_edit(plan: Plan, i: int, edit: ParamEdit, entry: RuleEntry) -> None:
    files, label = plan.files, _label(plan, entry)
    cells = rule_param_cells(files, entry, plan.standard).get(edit.param)
    raw_params = entry.data.get("params") or {}
    if cells is None:
        if is_shared_name(raw_params.get(edit.param)):
            shared = str(raw_params[edit.param]).strip()
            plan.problem(i, f"{label} 的参数 {edit.param} 取共用参数 {shared} 的值：请修改共用参数 {shared}",
                         f"{label}'s param {edit.param} is the shared parameter {shared}: change {shared}")
        else:
            hint = suggest(edit.param, [str(k) for k in raw_params])
            known = "、".join(str(k) for k in raw_params) or "无"
            plan.problem(i, f"{label} 没有参数 “{edit.param}”{hint.zh or f'（已有：{known}）'}",
                         f"{label} has no param {edit.param!r}{hint.en}")
        return
    ratio = (entry.data.get("units") or {}).get(edit.param) == "ratio"
    changed = _changed_cell(plan, i, f"{label} {edit.param}", cells, edit, ratio)
    if changed is None:
        return
    cell, old, level_keys = changed
    place = _target(plan, cell, ("overrides", entry.id, "params", edit.param, *level_keys))
    if place is None:
        _lower_layer(plan, i, label, f"参数 {edit.param} ", f"param {edit.param}", cell)
        return
    write_number(place, edit.value, cell.raw)
    plan.written.append((i, place))
    plan.expected.append((i, lambda e=entry, p=edit.param, lv=edit.level: rule_param_cells(files, e, plan.standard)[p][lv], edit.value))
    plan.changes.append(Change(i, label, "param", edit.param, edit.level, old, edit.value, ratio, display_path(place.file.path),
                               place.file.path))


def _shared_edit(plan: Plan, i: int, edit: ParamEdit) -> None:
    files, name = plan.files, edit.param
    if name not in files.shared:
        hint = suggest(name, files.shared)
        known = "、".join(files.shared) or "无"
        plan.problem(i, f"没有共用参数 “{name}”{hint.zh or f'（已有：{known}）'}", f"no shared parameter {name!r}{hint.en}")
        return
    declared = files.shared[name]
    ratio = declared.data["params"][name].get("unit") == "ratio"
    cells = shared_cells(files, name, plan.standard)
    who = f"{SHARED} {name}"
    changed = _changed_cell(plan, i, who, cells, edit, ratio)
    if changed is None:
        return
    cell, old, level_keys = changed
    place = _target(plan, cell, ("params", name, *level_keys))
    if place is None and (plan.standard is None or files.packs[plan.standard].layer != files.top) and cell.exact:
        # Declared in a lower layer: the top layer declares it again, with the new value (a later declaration replaces an earlier one).
        top = files.params_file()
        if name not in top.data["params"]:
            top.data["params"][name] = copy.deepcopy(declared.data["params"][name])
            files.shared[name] = top  # the top layer's declaration is the one that counts now
        place = Place(top, ("params", name, "value", *level_keys))
    if place is None:
        _lower_layer(plan, i, who, "取值", "value", cell)
        return
    write_number(place, edit.value, cell.raw)
    plan.written.append((i, place))
    plan.expected.append((i, lambda: shared_cells(files, name, plan.standard)[edit.level], edit.value))
    plan.changes.append(Change(i, SHARED, "param", name, edit.level, old, edit.value, ratio, display_path(place.file.path),
                               place.file.path))


def _changed_cell(plan: Plan, i: int, who: str, cells: Cells, edit: ParamEdit,
                  ratio: bool) -> tuple[Cell, Fraction, tuple[Key, ...]] | None:
    """The cell a param edit writes, its old value and the level's key below the param; None when the edit has a
    problem (recorded in ``plan``) or changes nothing."""
    if _level_problem(plan, i, who, cells, edit.level) or _value_problem(plan, i, who, edit.value, ratio):
        return None
    cell = cells[edit.level]
    old = fraction(cell.raw)
    if old == edit.value:
        return None
    return cell, old, (() if edit.level is None else (edit.level,))


def _target(plan: Plan, cell: Cell, in_pack: tuple[Key, ...]) -> Place | None:
    """Where a new value goes: where it is written when that is in the top layer, else the standard's pack override."""
    files = plan.files
    if cell.place.file.layer == files.top and cell.exact:
        return cell.place
    if plan.standard is not None and files.packs[plan.standard].layer == files.top:
        return Place(files.packs[plan.standard], in_pack)
    return None


def _lower_layer(plan: Plan, i: int, who: str, what_zh: str, what_en: str, cell: Cell, overridable: bool = True) -> None:
    """Refuse an edit of a value written in a lower layer, naming the rule, the layer and what to do instead."""
    files = plan.files
    root, top = display_path(files.roots[cell.place.file.layer]), display_path(files.roots[files.top])
    where = display_path(cell.place.file.path)
    if overridable:
        zh = f"请用 --standard 指定 {top} 中的规则包导出后再修改（改为该规则包的覆盖设置），或直接修改 {root}"
        en = f"export for a pack of {top} with --standard (the change becomes its override), or edit {root}"
    else:
        zh, en = f"规则包不能覆盖这一项：请直接修改 {where}", f"a pack cannot override it: edit {where}"
    plan.problem(i, f"{who} 的{what_zh}写在下层规则目录 {root}（{where}）中，只写入最上层 {top}：{zh}",
                 f"{who}: the {what_en} is written in the lower rules layer {root} ({where}); only the top layer {top} is written: {en}")


def _severity_edit(plan: Plan, i: int, edit: SeverityEdit, entry: RuleEntry) -> None:
    label = _label(plan, entry)
    new = severity_key(edit.severity)
    if new not in SEVERITIES:
        hint = suggest(edit.severity, [*SEVERITY_NAMES_ZH, *SEVERITIES])
        plan.problem(i, f"{label} 的严重程度 “{edit.severity}” 无效{hint.zh}（可用：否决项、须整改、建议、提示）",
                     f"{label}: invalid severity {edit.severity!r}{hint.en} (blocking, major, minor, info)")
        return
    cell = severity_cell(plan.files, entry, plan.standard)
    if cell.raw == new:
        return
    place = _target(plan, cell, ("overrides", entry.id, "severity"))
    if place is None:
        _lower_layer(plan, i, label, "严重程度", "severity", cell)
        return
    old_raw = value_at(place)
    zh_style = isinstance(old_raw, str) and old_raw.strip() in SEVERITY_NAMES_ZH
    set_value(place, SEVERITY_ZH[new] if zh_style else new)
    plan.written.append((i, place))
    plan.expected.append((i, lambda: severity_cell(plan.files, entry, plan.standard), new))
    plan.changes.append(Change(i, label, "severity", "severity", None, cell.raw, new, False, display_path(place.file.path),
                               place.file.path))


def _own_layer(plan: Plan, i: int, entry: RuleEntry, what_zh: str, what_en: str) -> bool:
    """Whether the rule's file is in the top layer (else say that it cannot be changed here)."""
    if entry.file.layer == plan.files.top:
        return True
    _lower_layer(plan, i, _label(plan, entry), what_zh, what_en, Cell(None, Place(entry.file, ("rules", entry.index))), overridable=False)
    return False


def _enabled_edit(plan: Plan, i: int, edit: EnabledEdit, entry: RuleEntry) -> None:
    data = entry.data
    old = data.get("enabled", True) is not False
    if old == edit.enabled or not _own_layer(plan, i, entry, "启用状态", "switch"):
        return
    entry.file.dirty = True
    if edit.enabled:
        del data["enabled"]
    else:
        data.insert(list(data).index("severity") + 1, "enabled", False)  # beside the severity: both say how the rule counts
    place = Place(entry.file, ("rules", entry.index, "enabled"))
    plan.written.append((i, place))
    plan.changes.append(Change(i, _label(plan, entry), "enabled", "enabled", None, old, edit.enabled, False, display_path(entry.file.path),
                               entry.file.path))


def _text_edit(plan: Plan, i: int, edit: TextEdit, entry: RuleEntry) -> None:
    label, data = _label(plan, entry), entry.data
    if edit.field not in TEXT_FIELDS:
        plan.problem(i, f"未知文本字段 “{edit.field}”（可用：{'、'.join(TEXT_FIELDS)}）", f"unknown text field {edit.field!r}")
        return
    name_zh, name_en = TEXT_FIELDS[edit.field]
    text = edit.zh.strip()
    if not text:
        plan.problem(i, f"{label} 的{name_zh}不能为空", f"{label}: the {name_en} cannot be empty")
        return
    keys: tuple[Key, ...] = ("rules", entry.index, edit.field, "zh")
    if edit.field == "rectification" and not isinstance(data["rectification"], Mapping):
        keys = ("rules", entry.index, "rectification", 0, "zh")
    place = Place(entry.file, keys)
    old = str(value_at(place))
    if old == text or not _own_layer(plan, i, entry, name_zh, name_en):
        return
    _unshare(entry, edit.field)
    set_value(place, type(value_at(place))(text) if isinstance(value_at(place), ScalarString) else text)  # the quotes it was written with
    plan.written.append((i, place))
    plan.changes.append(Change(i, label, "text", edit.field, None, old, text, False, display_path(entry.file.path), entry.file.path))


def _unshare(entry: RuleEntry, field_name: str) -> None:
    """Give the rule its own copy of a text another rule shares with it (``message: *class_size_message``), so that
    editing one rule's row changes that rule only: the others keep the text their own rows show."""
    rules = entry.file.data["rules"]
    node = rules[entry.index].get(field_name)
    if not isinstance(node, (Mapping, list)) or not any(
            j != entry.index and isinstance(r, Mapping) and r.get(field_name) is node for j, r in enumerate(rules)):
        return
    own: Any = copy.deepcopy(node)
    if getattr(own, "anchor", None) is not None:
        own.anchor.value = None  # the anchor stays with the others' text
    rules[entry.index][field_name] = own
    entry.file.dirty = True
