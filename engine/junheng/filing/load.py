"""Reading a filing's document in the form it comes in — YAML, JSON, an ``.xlsx`` workbook, a folder of CSV files —
by its extension, with no model behind it (``forms.py`` writes them, and re-exports these).

``load_filing`` sends a workbook or a CSV folder to ``sheets/`` and everything else to ``located.load_document``
(YAML and JSON, which also explains a wrong extension); ``validate_located`` validates and names the spreadsheet
cell of every schema error.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from junheng.errors import InputError, InputErrors
from junheng.located.read import LoadedDocument, load_document

__all__ = ["FORMS", "form_of", "load_filing", "notices_of", "validate_located"]

FORMS = ("yaml", "json", "xlsx", "csv")
_Validated = TypeVar("_Validated")

# The spreadsheet code (``sheets/``) is imported inside the functions that need it, never at the top:
# it costs start-up time that a YAML or JSON filing should not pay.


def form_of(path: str | os.PathLike[str], *, for_output: bool = False) -> str | None:
    """yaml | json | xlsx | csv (a folder), by the extension; None for anything else.

    An output path without an extension (or an existing folder) is a CSV folder."""
    text = os.fsdecode(os.fspath(path))
    ext = os.path.splitext(text.rstrip("/\\"))[1].lower()
    if os.path.isdir(text) or (for_output and (ext == "" or text.endswith(("/", os.sep)))):
        return "csv"
    return {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx"}.get(ext)


def load_filing(source: str | os.PathLike[str] | bytes, *, name: str | None = None, fmt: str | None = None) -> LoadedDocument:
    """Load a filing in any form (a path, or the bytes of a file named ``name``); InputErrors on bad input."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if (fmt or os.path.splitext(name or "")[1].lstrip(".")).lower() == "xlsx":
            from junheng.filing import sheets  # local: start-up time (see above)

            return sheets.load_workbook(source, name=name)
        return load_document(source, name=name, fmt=fmt)
    path = os.fsdecode(os.fspath(source))
    shown = name if name is not None else path
    ext = os.path.splitext(path)[1].lower()
    folder = fmt is None and os.path.isdir(path)
    if folder or (fmt or ext.lstrip(".")) == "xlsx":
        from junheng.filing import sheets  # local: start-up time (see above)

        return sheets.load_csv_folder(path, name=name) if folder else sheets.load_workbook(path, name=name)
    if fmt is None and ext not in (".yaml", ".yml", ".json"):
        zh_hint, en_hint = ("；CSV 格式的申报是一个文件夹（每个工作表一个 .csv 文件），请给出文件夹",
                            "; a CSV filing is a folder (one .csv per sheet): give the folder") if ext == ".csv" else ("", "")
        raise InputErrors([InputError("filing_unsupported_format", shown, None, None, "",
                                      f"不支持的文件类型“{ext or '无扩展名'}”："
                                      f"申报文件须为 .yaml、.yml、.json、.xlsx，或 CSV 文件夹{zh_hint}",
                                      f"unsupported file type '{ext or 'no extension'}': a filing is .yaml, .yml, .json, .xlsx "
                                      f"or a folder of .csv files{en_hint}")])
    return load_document(path, name=name, fmt=fmt)


def validate_located(doc: LoadedDocument, validate: Callable[[LoadedDocument], _Validated]) -> _Validated:
    """``validate(doc)``, with the spreadsheet cell added to each error of a spreadsheet filing, and the sheets
    left unread (``notices_of``) listed with the errors: a figure may be missing because its sheet was one."""
    try:
        return validate(doc)
    except InputErrors as exc:
        if doc.cells is None:
            raise
        located = [dataclasses.replace(e, cell=e.cell or doc.cell(e.pointer)) for e in exc.errors]
        raise InputErrors(located + list(notices_of(doc))) from None


def notices_of(doc: LoadedDocument) -> tuple[InputError, ...]:
    """What reading a filing left aside and the filer should know: a spreadsheet's sheets that are not part of
    the form (see ``sheets/read.py``). None for YAML and JSON."""
    # A spreadsheet filing was read by sheets/read.py: while it is not imported, no document is one (YAML and JSON
    # documents, whatever their class, leave the spreadsheet code unimported).
    sheets = sys.modules.get("junheng.filing.sheets.read")
    return doc.notices if sheets is not None and isinstance(doc, sheets.SheetDocument) else ()


