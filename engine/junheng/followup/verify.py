"""On-site verification (实地核查): a filled 核查表 read back, and the filing checked with the verified figures.

``read_form`` reads the sheet ``核查`` of the form ``junheng sample --format xlsx`` wrote (or any sheet of
that name with the columns 学校标识码, 字段 and 核查数): each filled 核查数 cell is a verified figure. A row
that names a school or a field the filing does not have (filled or not), a 核查数 that is not a number
(text, a date, a negative or fractional count …), or a (school, field) given twice is invalid input,
named by its sheet and cell: nothing an inspector wrote is dropped or read otherwise than written.

``verify`` checks the filing as ``junheng check`` does, with every verified figure in place of the filed one
and DATA-06 for each figure that differs (``check/verified.py``). A filing whose school ids repeat is
refused: its rows could not say which record they mean.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from junheng.check.run import Options, check_source
from junheng.check.verified import Verified, repeated_ids
from junheng.errors import InputError, InputErrors, suggest
from junheng.filing.read import read_filing
from junheng.filing.sheets.layout import column_letter
from junheng.followup.sample import FORM_COLUMNS, FORM_SHEET, form_fields
from junheng.located.read import MAX_BYTES
from junheng.policy.compiled import Policy
from junheng.report.labels import field_label
from junheng.report.result import Location, Result

__all__ = ["read_form", "verify"]

_ID, _FIELD, _FIGURE = FORM_COLUMNS[0], FORM_COLUMNS[3], FORM_COLUMNS[5]  # 学校标识码, 字段, 核查数: what a row must say
_LARGEST = 1e15  # as the filing's numbers (filing.md)


def verify(filing: str, form: str, policy: Policy, standard: str | None = None, details: frozenset[str] | None = None) -> Result:
    """The check of ``filing`` with the figures the 核查表 ``form`` verified in place of the filed ones, plus DATA-06."""
    doc, model = read_filing(filing)
    data = model.model_dump(mode="python", exclude_none=True)
    errors = repeated_ids(doc, data)
    if errors:
        raise InputErrors(errors)
    figures = read_form(form, data)
    result = check_source(filing, policy, Options(standard=standard, verified=figures, details=details))
    if figures:
        return result
    nothing = InputError("verify_nothing_verified", form, None, None, "", f"核查表 {form} 没有填写任何核查数：结果即申报数据本身的检查结果",
                         f"the form {form} verifies no figure: the result is the check of the filing as filed", cell=FORM_SHEET)
    return replace(result, notices=(*result.notices, nothing))


def read_form(form: str, data: dict[str, Any]) -> tuple[Verified, ...]:
    """The verified figures of a 核查表, in row order; raises InputErrors naming the sheet and cell of every mistake."""
    rows = _rows(form)
    reader = _FormReader(form, data)
    head = next(((n, values) for n, values in rows if any(_text(v) for v in values)), None)
    if head is None:
        raise InputErrors([reader.error(1, 1, "", "工作表“核查”是空的：应有表头（" + "、".join(FORM_COLUMNS) + "）和核查行",
                                        "the sheet 核查 is empty: it needs the header (" + ", ".join(FORM_COLUMNS) + ") and rows")])
    columns = reader.header(*head)
    if columns is not None:
        body = [(number, values) for number, values in rows if number > head[0] and any(_text(v) for v in values)]
        for number, values in body:
            reader.row(number, values, columns)
        if len(body) > 1 and reader.strangers == len(body):  # not one school of the filing: one error, not one per row
            first = body[0][0]
            raise InputErrors([reader.error(first, columns[_ID], "/schools", "核查表中的学校都不在这份申报中：它是否由另一份申报抽签生成？",
                                            "none of the form's schools is in the filing: was it drawn from another filing?")])
    if reader.errors:
        raise InputErrors(reader.errors)
    return tuple(reader.figures)


class _FormReader:
    """The rows of one 核查表 against one filing: its figures, and an error per mistake, each at its cell."""

    def __init__(self, form: str, data: dict[str, Any]):
        self.form = form
        self.records = data.get("schools") or []
        self.index = {str(r["id"]): i for i, r in enumerate(self.records)}
        self.numeric = {c.key: c for c in form_fields()}
        self.errors: list[InputError] = []
        self.figures: list[Verified] = []
        self.seen: dict[tuple[str, str], int] = {}  # (school, field) → the row that gave it first
        self.strangers = 0  # rows naming a school the filing does not have

    def error(self, row: int, column: int, pointer: str, zh: str, en: str) -> InputError:
        cell = f"{FORM_SHEET}!{column_letter(column)}{row}"
        return InputError("verify_form_error", self.form, row, column, pointer, zh, en, cell=cell)

    def header(self, number: int, values: list[Any]) -> dict[str, int] | None:
        """The column (1-based) of each header the form's rows need, or None after an error naming what is missing."""
        found = {_text(v): i + 1 for i, v in reversed(list(enumerate(values))) if _text(v)}
        missing = [name for name in (_ID, _FIELD, _FIGURE) if name not in found]
        if missing:
            self.errors.append(self.error(number, 1, "", f"表头缺少“{'”“'.join(missing)}”（表头应为：{'、'.join(FORM_COLUMNS)}）",
                                          f"the header lacks {', '.join(missing)} (the header is: {', '.join(FORM_COLUMNS)})"))
            return None
        return {name: found[name] for name in (_ID, _FIELD, _FIGURE)}

    def row(self, number: int, values: list[Any], columns: dict[str, int]) -> None:
        """One row: the school and field it names must be the filing's; a filled 核查数 must be a figure the field can hold."""
        def at(name: str) -> Any:
            i = columns[name] - 1
            return values[i] if i < len(values) else None

        school, field = self._school(number, at(_ID), columns[_ID]), _text(at(_FIELD))
        if school is None:
            return
        pointer = self._field(number, school, field, columns[_FIELD])
        if pointer is None:
            return
        key = (school, field)
        if key in self.seen:
            self.errors.append(self.error(number, columns[_FIELD], pointer,
                                          f"学校 {school} 的“{field}”重复（首次出现在第 {self.seen[key]} 行）",
                                          f"{field} of school {school} is repeated (first at row {self.seen[key]})"))
            return
        self.seen[key] = number
        raw = at(_FIGURE)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return  # not verified
        value = self._figure(number, columns[_FIGURE], pointer, field, raw)
        if value is not None:
            where = Location(self.form, number, columns[_FIGURE], pointer, f"{FORM_SHEET}!{column_letter(columns[_FIGURE])}{number}")
            self.figures.append(Verified(school, field, value, where))

    def _school(self, number: int, raw: Any, column: int) -> str | None:
        text = _id_text(raw)
        if text in self.index:
            return text
        if not text:
            zh, en = "没有学校标识码", "no school id"
        else:
            self.strangers += 1
            hint = suggest(text, self.index)
            zh, en = f"申报中没有学校标识码为 “{text}” 的学校{hint.zh}", f"the filing has no school with the id {text!r}{hint.en}"
        self.errors.append(self.error(number, column, "/schools", zh, en))
        return None

    def _field(self, number: int, school: str, field: str, column: int) -> str | None:
        """The filing's pointer of a school's field, or None after an error: unknown, not numeric, or not held by the record."""
        record_at = self.index[school]
        if field not in self.numeric:
            hint = suggest(field, self.numeric)
            zh = f"“{field}”不是学校的数值字段{hint.zh}" if field else "没有填写字段"
            en = f"{field!r} is not a numeric field of a school{hint.en}" if field else "no field given"
            self.errors.append(self.error(number, column, f"/schools/{record_at}", zh, en))
            return None
        if self.records[record_at].get(field) is None:
            label = field_label(field)
            self.errors.append(self.error(number, column, f"/schools/{record_at}",
                                          f"学校 {school} 的申报中没有“{label}”（{field}），无从核查",
                                          f"school {school} filed no {label} ({field}): there is nothing to verify"))
            return None
        return f"/schools/{record_at}/{field}"

    def _figure(self, number: int, column: int, pointer: str, field: str, raw: Any) -> int | float | None:
        """A filled 核查数 as a number the field can hold; None after an error (a text, a date, a negative or fractional count …)."""
        kind = self.numeric[field].kind
        problem = _problem(raw, kind, field)
        if problem is not None:
            shown = raw.isoformat() if isinstance(raw, (dt.date, dt.time)) else raw
            label = field_label(field)
            said = f"“{shown}”" if isinstance(shown, str) else str(shown)  # a cell's text as the form's words quote it
            self.errors.append(self.error(number, column, pointer, f"{label}的核查数应为{problem[0]}，单元格中是 {said}",
                                          f"the verified figure of {label} must be {problem[1]}, not {shown!r}"))
            return None
        return int(raw) if kind == "count" else raw


