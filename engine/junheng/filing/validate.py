"""Validation of a loaded filing against the models, with every error located and explained.

pydantic collects every problem in one pass; this module turns each into an
``InputError`` (code ``filing_schema_error``) that names the file, line, column
and JSON pointer, in plain Chinese and English written here — never pydantic's
raw text alone, never a traceback.
"""

from __future__ import annotations

import math
import re
import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from junheng.errors import Hint, InputError, InputErrors, pointer_join, suggest
from junheng.filing.model import CODE_PATTERN, ID_PATTERN, MAX_NUMBER, STANDARD_PATTERN, Filing
from junheng.located.read import LoadedDocument

__all__ = ["CODE", "validate_document"]

CODE = "filing_schema_error"

Loc = tuple[str | int, ...]  # a pydantic error location: keys (str) and list indices (int)


def validate_document(doc: LoadedDocument) -> Filing:
    """The filing in ``doc``, or ``InputErrors`` with every schema problem, each located."""
    plain = doc.plain()
    try:
        return Filing.model_validate(plain)
    except ValidationError as exc:
        errors = exc
    if plain is not doc.data:  # the errors of the data as loaded, every integer with the text it was written as
        try:
            return Filing.model_validate(doc.data)
        except ValidationError as exc:
            errors = exc
    raise InputErrors([_input_error(doc, error) for error in errors.errors(include_url=False)]) from None


# --- one pydantic error → one located InputError ---------------------------------


def _input_error(doc: LoadedDocument, error: ErrorDetails) -> InputError:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        # A missing field has no position of its own: point at the object that lacks it.
        pointer = _pointer(loc[:-1])
        line, column = doc.location(pointer)
    elif kind == "extra_forbidden":
        pointer = _pointer(loc)
        line, column = doc.key_location(pointer) or doc.location(pointer)
    else:
        pointer = _pointer(loc)
        line, column = doc.location(pointer)
    sheet = doc.cells is not None  # a spreadsheet filing: advice about cells, not about YAML quotes
    zh, en = (_in_a_cell(loc, error) if sheet else None) or _message(loc, error, sheet)
    cell = None
    if kind == "missing" and sheet:
        merged = _merged_over(doc, _pointer(loc))
        if merged is not None:  # the field's cell is empty because a merged range covers it: point at that cell
            from junheng.filing.sheets.read import merge_note  # local: loaded already, as the filing is a spreadsheet

            note_zh, note_en = merge_note(merged)
            zh, en, cell = zh + note_zh, en + note_en, merged[0]
        else:  # the empty cell itself, when the form has one for the field (not when its column is missing)
            cell = _empty_cell(doc, _pointer(loc))
    return InputError(code=CODE, file=doc.file, line=line, column=column, pointer=pointer, zh=zh, en=en, cell=cell)


def _merged_over(doc: LoadedDocument, pointer: str) -> tuple[str, str, str] | None:
    """The merged range that left the field at ``pointer`` empty, in a workbook: (cell, range, its top-left cell)."""
    # local: the spreadsheet code is imported only for a spreadsheet filing (start-up time of YAML and JSON)
    from junheng.filing.sheets.read import SheetDocument

    return doc.merged_over(pointer) if isinstance(doc, SheetDocument) else None


def _empty_cell(doc: LoadedDocument, pointer: str) -> str | None:
    from junheng.filing.sheets.read import SheetDocument  # local: loaded already, as the filing is a spreadsheet

    return doc.empty_cell(pointer) if isinstance(doc, SheetDocument) else None


