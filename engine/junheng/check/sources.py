"""Which filings a run reads: files, folders, glob patterns and standard input, expanded in order.

Each command-line argument becomes one or more ``Source``s, in the order given:

- ``-`` is standard input, read once (a second ``-`` sees the same bytes), in the format
  ``--input-format`` names, and shown as ``<stdin>``;
- an existing file is itself, whatever its extension (the loader explains a wrong one);
- an existing folder is every filing below it, recursively, sorted by path: ``*.yaml``,
  ``*.yml``, ``*.json``, ``*.xlsx``, and every folder of CSV sheets (a folder holding
  ``*.csv`` files and no other filing is one filing, the spreadsheet form of one, a sheet
  per file, handed whole to the loader); hidden files and folders are left out (as a
  shell's ``*`` leaves them);
- anything else containing ``*``, ``?`` or ``[`` is a glob pattern, expanded here (quoted,
  so that it works the same on every shell and on Windows) with ``**`` matching folders
  recursively, keeping the filings among the files and folders it matches, sorted;
- a file a folder or pattern reaches that is not a filing (an ``.xls``, a ``.docx``, an
  Excel lock file ``~$….xlsx``) is never dropped silently: it is a ``Skipped`` entry
  with the reason, which the commands print (and ``--strict`` makes exit 2);
- an argument that names nothing, or a folder or pattern without a filing in it, is a
  ``Source`` carrying an invalid-input error that names it: that argument fails (exit 2),
  the others are still checked.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from junheng.errors import InputError, InputErrors
from junheng.filing import read as _read
from junheng.located.read import MAX_BYTES, LoadedDocument

STDIN = "-"
STDIN_NAME = "<stdin>"
FILING_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
INPUT_FORMATS = ("yaml", "json")

__all__ = ["FILING_SUFFIXES", "INPUT_FORMATS", "STDIN", "STDIN_NAME", "Intake", "Skipped", "Source", "expand",
           "load_source", "skipped_lines"]


@dataclass(frozen=True)
class Source:
    """One filing to read: a file, standard input's bytes, or an argument that named no filing."""

    name: str  # how reports show it: the path as found from the argument, or <stdin>
    data: bytes | None = None  # standard input's bytes; None: read the file ``name``
    fmt: str | None = None  # yaml | json, for ``data`` (a name like <stdin> has no extension)
    error: InputError | None = None  # set when the argument named no filing


@dataclass(frozen=True)
class Skipped:
    """A file a folder or pattern reached that is not a filing: said, never dropped silently."""

    name: str
    zh: str  # why, and what to do, for the person who put it there
    en: str


class Intake(list[Source]):
    """The sources the arguments name, in order, and the files they reached that are not filings."""

    def __init__(self, sources: Iterable[Source] = (), skipped: Iterable[Skipped] = ()):
        super().__init__(sources)
        self.skipped: list[Skipped] = list(skipped)


