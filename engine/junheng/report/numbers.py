"""Numbers as reports show them: exact decimal rounding, thousands separators, percentages, fill-in texts.

Every figure a report prints goes through here, from any stage: ``fmt_number`` and
``fmt_value`` (the ``{name:pct}`` formats of rule texts) never use the thread's decimal
context, so nothing another module sets changes a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

from junheng.policy.formula import MISSING, UNDEFINED

__all__ = ["as_decimal", "as_filed", "fill", "fmt_number", "fmt_value", "round4"]

# Decimal arithmetic here never uses the thread's context: its 28 digits cannot quantize a figure
# of 1e24 or more to 4 decimals (a filing's numbers reach 1e15, their products 1e30), and whatever
# another module set there must not change a report. 400 digits hold any finite figure with decimals.
_CONTEXT = Context(prec=400, rounding=ROUND_HALF_EVEN)


def as_decimal(v: Fraction | float | int | Decimal | str) -> Decimal:
    """The exact decimal of a number: a float as its shortest repr, a fraction to 400 digits."""
    if isinstance(v, Fraction):
        return _CONTEXT.divide(Decimal(v.numerator), Decimal(v.denominator))
    if isinstance(v, float):
        return Decimal(repr(v))
    return Decimal(v)


def round4(v: Any) -> Any:
    """Half-even to 4 decimals; whole numbers as integers; anything but a number (None, text, a bool) as it is."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    d = as_decimal(v).quantize(Decimal("0.0001"), context=_CONTEXT)
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def as_filed(v: Any) -> Any:
    """A filed number for ``observed``: money fields are floats in the model; whole ones print as integers."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_number(v: Any, places: int = 4) -> str:
    """1234567.5 → '1,234,567.5'; ratios keep up to 4 decimals."""
    if v is None or v is MISSING or v is UNDEFINED:
        return "—"
    if isinstance(v, str):
        return v
    d = as_decimal(v).quantize(Decimal(1).scaleb(-places), context=_CONTEXT)
    text = _trim(format(d, ","))
    return "0" if text in ("-0", "") else text


def fmt_value(v: Any, spec: str | None) -> str:
    """A value as a rule text's ``{name:spec}`` shows it: ``pct``, ``pct2``, ``growth``, ``int``, or a plain number."""
    if v is None or v is MISSING or v is UNDEFINED or isinstance(v, str):
        return fmt_number(v)
    if spec == "pct":
        return fmt_number(_CONTEXT.multiply(as_decimal(v), 100), 1) + "%"
    if spec == "pct2":
        return fmt_number(_CONTEXT.multiply(as_decimal(v), 100), 2) + "%"
    if spec == "growth":
        return fmt_number(_CONTEXT.multiply(_CONTEXT.subtract(as_decimal(v), 1), 100), 1) + "%"
    if spec == "int":
        return fmt_number(v, 0)
    return fmt_number(v)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([a-z0-9]+))?\}")


def fill(template: str, names: Mapping[str, Any]) -> str:
    """A rule text with its ``{name}`` and ``{name:spec}`` placeholders filled; an unknown name stays as written."""

    def sub(m: re.Match[str]) -> str:
        name, spec = m.group(1), m.group(2)
        if name not in names:
            return m.group(0)
        return fmt_value(names[name], spec)

    return _PLACEHOLDER.sub(sub, template)
