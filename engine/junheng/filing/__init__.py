"""Reading district filings: files in (YAML, JSON, a workbook, a CSV folder), validated models and locations out.

The names below are imported when first used (PEP 562): ``junheng validate`` and the check path read a filing
through ``read.read_filing_data`` without pydantic, which the models would import with the package.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Filing", "School", "read_filing", "read_filing_data", "validate_document", "load_filing", "write_filing", "form_of"]

_WHERE = {"Filing": "model", "School": "model", "read_filing": "read", "read_filing_data": "read",
          "validate_document": "validate", "load_filing": "load", "write_filing": "forms", "form_of": "load"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
