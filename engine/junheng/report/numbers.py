"""Numbers as reports show them: exact decimal rounding, thousands separators, percentages, fill-in texts.

Every figure a report prints goes through here, from any stage: ``fmt_number`` and
``fmt_value`` (the ``{name:pct}`` formats of rule texts) never use the thread's decimal
context, so nothing another module sets changes a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

from junheng.policy.formula import MISSING, UNDEFINED

__all__ = ["as_decimal", "as_filed", "fill", "fmt_figures", "fmt_number", "fmt_value", "places_of", "round4"]

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
    return _decimal_text(as_decimal(v), places)


def _decimal_text(d: Decimal, places: int) -> str:
    """An exact decimal rounded half-even to ``places``, with thousands separators and no trailing zeros."""
    text = _trim(format(d.quantize(_step(places), context=_CONTEXT), ","))
    return "0" if text in ("-0", "") else text


# The decimals each ``{name:spec}`` format shows, and the factor and offset it applies first.
_SPECS: dict[str | None, tuple[int, int, int]] = {"pct": (1, 100, 0), "pct2": (2, 100, 0), "growth": (1, 100, 1), "int": (0, 1, 0)}
_MAX_PLACES = 4  # never more than a ratio in ``observed`` shows


def _shown(v: Any, spec: str | None) -> Decimal:
    """The number a ``{name:spec}`` format prints, before rounding: a percentage is the value × 100."""
    _, factor, offset = _SPECS.get(spec, (_MAX_PLACES, 1, 0))
    return _CONTEXT.multiply(_CONTEXT.subtract(as_decimal(v), offset), factor)


def fmt_value(v: Any, spec: str | None, places: int | None = None) -> str:
    """A value as a rule text's ``{name:spec}`` shows it: ``pct``, ``pct2``, ``growth``, ``int``, or a plain number.

    ``places`` (the decimals of the value's unit, ``places_of``) replaces the format's own: 1 for
    ``pct`` and ``growth``, 2 for ``pct2``, 0 for ``int``, 4 for a plain number.
    """
    if v is None or v is MISSING or v is UNDEFINED or isinstance(v, str):
        return fmt_number(v)
    digits = _SPECS.get(spec, (_MAX_PLACES, 1, 0))[0] if places is None else places
    text = fmt_number(_shown(v, spec), digits)
    return text + "%" if spec in ("pct", "pct2", "growth") else text


def places_of(unit: str | None, units: Mapping[str, Any]) -> int | None:
    """The decimals a figure in ``unit`` shows: those of the unit's rounding step in the vocabulary
    (万元 0.01 → 2; 元 and counts 1 → 0); None for a unit the vocabulary does not round."""
    step = units.get(unit) if unit is not None else None
    if step is None or isinstance(step, bool):
        return None
    exponent = as_decimal(step).normalize(context=_CONTEXT).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else None


def fmt_figures(figures: Sequence[tuple[Any, str | None, int | None]]) -> list[str]:
    """Figures shown together in one text, each ``(value, spec, places)`` as ``fmt_value`` shows it, so that
    rounding never changes how two of them compare: ``2,499.6 元，低于 2,500 元``, never ``2,500 元，低于 2,500 元``.

    A figure that would print equal to another it is not equal to (or on the other side of it)
    gets one more decimal at a time, up to 4.
    """
    places = [p if p is not None else _SPECS.get(spec, (_MAX_PLACES, 1, 0))[0] for _, spec, p in figures]
    exact = [_shown(v, spec) if _is_number(v) else None for v, spec, _ in figures]
    numbers = [i for i, e in enumerate(exact) if e is not None]
    if len(numbers) > 1:  # how each pair of numbers compares, exactly: what their shown figures must keep
        pairs = [(i, j, _order(exact[i], exact[j])) for k, i in enumerate(numbers) for j in numbers[k + 1:]]
        for _ in range(_MAX_PLACES + 1):
            shown = {i: exact[i].quantize(_step(places[i]), context=_CONTEXT) for i in numbers}  # type: ignore[union-attr]
            wrong = {k for i, j, order in pairs if _order(shown[i], shown[j]) != order for k in (i, j) if places[k] < _MAX_PLACES}
            if not wrong:
                break
            for i in wrong:
                places[i] += 1
    # as ``fmt_value`` shows each, from the exact figure already worked out (text, a boolean or no value: by fmt_value)
    return [fmt_value(v, spec, p) if e is None else _decimal_text(e, p) + ("%" if spec in ("pct", "pct2", "growth") else "")
            for (v, spec, _), p, e in zip(figures, places, exact, strict=True)]


_STEPS: dict[int, Decimal] = {}


def _step(places: int) -> Decimal:
    """``Decimal(1).scaleb(-places)``: the quantum of ``places`` decimals, made once."""
    step = _STEPS.get(places)
    if step is None:
        step = _STEPS[places] = Decimal(1).scaleb(-places)
    return step


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Fraction, Decimal)) and not isinstance(v, bool)


def _order(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([a-z0-9]+))?\}")
# A template as its texts between placeholders and its placeholders (name, spec, as written): split once per text.
_Parsed = tuple[tuple[str, ...], tuple[tuple[str, str | None, str], ...]]
_PARSED: dict[str, _Parsed] = {}
_PARSED_MAX = 4096  # rule texts are a few hundred; a text made up on the fly is split again rather than kept


def _parsed(template: str) -> _Parsed:
    parsed = _PARSED.get(template)
    if parsed is None:
        texts, holes, at = [], [], 0
        for m in _PLACEHOLDER.finditer(template):
            texts.append(template[at:m.start()])
            holes.append((m.group(1), m.group(2), m.group(0)))
            at = m.end()
        texts.append(template[at:])
        parsed = (tuple(texts), tuple(holes))
        if len(_PARSED) < _PARSED_MAX:
            _PARSED[template] = parsed
    return parsed


def fill(template: str, names: Mapping[str, Any], places: Mapping[str, int] | None = None) -> str:
    """A rule text with its ``{name}`` and ``{name:spec}`` placeholders filled; an unknown name stays as written.

    ``places`` gives the decimals of a plain ``{name}`` (its unit's, ``places_of``; a ``{name:spec}``
    keeps its format's); the figures of one text are rounded together (``fmt_figures``), so that
    rounding never changes how two of them compare.
    """
    texts, holes = _parsed(template)
    if not holes:
        return template
    places = places or {}
    shown = iter(fmt_figures([(names[name], spec, places.get(name) if spec is None else None)
                              for name, spec, _ in holes if name in names]))
    out = [texts[0]]
    for (name, _, written), text in zip(holes, texts[1:], strict=True):
        out.append(next(shown) if name in names else written)
        out.append(text)
    return "".join(out)