def expand(arguments: Iterable[str], stdin: BinaryIO | None = None, input_format: str = "yaml") -> Intake:
    """The filings the arguments name, in the order given (see the module's docstring).

    ``stdin`` is read (at most once, and no further than the loader's size limit) only
    when an argument is ``-``; no ``stdin`` reads as empty.
    """
    read: list[bytes] = []  # standard input, read at most once
    sources = Intake()
    for argument in arguments:
        if argument == STDIN:
            if not read:  # one byte past the limit is enough for the loader to say "too large"
                data = stdin.read(MAX_BYTES + 1) if stdin is not None else b""
                read.append(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
            sources.append(Source(STDIN_NAME, data=read[0], fmt=input_format))
        elif os.path.isdir(argument):
            found = [argument] if _is_csv_filing(argument) else _filings_below(argument, sources.skipped)
            sources += [Source(p) for p in found] or [_nothing(argument, "folder")]
        elif os.path.lexists(argument):
            sources.append(Source(argument))
        elif glob.has_magic(argument):
            found = _filings_matched(argument, sources.skipped)
            sources += [Source(p) for p in found] or [_nothing(argument, "pattern")]
        else:
            sources.append(_nothing(argument, "missing"))
    return sources


def load_source(source: Source) -> tuple[LoadedDocument, dict[str, Any]]:
    """Read one source, the one way (``filing.read``): ``(document, the filing's plain data)``, or ``InputErrors``."""
    if source.error is not None:
        raise InputErrors([source.error])
    if source.data is None:
        return _read.read_filing_data(source.name)  # looked up when called: tests replace it
    return _read.read_filing_data(source.data, name=source.name, fmt=source.fmt)


def _is_filing(path: str) -> bool:
    name = os.path.basename(path)
    return os.path.splitext(name)[1].lower() in FILING_SUFFIXES and not name.startswith("~$")


def _why_not(path: str) -> Skipped:
    """Why a file reached through a folder or pattern is not read, with what to do about it."""
    name = os.path.basename(path)
    suffix = os.path.splitext(name)[1].lower()
    if name.startswith("~$"):
        return Skipped(path, "Excel 打开工作簿时留下的临时锁定文件（~$…），不是申报文件",
                       "a lock file Excel leaves while a workbook is open (~$…), not a filing")
    if suffix in (".xls", ".et"):
        return Skipped(path, "旧版 Excel 工作簿（.xls），无法读取：请在 Excel 或 WPS 中“另存为” .xlsx 后再检查",
                       "an old Excel workbook (.xls), which cannot be read: save it as .xlsx in Excel or WPS, then check it")
    if suffix == ".csv":
        return Skipped(path, "单个 CSV 文件不是申报：电子表格申报应为一个文件夹，"
                             "每个工作表一个 .csv 文件，且不与其他申报文件放在同一文件夹",
                       "a lone CSV file is not a filing: a spreadsheet filing is a folder holding one .csv per sheet and no other filing")
    return Skipped(path, "不是申报文件（只检查 .yaml、.yml、.json、.xlsx 文件和 CSV 工作表文件夹）",
                   "not a filing (only .yaml, .yml, .json, .xlsx files and folders of CSV sheets are checked)")


def skipped_lines(skipped: list[Skipped], lang: str) -> list[str]:
    """What the commands print on stderr for files that are not filings: one line each, then a count."""
    if not skipped:
        return []
    lines = [f"{s.name}: {s.en if lang == 'en' else s.zh}" for s in skipped]
    names = ", ".join(s.name for s in skipped) if lang == "en" else "、".join(s.name for s in skipped)
    if lang == "en":
        several = len(skipped) != 1
        lines.append(f"skipped {len(skipped)} file{'s' if several else ''} that {'are' if several else 'is'} not a filing: {names}")
    else:
        lines.append(f"跳过 {len(skipped)} 个非申报文件：{names}")
    return lines


def _is_csv_filing(folder: str) -> bool:
    """A folder of CSV sheets (and no YAML or JSON beside them) is one filing, not a folder of filings."""
    try:
        names = [n for n in os.listdir(folder) if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    except OSError:
        return False
    return any(n.lower().endswith(".csv") for n in names) and not any(_is_filing(n) for n in names)


_LISTED = "（.yaml、.yml、.json、.xlsx 或 CSV 工作表文件夹）"
_LISTED_EN = "(.yaml, .yml, .json, .xlsx or a folder of CSV sheets)"


def _filings_below(folder: str, skipped: list[Skipped]) -> list[str]:
    """The filings below a folder, recursively, sorted: files with a filing's extension and CSV folders."""
    found: list[str] = []
    other: list[str] = []  # files that are not filings, said in ``skipped``
    for parent, folders, files in os.walk(folder):
        folders[:] = [d for d in folders if not d.startswith(".")]
        csv = [d for d in folders if _is_csv_filing(os.path.join(parent, d))]
        folders[:] = [d for d in folders if d not in csv]
        found += [os.path.join(parent, d) for d in csv]
        for f in files:
            if not f.startswith("."):
                (found if _is_filing(f) else other).append(os.path.join(parent, f))
    skipped += [_why_not(p) for p in sorted(other)]
    return sorted(found)


def _filings_matched(pattern: str, skipped: list[Skipped]) -> list[str]:
    """The filings a glob pattern matches: files with a filing's extension and CSV folders."""
    found: set[str] = set()
    other: set[str] = set()  # files that are not filings, said in ``skipped``
    for path in glob.glob(pattern, recursive=True):
        if os.path.isdir(path):
            if _is_csv_filing(path):
                found.add(path)
        elif os.path.isfile(path):
            (found if _is_filing(path) else other).add(path)
    skipped += [_why_not(p) for p in sorted(other)]
    return sorted(found)


_NOTHING = {  # why an argument names no filing: (code, zh, en)
    "missing": ("filing_not_found", "找不到文件或文件夹“{arg}”", "no such file or folder: '{arg}'"),
    "folder": ("filing_not_found", "文件夹“{arg}”中没有申报文件" + _LISTED,
               "the folder '{arg}' holds no filing " + _LISTED_EN),
    "pattern": ("filing_not_found", "模式“{arg}”没有匹配到任何申报文件" + _LISTED,
                "the pattern '{arg}' matches no filing " + _LISTED_EN),
}


def _nothing(argument: str, why: str) -> Source:
    code, zh, en = _NOTHING[why]
    return Source(argument, error=InputError(code, argument, None, None, "", zh.format(arg=argument), en.format(arg=argument)))
