"""Read an edited settings workbook: each cell compared with the rule files, the differences as edits.

Rows are found by their keys (规则, 参数, 学段; 对象 for an id defined for several subjects), so
sorting and filtering are harmless. Every problem is located at its cell (``参数!D14``) and all of
them are reported together; then ``apply_edits`` (``authoring/edits/``) writes the edits, all
or none, and its problems are located at the cells that asked for them.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from junheng.authoring.edits import (Change, Edit, EditsRejected, EnabledEdit, ParamEdit, ParamSetting, Problem, RuleSetting, SeverityEdit,
                                     Settings, TextEdit, TextField, apply_edits, read_settings, shown_number, validate_edits)
from junheng.authoring.workbook.export import other_cases_text
from junheng.authoring.workbook.layout import (FORMAT_VERSION, GUIDE, LABEL_FINGERPRINT, LABEL_STANDARD, LABEL_VERSION, LEVEL_BY_NAME,
                                               NO, PARAM_COLUMNS, PARAMS, RULE_COLUMNS, RULES, SEVERITY_BY_NAME, SHEETS, SUBJECT_BY_NAME,
                                               SUBJECT_NAMES, YES, Column, unit_name)
from junheng.errors import InputError, InputErrors, suggest
from junheng.policy.load import Roots
from junheng.policy.params import fraction

__all__ = ["CellProblem", "ImportResult", "WorkbookEdits", "WorkbookRejected", "import_workbook", "read_workbook"]

_TEXT_COLUMNS: dict[str, TextField] = {"标题": "title", "依据": "basis", "说明": "message", "整改": "rectification"}


@dataclass(frozen=True)
class CellProblem:
    """One problem of an edited workbook, at its cell (``sheet``, ``row``, ``column``; 0 for the whole sheet or book)."""

    sheet: str
    row: int
    column: int
    zh: str
    en: str

    @property
    def cell(self) -> str:
        """``参数!D14``; the sheet alone for a problem about a whole sheet; empty for one about the whole book."""
        if not self.sheet:
            return ""
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}" if self.row and self.column else self.sheet

    def render(self, lang: str = "zh") -> str:
        message = self.en if lang == "en" else self.zh
        return f"{self.cell}: {message}" if self.cell else message

    def sort_key(self) -> tuple[int, int, int, str]:
        return (SHEETS.index(self.sheet) if self.sheet in SHEETS else -1, self.row, self.column, self.zh)


class WorkbookRejected(Exception):
    """The workbook's problems, every one at its cell; nothing was written."""

    def __init__(self, problems: Sequence[CellProblem]):
        self.problems = sorted(problems, key=CellProblem.sort_key)
        super().__init__("\n".join(p.render("en") for p in self.problems))


@dataclass
class WorkbookEdits:
    """What an edited workbook asks for: the edits, the cell each comes from, the pack it was exported for."""

    edits: list[Edit] = field(default_factory=list)
    cells: list[tuple[str, int, int]] = field(default_factory=list)  # (sheet, row, column) of each edit
    standard: str | None = None
    stale: bool = False  # the rule files changed since the export
    problems: list[CellProblem] = field(default_factory=list)

    def add(self, edit: Edit, sheet: str, row: int, column: int) -> None:
        self.edits.append(edit)
        self.cells.append((sheet, row, column))

    def problem(self, sheet: str, row: int, column: int, zh: str, en: str) -> None:
        self.problems.append(CellProblem(sheet, row, column, zh, en))


@dataclass(frozen=True)
class ImportResult:
    changes: list[Change]
    standard: str | None
    stale: bool  # the rule files changed since the workbook was exported
    dry_run: bool

    @property
    def files(self) -> list[str]:
        """The files written (or that would be), each once, in the order of the changes."""
        return list(dict.fromkeys(c.file for c in self.changes))


def import_workbook(path: str | os.PathLike[str], roots: Roots = None, dry_run: bool = False) -> ImportResult:
    """Apply an edited workbook to the rule files (all or nothing); WorkbookRejected with every problem at its cell,
    InputErrors for a file that is not a workbook or broken rules."""
    found = read_workbook(path, roots)
    if found.problems:  # the edits the cells could say are checked too: every problem is reported at once
        raise WorkbookRejected(found.problems + _located(found, validate_edits(roots, found.edits, found.standard)))
    try:
        changes = apply_edits(roots, found.edits, found.standard, dry_run=dry_run)
    except EditsRejected as exc:
        raise WorkbookRejected(_located(found, exc.problems)) from None
    return ImportResult(changes, found.standard, found.stale, dry_run)


