"""What a check produced and how it is shown: the result, its numbers, where reports go, the output formats.

The public face is ``__all__``: ``from junheng.report import Result, fmt_number``. Those names
are imported when first used (PEP 562), not here: the command line imports
``junheng.report.formats`` at every start, which runs this file first, and must not pay for the
result model (pydantic) that importing them eagerly would bring (about 0.2 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the type checker sees; at run time __getattr__ below imports each name when asked
    from junheng.report.numbers import fmt_number, fmt_value
    from junheng.report.result import SEVERITY_RANK, Failure, Finding, Location, Result

__all__ = ["SEVERITY_RANK", "Failure", "Finding", "Location", "Result", "fmt_number", "fmt_value"]

_HOME = {  # name → the module of this package that defines it
    "SEVERITY_RANK": "result", "Failure": "result", "Finding": "result", "Location": "result", "Result": "result",
    "fmt_number": "numbers", "fmt_value": "numbers",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then bound here, so asked once)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