def _problem(raw: Any, kind: str, field: str) -> tuple[str, str] | None:
    """Why a 核查数 cannot be the field's figure, (zh, en); None when it can."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return "数值（只填数字，不带单位或文字）", "a number (digits only, no unit or words)"
    if not math.isfinite(raw) or raw < 0 or raw > _LARGEST:
        return "不小于 0、不大于 1e15 的数", "a number from 0 to 1e15"
    if kind == "count" and not float(raw).is_integer():
        return "整数", "a whole number"
    if field in ("students", "classes") and raw < 1:
        return "不小于 1 的整数", "a whole number of at least 1"
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _id_text(value: Any) -> str:
    """A school id as written: a number typed into the cell (2150131014) is its digits."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _rows(form: str) -> Sequence[tuple[int, list[Any]]]:
    """The rows of the form's sheet 核查 that hold a cell: (row number, values from column A)."""
    book = _open(form)
    try:
        if FORM_SHEET not in book.sheetnames:
            names = "、".join(book.sheetnames)
            raise InputErrors([InputError("verify_form_error", form, None, None, "",
                                          f"核查表中没有工作表“{FORM_SHEET}”（有：{names}）",
                                          f"the form has no sheet {FORM_SHEET} (it has: {names})",
                                          cell=FORM_SHEET)])
        out = []
        for number, row in enumerate(book[FORM_SHEET].iter_rows(values_only=True), 1):
            values = list(row)
            if any(v is not None for v in values):
                out.append((number, values))
        return out
    finally:
        book.close()


def _open(form: str) -> Any:
    """The workbook, read-only with formulas as their cached values; a file that is not one is invalid input."""
    # Local imports for start-up time: openpyxl takes a while to import and only this command reads a workbook.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    def bad(zh: str, en: str) -> InputErrors:
        return InputErrors([InputError("verify_form_unreadable", form, None, None, "", zh, en)])

    try:
        size = os.stat(form).st_size
    except OSError as exc:
        raise bad(f"无法读取核查表（{exc.strerror or exc}）", f"cannot read the form ({exc.strerror or exc})") from None
    if size > MAX_BYTES:
        raise bad(f"核查表过大（{size / 2**20:.1f} MiB）", f"the form is too large ({size / 2**20:.1f} MiB)")
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it drops
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(form, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        raise bad(f"无法打开核查表：文件已损坏或不是 .xlsx 格式（{type(exc).__name__}）",
                  f"cannot open the form: the file is damaged or not .xlsx ({type(exc).__name__})") from None