def _located(found: WorkbookEdits, problems: Sequence[Problem]) -> list[CellProblem]:
    """The problems of edits, each at the cell the edit came from."""
    return [CellProblem(*(found.cells[p.index] if p.index is not None else ("", 0, 0)), p.zh, p.en) for p in problems]


def read_workbook(path: str | os.PathLike[str], roots: Roots = None) -> WorkbookEdits:
    """The edits an edited workbook asks for, and the problems of its cells (WorkbookRejected when a sheet is missing)."""
    book = _open(Path(path))
    found = WorkbookEdits()
    missing = [name for name in SHEETS if name not in book.sheetnames]
    for name in missing:
        found.problem("", 0, 0, f"工作簿缺少工作表 “{name}”（须有：{'、'.join(SHEETS)}）", f"the workbook has no sheet {name!r}")
    if missing:
        raise WorkbookRejected(found.problems)
    settings = read_settings(roots)
    standard, fingerprint = _guide(book[GUIDE], {p.name for p in settings.packs}, found)
    if standard is not None:
        settings = read_settings(roots, standard)
    found.standard = standard
    found.stale = fingerprint != settings.fingerprint
    _compare_rules(book[RULES], settings, found)
    _compare_params(book[PARAMS], settings, found)
    return found


def _open(path: Path) -> Workbook:
    try:
        return load_workbook(path, data_only=True)  # a formula counts as the value it shows
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InputErrors([InputError("workbook_error", str(path), None, None, "", f"无法读取工作簿（.xlsx）：{reason}",
                                      f"cannot read the workbook (.xlsx): {reason}")]) from None


def _text(value: Any) -> str:
    """A cell as text: empty for an empty cell; Excel's line ends as \\n; no surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip()


def _guide(ws: Worksheet, packs: set[str], found: WorkbookEdits) -> tuple[str | None, str]:
    """The pack the workbook was exported for and the rule files' fingerprint then, from the 说明 sheet."""
    labels: dict[str, tuple[int, Any]] = {}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 20), max_col=2):
        label = _text(row[0].value)
        if label and label not in labels:
            labels[label] = (row[0].row, row[1].value if len(row) > 1 else None)
    version_row, version = labels.get(LABEL_VERSION, (0, None))
    if _text(version) != str(FORMAT_VERSION):
        found.problem(GUIDE, version_row, 2 if version_row else 0,
                      f"格式版本应为 {FORMAT_VERSION}，实为 “{_text(version)}”（请用本程序重新导出）",
                      f"format version should be {FORMAT_VERSION}, not {_text(version)!r} (export the workbook again)")
    row, value = labels.get(LABEL_STANDARD, (0, None))
    standard = _text(value) or None
    if standard is not None and standard not in packs:
        hint = suggest(standard, packs)
        found.problem(GUIDE, row, 2, f"未知规则包 “{standard}”{hint.zh}（已有：{'、'.join(sorted(packs))}；为空表示规则文件中的取值）",
                      f"unknown pack {standard!r}{hint.en}")
        standard = None
    return standard, _text(labels.get(LABEL_FINGERPRINT, (0, None))[1])


def _columns(ws: Worksheet, columns: Sequence[Column], found: WorkbookEdits) -> dict[str, int] | None:
    """Each column's number by its header; None (and a problem) when a header is missing."""
    headers: dict[str, int] = {}
    for cell in ws[1]:
        name = _text(cell.value)
        if name and name not in headers:
            headers[name] = cell.column
    missing = [(n, c.header) for n, c in enumerate(columns, 1) if c.header not in headers]
    for n, name in missing:  # located where the column belongs
        found.problem(ws.title, 1, n, f"缺少列 “{name}”（表头须为：{'、'.join(c.header for c in columns)}）",
                      f"column {name!r} is missing (headers: {', '.join(c.header for c in columns)})")
    return None if missing else headers


