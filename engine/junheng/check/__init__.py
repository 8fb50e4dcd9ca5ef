"""Checking filings: subjects, derived values, the engine run, findings, batches in worker processes.

The public face is ``__all__``: ``from junheng.check import check_source, Options``. Those names
are imported when first used (PEP 562), not here: ``junheng validate`` imports
``junheng.check.sources``, which runs this file first, and must not pay for the engine and the
compiler that importing ``run`` eagerly would bring (about 0.25 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the type checker sees; at run time __getattr__ below imports each name when asked
    from junheng.check.batch import check_many
    from junheng.check.run import Options, check_source, prepare, previous_index
    from junheng.check.sources import Source, expand

__all__ = ["Options", "Source", "check_many", "check_source", "expand", "prepare", "previous_index"]

_HOME = {  # name → the module of this package that defines it
    "Options": "run", "check_source": "run", "prepare": "run", "previous_index": "run",
    "check_many": "batch", "Source": "sources", "expand": "sources",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then bound here, so asked once)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
