"""Reading a spreadsheet filing — an ``.xlsx`` workbook or a folder of CSV files — into plain data and cell locations.

Reading gives the plain data a YAML filing gives (numbers as numbers; an empty cell is absent; a
string in a number cell stays a string, so that the schema reports it) and a ``LoadedDocument``
whose locations are (row, column) in the sheet and whose ``cell(pointer)`` names the cell,
``学校!F12``. A header or label the layout does not know, a repeated one, and a unit that is not the
field's are located errors with a "did you mean". A sheet that is not part of the form (``Sheet1`` with
someone's notes) is left unread, with a notice (``SheetDocument.notices``); one whose name is close to a
sheet of the form that the workbook lacks is an error instead (a misspelt 经费 would lose the figures).

A merged range keeps its value in its top-left cell only: when an empty cell that a merge left empty is
why a field is missing, the error says so (``SheetDocument.merged_over``; the merged ranges are read only
then, from the workbook again, as the fast read-only reading does not give them).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from junheng.errors import InputError, InputErrors, pointer_join, suggest
from junheng.filing.sheets.layout import FALSE, FIELD, INSTRUCTIONS, SHEETS, TRUE, VALUE, Column, Sheet, column_letter
from junheng.located.read import MAX_BYTES, LoadedDocument

__all__ = ["SheetDocument", "load_workbook", "load_csv_folder", "merge_note"]

_NUMERIC = ("count", "amount", "rate", "version")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Units a header may spell differently (NFKC already turns ㎡ into m2).
_UNIT_ALIASES = {"平方米": ("平方米", "m2", "m²", "平米"), "万元": ("万元",), "元": ("元",)}

_Rows = list[tuple[int, list[Any]]]  # a sheet's non-blank rows: (row number, the cells' values)
_Owner = tuple[tuple[int, int], str]  # a container's place in the sheet: ((row, column), its cell)
_Place = tuple[str, int, int]  # a cell: (sheet, row, column), 1-based
_Range = tuple[int, int, int, int]  # a merged range: (first row, first column, last row, last column)
_Merges = Callable[[], dict[str, list[_Range]]]  # sheet name → its merged ranges, read when asked for


@dataclass(frozen=True)
class SheetDocument(LoadedDocument):
    """A spreadsheet filing as loaded: a ``LoadedDocument`` with what only a spreadsheet has.

    ``notices``: sheets (or CSV files) that are not part of the form and were left unread. ``places``:
    the cell of every field the form has a cell for but that was left empty, so that an error about a
    missing field can tell whether a merged range emptied that cell (``merged_over``).
    """

    notices: tuple[InputError, ...] = ()
    places: dict[str, _Place] = field(default_factory=dict, repr=False, compare=False)
    merges: _Merges | None = field(default=None, repr=False, compare=False)
    _merged: dict[str, list[_Range]] = field(default_factory=dict, repr=False, compare=False)  # read once, when first asked

    def merged_over(self, pointer: str) -> tuple[str, str, str] | None:
        """(the cell, the merged range, its top-left cell) when the field at ``pointer`` was left empty by a merge:
        its cell lies inside a merged range other than at the range's top-left, where the merged value is kept."""
        place = self.places.get(pointer)
        if place is None or self.merges is None:
            return None
        return _merge_at(self._ranges(), place)

    def empty_cell(self, pointer: str) -> str | None:
        """The cell ("学校!H3") the form has for the field at ``pointer``, when it was left empty; else None."""
        place = self.places.get(pointer)
        return None if place is None else f"{place[0]}!{_ref(place[2], place[1])}"

    def merged_at(self, place: _Place) -> tuple[str, str, str] | None:
        """As ``merged_over``, for a cell given by its place."""
        return None if self.merges is None else _merge_at(self._ranges(), place)

    def _ranges(self) -> dict[str, list[_Range]]:
        if self.merges is not None and not self._merged:
            self._merged.update(self.merges() or {"": []})  # {"": []}: read, and none found
        return self._merged


def _merge_at(ranges: dict[str, list[_Range]], place: _Place) -> tuple[str, str, str] | None:
    sheet, row, column = place
    for top, left, bottom, right in ranges.get(sheet, ()):
        if top <= row <= bottom and left <= column <= right and (row, column) != (top, left):
            return (f"{sheet}!{_ref(column, row)}", f"{_ref(left, top)}:{_ref(right, bottom)}", f"{sheet}!{_ref(left, top)}")
    return None


