"""Writing a filing (or a blank form) as a spreadsheet: an ``.xlsx`` workbook or a folder of CSV files, with the filer's instructions."""

from __future__ import annotations

import csv
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from junheng.filing.sheets.layout import (
    FALSE, FIELD, INSTRUCTIONS, KEY, NOTE, SCHOOLS, SHEETS, TRUE, VALUE, Column, Sheet, column_letter,
)
from junheng.located.read import SourceInt

if TYPE_CHECKING:  # openpyxl itself is imported only when a workbook is written (start-up time)
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["write_workbook", "write_csv_folder", "instructions"]

_KINDS_ZH = {"count": "整数", "amount": "数值", "rate": "比率（0–1 或百分数）", "id": "文本（标识码）", "text": "文本",
             "bool": "是/否", "enum": "选项", "version": "整数"}


def _blank_or(data: dict[str, Any] | None) -> dict[str, Any]:
    """The filing to write; a blank form (None) still says which version of the form it is: 数据格式版本 1."""
    return data if data is not None else {"schema_version": 1}


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _shown(column: Column, value: Any) -> Any:
    """A filed value as a cell shows it: 小学 for primary, 是/否 for booleans, ids as text."""
    if value is None:
        return None
    if column.kind == "enum":
        return next((zh for v, zh in column.choices if v == value), value)
    if column.kind == "bool" and isinstance(value, bool):
        return TRUE[0] if value else FALSE[0]
    if isinstance(value, SourceInt):
        return value.source if column.kind in ("id", "text") else int(value)
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def instructions() -> list[str]:
    """The filer's instructions (说明), in Chinese, from the layout."""
    sheets = "、".join(f"{s.name}（{s.title}）" for s in SHEETS)
    enums = "；".join(f"{c.name}填 " + " 或 ".join(zh for _, zh in c.choices) for c in SCHOOLS.columns if c.kind == "enum")
    bools = "、".join(c.name for c in SCHOOLS.columns if c.kind == "bool")
    rates = "、".join(c.name for s in SHEETS for c in s.columns if c.kind == "rate")
    return [
        "区县义务教育均衡发展申报数据（申报格式第 1 版）填报说明",
        "",
        f"1. 每个工作表是申报数据的一部分：{sheets}。不要修改工作表名称；“{INSTRUCTIONS}”表不会被读取，"
        "另加的工作表（如备注）也不会被读取（检查时会提示已忽略）。",
        f"2. 区县、经费、教师队伍、社会认可、弱势群体表：在“{VALUE}”列（B 列）填写数值，不要修改“{FIELD}”列；“{KEY}”“{NOTE}”两列仅供参考。",
        "3. 学校表：第一行是表头（字段名称和单位），不要修改；每个学校学段填一行，九年一贯制学校的小学、初中各填一行，"
        "“所属学校”填同一个学校标识码。",
        "4. 单位写在字段名称后的括号中：区县经费为万元，生均经费、工资和教学仪器设备值为元，面积为平方米，人数为人。",
        f"5. 比率（{rates}）填 0 到 1 之间的小数（如 0.97），或百分数（如 97%）。",
        f"6. {enums}；{bools}填 是 或 否（留空即为否）。",
        "7. 留空表示未填报。不要用 0 代替不知道的数：缺少的数据会列为“数据缺失”，不会当作达标。",
        "8. 行政区划代码、学校标识码按文本填写（保留开头的 0）；数值单元格只填数字，不要加单位或千位分隔符。"
        "不要合并单元格：合并后只有左上角的单元格保留数值，其余的算作未填。",
        "9. 检查：junheng check 申报.xlsx；有错误时会指出工作表和单元格（如 学校!F12）。",
        "",
    ]


def _field_list() -> list[list[str]]:
    rows = [["工作表", FIELD, KEY, "类型", NOTE]]
    for sheet in SHEETS:
        for column in sheet.columns:
            rows.append([sheet.name, column.label, column.key, _KINDS_ZH[column.kind], column.description])
    return rows


def _field_rows(sheet: Sheet, data: dict[str, Any] | None) -> list[list[Any]]:
    rows: list[list[Any]] = [[FIELD, VALUE, KEY, NOTE]]
    for column in sheet.columns:
        rows.append([column.label, _shown(column, _get(data or {}, column.path)), column.key, column.description])
    return rows


def _record_rows(data: dict[str, Any] | None) -> list[list[Any]]:
    rows: list[list[Any]] = [[c.label for c in SCHOOLS.columns]]
    for record in (data or {}).get("schools") or []:
        rows.append([_shown(c, record.get(c.path[0]) if isinstance(record, dict) else None) for c in SCHOOLS.columns])
    return rows


# --- a folder of CSV files ------------------------------------------------------------------------


