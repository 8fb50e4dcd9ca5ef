"""A filing as a spreadsheet: an ``.xlsx`` workbook, or a folder of ``.csv`` files, one sheet per section.

The layout is derived from the filing models (``model.py``), so that labels and units have one
source of truth — a field's Chinese ``title`` and the unit its ``description`` states:

- 区县, 经费, 教师队伍, 社会认可, 弱势群体 (district — with ``schema_version`` —, finance,
  staffing, survey, equity): columns 字段 | 值 | 键 | 说明, one row per field, labelled by the
  titles along its path and its unit, e.g. ``财政经常性收入·本年（万元）``; only 字段 and 值 are
  read (键, the contract's key, and 说明 are there for the reader);
- 学校 (schools): one header row of labels such as ``在校生数（人）``, then one row per school
  record (学段);
- 说明: instructions for the filer; never read.

Reading gives the plain data a YAML filing gives (numbers as numbers; an empty cell is absent; a
string in a number cell stays a string, so that the schema reports it) and a ``LoadedDocument``
whose locations are (row, column) in the sheet and whose ``cell(pointer)`` names the cell,
``学校!F12``. A header or label the layout does not know, a repeated one, a unit that is not the
field's, and a sheet the layout does not know are located errors with a "did you mean".
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import os
import re
import typing
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel

from junheng.errors import InputError, InputErrors, pointer_join
from junheng.filing import model as _model
from junheng.located.read import MAX_BYTES, LoadedDocument, SourceInt

__all__ = ["Column", "Sheet", "SHEETS", "INSTRUCTIONS", "load_workbook", "load_csv_folder", "write_workbook",
           "write_csv_folder", "instructions"]

INSTRUCTIONS = "说明"  # the instructions sheet: written for the filer, never read
FIELD, VALUE, KEY, NOTE = "字段", "值", "键", "说明"  # the columns of a field/value sheet
_KINDS_ZH = {"count": "整数", "amount": "数值", "rate": "比率（0–1 或百分数）", "id": "文本（标识码）", "text": "文本",
             "bool": "是/否", "enum": "选项", "version": "整数"}
_NUMERIC = ("count", "amount", "rate", "version")
_TRUE, _FALSE = ("是", "true"), ("否", "false")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_UNIT = re.compile(r"单位：(\S+?) \(")
_CHOICE = re.compile(r"([a-z_]+)（([^）]+)）")
# Units a header may spell differently (NFKC already turns ㎡ into m2).
_UNIT_ALIASES = {"平方米": ("平方米", "m2", "m²", "平米"), "万元": ("万元",), "元": ("元",)}


@dataclass(frozen=True)
class Column:
    """One field of the filing as a spreadsheet shows it."""

    path: tuple[str, ...]  # from the filing's root: ("finance", "regular_revenue", "current"); a school field: ("students",)
    label: str  # 财政经常性收入·本年（万元）
    name: str  # the label without its unit
    unit: str | None
    kind: str  # count | amount | rate | id | text | bool | enum | version
    choices: tuple[tuple[str, str], ...]  # enum: (value, 中文)
    description: str

    @property
    def key(self) -> str:
        """The contract's key: ``finance.regular_revenue.current``; a school field's own name."""
        return ".".join(self.path)


@dataclass(frozen=True)
class Sheet:
    """One sheet: a section of the filing."""

    name: str  # 经费
    section: str  # finance
    title: str  # the section's title in the models: 经费保障
    tabular: bool  # the schools sheet: a row per record, a column per field
    columns: tuple[Column, ...]


# --- the layout, from the models ---------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, list]:
    """The type inside ``Optional[Annotated[...]]`` and the Annotated metadata."""
    metadata: list = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation, metadata = args[0], metadata + list(args[1:])
        elif origin is Union or origin is getattr(__import__("types"), "UnionType"):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation, metadata


def _kind(info) -> tuple[str, tuple]:
    base, metadata = _unwrap(info.annotation)
    validators = {getattr(getattr(m, "func", None), "__name__", "") for m in [*info.metadata, *metadata]}
    if typing.get_origin(base) is Literal:
        args = typing.get_args(base)
        if all(isinstance(a, int) for a in args):
            return "version", ()
        return "enum", tuple((m.group(1), m.group(2)) for m in _CHOICE.finditer(info.description or "") if m.group(1) in args)
    if base is bool:
        return "bool", ()
    if base is int:
        return "count", ()
    if base is float:
        return ("rate" if "_rate" in validators else "amount"), ()
    return ("id" if "_identifier" in validators else "text"), ()


def _column(path: tuple[str, ...], titles: list[str], info) -> Column:
    name = ""
    for title in titles:  # a title that repeats its parent's ("土地出让收益" under 土地出让收益) stands alone
        name = title if not name or title.startswith(name.split("·")[-1]) else f"{name}·{title}"
    unit_match = _UNIT.search(info.description or "")
    unit = unit_match.group(1) if unit_match else None
    kind, choices = _kind(info)
    return Column(path, f"{name}（{unit}）" if unit else name, name, unit, kind, choices, info.description or "")


def _columns(model: type[BaseModel], path: tuple[str, ...], titles: list[str]) -> list[Column]:
    out = []
    for key, info in model.model_fields.items():
        inner, _ = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out += _columns(inner, (*path, key), [*titles, info.title or key])
        else:
            out.append(_column((*path, key), [*titles, info.title or key], info))
    return out


def _layout() -> tuple[Sheet, ...]:
    fields = _model.Filing.model_fields
    version = _column(("schema_version",), [fields["schema_version"].title], fields["schema_version"])
    sheets = [Sheet("区县", "district", fields["district"].title, False,
                    (version, *_columns(_model.District, ("district",), [])))]
    for name, section, model in (("经费", "finance", _model.Finance), ("教师队伍", "staffing", _model.Staffing),
                                 ("社会认可", "survey", _model.Survey), ("弱势群体", "equity", _model.Equity)):
        sheets.append(Sheet(name, section, fields[section].title, False, tuple(_columns(model, (section,), []))))
    sheets.append(Sheet("学校", "schools", fields["schools"].title, True, tuple(_columns(_model.School, (), []))))
    return tuple(sheets)


SHEETS: tuple[Sheet, ...] = _layout()
_SCHOOLS = SHEETS[-1]


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


# --- reading --------------------------------------------------------------------------------------


def _letter(column: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _ref(column: int, row: int) -> str:
    return f"{_letter(column)}{row}"


class _Reader:
    """Turns raw sheets (name → rows of cell values) into the filing's data, its locations and its errors."""

    def __init__(self, file: str, from_text: bool):
        self.file, self.from_text = file, from_text
        self.errors: list[InputError] = []
        self.cells: dict[str, str] = {}
        self.data: dict = {}
        self.tree: dict = {}  # the location tree (see LoadedDocument._index)

    def error(self, code: str, sheet: str, row: int, column: int, pointer: str, zh: str, en: str, ref: bool = True) -> None:
        cell = f"{sheet}!{_ref(column, row)}" if ref else sheet
        self.errors.append(InputError(code, self.file, row, column, pointer, zh, en, cell=cell))

    def read(self, sheets: list[tuple[str, list[tuple[int, list]]]]) -> LoadedDocument:
        seen: dict[str, str] = {}
        for name, rows in sheets:
            if _norm(name) == _norm(INSTRUCTIONS):
                continue
            sheet = _SHEET_NAMES.get(_norm(name))
            if sheet is None:
                if any(_text(v) for _, values in rows for v in values):  # an empty extra sheet is harmless
                    self._unknown_sheet(name)
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
        if self.errors:
            raise InputErrors(self.errors)
        root = [(1, 1), self.tree]
        return LoadedDocument(self.file, self.data, [root, None, None], cells=self.cells)

    def _unknown_sheet(self, name: str) -> None:
        known = [s.name for s in SHEETS]
        close = difflib.get_close_matches(name, known + [s.section for s in SHEETS], n=1, cutoff=0.4)
        guess = next((s.name for s in SHEETS if close and close[0] in (s.name, s.section)), None)
        hint_zh, hint_en = (f"，是否应为“{guess}”？", f"; did you mean '{guess}'?") if guess else ("", "")
        listed = "、".join(known + [INSTRUCTIONS])
        self.error("filing_unknown_sheet", name, 1, 1, "", f"未知工作表“{name}”{hint_zh}（工作表应为：{listed}）",
                   f"unknown sheet '{name}'{hint_en} (the sheets are: {', '.join(known + [INSTRUCTIONS])})", ref=False)

    def _match(self, sheet: Sheet, name: str, text: str, row: int, column: int, pointer: str) -> Column | None:
        """The column a header or label names, or a located error (unknown, or the wrong unit)."""
        names = _NAMES[sheet.name]
        found = names.get(_norm(text))
        unit = None
        if found is None:
            bare, unit = _split_unit(text)
            found = names.get(_norm(bare))
        if found is None:
            labels = [c.label for c in sheet.columns]
            close = difflib.get_close_matches(text, labels, n=1, cutoff=0.5) or difflib.get_close_matches(
                _split_unit(text)[0], [c.name for c in sheet.columns], n=1, cutoff=0.5)
            guess = next((c.label for c in sheet.columns if close and close[0] in (c.label, c.name)), None)
            hint_zh, hint_en = (f"，是否应为“{guess}”？", f"; did you mean '{guess}'?") if guess else ("", "")
            what_zh, what_en = ("表头", "header") if sheet.tabular else ("字段", "field")
            self.error("filing_unknown_field", name, row, column, pointer, f"未知{what_zh}“{text}”{hint_zh}",
                       f"unknown {what_en} '{text}'{hint_en}")
            return None
        if unit is not None and _norm(unit) not in {_norm(u) for u in _UNIT_ALIASES.get(found.unit or "", (found.unit or "",))}:
            want_zh = f"单位应为 {found.unit}（{found.label}）" if found.unit else f"该字段没有单位（{found.label}）"
            want_en = f"the unit is {found.unit} ({found.label})" if found.unit else f"this field has no unit ({found.label})"
            self.error("filing_unit_mismatch", name, row, column, pointer, f"“{text}”的单位不对：{want_zh}", f"'{text}': wrong unit; {want_en}")
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
        if kind == "bool" and text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        if kind == "enum":
            return next((value for value, zh in column.choices if text == zh), text)
        return text

    def _put(self, pointer_parts: tuple, value: Any, where: tuple[int, int], cell: str, key_where: tuple[int, int], owners: list) -> None:
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

    def _fields(self, sheet: Sheet, name: str, rows: list) -> None:
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

    def _records(self, sheet: Sheet, name: str, rows: list) -> None:
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
                    self.error("filing_unknown_field", name, head_number, number, "/schools",
                               f"第 {_letter(number)} 列有数据但没有表头", f"column {_letter(number)} has values but no header")
                continue
            column = self._match(sheet, name, text, head_number, number, "/schools")
            if column is None:
                continue
            if column.key in first:
                self.error("filing_duplicate_key", name, head_number, number, "/schools",
                           f"表头“{text}”重复（与 {_letter(first[column.key])} 列相同）",
                           f"header '{text}' repeated (same as column {_letter(first[column.key])})")
                continue
            first[column.key] = number
            columns[index] = column
        schools: list = []
        tree: list = []
        self.cells["/schools"] = f"{name}!A{head_number}"
        for number, values in rows[1:]:
            record, record_tree = {}, {}
            pointer = f"/schools/{len(schools)}"
            for index, column in columns.items():
                value = self._value(column, values[index] if index < len(values) else None)
                if value is None:
                    continue
                record[column.path[0]] = value
                record_tree[column.path[0]] = ((head_number, index + 1), (number, index + 1))
                self.cells[f"{pointer}/{column.path[0]}"] = f"{name}!{_ref(index + 1, number)}"
            if not record:  # a row whose only text is in columns without a known header
                continue
            self.cells[pointer] = f"{name}!A{number}"
            schools.append(record)
            tree.append([(number, 1), record_tree])
        self.data["schools"] = schools
        self.tree["schools"] = ((head_number, 1), [(head_number, 1), tree])


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def load_workbook(source: str | os.PathLike | bytes, *, name: str | None = None) -> LoadedDocument:
    """Read an ``.xlsx`` workbook (a path, or its bytes shown as ``name``); raise InputErrors on bad input."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

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
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError) as exc:
        raise InputErrors([InputError("filing_parse_error", file, None, None, "",
                                      f"无法打开 Excel 工作簿（.xlsx）：文件已损坏或不是 .xlsx 格式（{type(exc).__name__}）",
                                      f"cannot open the Excel workbook (.xlsx): the file is damaged or not .xlsx ({type(exc).__name__})")]) from None
    except Exception as exc:  # noqa: BLE001 - any other failure inside openpyxl is still a bad file, not a bug of ours
        raise InputErrors([InputError("filing_parse_error", file, None, None, "",
                                      f"无法读取 Excel 工作簿（{type(exc).__name__}: {exc}）",
                                      f"cannot read the Excel workbook ({type(exc).__name__}: {exc})")]) from None
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = []
            for cells in sheet.iter_rows():  # read-only rows skip blank rows: the cell knows its row
                values: list = []
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
            sheets.append((sheet.title, rows))
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise InputErrors([InputError("filing_parse_error", file, None, None, "",
                                      f"无法读取 Excel 工作簿（{type(exc).__name__}: {exc}）",
                                      f"cannot read the Excel workbook ({type(exc).__name__}: {exc})")]) from None
    finally:
        book.close()
    return _Reader(file, from_text=False).read(sheets)


def _too_large(file: str, size: int) -> InputError:
    return InputError("filing_too_large", file, None, None, "", f"文件过大（{size / 2**20:.1f} MiB），上限为 {MAX_BYTES // 2**20} MiB",
                      f"the file is too large ({size / 2**20:.1f} MiB); the limit is {MAX_BYTES // 2**20} MiB")


def load_csv_folder(path: str | os.PathLike, *, name: str | None = None) -> LoadedDocument:
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
    sheets, errors = [], []
    for entry in entries:
        sheet = unicodedata.normalize("NFC", entry[:-4])
        with open(os.path.join(folder, entry), "rb") as stream:
            raw = stream.read()
        raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            gbk = 0x81 <= raw[exc.start] <= 0xFE
            errors.append(InputError("filing_encoding_error", file, line, None, "",
                                     f"{entry} 不是 UTF-8 编码（第 {line} 行，无效字节 0x{raw[exc.start]:02X}{'，可能是 GBK 编码' if gbk else ''}），请另存为 UTF-8 CSV",
                                     f"{entry} is not UTF-8 (line {line}, invalid byte 0x{raw[exc.start]:02X}{'; it may be GBK' if gbk else ''}); save it as UTF-8 CSV",
                                     cell=f"{sheet}!A{line}"))
            continue
        try:
            rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
        except csv.Error as exc:
            errors.append(InputError("filing_parse_error", file, None, None, "", f"{entry} 不是有效的 CSV 文件（{exc}）",
                                     f"{entry} is not a valid CSV file ({exc})", cell=sheet))
            continue
        sheets.append((sheet, rows))
    if errors:
        raise InputErrors(errors)
    return _Reader(file, from_text=True).read(sheets)


# --- writing --------------------------------------------------------------------------------------


def _get(data: dict, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            return None
    return data


def _shown(column: Column, value: Any) -> Any:
    """A filed value as a cell shows it: 小学 for primary, 是/否 for booleans, ids as text."""
    if value is None:
        return None
    if column.kind == "enum":
        return next((zh for v, zh in column.choices if v == value), value)
    if column.kind == "bool" and isinstance(value, bool):
        return _TRUE[0] if value else _FALSE[0]
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
    enums = "；".join(f"{c.name}填 " + " 或 ".join(zh for _, zh in c.choices) for c in _SCHOOLS.columns if c.kind == "enum")
    bools = "、".join(c.name for c in _SCHOOLS.columns if c.kind == "bool")
    rates = "、".join(c.name for s in SHEETS for c in s.columns if c.kind == "rate")
    return [
        "区县义务教育均衡发展申报数据（申报格式第 1 版）填报说明",
        "",
        f"1. 每个工作表是申报数据的一部分：{sheets}。不要修改工作表名称；“{INSTRUCTIONS}”表不会被读取。",
        f"2. 区县、经费、教师队伍、社会认可、弱势群体表：在“{VALUE}”列（B 列）填写数值，不要修改“{FIELD}”列；“{KEY}”“{NOTE}”两列仅供参考。",
        "3. 学校表：第一行是表头（字段名称和单位），不要修改；每个学校学段填一行，九年一贯制学校的小学、初中各填一行，“所属学校”填同一个学校标识码。",
        "4. 单位写在字段名称后的括号中：区县经费为万元，生均经费、工资和教学仪器设备值为元，面积为平方米，人数为人。",
        f"5. 比率（{rates}）填 0 到 1 之间的小数（如 0.97），或百分数（如 97%）。",
        f"6. {enums}；{bools}填 是 或 否（留空即为否）。",
        "7. 留空表示未填报。不要用 0 代替不知道的数：缺少的数据会列为“数据缺失”，不会当作达标。",
        "8. 行政区划代码、学校标识码按文本填写（保留开头的 0）；数值单元格只填数字，不要加单位或千位分隔符。",
        "9. 检查：junheng check 申报.xlsx；有错误时会指出工作表和单元格（如 学校!F12）。",
        "",
    ]


def _field_list() -> list[list[str]]:
    rows = [["工作表", FIELD, KEY, "类型", NOTE]]
    for sheet in SHEETS:
        for column in sheet.columns:
            rows.append([sheet.name, column.label, column.key, _KINDS_ZH[column.kind], column.description])
    return rows


def _field_rows(sheet: Sheet, data: dict | None) -> list[list]:
    rows: list[list] = [[FIELD, VALUE, KEY, NOTE]]
    for column in sheet.columns:
        rows.append([column.label, _shown(column, _get(data or {}, column.path)), column.key, column.description])
    return rows


def _record_rows(data: dict | None) -> list[list]:
    rows: list[list] = [[c.label for c in _SCHOOLS.columns]]
    for record in (data or {}).get("schools") or []:
        rows.append([_shown(c, record.get(c.path[0]) if isinstance(record, dict) else None) for c in _SCHOOLS.columns])
    return rows


def write_csv_folder(data: dict | None, folder: str | os.PathLike) -> None:
    """Write a filing (or, with ``data`` None, a blank form) as a folder of UTF-8 CSV files with a BOM
    (so that Excel opens the Chinese text right)."""
    folder = os.fsdecode(os.fspath(folder))
    os.makedirs(folder, exist_ok=True)

    def write(name: str, rows: list[list]) -> None:
        with open(os.path.join(folder, f"{name}.csv"), "w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream, lineterminator="\r\n").writerows([[_csv_text(v) for v in row] for row in rows])

    write(INSTRUCTIONS, [[line] for line in instructions()] + _field_list())
    for sheet in SHEETS:
        write(sheet.name, _record_rows(data) if sheet.tabular else _field_rows(sheet, data))


def _validation(column: Column):
    """The Excel data validation of a column: a list for options, non-negative numbers for figures."""
    from openpyxl.worksheet.datavalidation import DataValidation

    common = {"allow_blank": True, "showErrorMessage": True, "errorTitle": column.name}
    if column.kind == "enum":
        words = [zh for _, zh in column.choices]
        return DataValidation(type="list", formula1='"' + ",".join(words) + '"', error="请选择：" + "、".join(words), **common)
    if column.kind == "bool":
        return DataValidation(type="list", formula1=f'"{_TRUE[0]},{_FALSE[0]}"', error="请选择：是、否", **common)
    if column.kind in ("count", "version"):
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的整数", **common)
    if column.kind == "amount":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", error="请填写不小于 0 的数", **common)
    if column.kind == "rate":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                              error="请填写 0 到 1 之间的小数（或 97% 这样的百分数）", **common)
    return None


def _set(cell, value: Any, column: Column | None = None) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text that starts with "=" is text, not a formula
    if column is not None:
        if column.kind == "id":
            cell.number_format = "@"
        elif column.kind == "rate" and isinstance(value, (int, float)):
            cell.number_format = "0.00%"


def write_workbook(data: dict | None, path: str | os.PathLike) -> None:
    """Write a filing (or, with ``data`` None, a blank form) as an ``.xlsx`` workbook: units in the
    headers, the instructions sheet, and data validation for options and non-negative numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    grey = Font(color="808080")
    book = Workbook()
    notes = book.active
    notes.title = INSTRUCTIONS
    for line in instructions():
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=14)
    start = notes.max_row + 1
    for row in _field_list():
        notes.append(row)
    for cell in notes[start]:
        cell.font, cell.fill = bold, head_fill
    for letter, width in zip("ABCDE", (12, 44, 44, 16, 80)):
        notes.column_dimensions[letter].width = width

    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        if sheet.tabular:
            rows = _record_rows(data)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        _set(ws.cell(r, c), value, sheet.columns[c - 1] if r > 1 else None)
            last = max(len(rows) + 200, 1000)
            for c, column in enumerate(sheet.columns, start=1):
                letter = _letter(c)
                head = ws.cell(1, c)
                head.font, head.fill = bold, head_fill
                head.alignment = Alignment(wrap_text=True, vertical="center")
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
        else:
            rows = _field_rows(sheet, data)
            ranges: dict[str, list[str]] = {}
            for r, row in enumerate(rows, start=1):
                column = sheet.columns[r - 2] if r > 1 else None
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        _set(ws.cell(r, c), value, column if c == 2 else None)
                if column is not None:
                    ws.cell(r, 3).font = ws.cell(r, 4).font = grey
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
                cell.font, cell.fill = bold, head_fill
            for letter, width in zip("ABCD", (40, 16, 40, 70)):
                ws.column_dimensions[letter].width = width
            ws.freeze_panes = "B2"
    book.properties.creator = "junheng"
    book.save(os.fsdecode(os.fspath(path)))
