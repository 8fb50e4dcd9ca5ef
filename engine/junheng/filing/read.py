"""Reading a filing, the one way: load it in whatever form it comes (YAML, JSON, ``.xlsx``, a CSV folder) and validate it.

Every command and every stage that needs a filing — ``check``, ``validate``, ``convert``,
last year's filings for DATA-05, rule tests — reads it through ``read_filing`` (the models) or
``read_filing_data`` (its plain data, what the check works on), so that a spreadsheet filing's
errors always name their cell and standard input is validated like a file.

``read_filing_data`` asks the fast validator first (``fast.py``: pydantic-core alone, no model
built), and the models only for a filing it does not accept, so that every problem is worded
as ``validate.py`` words it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from junheng.filing.fast import validated
from junheng.filing.load import load_filing, validate_located
from junheng.located.read import LoadedDocument

if TYPE_CHECKING:
    from junheng.filing.model import Filing

__all__ = ["filing_data", "read_filing", "read_filing_data"]


def read_filing(source: str | os.PathLike[str] | bytes, *, name: str | None = None,
                fmt: str | None = None) -> tuple[LoadedDocument, Filing]:
    """The filing at ``source`` (a path, or the bytes of a file shown as ``name``), loaded and validated.

    ``fmt`` (yaml, json, xlsx) overrides what the extension of the path or ``name`` says:
    standard input's ``<stdin>`` has none. Raises ``InputErrors`` with every located problem.
    """
    from junheng.filing.validate import validate_document  # local: pydantic and the models, for the callers that want them

    doc = load_filing(source, name=name, fmt=fmt)
    return doc, validate_located(doc, validate_document)


def read_filing_data(source: str | os.PathLike[str] | bytes, *, name: str | None = None,
                     fmt: str | None = None) -> tuple[LoadedDocument, dict[str, Any]]:
    """As ``read_filing``, with the filing as plain data: ``model_dump(mode="python", exclude_none=True)`` of it."""
    doc = load_filing(source, name=name, fmt=fmt)
    return doc, filing_data(doc)


def filing_data(doc: LoadedDocument) -> dict[str, Any]:
    """The validated plain data of a loaded filing; ``InputErrors`` with every located problem."""
    data = validated(doc.plain(), full=doc.plain_is_full())
    if data is not None:
        return data
    # local: the models word the problems of a filing the fast validator did not accept
    from junheng.filing.validate import validate_document

    return validate_located(doc, validate_document).model_dump(mode="python", exclude_none=True)