def _rows(ws: Worksheet, columns: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row that is not empty, as (row number, header → value)."""
    for n, values in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
        if any(_text(v) for v in values):
            yield n, {name: values[i - 1] if i - 1 < len(values) else None for name, i in columns.items()}


def _compare_rules(ws: Worksheet, settings: Settings, found: WorkbookEdits) -> None:
    columns = _columns(ws, RULE_COLUMNS, found)
    if columns is None:
        return
    expected = {(r.id, r.subject if r.ambiguous else None): (r, n) for n, r in enumerate(settings.rules, 2)}
    ambiguous = {r.id for r in settings.rules if r.ambiguous}
    seen: dict[tuple[str, str | None], int] = {}

    def at(header: str) -> int:
        return columns[header]

    for n, row in _rows(ws, columns):
        rid, subject = _text(row["规则"]), None
        if rid in ambiguous:
            subject = SUBJECT_BY_NAME.get(_text(row["对象"]))
        key = (rid, subject)
        if key not in expected:
            _unknown_rule(found, RULES, n, at, rid, row, ambiguous, [r.id for r in settings.rules])
            continue
        if key in seen:
            found.problem(RULES, n, at("规则"), f"规则 {rid} 这一行重复（第 {seen[key]} 行已有）",
                          f"rule {rid} appears twice (row {seen[key]})")
            continue
        seen[key] = n
        rule = expected[key][0]
        _fixed(found, RULES, n, at("规则包"), "规则包", row["规则包"], "、".join(rule.packs))
        _fixed(found, RULES, n, at("对象"), "对象", row["对象"], SUBJECT_NAMES.get(rule.subject, rule.subject))
        _fixed(found, RULES, n, at("整改（其他情形）"), "整改（其他情形）", row["整改（其他情形）"], other_cases_text(rule),
               "；其余情形请在规则文件 " + rule.file + " 中修改")
        _switch(found, n, at("启用"), rule, row["启用"])
        _severity(found, n, at("严重程度"), rule, row["严重程度"])
        for header, name in _TEXT_COLUMNS.items():
            text = _text(row[header])
            if text != getattr(rule, name).strip():
                found.add(TextEdit(rule.id, name, text, rule.subject), RULES, n, at(header))
    for key, (rule, n) in expected.items():
        if key not in seen:
            found.problem(RULES, n, 1, f"缺少规则 {rule.label} 这一行（被删除了？删除行不会删除规则；停用规则请把“启用”改为“否”）",
                          f"the row of rule {rule.label} is missing (deleting a row does not delete the rule; "
                          "set 启用 to 否 to switch it off)")


def _unknown_rule(found: WorkbookEdits, sheet: str, n: int, at: Any, rid: str, row: dict[str, Any], ambiguous: set[str],
                  ids: list[str]) -> None:
    if rid in ambiguous:
        found.problem(sheet, n, at("对象"), f"规则 {rid} 有多个定义，“对象”须为其中之一，实为 “{_text(row['对象'])}”（对象列不能修改）",
                      f"rule {rid} is defined for several subjects; 对象 must name one, not {_text(row['对象'])!r}")
        return
    hint = suggest(rid, ids)
    found.problem(sheet, n, at("规则"), f"没有规则 “{rid}”{hint.zh}（规则编号不能修改）", f"no rule {rid!r}{hint.en} (ids are not edited)")


def _fixed(found: WorkbookEdits, sheet: str, n: int, column: int, header: str, value: Any, expected: str, more: str = "") -> None:
    if _text(value) != expected.strip():
        shown = expected.replace("\n", " / ")
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        found.problem(sheet, n, column, f"“{header}”列只读，不能修改（原为 “{shown}”）{more}",
                      f"column {header!r} is read-only (it was {shown!r})")


def _switch(found: WorkbookEdits, n: int, column: int, rule: RuleSetting, value: Any) -> None:
    text = _text(value)
    if text not in (YES, NO):
        found.problem(RULES, n, column, f"“启用”须为 “{YES}” 或 “{NO}”，实为 “{text}”",
                      f"启用 must be {YES} (yes) or {NO} (no), not {text!r}")
    elif (text == YES) != rule.enabled:
        found.add(EnabledEdit(rule.id, text == YES, rule.subject), RULES, n, column)


def _severity(found: WorkbookEdits, n: int, column: int, rule: RuleSetting, value: Any) -> None:
    text = _text(value)
    if text not in SEVERITY_BY_NAME:
        hint = suggest(text, SEVERITY_BY_NAME)
        names = "、".join(SEVERITY_BY_NAME)
        found.problem(RULES, n, column, f"严重程度 “{text}” 无效{hint.zh}（可用：{names}）",
                      f"invalid severity {text!r}{hint.en} (one of {names})")
    elif SEVERITY_BY_NAME[text] != rule.severity:
        found.add(SeverityEdit(rule.id, SEVERITY_BY_NAME[text], rule.subject), RULES, n, column)


ParamKey = tuple[str, str | None, str, str | None]  # rule (or 共用), subject when the id needs one, param, level


def _param_key(p: ParamSetting) -> ParamKey:
    return (p.rule, p.subject if p.ambiguous else None, p.param, p.level)


def _compare_params(ws: Worksheet, settings: Settings, found: WorkbookEdits) -> None:
    columns = _columns(ws, PARAM_COLUMNS, found)
    if columns is None:
        return
    expected = {_param_key(p): (p, n) for n, p in enumerate(settings.params, 2)}
    ambiguous = {p.rule for p in settings.params if p.ambiguous}
    seen: dict[ParamKey, int] = {}

    def at(header: str) -> int:
        return columns[header]

    for n, row in _rows(ws, columns):
        rid, level_name = _text(row["规则"]), _text(row["学段"])
        subject = SUBJECT_BY_NAME.get(_text(row["对象"])) if rid in ambiguous else None
        level = LEVEL_BY_NAME.get(level_name) if level_name else None
        key = (rid, subject, _text(row["参数"]), level)
        if key not in expected:
            _unknown_param(found, n, at, key, level_name, expected, settings)
            continue
        if key in seen:
            found.problem(PARAMS, n, at("规则"), f"这一行重复（第 {seen[key]} 行已有）", f"this row appears twice (row {seen[key]})")
            continue
        seen[key] = n
        param = expected[key][0]
        _fixed(found, PARAMS, n, at("单位"), "单位", row["单位"], unit_name(param.unit))
        value = _number(found, n, at("取值"), param, row["取值"])
        if value is not None and not math.isclose(float(value), float(param.value), rel_tol=1e-12, abs_tol=1e-12):
            found.add(ParamEdit(param.rule, param.param, param.level, value, param.subject), PARAMS, n, at("取值"))
    for key, (param, n) in expected.items():
        if key not in seen:
            what = f"{param.rule} {param.param}" + (f"（{_level_zh(param.level)}）" if param.level else "")
            found.problem(PARAMS, n, 1, f"缺少 {what} 这一行（被删除了？删除行不会删除参数）", f"the row of {what} is missing")


def _level_zh(level: str) -> str:
    return next((zh for zh, key in LEVEL_BY_NAME.items() if key == level), level)


def _unknown_param(found: WorkbookEdits, n: int, at: Any, key: ParamKey, level_name: str, expected: dict[ParamKey, Any],
                   settings: Settings) -> None:
    """Why a row's keys name no parameter: the rule, its subject, the param or the level, at that cell."""
    rid, subject, name, level = key
    rules = {k[0] for k in expected}
    if rid not in rules:
        hint = suggest(rid, sorted(rules))
        if any(r.id == rid for r in settings.rules):
            found.problem(PARAMS, n, at("规则"), f"规则 {rid} 没有参数", f"rule {rid} has no params")
        else:
            found.problem(PARAMS, n, at("规则"), f"没有规则 “{rid}”{hint.zh}（规则编号不能修改）",
                          f"no rule {rid!r}{hint.en} (ids are not edited)")
        return
    subjects = {k[1] for k in expected if k[0] == rid}
    if subject not in subjects:
        found.problem(PARAMS, n, at("对象"), f"规则 {rid} 有多个定义，“对象”须为其中之一（对象列不能修改）",
                      f"rule {rid}: 对象 must name its subject")
        return
    names = sorted({k[2] for k in expected if k[0] == rid and k[1] == subject})
    if name not in names:
        hint = suggest(name, names)
        found.problem(PARAMS, n, at("参数"), f"{rid} 没有参数 “{name}”{hint.zh}（参数名不能修改）", f"{rid} has no param {name!r}{hint.en}")
        return
    levels = [_level_zh(k[3]) for k in expected if k[:3] == (rid, subject, name) and k[3] is not None]
    allowed = "、".join(levels) if levels else "空（不分学段）"
    found.problem(PARAMS, n, at("学段"), f"{rid} {name} 的学段 “{level_name}” 无效（可用：{allowed}；学段不能修改）",
                  f"{rid} {name}: invalid level {level_name!r}")


def _number(found: WorkbookEdits, n: int, column: int, param: ParamSetting, value: Any) -> Fraction | None:
    """The 取值 cell as an exact number, or None after a problem: not a number, or a share outside 0–100%."""
    number: Fraction | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        number = Fraction(value) if isinstance(value, int) else Fraction(repr(value))  # 0.75 as typed, not its binary neighbour
    elif isinstance(value, str) and value.strip():
        try:
            number = fraction(value.strip().replace("％", "%"))
        except (ValueError, ZeroDivisionError):
            number = None
    if number is None:
        text = _text(value)
        found.problem(PARAMS, n, column, f"取值应为数值，实为 “{text}”" if text else "取值不能为空",
                      f"the value must be a number, not {text!r}" if text else "the value is empty")
        return None
    if param.ratio and not 0 <= number <= 1:
        found.problem(PARAMS, n, column, f"百分比须在 0% 到 100% 之间，实为 {shown_number(number, True)}（比例请输入 75% 或 0.75）",
                      f"a percentage must lie between 0% and 100%, not {shown_number(number, True)} (type 75% or 0.75)")
        return None
    return number