def write_csv_folder(data: dict[str, Any] | None, folder: str | os.PathLike[str]) -> None:
    """Write a filing (or, with ``data`` None, a blank form) as a folder of UTF-8 CSV files with a BOM
    (so that Excel opens the Chinese text right)."""
    folder = os.fsdecode(os.fspath(folder))
    os.makedirs(folder, exist_ok=True)
    data = _blank_or(data)

    def write(name: str, rows: list[list[Any]]) -> None:
        with open(os.path.join(folder, f"{name}.csv"), "w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream, lineterminator="\r\n").writerows([[_csv_text(v) for v in row] for row in rows])

    write(INSTRUCTIONS, [[line] for line in instructions()] + _field_list())
    for sheet in SHEETS:
        write(sheet.name, _record_rows(data) if sheet.tabular else _field_rows(sheet, data))


# --- a workbook -----------------------------------------------------------------------------------


class _Styles(NamedTuple):
    """The few openpyxl styles the workbook uses, made once per workbook."""

    bold: Any  # headers
    head_fill: Any  # headers' background
    grey: Any  # the 键 and 说明 columns: for the reader, not to be filled
    title: Any  # the instructions' first line
    head_alignment: Any  # the schools sheet's headers, wrapped


def _validation(column: Column) -> DataValidation | None:
    """The Excel data validation of a column: a list for options, non-negative numbers for figures."""
    from openpyxl.worksheet.datavalidation import DataValidation  # local for start-up time: only a workbook needs openpyxl

    common: dict[str, Any] = {"allow_blank": True, "showErrorMessage": True, "errorTitle": column.name}
    if column.kind == "enum":
        words = [zh for _, zh in column.choices]
        return DataValidation(type="list", formula1='"' + ",".join(words) + '"', error="请选择：" + "、".join(words), **common)
    if column.kind == "bool":
        return DataValidation(type="list", formula1=f'"{TRUE[0]},{FALSE[0]}"', error="请选择：是、否", **common)
    if column.kind in ("count", "version"):
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的整数", **common)
    if column.kind == "amount":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的数", **common)
    if column.kind == "rate":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                              error="请填写 0 到 1 之间的小数（或 97% 这样的百分数）", **common)
    return None


def _set(cell: Any, value: Any, column: Column | None = None) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text that starts with "=" is text, not a formula
    if column is not None:
        if column.kind == "id":
            cell.number_format = "@"
        elif column.kind == "rate" and isinstance(value, (int, float)):
            cell.number_format = "0.00%"


def write_workbook(data: dict[str, Any] | None, path: str | os.PathLike[str]) -> None:
    """Write a filing (or, with ``data`` None, a blank form) as an ``.xlsx`` workbook: units in the
    headers, the instructions sheet, and data validation for options and non-negative numbers."""
    # Local imports for start-up time: openpyxl takes a while to import and only a workbook needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    styles = _Styles(bold=Font(bold=True), head_fill=PatternFill("solid", fgColor="DDEBF7"), grey=Font(color="808080"),
                     title=Font(bold=True, size=14), head_alignment=Alignment(wrap_text=True, vertical="center"))
    data = _blank_or(data)
    book = Workbook()
    notes = book.active
    notes.title = INSTRUCTIONS
    _write_notes(notes, styles)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        if sheet.tabular:
            _write_records(ws, sheet, data, styles)
        else:
            _write_fields(ws, sheet, data, styles)
    book.properties.creator = "junheng"
    book.save(os.fsdecode(os.fspath(path)))


def _write_notes(notes: Worksheet, styles: _Styles) -> None:
    """The instructions sheet: the instructions, then the list of every field."""
    for line in instructions():
        notes.append([line])
    notes["A1"].font = styles.title
    start = notes.max_row + 1
    for row in _field_list():
        notes.append(row)
    for cell in notes[start]:
        cell.font, cell.fill = styles.bold, styles.head_fill
    for letter, width in zip("ABCDE", (12, 44, 44, 16, 80), strict=True):
        notes.column_dimensions[letter].width = width


def _write_records(ws: Worksheet, sheet: Sheet, data: dict[str, Any] | None, styles: _Styles) -> None:
    """The schools sheet: a header row, a row per school record, and validation for rows yet to be filled."""
    rows = _record_rows(data)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                _set(ws.cell(r, c), value, sheet.columns[c - 1] if r > 1 else None)
    last = max(len(rows) + 200, 1000)
    for c, column in enumerate(sheet.columns, start=1):
        letter = column_letter(c)
        head = ws.cell(1, c)
        head.font, head.fill = styles.bold, styles.head_fill
        head.alignment = styles.head_alignment
        ws.column_dimensions[letter].width = max(10, min(24, len(column.label) * 1.8))
        validation = _validation(column)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")
        if column.kind == "id":
            for r in range(len(rows) + 1, last + 1):
                ws.cell(r, c).number_format = "@"  # typed ids keep their leading zeros
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "C2"


def _write_fields(ws: Worksheet, sheet: Sheet, data: dict[str, Any] | None, styles: _Styles) -> None:
    """A field/value sheet: a row per field, values in column B, validation by the field's kind."""
    rows = _field_rows(sheet, data)
    ranges: dict[str, list[str]] = {}
    for r, row in enumerate(rows, start=1):
        column = sheet.columns[r - 2] if r > 1 else None
        for c, value in enumerate(row, start=1):
            if value is not None:
                _set(ws.cell(r, c), value, column if c == 2 else None)
        if column is not None:
            ws.cell(r, 3).font = ws.cell(r, 4).font = styles.grey
            if column.kind == "id":
                ws.cell(r, 2).number_format = "@"
            ranges.setdefault(column.kind, []).append(f"B{r}")
    for kind, cells in ranges.items():
        validation = _validation(next(c for c in sheet.columns if c.kind == kind))
        if validation is not None:
            validation.errorTitle = sheet.name
            ws.add_data_validation(validation)
            for cell in cells:
                validation.add(cell)
    for cell in ws[1]:
        cell.font, cell.fill = styles.bold, styles.head_fill
    for letter, width in zip("ABCD", (40, 16, 40, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B2"

