"""Reading a filing, the one way: load it in whatever form it comes (YAML, JSON, ``.xlsx``, a CSV folder) and validate it.

Every command and every stage that needs a filing — ``check``, ``validate``, ``convert``,
last year's filings for DATA-05, rule tests — reads it through ``read_filing``, so that a
spreadsheet filing's errors always name their cell and standard input is validated like
a file.
"""

from __future__ import annotations

import os

from junheng.filing.forms import load_filing, validate_located
from junheng.filing.model import Filing
from junheng.filing.validate import validate_document
from junheng.located.read import LoadedDocument

__all__ = ["read_filing"]


def read_filing(source: str | os.PathLike[str] | bytes, *, name: str | None = None,
                fmt: str | None = None) -> tuple[LoadedDocument, Filing]:
    """The filing at ``source`` (a path, or the bytes of a file shown as ``name``), loaded and validated.

    ``fmt`` (yaml, json, xlsx) overrides what the extension of the path or ``name`` says:
    standard input's ``<stdin>`` has none. Raises ``InputErrors`` with every located problem.
    """
    doc = load_filing(source, name=name, fmt=fmt)
    return doc, validate_located(doc, validate_document)
