"""Which filings a run reads: files, folders, glob patterns and standard input, expanded in order.

Each command-line argument becomes one or more ``Source``s, in the order given:

- ``-`` is standard input, read once (a second ``-`` sees the same bytes), in the format
  ``--input-format`` names, and shown as ``<stdin>``;
- an existing file is itself, whatever its extension (the loader explains a wrong one);
- an existing folder is every ``*.yaml``, ``*.yml`` and ``*.json`` below it, recursively,
  sorted by path, hidden files and folders left out (as a shell's ``*`` leaves them) — except
  that a folder holding ``*.csv`` files and no YAML or JSON is one filing, the spreadsheet form
  of one (a sheet per file), handed whole to the loader;
- anything else containing ``*``, ``?`` or ``[`` is a glob pattern, expanded here (quoted,
  so that it works the same on every shell and on Windows) with ``**`` matching folders
  recursively, keeping the filings among the files it matches, sorted;
- an argument that names nothing, or a folder or pattern without a filing in it, is a
  ``Source`` carrying an invalid-input error that names it: that argument fails (exit 2),
  the others are still checked.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from .errors import InputError, InputErrors

STDIN = "-"
STDIN_NAME = "<stdin>"
FILING_SUFFIXES = (".yaml", ".yml", ".json")
INPUT_FORMATS = ("yaml", "json")

__all__ = ["FILING_SUFFIXES", "INPUT_FORMATS", "STDIN", "STDIN_NAME", "Source", "expand", "load_source"]


@dataclass(frozen=True)
class Source:
    """One filing to read: a file, standard input's bytes, or an argument that named no filing."""

    name: str  # how reports show it: the path as found from the argument, or <stdin>
    data: bytes | None = None  # standard input's bytes; None: read the file ``name``
    fmt: str | None = None  # yaml | json, for ``data`` (a name like <stdin> has no extension)
    error: InputError | None = None  # set when the argument named no filing


def expand(arguments: Iterable[str], stdin: BinaryIO | None = None, input_format: str = "yaml") -> list[Source]:
    """The filings the arguments name, in the order given (see the module's docstring).

    ``stdin`` is read (at most once, and no further than the loader's size limit) only
    when an argument is ``-``; no ``stdin`` reads as empty.
    """
    from .filing.load import MAX_BYTES

    read: list[bytes] = []  # standard input, read at most once
    sources: list[Source] = []
    for argument in arguments:
        if argument == STDIN:
            if not read:  # one byte past the limit is enough for the loader to say "too large"
                data = stdin.read(MAX_BYTES + 1) if stdin is not None else b""
                read.append(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
            sources.append(Source(STDIN_NAME, data=read[0], fmt=input_format))
        elif os.path.isdir(argument):
            found = [argument] if _is_csv_filing(argument) else _filings_below(argument)
            sources += [Source(p) for p in found] or [_nothing(argument, "folder")]
        elif os.path.lexists(argument):
            sources.append(Source(argument))
        elif glob.has_magic(argument):
            found = sorted({p for p in glob.glob(argument, recursive=True) if os.path.isfile(p) and _is_filing(p)})
            sources += [Source(p) for p in found] or [_nothing(argument, "pattern")]
        else:
            sources.append(_nothing(argument, "missing"))
    return sources


def load_source(source: Source):
    """Load and validate one source: ``(document, filing)``, or ``InputErrors``."""
    from .filing import validate as _validate  # looked up when called: tests replace it
    from .filing.load import load_document

    if source.error is not None:
        raise InputErrors([source.error])
    if source.data is None:
        return _validate.load_and_validate(source.name)
    doc = load_document(source.data, name=source.name, fmt=source.fmt)
    return doc, _validate.validate_document(doc)


def _is_filing(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in FILING_SUFFIXES


def _is_csv_filing(folder: str) -> bool:
    """A folder of CSV sheets (and no YAML or JSON beside them) is one filing, not a folder of filings."""
    try:
        names = [n for n in os.listdir(folder) if not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    except OSError:
        return False
    return any(n.lower().endswith(".csv") for n in names) and not any(_is_filing(n) for n in names)


def _filings_below(folder: str) -> list[str]:
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = [d for d in folders if not d.startswith(".")]
        csv = [d for d in folders if _is_csv_filing(os.path.join(parent, d))]
        folders[:] = [d for d in folders if d not in csv]
        found += [os.path.join(parent, d) for d in csv]
        found += [os.path.join(parent, f) for f in files if not f.startswith(".") and _is_filing(f)]
    return sorted(found)


_NOTHING = {  # why an argument names no filing: (code, zh, en)
    "missing": ("filing_not_found", "找不到文件或文件夹“{arg}”", "no such file or folder: '{arg}'"),
    "folder": ("filing_not_found", "文件夹“{arg}”中没有申报文件（.yaml、.yml 或 .json）",
               "the folder '{arg}' holds no filing (.yaml, .yml or .json)"),
    "pattern": ("filing_not_found", "模式“{arg}”没有匹配到任何申报文件（.yaml、.yml 或 .json）",
                "the pattern '{arg}' matches no filing (.yaml, .yml or .json)"),
}


def _nothing(argument: str, why: str) -> Source:
    code, zh, en = _NOTHING[why]
    return Source(argument, error=InputError(code, argument, None, None, "", zh.format(arg=argument), en.format(arg=argument)))
