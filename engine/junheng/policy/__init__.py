"""The rules as data: their model, loading, formulas and compilation — never the engine or the checker.

``compile_rules()`` loads a rules folder (``load_rules``) and compiles it (``compile_policy``) into a
``Policy``: its packs (``CompiledPack``), their rules (``CompiledRule``), each compared value's
``Requirement``. Every comparison uses ``compare``, with the catalogue's tolerance ``REL_TOL``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from junheng.policy.compiled import CompiledPack, CompiledRule, Policy, Requirement
    from junheng.policy.load import load_rules
    from junheng.policy.loaded import LoadedRules
    from junheng.policy.packs import compile_policy, compile_rules
    from junheng.policy.tolerance import REL_TOL, compare

__all__ = ["REL_TOL", "CompiledPack", "CompiledRule", "LoadedRules", "Policy", "Requirement", "compare", "compile_policy",
           "compile_rules", "load_rules"]

# Each public name's module, imported on first use rather than with the package, for start-up time: the
# report layer imports policy.model and policy.formula alone, and loading the whole compiler with them
# made `junheng validate` ~20–40 ms slower (measured).
_MODULE_OF = {
    "CompiledPack": "compiled", "CompiledRule": "compiled", "Policy": "compiled", "Requirement": "compiled",
    "LoadedRules": "loaded", "load_rules": "load",
    "compile_policy": "packs", "compile_rules": "packs",
    "REL_TOL": "tolerance", "compare": "tolerance",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once: later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