def _in_a_cell(loc: Loc, error: ErrorDetails) -> tuple[str, str] | None:
    """A spreadsheet's own advice where the general message would speak of YAML (quotes, true/false): text in a
    number cell, a number in a text cell. None for every other error."""
    kind, value = error["type"], error.get("input")
    zh_label, en_label = _labels(loc, sheet=True)
    as_number_zh, as_number_en = "请把单元格设为数值格式后重新输入", "format the cell as a number and enter it again"
    if kind in ("int_type", "float_type") and isinstance(value, str):
        zh_what, en_what = ("整数", "a whole number") if kind == "int_type" else ("数字", "a number")
        if _looks_numeric(value):  # digits typed as text
            if "," in value or "，" in value:
                as_number_zh = "去掉千位分隔符，或把单元格设为数值格式"
                as_number_en = "remove the thousands separators, or format the cell as a number"
            return (f"{zh_label} 必须是{zh_what}，单元格中是文本 “{value}”：{as_number_zh}",
                    f"{en_label} must be {en_what}, but the cell holds the text {value!r}: {as_number_en}")
        if _WITH_UNIT.match(value):  # a unit typed after the number
            return (f"{zh_label} 必须是{zh_what}，单元格中是 “{value}”：只填数，不带单位（单位写在字段名称的括号中）",
                    f"{en_label} must be {en_what}, but the cell holds {value!r}: enter the number alone, without a unit "
                    "(the unit is in brackets in the field's name)")
        if value.strip().upper() in _EXCEL_ERRORS:  # a formula's error, as Excel last computed it
            return (f"{zh_label} 必须是{zh_what}，单元格中是 Excel 的错误值 {value.strip()}（公式出错）：请改正公式，或直接填写数值",
                    f"{en_label} must be {en_what}, but the cell holds Excel's error value {value.strip()} (a formula failed): "
                    "correct the formula, or enter the number")
        if _ISO_DATE.fullmatch(value):  # the reader's text of a date cell: Excel took the number for a date
            day = value[:10]
            return (f"{zh_label} 必须是{zh_what}，单元格中是日期 {day}：请把单元格设为数值格式后重新输入",
                    f"{en_label} must be {en_what}, but the cell holds the date {day}: format the cell as a number and enter it again")
        zh_value, en_value = _shown(value, sheet=True)  # words ("很多", "不详") where a number goes
        return f"{zh_label} 必须是{zh_what}，单元格中是{zh_value}", f"{en_label} must be {en_what}, but the cell holds {en_value}"
    if kind in ("int_type", "float_type") and isinstance(value, bool):  # Excel's TRUE or FALSE where a number goes
        zh_what, en_what = ("整数", "a whole number") if kind == "int_type" else ("数字", "a number")
        shown = "TRUE" if value else "FALSE"
        return f"{zh_label} 必须是{zh_what}，单元格中是逻辑值 {shown}", f"{en_label} must be {en_what}, but the cell holds {shown}"
    if kind == "literal_error" and isinstance(value, str) and value.strip() == "1" and loc == ("schema_version",):
        return f"{zh_label} 必须为数字 1，单元格中是文本 “1”：{as_number_zh}", f"{en_label} must be the number 1, not text: {as_number_en}"
    if kind == "bool_type":
        zh_value, en_value = _shown(value, sheet=True)
        return f"{zh_label} 填 是 或 否，单元格中是{zh_value}", f"{en_label} is 是 or 否 (yes or no), but the cell holds {en_value}"
    if kind == "identifier_number":
        text = (error.get("ctx") or {}).get("value", _raw(value))
        text = _number(text) if isinstance(text, float) else text
        return (f"{zh_label} 按文本填写，单元格中是数字 {text}：请把单元格设为文本格式后重新输入（保留开头的 0）",
                f"{en_label} is text, but the cell holds the number {text}: format the cell as text and type it again "
                "(keeping any leading zeros)")
    return None


def _pointer(loc: Loc) -> str:
    pointer = ""
    for token in loc:
        pointer = pointer_join(pointer, token)
    return pointer


# --- what the models know about a location ----------------------------------------