def merge_note(merged: tuple[str, str, str] | None) -> tuple[str, str]:
    """The words an error adds when a merged range emptied its cell (empty strings when none did)."""
    if merged is None:
        return "", ""
    cell, span, top = merged
    return (f"；单元格 {cell} 在合并单元格 {span} 中，合并后只有左上角的 {top} 保留数值：请取消合并，在每个单元格中分别填写",
            f"; cell {cell} lies in the merged range {span}, which keeps its value only in its top-left cell {top}: "
            "unmerge the range and fill in every cell")


def _norm(text: str) -> str:
    """How headers, labels and sheet names are compared: NFKC (full-width to ASCII), no blanks, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _split_unit(text: str) -> tuple[str, str | None]:
    """``在校生数（人）`` → (``在校生数``, ``人``): the unit is the last bracketed part."""
    match = re.fullmatch(r"(.*?)\s*[（(]\s*([^（）()]*?)\s*[）)]\s*", text)
    return (match.group(1), match.group(2)) if match else (text, None)


def _names_of(sheet: Sheet) -> dict[str, Column]:
    """What a header or label may say for each column: its name (with or without unit) or its key."""
    names: dict[str, Column] = {}
    for column in sheet.columns:
        keys = {column.name, column.key}
        if not sheet.tabular:
            keys.add(".".join(column.path[1:]))  # the key below the section: regular_revenue.current
        for key in keys:
            names.setdefault(_norm(key), column)
    return names


_NAMES = {sheet.name: _names_of(sheet) for sheet in SHEETS}
_SHEET_NAMES = {_norm(alias): sheet for sheet in SHEETS for alias in (sheet.name, sheet.section, sheet.title)}


def _ref(column: int, row: int) -> str:
    return f"{column_letter(column)}{row}"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Reader:
    """Turns raw sheets (name → rows of cell values) into the filing's data, its locations and its errors."""

    def __init__(self, file: str, from_text: bool, merges: _Merges | None = None):
        self.file, self.from_text = file, from_text
        self.errors: list[InputError] = []
        self.notices: list[InputError] = []
        self.cells: dict[str, str] = {}
        self.places: dict[str, _Place] = {}  # pointer of a field whose cell is empty → that cell
        self.data: dict[str, Any] = {}
        self.tree: dict[str, Any] = {}  # the location tree (see LoadedDocument._index)
        self.merges = merges
        self.empty_cells: list[tuple[int, _Place]] = []  # errors about a cell left empty (by a merge?): (error index, cell)

    def error(self, code: str, sheet: str, row: int, column: int, pointer: str, zh: str, en: str, ref: bool = True) -> None:
        cell = f"{sheet}!{_ref(column, row)}" if ref else sheet
        self.errors.append(InputError(code, self.file, row, column, pointer, zh, en, cell=cell))

    def read(self, sheets: list[tuple[str, _Rows]]) -> SheetDocument:
        seen: dict[str, str] = {}
        present = {s.name for name, _ in sheets if (s := _SHEET_NAMES.get(_norm(name))) is not None}
        for name, rows in sheets:
            if _norm(name) == _norm(INSTRUCTIONS):
                continue
            sheet = _SHEET_NAMES.get(_norm(name))
            if sheet is None:
                if any(_text(v) for _, values in rows for v in values):  # an empty extra sheet is harmless
                    self._unknown_sheet(name, present)
                continue
            if sheet.name in seen:
                self.error("filing_duplicate_key", name, 1, 1, "/" + sheet.section,
                           f"工作表“{name}”与“{seen[sheet.name]}”重复：每部分只能有一个工作表",
                           f"sheet '{name}' repeats '{seen[sheet.name]}': one sheet per section")
                continue
            seen[sheet.name] = name
            if sheet.tabular:
                self._records(sheet, name, rows)
            else:
                self._fields(sheet, name, rows)
        if self.errors:  # with the sheets left unread: one of them may be why
            raise InputErrors(self._with_merges(self.errors) + self.notices)
        root = [(1, 1), self.tree]
        return SheetDocument(self.file, self.data, [root, None, None], cells=self.cells, notices=tuple(self.notices),
                             places=self.places, merges=self.merges)

    def _with_merges(self, errors: list[InputError]) -> list[InputError]:
        """The errors, each one about a cell left empty saying so when a merged range emptied it."""
        if not self.empty_cells or self.merges is None:
            return errors
        doc = SheetDocument(self.file, {}, merges=self.merges)
        out = list(errors)
        for index, place in self.empty_cells:
            zh, en = merge_note(doc.merged_at(place))
            if zh:
                out[index] = replace(out[index], zh=out[index].zh + zh, en=out[index].en + en)
        return out

    def _unknown_sheet(self, name: str, present: set[str]) -> None:
        """A sheet that is not part of the form: left unread with a notice, or an error when it looks like a
        sheet of the form that the workbook lacks (a misspelt name would lose that sheet's figures)."""
        known = [s.name for s in SHEETS]
        # suggest() finds the closest; the hint is built here because it names the sheet even when the
        # closest is its section's key, in this message's own wording (no blank inside “…”).
        close = suggest(name, known + [s.section for s in SHEETS], cutoff=0.4).match
        guess = next((s.name for s in SHEETS if close in (s.name, s.section)), None)
        listed = "、".join(known + [INSTRUCTIONS])
        if guess is not None and guess not in present:
            self.error("filing_unknown_sheet", name, 1, 1, "", f"未知工作表“{name}”，是否应为“{guess}”？（工作表应为：{listed}）",
                       f"unknown sheet '{name}'; did you mean '{guess}'? (the sheets are: {', '.join(known + [INSTRUCTIONS])})",
                       ref=False)
            return
        what_zh, what_en = (f"文件“{name}.csv”", f"file '{name}.csv'") if self.from_text else (f"工作表“{name}”", f"sheet '{name}'")
        self.notices.append(InputError(
            "filing_sheet_ignored", self.file, 1, 1, "",
            f"已忽略{what_zh}：它不属于申报表，其中的内容没有读取（申报表的工作表为：{listed}）",
            f"{what_en} ignored: it is not part of the form and nothing in it was read "
            f"(the sheets are: {', '.join(known + [INSTRUCTIONS])})",
            cell=name))

    def _match(self, sheet: Sheet, name: str, text: str, row: int, column: int, pointer: str) -> Column | None:
        """The column a header or label names, or a located error (unknown, or the wrong unit)."""
        names = _NAMES[sheet.name]
        found = names.get(_norm(text))
        unit = None
        if found is None:
            bare, unit = _split_unit(text)
            found = names.get(_norm(bare))
        if found is None:
            # The closest label as written, else the closest name without the unit; the hint names the label,
            # in the wording of the sheet's hint above.
            close = suggest(text, [c.label for c in sheet.columns], cutoff=0.5).match or \
                suggest(_split_unit(text)[0], [c.name for c in sheet.columns], cutoff=0.5).match
            guess = next((c.label for c in sheet.columns if close in (c.label, c.name)), None)
            hint_zh, hint_en = (f"，是否应为“{guess}”？", f"; did you mean '{guess}'?") if guess else ("", "")
            what_zh, what_en = ("表头", "header") if sheet.tabular else ("字段", "field")
            self.error("filing_unknown_field", name, row, column, pointer, f"未知{what_zh}“{text}”{hint_zh}",
                       f"unknown {what_en} '{text}'{hint_en}")
            return None
        if unit is not None and _norm(unit) not in {_norm(u) for u in _UNIT_ALIASES.get(found.unit or "", (found.unit or "",))}:
            want_zh = f"单位应为 {found.unit}（{found.label}）" if found.unit else f"该字段没有单位（{found.label}）"
            want_en = f"the unit is {found.unit} ({found.label})" if found.unit else f"this field has no unit ({found.label})"
            self.error("filing_unit_mismatch", name, row, column, pointer, f"“{text}”的单位不对：{want_zh}",
                       f"'{text}': wrong unit; {want_en}")
            return None
        return found

    def _value(self, column: Column, raw: Any) -> Any:
        """A cell's value as the filing's data: absent (None), a number, a string, a boolean."""
        if raw is None:
            return None
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float)):
            return raw
        if isinstance(raw, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
            return raw.isoformat() if hasattr(raw, "isoformat") else str(raw)  # the schema reports it
        text = str(raw).strip()
        if not text:
            return None
        kind = column.kind
        if self.from_text and kind in _NUMERIC and _NUMBER.fullmatch(text):  # CSV: every cell is text
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "bool" and text.lower() in TRUE + FALSE:
            return text.lower() in TRUE
        if kind == "enum":
            return next((value for value, zh in column.choices if text == zh), text)
        return text

    def _put(self, pointer_parts: tuple[str, ...], value: Any, where: tuple[int, int], cell: str, key_where: tuple[int, int],
             owners: list[_Owner]) -> None:
        """Store a value at a path below the root, with locations for it and for every new container."""
        data, tree, pointer = self.data, self.tree, ""
        for depth, key in enumerate(pointer_parts[:-1]):
            pointer = pointer_join(pointer, key)
            if key not in data:
                data[key] = {}
                tree[key] = (owners[depth][0], [owners[depth][0], {}])
                self.cells.setdefault(pointer, owners[depth][1])
            data, tree = data[key], tree[key][1][1]
        key = pointer_parts[-1]
        data[key] = value
        tree[key] = (key_where, where)
        self.cells[pointer_join(pointer, key)] = cell

    def _fields(self, sheet: Sheet, name: str, rows: _Rows) -> None:
        rows = [(number, values) for number, values in rows if any(_text(v) for v in values)]
        section_pointer = "/" + sheet.section
        if not rows:
            return
        head_number, head = rows[0]
        if [_norm(_text(v)) for v in head[:2]] not in ([_norm(FIELD), _norm(VALUE)], ["field", "value"]):
            self.error("filing_sheet_header", name, head_number, 1, section_pointer,
                       f"工作表“{name}”的第一行应为表头“{FIELD}”“{VALUE}”（字段名称在 A 列，数值在 B 列）",
                       f"the first row of sheet '{name}' must be the header '{FIELD}' '{VALUE}' (labels in A, values in B)")
            return
        first: dict[str, int] = {}
        rows_of: dict[str, list[int]] = {}
        sheet_cell = f"{name}!A{head_number}"
        for number, values in rows[1:]:
            label = _text(values[0]) if values else ""
            raw = values[1] if len(values) > 1 else None
            if not label:
                if _text(raw):
                    self.empty_cells.append((len(self.errors), (name, number, 1)))
                    self.error("filing_unknown_field", name, number, 1, section_pointer,
                               f"第 {number} 行有数值但没有字段名称", f"row {number} has a value but no field label")
                continue
            column = self._match(sheet, name, label, number, 1, section_pointer)
            if column is None:
                continue
            if column.key in first:
                self.error("filing_duplicate_key", name, number, 1, section_pointer,
                           f"字段“{label}”重复（首次出现在第 {first[column.key]} 行）",
                           f"field '{label}' repeated (first at row {first[column.key]})")
                continue
            first[column.key] = number
            value = self._value(column, raw)
            if value is None:
                self.places["/" + "/".join(column.path)] = (name, number, 2)
                continue
            path = column.path
            owners = [((head_number, 1), sheet_cell)] + [((number, 1), f"{name}!A{number}")] * (len(path) - 1)
            if path[0] == "schema_version":  # the district sheet also carries the filing's version
                owners = []
            self._put(path, value, (number, 2), f"{name}!B{number}", (number, 1), owners)
            for depth in range(2, len(path)):  # a pair (or a level's pair) is the range of its rows
                rows_of.setdefault("/" + "/".join(path[:depth]), []).append(number)
        for pointer, numbers in rows_of.items():
            low, high = min(numbers), max(numbers)
            self.cells[pointer] = f"{name}!B{low}:B{high}" if high > low else f"{name}!B{low}"

    def _records(self, sheet: Sheet, name: str, rows: _Rows) -> None:
        rows = [(number, values) for number, values in rows if any(_text(v) for v in values)]
        if not rows:
            return
        head_number, head = rows[0]
        columns: dict[int, Column] = {}
        first: dict[str, int] = {}
        width = max(len(values) for _, values in rows)
        for index in range(width):
            text = _text(head[index]) if index < len(head) else ""
            number = index + 1
            if not text:
                if any(index < len(values) and _text(values[index]) for _, values in rows[1:]):
                    self.empty_cells.append((len(self.errors), (name, head_number, number)))
                    self.error("filing_unknown_field", name, head_number, number, "/schools",
                               f"第 {column_letter(number)} 列有数据但没有表头", f"column {column_letter(number)} has values but no header")
                continue
            column = self._match(sheet, name, text, head_number, number, "/schools")
            if column is None:
                continue
            if column.key in first:
                self.error("filing_duplicate_key", name, head_number, number, "/schools",
                           f"表头“{text}”重复（与 {column_letter(first[column.key])} 列相同）",
                           f"header '{text}' repeated (same as column {column_letter(first[column.key])})")
                continue
            first[column.key] = number
            columns[index] = column
        schools: list[dict[str, Any]] = []
        tree: list[Any] = []
        self.cells["/schools"] = f"{name}!A{head_number}"
        for number, values in rows[1:]:
            record: dict[str, Any] = {}
            record_tree: dict[str, Any] = {}
            pointer = f"/schools/{len(schools)}"
            empty: dict[str, _Place] = {}
            for index, column in columns.items():
                value = self._value(column, values[index] if index < len(values) else None)
                if value is None:
                    empty[f"{pointer}/{column.path[0]}"] = (name, number, index + 1)
                    continue
                record[column.path[0]] = value
                record_tree[column.path[0]] = ((head_number, index + 1), (number, index + 1))
                self.cells[f"{pointer}/{column.path[0]}"] = f"{name}!{_ref(index + 1, number)}"
            if not record:  # a row whose only text is in columns without a known header
                continue
            self.cells[pointer] = f"{name}!A{number}"
            self.places.update(empty)
            schools.append(record)
            tree.append([(number, 1), record_tree])
        self.data["schools"] = schools
        self.tree["schools"] = ((head_number, 1), [(head_number, 1), tree])


# --- a workbook -----------------------------------------------------------------------------------


def _too_large(file: str, size: int) -> InputError:
    return InputError("filing_too_large", file, None, None, "", f"文件过大（{size / 2**20:.1f} MiB），上限为 {MAX_BYTES // 2**20} MiB",
                      f"the file is too large ({size / 2**20:.1f} MiB); the limit is {MAX_BYTES // 2**20} MiB")


def _unreadable_workbook(file: str, exc: Exception) -> InputErrors:
    return InputErrors([InputError("filing_parse_error", file, None, None, "",
                                   f"无法读取 Excel 工作簿（{type(exc).__name__}: {exc}）",
                                   f"cannot read the Excel workbook ({type(exc).__name__}: {exc})")])


def load_workbook(source: str | os.PathLike[str] | bytes, *, name: str | None = None) -> SheetDocument:
    """Read an ``.xlsx`` workbook (a path, or its bytes shown as ``name``); raise InputErrors on bad input."""
    file, book = _open_workbook(source, name)
    try:
        sheets = [(sheet.title, _worksheet_rows(sheet)) for sheet in book.worksheets]
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise _unreadable_workbook(file, exc) from None
    finally:
        book.close()
    kept = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else os.fsdecode(os.fspath(source))
    return _Reader(file, from_text=False, merges=lambda: _merged_ranges(kept)).read(sheets)


def _merged_ranges(source: str | bytes) -> dict[str, list[_Range]]:
    """Every sheet's merged ranges. The read-only reading does not give them, so the workbook is opened again,
    fully: only when an error may be due to a merge. A workbook that cannot be opened again has none."""
    import openpyxl  # here, not at the top: start-up time (openpyxl is imported only when a workbook is read)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, data_only=True)
    except Exception:  # noqa: BLE001 - it was read a moment ago; failing now only costs the hint
        return {}
    try:
        return {ws.title: [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
                for ws in book.worksheets}
    finally:
        book.close()


def _open_workbook(source: str | os.PathLike[str] | bytes, name: str | None) -> tuple[str, Any]:
    """The name shown for the workbook, and the workbook opened read-only (formulas as their cached values)."""
    # Local imports for start-up time: openpyxl takes a while to import and only a workbook needs it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    stream: io.BytesIO | str
    if isinstance(source, (bytes, bytearray, memoryview)):
        file, stream, size = name or "<bytes>", io.BytesIO(bytes(source)), len(source)
    else:
        path = os.fsdecode(os.fspath(source))
        file = name if name is not None else path
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            zh = {FileNotFoundError: "找不到文件", PermissionError: "没有读取权限"}.get(type(exc), "")
            raise InputErrors([InputError("filing_unreadable", file, None, None, "", f"无法读取文件：{zh}（{exc.strerror or exc}）",
                                          f"cannot read the file ({exc.strerror or exc})")]) from None
        stream = path
    if size > MAX_BYTES:
        raise InputErrors([_too_large(file, size)])
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it drops (data validation extensions …)
            warnings.simplefilter("ignore")
            return file, openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        raise InputErrors([InputError(
            "filing_parse_error", file, None, None, "",
            f"无法打开 Excel 工作簿（.xlsx）：文件已损坏或不是 .xlsx 格式（{type(exc).__name__}）",
            f"cannot open the Excel workbook (.xlsx): the file is damaged or not .xlsx ({type(exc).__name__})")]) from None
    except Exception as exc:  # noqa: BLE001 - any other failure inside openpyxl is still a bad file, not a bug of ours
        raise _unreadable_workbook(file, exc) from None


def _worksheet_rows(sheet: Any) -> _Rows:
    """A read-only worksheet's rows that hold a cell, each as its row number and its values from column A."""
    rows = []
    for cells in sheet.iter_rows():  # read-only rows skip blank rows: the cell knows its row
        values: list[Any] = []
        number = None
        for cell in cells:
            column = getattr(cell, "column", None)
            if column is None:  # an empty cell of read-only mode
                values.append(None)
                continue
            number = cell.row
            values.extend([None] * (column - 1 - len(values)))
            values.append(cell.value)
        if number is not None:
            rows.append((number, values))
    return rows


# --- a folder of CSV files ------------------------------------------------------------------------


def load_csv_folder(path: str | os.PathLike[str], *, name: str | None = None) -> SheetDocument:
    """Read a folder of CSV files, one per sheet (``学校.csv`` …), UTF-8 with or without a BOM."""
    folder = os.fsdecode(os.fspath(path))
    file = name if name is not None else folder
    try:
        entries = sorted(e for e in os.listdir(folder) if e.lower().endswith(".csv") and not e.startswith("."))
    except OSError as exc:
        raise InputErrors([InputError("filing_unreadable", file, None, None, "", f"无法读取文件夹（{exc.strerror or exc}）",
                                      f"cannot read the folder ({exc.strerror or exc})")]) from None
    if not entries:
        raise InputErrors([InputError("filing_empty", file, None, None, "",
                                      "文件夹中没有 CSV 文件：电子表格申报应为每个工作表一个 .csv 文件（学校.csv、经费.csv …）",
                                      "the folder holds no CSV file: a spreadsheet filing is one .csv per sheet (学校.csv, 经费.csv …)")])
    total = sum(os.path.getsize(os.path.join(folder, e)) for e in entries)
    if total > MAX_BYTES:
        raise InputErrors([_too_large(file, total)])
    sheets: list[tuple[str, _Rows]] = []
    errors: list[InputError] = []
    for entry in entries:
        sheet = unicodedata.normalize("NFC", entry[:-4])
        with open(os.path.join(folder, entry), "rb") as stream:
            raw = stream.read()
        rows = _csv_rows(raw, file, entry, sheet)
        if isinstance(rows, InputError):
            errors.append(rows)
        else:
            sheets.append((sheet, rows))
    if errors:
        raise InputErrors(errors)
    return _Reader(file, from_text=True).read(sheets)  # CSV has no merged cells


def _csv_rows(raw: bytes, file: str, entry: str, sheet: str) -> _Rows | InputError:
    """The rows of one CSV file (every row, numbered from 1), or why it cannot be read."""
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        gbk = 0x81 <= raw[exc.start] <= 0xFE
        return InputError(
            "filing_encoding_error", file, line, None, "",
            f"{entry} 不是 UTF-8 编码（第 {line} 行，无效字节 0x{raw[exc.start]:02X}{'，可能是 GBK 编码' if gbk else ''}），"
            "请另存为 UTF-8 CSV",
            f"{entry} is not UTF-8 (line {line}, invalid byte 0x{raw[exc.start]:02X}{'; it may be GBK' if gbk else ''}); "
            "save it as UTF-8 CSV",
            cell=f"{sheet}!A{line}")
    try:
        return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
    except csv.Error as exc:
        return InputError("filing_parse_error", file, None, None, "", f"{entry} 不是有效的 CSV 文件（{exc}）",
                          f"{entry} is not a valid CSV file ({exc})", cell=sheet)
