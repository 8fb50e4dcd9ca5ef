"""The forms a filing comes in — YAML, JSON, an ``.xlsx`` workbook, a folder of CSV files — read and
written by their extension, and the blank templates of each.

Reading is ``load.py``'s (``load_filing``, ``validate_located``, ``notices_of``, re-exported here). Writing: ``write_filing`` writes
plain filing data in the form that the output path's extension names; the YAML it writes carries
every field's Chinese label and unit as a comment (the same labels as the spreadsheets').
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from junheng.filing import model as _model
from junheng.filing.load import FORMS, form_of, load_filing, notices_of, validate_located
from junheng.located.read import SourceInt, load_document

__all__ = ["FORMS", "form_of", "load_filing", "notices_of", "validate_located", "write_filing", "yaml_text", "template"]

_EXAMPLE = Path(__file__).with_name("example.yaml")  # the contract's example filing

# Reading (``load_filing``, ``validate_located``, ``notices_of``) is in load.py, which needs no model; these names
# stay here too. The spreadsheet code (``sheets/``) is imported inside the functions that need it, never at the top.


# --- writing ----------------------------------------------------------------------------------------


def write_filing(data: dict[str, Any] | None, path: str | os.PathLike[str], form: str | None = None) -> str:
    """Write filing data (``None``: a blank form; for YAML, the contract's example) in the form ``path``
    names, or ``form``; returns the form written."""
    form = form or form_of(path, for_output=True)
    if form not in FORMS:
        raise ValueError(f"unknown output form for {os.fsdecode(os.fspath(path))!r}")
    if form in ("xlsx", "csv"):
        from junheng.filing import sheets  # local: start-up time (see above)

        if form == "xlsx":
            sheets.write_workbook(data, path)
        else:
            sheets.write_csv_folder(data, path)
    else:
        if data is None:
            data = example()
        text = yaml_text(data) if form == "yaml" else json.dumps(_plain(data, _model.Filing), ensure_ascii=False, indent=2) + "\n"
        Path(path).write_text(text, encoding="utf-8")
    return form


def example() -> dict[str, Any]:
    """The contract's example filing, as plain data."""
    return load_document(_EXAMPLE, name="example.yaml").data


def template(path: str | os.PathLike[str], form: str | None = None) -> str:
    """A blank form (xlsx, csv), or the contract's example with every field commented (yaml, json)."""
    return write_filing(None, path, form)


def _model_of(model: type[BaseModel] | None, key: str) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field ``key`` of ``model`` and the model of its value (of its items, for a list), when they have one."""
    from junheng.filing.sheets.layout import unwrap  # local: start-up time (see above)

    info = model.model_fields.get(key) if model is not None else None
    if info is None:
        return None, None
    inner, _ = unwrap(info.annotation)
    if getattr(inner, "__origin__", None) is list:
        inner, _ = unwrap(inner.__args__[0])
    return info, inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _is_text(info: FieldInfo) -> bool:
    """Whether a field holds text (an id, a name): an integer written there is kept as its digits."""
    from junheng.filing.sheets.layout import kind_of  # local: start-up time (see above)

    return kind_of(info)[0] in ("id", "text")


def _plain(value: Any, model: type[BaseModel] | None) -> Any:
    """Filing data in the models' field order, with identifiers as the text written."""
    if isinstance(value, dict):
        keys = list(model.model_fields) if model is not None else []
        ordered = [k for k in keys if k in value] + [k for k in value if k not in keys]
        out = {}
        for key in ordered:
            info, inner = _model_of(model, key)
            item = value[key]
            if isinstance(item, SourceInt) and info is not None and _is_text(info):
                out[key] = item.source
            else:
                out[key] = _plain(item, inner)
        return out
    if isinstance(value, list):
        return [_plain(v, model) for v in value]
    if isinstance(value, SourceInt):
        return int(value)
    return value


_PLAIN_SCALAR = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9.+~][^:#]*")
_CORE_WORDS = re.compile(r"(?:null|Null|NULL|~|true|True|TRUE|false|False|FALSE|yes|no|on|off|y|n)\Z", re.IGNORECASE)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(int(value))
    text = str(value)
    if _PLAIN_SCALAR.fullmatch(text) and not _CORE_WORDS.match(text) and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _comment(info: FieldInfo) -> str:
    """A field's YAML comment: its label and unit as the spreadsheets show them, and what it may hold."""
    from junheng.filing.sheets.layout import column_of  # local: start-up time (see above)

    column = column_of(("x",), [info.title or ""], info)
    if column.kind == "enum":
        return f"{column.label}：" + " | ".join(f"{value}（{zh}）" for value, zh in column.choices)
    if column.kind == "bool":
        return f"{column.label}：true | false"
    if column.kind == "rate":
        return f"{column.label}：0–1 的小数，或 \"97%\" 这样的百分数"
    return column.label


def yaml_text(data: dict[str, Any]) -> str:
    """Filing data as YAML, in the models' field order, each field with its Chinese label and unit as a comment."""
    lines = ["# 区县义务教育均衡发展申报数据（申报格式第 1 版）", "# 注释为字段的中文名称和单位；详见 junheng schema。", ""]

    def emit(value: dict[str, Any], model: type[BaseModel] | None, indent: str, first_prefix: str | None = None) -> None:
        plain = _plain(value, model)
        for n, (key, item) in enumerate(plain.items()):
            info, inner = _model_of(model, key)
            prefix = first_prefix if (first_prefix is not None and n == 0) else indent
            note = f"  # {_comment(info)}" if info is not None else ""
            if isinstance(item, dict) and item:
                lines.append(f"{prefix}{key}:{note}")
                emit(item, inner, indent + "  ")
            elif isinstance(item, list) and item:
                lines.append(f"{prefix}{key}:{note}")
                for record in item:
                    if isinstance(record, dict) and record:
                        emit(record, inner, indent + "    ", first_prefix=indent + "  - ")
                    else:
                        lines.append(f"{indent}  - {_scalar(record)}")
            elif isinstance(item, dict):
                lines.append(f"{prefix}{key}: {{}}{note}")
            elif isinstance(item, list):
                lines.append(f"{prefix}{key}: []{note}")
            else:
                lines.append(f"{prefix}{key}: {_scalar(item)}{note}")
            if indent == "" and key != "schema_version":
                lines.append("")

    emit(data, _model.Filing, "")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"