def _unwrap(annotation: Any) -> Any:
    """The model, list or literal inside ``Optional[Annotated[...]]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _field_at(loc: Loc) -> FieldInfo | None:
    """The model field that ``loc`` names (list indices skipped), or ``None``."""
    model: Any = Filing
    info = None
    for token in loc:
        if isinstance(token, int):
            if typing.get_origin(model) is not list:
                return None
            model = _unwrap(typing.get_args(model)[0])
            info = None
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or token not in model.model_fields:
            return None
        info = model.model_fields[token]
        model = _unwrap(info.annotation)
    return info


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model whose fields are allowed at ``loc`` (the object ``loc`` points into)."""
    if not loc:
        return Filing
    info = _field_at(loc)
    if info is None:
        if isinstance(loc[-1], int):  # a list item: the list's item model
            parent = _field_at(loc[:-1])
            if parent is not None and typing.get_origin(_unwrap(parent.annotation)) is list:
                item = _unwrap(typing.get_args(_unwrap(parent.annotation))[0])
                return item if isinstance(item, type) and issubclass(item, BaseModel) else None
        return None
    model = _unwrap(info.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _labels(loc: Loc, sheet: bool = False) -> tuple[str, str]:
    """How a message names the value at ``loc``: ``在校生数 students`` and ``students``; in a spreadsheet, where the
    filer sees the field's name and never its key, ``在校生数`` alone."""
    if not loc:
        return "申报文件", "the filing"
    key = loc[-1]
    if isinstance(key, int):
        parent = _field_at(loc[:-1])
        title = parent.title if parent is not None and parent.title else "列表项"
        return f"{title}（第 {key + 1} 条）", f"{_key_text(loc[:-1])} item {key}"
    # The titles along the path below the section, so that a pair's member reads
    # "财政经常性收入·上年 previous" rather than just "上年 previous".
    titles: list[str] = []
    for end in range(min(2, len(loc)), len(loc) + 1):
        if isinstance(loc[end - 1], str):
            info = _field_at(loc[:end])
            if info is None or not info.title:  # a key the models do not know: named by itself
                return str(key), str(key)
            titles.append(info.title)
    if titles:
        return "·".join(titles) if sheet else f"{'·'.join(titles)} {key}", str(key)
    return str(key), str(key)


def _key_text(loc: Loc) -> str:
    return str(loc[-1]) if loc else "filing"


# --- showing a value inside a message -------------------------------------------------


def _shown(value: Any, sheet: bool = False) -> tuple[str, str]:
    """How a message shows a value that is not what the field takes; a spreadsheet's text as "文本", not "字符串"."""
    if value is None:
        return "null", "null"
    if isinstance(value, bool):
        text = "true" if value else "false"
        return f"布尔值 {text}", f"the boolean {text}"
    if isinstance(value, (int, float)):
        text = _raw(value)
        return f"数字 {text}", f"the number {text}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "…"
        return (f"文本 “{text}”", f"the text {text!r}") if sheet else (f"字符串 “{text}”", f"the string {text!r}")
    if isinstance(value, dict):
        return "映射（键值对）", "a mapping"
    if isinstance(value, list):
        return "列表", "a list"
    return type(value).__name__, type(value).__name__


def _raw(value: Any) -> str:
    """A number as the filing wrote it (the loader keeps an integer's text), else as given;
    a number of thousands of digits is shortened, as a long string is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _shown(value)[0]
    text = getattr(value, "source", None) or _number(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


def _number(value: object) -> str:
    """A number as a message shows it (a bound from pydantic's context may be of any type: str() then)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!", "#GETTING_DATA"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?")
# A number with a word or sign after it ("447万", "1372 人", "30个班"): a unit typed into the cell
_WITH_UNIT = re.compile(r"\s*[-+]?\d[\d,，]*(?:\.\d+)?\s*[^\d\s,，.+-][^\d]*")


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace(",", "").replace("，", ""))
    except ValueError:
        return False
    return bool(text.strip())


_BOOLEAN_WORDS = frozenset({"yes", "no", "y", "n", "on", "off", "true", "false", "是", "否", "1", "0", "t", "f"})

# A reader-friendly statement of each pattern the models use, keyed by the pattern.
_PATTERN_TEXT = {
    CODE_PATTERN: ("由 6 位数字组成、首位不为 0 的字符串（如 “500108”）", "a 6-digit division code not starting with 0 (e.g. '500108')"),
    ID_PATTERN: ("由 1–32 个字母、数字、下划线或连字符组成的字符串", "1-32 letters, digits, '_' or '-'"),
    STANDARD_PATTERN: (
        "以小写字母开头、只含小写字母、数字、下划线和连字符的规则包名（如 basic、quality）",
        "a pack name of lowercase letters, digits, '_' or '-', starting with a letter (e.g. basic, quality)",
    ),
}


# --- the messages -----------------------------------------------------------------------


def _message(loc: Loc, error: ErrorDetails, sheet: bool = False) -> tuple[str, str]:  # noqa: C901 - one branch per error kind
    # long: a flat table, one branch per pydantic error kind, read top to bottom
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    zh_label, en_label = _labels(loc, sheet)
    zh_value, en_value = _shown(value, sheet)
    raw = _raw(value)

    if kind == "missing":
        return _missing(loc, sheet)
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if value is None:
        # Optional fields accept null, so a null that fails is on a required field.
        return f"{zh_label} 是必填字段，不能为 null", f"{en_label} is required and may not be null"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if not loc:
            return f"申报文件的顶层必须是映射（键值对），实为{zh_value}", f"the top level of a filing must be a mapping, not {en_value}"
        return f"{zh_label} 必须是映射（键值对），实为{zh_value}", f"{en_label} must be a mapping, not {en_value}"
    if kind == "list_type":
        return f"{zh_label} 必须是列表，实为{zh_value}", f"{en_label} must be a list, not {en_value}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"{zh_label} 至少需要 {n} 条记录，实为空列表", f"{en_label} needs at least {n} item(s); the list is empty"
    if kind == "float_type" and isinstance(value, int) and not isinstance(value, bool):
        # an integer too large for a float (0x followed by thousands of digits): over the bound
        return f"{zh_label} 不能超过 1e15，实为 {raw}", f"{en_label} may not exceed 1e15, got {raw}"
    if kind in ("int_type", "float_type"):
        zh_what, en_what = ("整数", "an integer") if kind == "int_type" else ("数字", "a number")
        if isinstance(value, str) and _looks_numeric(value):
            return (
                f"{zh_label} 必须是{zh_what}，不能是带引号的字符串 “{value}”；请去掉引号",
                f"{en_label} must be {en_what}, not the quoted string {value!r}; remove the quotes",
            )
        return f"{zh_label} 必须是{zh_what}，实为{zh_value}", f"{en_label} must be {en_what}, not {en_value}"
    if kind == "count_fraction":
        return (
            f"{zh_label} 是计数，必须是整数，实为 {raw}",
            f"{en_label} is a count and must be a whole number, not {raw}",
        )
    if kind == "finite_number":
        return f"{zh_label} 必须是有限的数，实为 {raw}", f"{en_label} must be a finite number, not {raw}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        if bound == 0:
            return f"{zh_label} 不能为负数，实为 {raw}", f"{en_label} may not be negative, got {raw}"
        return f"{zh_label} 至少为 {_number(bound)}，实为 {raw}", f"{en_label} must be at least {_number(bound)}, got {raw}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        if bound == 1:
            return (
                f"{zh_label} 是比率，必须在 0 到 1 之间（或写成 “95%” 这样的百分数），实为 {raw}",
                f"{en_label} is a rate and must lie in [0, 1] (or be a percentage such as '95%'), got {raw}",
            )
        limit = "1e15" if bound == MAX_NUMBER else _number(bound)
        return f"{zh_label} 不能超过 {limit}，实为 {raw}", f"{en_label} may not exceed {limit}, got {raw}"
    if kind == "rate_string":
        return (
            f"{zh_label} 是比率：应为 0 到 1 之间的数，或 “95%” 这样的百分数，实为{zh_value}",
            f"{en_label} is a rate: a number in [0, 1] or a percentage such as '95%', not {en_value}",
        )
    if kind == "rate_percent_range":
        return (
            f"{zh_label} 的百分数 “{value}” 超出 0%–100%",
            f"{en_label}: the percentage {value!r} is outside 0%-100%",
        )
    if kind == "literal_error":
        return (_not_listed(loc, zh_label, en_label, zh_value, en_value) if sheet else None) or \
            _not_allowed(loc, value, zh_label, en_label, zh_value, en_value)
    if kind == "bool_type":
        if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
            return (
                f"{zh_label} 必须是布尔值，实为字符串 “{value}”；请使用 true 或 false（不加引号）",
                f"{en_label} must be a boolean, not the string {value!r}; use true or false (unquoted)",
            )
        return f"{zh_label} 必须是 true 或 false，实为{zh_value}", f"{en_label} must be true or false, not {en_value}"
    if kind == "identifier_number":
        text = ctx.get("value", raw)
        text = _number(text) if isinstance(text, float) else text
        return (
            f"{zh_label} 必须是字符串；不能写成数字 {text}，请加引号写成字符串",
            f"{en_label} must be a string, not the number {text}; write it in quotes",
        )
    if kind == "string_type":
        return f"{zh_label} 必须是字符串，实为{zh_value}", f"{en_label} must be a string, not {en_value}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        zh_form, en_form = _PATTERN_TEXT.get(pattern, (f"格式 {pattern}", f"the pattern {pattern}"))
        return f"{zh_label} 必须是{zh_form}，实为{zh_value}", f"{en_label} must be {en_form}, not {en_value}"
    if kind == "empty_required_object":
        return (
            f"{zh_label} 是必填的，不能为空：{{}} 与省略相同，请至少填写一项",
            f"{en_label} is required and may not be empty: {{}} is the same as leaving it out; "
            "give at least one figure",
        )
    # A kind the models should not produce; still located, still in both languages.
    return f"{zh_label} 的值无效（{error.get('msg', kind)}）", f"{en_label} is invalid: {error.get('msg', kind)}"


def _missing(loc: Loc, sheet: bool = False) -> tuple[str, str]:
    name = loc[-1]
    info = _field_at(loc)
    title = f"（{info.title}）" if info is not None and info.title else ""
    where_zh, where_en = _labels(loc[:-1], sheet)
    space = " " if where_zh[-1].isascii() else ""
    if sheet and len(loc) == 1:  # a section of the filing is a sheet of the form
        from junheng.filing.sheets.layout import SHEETS  # local: loaded already, as the filing is a spreadsheet

        form = next((form for form in SHEETS if form.section == name), None)
        if form is not None:
            return (f"缺少工作表“{form.name}”（{form.title}，必填），或该表没有填写任何数值",
                    f"the sheet '{form.name}' ({name}) is missing, or holds no values; it is required")
    if sheet and info is not None and info.title:  # the filer sees the field's name, not its key
        return f"{where_zh}{space}的“{info.title}”未填写（必填）", f"{where_en}: missing required field '{name}'"
    return f"{where_zh}{space}缺少必填字段 “{name}”{title}", f"{where_en}: missing required field '{name}'"


def _not_listed(loc: Loc, zh_label: str, en_label: str, zh_value: str, en_value: str) -> tuple[str, str] | None:
    """A spreadsheet's choice cell holding something else: the choices as the form writes them (小学、初中), not the
    values they stand for (primary, junior). None for a field the form has no choices for."""
    from junheng.filing.sheets.layout import SCHOOLS, SHEETS  # local: loaded already, as the filing is a spreadsheet

    path = tuple(str(key) for key in loc if isinstance(key, str))
    sheets = [SCHOOLS] if path[:1] == ("schools",) else list(SHEETS)
    path = path[1:] if path[:1] == ("schools",) else path
    choices = next((c.choices for sheet in sheets for c in sheet.columns if c.path == path and c.choices), ())
    if not choices:
        return None
    words = [zh for _, zh in choices]
    zh_list = f"{'、'.join(words[:-1])} 或 {words[-1]}" if len(words) > 1 else words[0]
    en_list = ", ".join(f"{zh} ({value})" for value, zh in choices)
    return f"{zh_label} 填 {zh_list}，单元格中是{zh_value}", f"{en_label} is one of {en_list}, but the cell holds {en_value}"


def _unknown_key(loc: Loc) -> tuple[str, str]:
    key = str(loc[-1])
    model = _model_at(loc[:-1])
    allowed = list(model.model_fields) if model is not None else []
    hint = _closest(key, allowed)
    if hint.match is not None:
        return f"未知字段 “{key}”{hint.zh}", f"unknown field '{key}'{hint.en}"
    if allowed and len(allowed) <= 8:
        zh_list = "、".join(allowed)
        en_list = ", ".join(allowed)
        return f"未知字段 “{key}”；此处只允许 {zh_list}", f"unknown field '{key}'; allowed here: {en_list}"
    return f"未知字段 “{key}”", f"unknown field '{key}'"


def _closest(word: str, choices: list[str]) -> Hint:
    """The "did you mean" for a key or an option: one that differs only in case (``ID`` for ``id``), else the
    closest as written, else the closest once spelled as a key is (``land-area`` for ``land_area``)."""
    lowered = {choice.lower(): choice for choice in choices}
    if word.lower() in lowered:
        return suggest(lowered[word.lower()], choices)  # the choice itself: the one exact match
    hint = suggest(word, choices)
    return hint if hint.match is not None else suggest(word.lower().replace("-", "_").replace(" ", "_"), choices)


def _not_allowed(loc: Loc, value: Any, zh_label: str, en_label: str, zh_value: str, en_value: str) -> tuple[str, str]:
    info = _field_at(loc)
    literal = _unwrap(info.annotation) if info is not None else None
    allowed = [str(arg) for arg in typing.get_args(literal)] if typing.get_origin(literal) is Literal else []
    if allowed == ["1"]:
        if isinstance(value, str) and value.strip() == "1":
            return f"{zh_label} 必须为数字 1，不能是带引号的 “1”；请去掉引号", f"{en_label} must be the number 1; remove the quotes"
        return f"{zh_label} 必须为 1，实为{zh_value}", f"{en_label} must be 1, not {en_value}"
    choices_zh = " | ".join(allowed)
    hint = _closest(value, allowed) if isinstance(value, str) else None
    hint_zh, hint_en = (hint.zh, hint.en) if hint is not None else ("", "")
    return (
        f"{zh_label} 必须是 {choices_zh} 之一，实为{zh_value}{hint_zh}",
        f"{en_label} must be one of {', '.join(allowed)}, not {en_value}{hint_en}",
    )
