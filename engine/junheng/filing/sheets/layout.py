"""The layout of the spreadsheet form: its sheets, their columns, and each column's label, unit and kind.

The layout is derived from the filing models (``model.py``), so that labels and units have one
source of truth — a field's Chinese ``title`` and the unit its ``description`` states.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from junheng.filing import coerce
from junheng.filing import model as _model

__all__ = ["Column", "Sheet", "SHEETS", "SCHOOLS", "INSTRUCTIONS", "FIELD", "VALUE", "KEY", "NOTE", "TRUE", "FALSE",
           "column_letter", "unwrap", "kind_of", "column_of"]

INSTRUCTIONS = "说明"  # the instructions sheet: written for the filer, never read
FIELD, VALUE, KEY, NOTE = "字段", "值", "键", "说明"  # the columns of a field/value sheet
TRUE, FALSE = ("是", "true"), ("否", "false")  # how a boolean cell may read; the first is written
_UNIT = re.compile(r"单位：(\S+?) \(")
_CHOICE = re.compile(r"([a-z_]+)（([^）]+)）")


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


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type inside ``Optional[Annotated[...]]`` and the Annotated metadata."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation, metadata = args[0], metadata + list(args[1:])
        elif origin is Union or origin is types.UnionType:
            annotation = [a for a in typing.get_args(annotation) if a is not type(None)][0]
        else:
            return annotation, metadata


def kind_of(info: FieldInfo) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A field's kind (count, amount, rate, id, text, bool, enum, version) and, for an enum, its (value, 中文) choices."""
    base, metadata = unwrap(info.annotation)
    validators = {getattr(m, "func", None) for m in [*info.metadata, *metadata]}  # the functions of coerce.py it runs
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
        return ("rate" if coerce.rate in validators else "amount"), ()
    return ("id" if coerce.identifier in validators else "text"), ()


def column_of(path: tuple[str, ...], titles: list[str], info: FieldInfo) -> Column:
    """The column of a field, labelled by the titles along its path and the unit its description states."""
    name = ""
    for title in titles:  # a title that repeats its parent's ("土地出让收益" under 土地出让收益) stands alone
        name = title if not name or title.startswith(name.split("·")[-1]) else f"{name}·{title}"
    unit_match = _UNIT.search(info.description or "")
    unit = unit_match.group(1) if unit_match else None
    kind, choices = kind_of(info)
    return Column(path, f"{name}（{unit}）" if unit else name, name, unit, kind, choices, info.description or "")


def _columns(model: type[BaseModel], path: tuple[str, ...], titles: list[str]) -> list[Column]:
    out = []
    for key, info in model.model_fields.items():
        inner, _ = unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out += _columns(inner, (*path, key), [*titles, info.title or key])
        else:
            out.append(column_of((*path, key), [*titles, info.title or key], info))
    return out


def _layout() -> tuple[Sheet, ...]:
    fields = _model.Filing.model_fields

    def title(key: str) -> str:  # every section of the models has a title; its key otherwise
        return fields[key].title or key

    version = column_of(("schema_version",), [title("schema_version")], fields["schema_version"])
    sheets = [Sheet("区县", "district", title("district"), False,
                    (version, *_columns(_model.District, ("district",), [])))]
    for name, section, model in (("经费", "finance", _model.Finance), ("教师队伍", "staffing", _model.Staffing),
                                 ("社会认可", "survey", _model.Survey), ("弱势群体", "equity", _model.Equity)):
        sheets.append(Sheet(name, section, title(section), False, tuple(_columns(model, (section,), []))))
    sheets.append(Sheet("学校", "schools", title("schools"), True, tuple(_columns(_model.School, (), []))))
    return tuple(sheets)


SHEETS: tuple[Sheet, ...] = _layout()
SCHOOLS = SHEETS[-1]  # the one tabular sheet


def column_letter(column: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
