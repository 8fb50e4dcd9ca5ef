"""The catalogue's tolerance, in one place: numbers within 1e-9 of each other (relative) are equal.

Every comparison junheng makes — the engine's conditions (``rete/plan.py`` builds the
tolerance into the constants it compiles), the exact re-evaluation behind a finding,
the indicator series of a report — uses this one constant and this one comparison.
"""

from __future__ import annotations

import math
from fractions import Fraction

REL_TOL = 1e-9  # the catalogue's tolerance: math.isclose(a, b, rel_tol=1e-9)

__all__ = ["REL_TOL", "compare", "isclose"]


def isclose(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL)


def compare(op: str, a: float | Fraction | str, b: float | Fraction | str) -> bool:
    """A comparison with the catalogue's tolerance (numbers within 1e-9 relative are equal)."""
    if isinstance(a, str) or isinstance(b, str):
        return {"==": a == b, "!=": a != b}.get(op, False)
    close = isclose(float(a), float(b))
    if op == "<":
        return a < b and not close
    if op == "<=":
        return a <= b or close
    if op == ">":
        return a > b and not close
    if op == ">=":
        return a >= b or close
    if op == "==":
        return close
    return not close
