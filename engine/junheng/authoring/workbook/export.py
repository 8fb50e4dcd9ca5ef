"""Write the settings workbook: the rule files' numbers and Chinese texts as an officer edits them in Excel.

Everything shown comes from ``read_settings`` (``authoring/edits/settings.py``); this module only lays it out:
editable columns under a yellow header, read-only ones grey, drop-downs for the severity and the
switch, shares in percentage cells (0.7 shown as 70%), the header row frozen.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from junheng.authoring.edits import LEVEL_NAMES, SEVERITY_ZH, SHARED, ParamSetting, RuleSetting, Settings, read_settings
from junheng.authoring.workbook.layout import (FORMAT_VERSION, GUIDE, LABEL_FINGERPRINT, LABEL_ROOTS, LABEL_STANDARD, LABEL_VERSION,
                                               NO, PARAM_COLUMNS, PARAMS, RULE_COLUMNS, RULES, SUBJECT_NAMES, YES, Column, unit_name)
from junheng.policy.load import Roots

__all__ = ["GUIDE_TEXT", "export_workbook", "other_cases_text", "param_note", "percent_format"]

_EDIT_HEADER = PatternFill("solid", fgColor="FFF2CC")  # yellow: edit these
_FIXED_HEADER = PatternFill("solid", fgColor="D9D9D9")
_FIXED_CELL = PatternFill("solid", fgColor="F2F2F2")  # grey: read-only
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)

# How to edit, in the words of the 说明 sheet (one paragraph a row).
GUIDE_TEXT = (
    "本工作簿是规则文件的一个视图：在这里修改数字和中文文字，再运行 junheng rules import-xlsx 本文件 写回规则文件。"
    "只有改动过的值会写回，规则文件中的注释、顺序和格式保持不变。",
    "“规则”表每行一条规则。可以修改的列是黄色表头的列：启用（是 / 否）、严重程度（否决项、须整改、建议、提示，从下拉列表中选）、"
    "标题、依据、说明（发现问题时报告中的文字）、整改（整改要求）。灰色的列只读，改了会在导入时报错。",
    "“参数”表每行是一条规则的一个参数；按学段取值的参数每个学段一行。只修改“取值”一列。比例显示为百分数：70% 就是 0.7，"
    "输入 75% 或 0.75 都可以（须在 0% 到 100% 之间）；人数、班数、面积、金额等直接写数字。",
    "共用参数（“规则”列为“共用”）是几条规则共用的一个数，只占一行，说明列列出使用它的规则；改它，这些规则一起改变。"
    "这些规则自己的参数行里不再重复出现它。",
    "文字中的 {名称} 是占位符，报告中换成实际的数字或名称（{threshold:pct} 显示为百分数）。可以移动或删去占位符，"
    "但不能写规则中没有的名称；导入时逐格检查。标题中也可以用参数的占位符（如 {standard.primary}）。",
    "整改有几种情形的规则：“整改”列是第一种情形的文字，它的条件和其余情形列在“整改（其他情形）”列，只读；其余情形请在规则文件中修改。",
    "工作簿中只有中文文字。英文文字（--lang en 的报告使用）仍在规则文件中：修改中文之后，请同时修改规则文件中对应的 en 文字。",
    "不要删除行，不要修改规则编号、参数名、学段和对象，也不要修改工作表名称和表头；可以排序和筛选。停用一条规则请把“启用”改为“否”"
    "（规则留在文件中，随时可以改回“是”）。",
    "导入时发现的每个问题都给出单元格（如 参数!D14）；只要有一处问题，就不写入任何文件。加 --dry-run 只列出会做的修改。"
    "写入后会重新编译规则并运行规则测试：如有测试因修改而不再通过，会列出测试名称和新的数值，核对无误后运行 "
    "junheng rules test --accept 改写这些测试的期望值。",
    "导出时指定了规则包（上方“规则包”一格）时，表中是该规则包中的取值（含它的覆盖设置）：写在规则包覆盖设置中的值写回该规则包，"
    "其余写回规则文件（对所有规则包生效）。规则在下层规则目录中时，修改写成最上层规则包的覆盖设置。",
)


def export_workbook(path: str | os.PathLike[str], roots: Roots = None, standard: str | None = None) -> Settings:
    """Write the workbook of the rules ``roots`` (as the pack ``standard`` has them) to ``path``, replacing it whole.

    InputErrors for broken rules or an unknown pack; OSError when ``path`` cannot be written."""
    settings = read_settings(roots, standard)
    book = Workbook()
    guide = book.active
    assert guide is not None  # a new workbook has one sheet
    guide.title = GUIDE
    _guide(guide, settings)
    _rules_sheet(book.create_sheet(RULES), settings.rules)
    _params_sheet(book.create_sheet(PARAMS), settings.params)
    _save(book, Path(path))
    return settings


def _save(book: Workbook, path: Path) -> None:
    """Saved beside the target, then moved over it: a reader never sees half a workbook."""
    fd, name = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        book.save(name)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _guide(ws: Worksheet, settings: Settings) -> None:
    """说明: what the workbook is, the values the import reads (规则包, 格式版本, 指纹), how to edit, the packs."""
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    for letter in "CDEF":
        ws.column_dimensions[letter].width = 14
    ws.append(["规则设置工作簿"])
    ws["A1"].font = Font(bold=True, size=14)
    standard = settings.standard or ""
    facts = [(LABEL_STANDARD, standard), (LABEL_ROOTS, "；".join(str(r) for r in settings.roots)), (LABEL_VERSION, FORMAT_VERSION),
             (LABEL_FINGERPRINT, settings.fingerprint)]
    for label, value in facts:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 2).alignment = Alignment(horizontal="left", vertical="top")
    ws.append([None, "（规则包一格为空：表中是规则文件中写的取值；有包名：是该规则包中的取值）"])
    ws.append([])
    ws.append(["怎样修改"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    for n, paragraph in enumerate(GUIDE_TEXT, 1):
        ws.append([n, paragraph])
        ws.cell(ws.max_row, 1).alignment = _TOP
        ws.cell(ws.max_row, 2).alignment = _WRAP
    ws.append([])
    ws.append(["规则包一览"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append(["包名", "名称", "继承", "适用年份起", "适用年份止", "目录"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = _FIXED_HEADER
    for pack in settings.packs:
        ws.append([pack.name, pack.title, pack.extends or "", pack.valid_from or "", pack.valid_to or "", pack.folder])


def _header(ws: Worksheet, columns: Sequence[Column]) -> None:
    ws.append([c.header for c in columns])
    for i, column in enumerate(columns, 1):
        cell = ws.cell(1, i)
        cell.font = Font(bold=True)
        cell.fill = _EDIT_HEADER if column.kind == "edit" else _FIXED_HEADER
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "B2"  # the header row and the rule's id stay in sight


def _style_rows(ws: Worksheet, columns: Sequence[Column]) -> None:
    for row in ws.iter_rows(min_row=2):
        for column, cell in zip(columns, row, strict=False):
            cell.alignment = _WRAP if column.wrap else _TOP
            if column.kind != "edit":
                cell.fill = _FIXED_CELL
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 2)}"


def other_cases_text(rule: RuleSetting) -> str:
    """The 整改（其他情形） cell: the condition of the first case (the 整改 column) and the other cases."""
    lines = []
    if rule.rectification_when:
        lines.append(f"“整改”列用于：{rule.rectification_when}")
    for when, text in rule.other_cases:
        lines.append(f"当 {when}：{text}" if when else f"其他情形：{text}")
    return "\n".join(lines)


def _rules_sheet(ws: Worksheet, rules: Sequence[RuleSetting]) -> None:
    _header(ws, RULE_COLUMNS)
    for r in rules:
        ws.append([r.id, YES if r.enabled else NO, SEVERITY_ZH[r.severity], r.title, r.basis, r.message, r.rectification,
                   "、".join(r.packs), SUBJECT_NAMES.get(r.subject, r.subject), other_cases_text(r)])
    _style_rows(ws, RULE_COLUMNS)
    last = max(ws.max_row, 2)
    severity = DataValidation(type="list", formula1='"' + ",".join(SEVERITY_ZH.values()) + '"', allow_blank=False, showErrorMessage=True,
                              errorTitle="严重程度", error="请从列表中选择：否决项、须整改、建议、提示")
    enabled = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=False, showErrorMessage=True, errorTitle="启用",
                             error="请选择 是 或 否")
    severity.add(f"C2:C{last}")
    enabled.add(f"B2:B{last}")
    ws.add_data_validation(severity)
    ws.add_data_validation(enabled)


def param_note(p: ParamSetting) -> str:
    """The 说明 cell of a param row: the rule's title, or a shared parameter's title and the rules using it."""
    if p.rule == SHARED:
        return f"{p.title}；用于 {'、'.join(p.users)}" if p.users else p.title
    return p.title


def percent_format(value: Fraction) -> str:
    """70% for a whole percentage, 33.33% otherwise."""
    return "0%" if (value * 100).denominator == 1 else "0.00%"


def _params_sheet(ws: Worksheet, params: Sequence[ParamSetting]) -> None:
    _header(ws, PARAM_COLUMNS)
    share = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=False, showErrorMessage=True,
                           errorTitle="比例", error="请输入 0% 到 100% 之间的百分数（如 75%）")
    for p in params:
        value: int | float = int(p.value) if p.value.denominator == 1 else float(p.value)
        ws.append([p.rule, p.param, LEVEL_NAMES.get(p.level, p.level) if p.level else "", value, unit_name(p.unit), param_note(p),
                   SUBJECT_NAMES.get(p.subject, p.subject) if p.subject else ""])
        if p.ratio:
            cell = ws.cell(ws.max_row, 4)
            cell.number_format = percent_format(p.value)
            share.add(cell.coordinate)
    _style_rows(ws, PARAM_COLUMNS)
    ws.add_data_validation(share)
