"""Where each value an officer can change lives: a rule's params, a shared parameter and a rule's severity as a pack
has them (the pack's chain of overrides laid over the rule files), each with the place it is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from junheng.authoring.edits.roundtrip import Place
from junheng.authoring.edits.rulefiles import RuleEntry, RuleFiles
from junheng.policy.compiled import VARIANTS
from junheng.policy.model import SEVERITY_NAMES_ZH
from junheng.policy.shared import is_shared_name


@dataclass(frozen=True)
class Cell:
    """One value as a pack has it, and where it is written; ``exact``: that place holds this value alone (not a
    number standing for every level, of which a pack changes some)."""

    raw: Any
    place: Place
    exact: bool = True


Cells = dict[str | None, Cell]  # school level (None: one value) → cell


def _split(raw: Any, place: Place) -> Cells:
    if isinstance(raw, Mapping):
        return {str(k): Cell(v, place.below(k)) for k, v in raw.items()}
    return {None: Cell(raw, place)}


def _layer_over(cells: Cells, raw: Any, place: Place, variants: tuple[str, ...]) -> Cells:
    """``raw`` (a pack's value) over ``cells`` as ``policy/shared.py`` merges them: a mapping changes only its levels."""
    if not isinstance(raw, Mapping):
        return {None: Cell(raw, place)}
    out = dict(cells)
    if None in out:
        whole = out.pop(None)
        out = {v: Cell(whole.raw, whole.place, exact=False) for v in variants}
    for k, v in raw.items():
        out[str(k)] = Cell(v, place.below(k))
    return out


def rule_param_cells(files: RuleFiles, entry: RuleEntry, standard: str | None) -> dict[str, Cells]:
    """A rule's own params (not those naming a shared parameter) as the pack ``standard`` has them."""
    out: dict[str, Cells] = {}
    chain = files.chain(standard)
    variants = VARIANTS.get(entry.subject, ("primary", "junior"))
    for name, raw in (entry.data.get("params") or {}).items():
        if is_shared_name(raw):
            continue
        cells = _split(raw, Place(entry.file, ("rules", entry.index, "params", name)))
        for pack in reversed(chain):
            override = ((pack.data.get("overrides") or {}).get(entry.id) or {}).get("params") or {}
            if name in override:
                cells = _layer_over(cells, override[name], Place(pack, ("overrides", entry.id, "params", name)), variants)
        out[str(name)] = cells
    return out


def shared_cells(files: RuleFiles, name: str, standard: str | None) -> Cells:
    """A shared parameter as the pack ``standard`` has it."""
    declared = files.shared[name]
    cells = _split(declared.data["params"][name]["value"], Place(declared, ("params", name, "value")))
    for pack in reversed(files.chain(standard)):
        values = pack.data.get("params") or {}
        if name in values:
            cells = _layer_over(cells, values[name], Place(pack, ("params", name)), VARIANTS["school"])
    return cells


def severity_cell(files: RuleFiles, entry: RuleEntry, standard: str | None) -> Cell:
    """A rule's severity as the pack ``standard`` has it (its English key in ``raw``)."""
    cell = Cell(entry.data["severity"], Place(entry.file, ("rules", entry.index, "severity")))
    for pack in reversed(files.chain(standard)):
        override = (pack.data.get("overrides") or {}).get(entry.id) or {}
        if override.get("severity"):
            cell = Cell(override["severity"], Place(pack, ("overrides", entry.id, "severity")))
    return Cell(severity_key(cell.raw), cell.place, cell.exact)


def severity_key(value: Any) -> str:
    text = str(value).strip()
    return SEVERITY_NAMES_ZH.get(text, text)
