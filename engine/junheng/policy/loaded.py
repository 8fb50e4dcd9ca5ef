"""A rules folder as loaded: its rule files, packs, shared parameters and vocabulary, with their documents.

What ``load.py`` produces once every file has been read and validated, and what the compiler
(``packs.py``) reads. Nothing here imports pydantic: a run that finds its rules in the cache
(``cache.py``) holds them as the read-only records of ``frozen.py`` and never builds a model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from junheng.located.read import LoadedDocument

if TYPE_CHECKING:  # annotations only: loaded rules hold the models, or their records (frozen.py) from the cache
    from junheng.policy.model import Pack, RuleFile, SharedParam

__all__ = ["PARAMS_FILE", "RULE_TESTS_DIR", "VOCABULARY_FILE", "LoadedRules", "Roots", "Shared", "default_rules_dir", "folders"]

RULE_TESTS_DIR = "tests"
VOCABULARY_FILE = "vocabulary.yaml"
PARAMS_FILE = "params.yaml"  # the shared parameters: numbers several rules use, declared once

# One rules folder, or several layered in order (``--rules rules --rules local``).
Roots = str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None


@dataclass(frozen=True)
class LoadedRules:
    """Everything a rules folder says, with the documents kept for locating later errors."""

    roots: tuple[Path, ...]
    files: tuple[tuple[RuleFile, LoadedDocument], ...]
    packs: dict[str, tuple[Pack, LoadedDocument]]
    vocabulary: dict[str, Any]
    vocabulary_doc: LoadedDocument | None
    # The shared parameters by name, as the last layer declaring each has it.
    shared: dict[str, Shared] = field(default_factory=dict)


@dataclass(frozen=True)
class Shared:
    """A shared parameter and the ``params.yaml`` that declares it (for locating errors)."""

    param: SharedParam
    doc: LoadedDocument
    pointer: str  # /params/<name>


def default_rules_dir() -> Path:
    """The shipped rules: inside the installed package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent.parent  # junheng/: an installed package holds rules/
    checkout = package.parent.parent / "rules"  # engine/junheng/ in a source checkout: rules/ at the top
    for candidate in (package / "rules", checkout):
        if (candidate / VOCABULARY_FILE).is_file():
            return candidate
    return checkout


def folders(roots: Roots) -> list[Path]:
    """The layers as paths: the shipped rules when none is given."""
    if roots is None:
        roots = [default_rules_dir()]
    elif isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    return [Path(r) for r in roots] or [default_rules_dir()]
