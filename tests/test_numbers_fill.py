"""``fill`` and ``fmt_figures`` against the plain way of writing them (kept here as the reference): a rule text filled
from a template split once and kept, and figures rounded together with the pairs worked out once, must give the very
same text, whatever the placeholders, specs, places and values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.report import numbers
from junheng.report.numbers import _MAX_PLACES, _SPECS, _decimal_text, _is_number, _order, _shown, fill, fmt_figures, fmt_value

_CONTEXT = numbers._CONTEXT
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([a-z0-9]+))?\}")


def reference_fmt_figures(figures: Sequence[tuple[Any, str | None, int | None]]) -> list[str]:
    places = [p if p is not None else _SPECS.get(spec, (_MAX_PLACES, 1, 0))[0] for _, spec, p in figures]
    exact = [_shown(v, spec) if _is_number(v) else None for v, spec, _ in figures]
    for _ in range(_MAX_PLACES + 1):
        shown = [None if e is None else e.quantize(Decimal(1).scaleb(-p), context=_CONTEXT) for e, p in zip(exact, places, strict=True)]
        wrong: set[int] = set()
        for i in range(len(figures)):
            for j in range(i + 1, len(figures)):
                if exact[i] is not None and exact[j] is not None and _order(shown[i], shown[j]) != _order(exact[i], exact[j]):
                    wrong |= {k for k in (i, j) if places[k] < _MAX_PLACES}
        if not wrong:
            break
        for i in wrong:
            places[i] += 1
    return [fmt_value(v, spec, p) if e is None else _decimal_text(e, p) + ("%" if spec in ("pct", "pct2", "growth") else "")
            for (v, spec, _), p, e in zip(figures, places, exact, strict=True)]


def reference_fill(template: str, names: Mapping[str, Any], places: Mapping[str, int] | None = None) -> str:
    found = [m for m in _PLACEHOLDER.finditer(template) if m.group(1) in names]
    figures = [(names[m.group(1)], m.group(2), (places or {}).get(m.group(1)) if m.group(2) is None else None) for m in found]
    shown = dict(zip((m.start() for m in found), reference_fmt_figures(figures), strict=True))
    return _PLACEHOLDER.sub(lambda m: shown.get(m.start(), m.group(0)), template)


_VALUES = st.one_of(
    st.integers(-10**16, 10**16),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16),
    st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**16),
    st.sampled_from([Fraction(24995, 10), Fraction(2500), Fraction(1, 3), Fraction(2, 3), 0.955, 0.9549999, 0.95]),
    st.text(max_size=3), st.none(), st.booleans(),
)
_SPEC = st.sampled_from([None, "pct", "pct2", "growth", "int", "odd"])
_PLACES = st.one_of(st.none(), st.integers(0, 6))
_NAMES = ("a", "b", "c", "d.e")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_VALUES, _SPEC, _PLACES), max_size=5))
def test_figures_are_shown_as_the_plain_way_shows_them(figures):
    assert fmt_figures(figures) == reference_fmt_figures(figures)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.one_of(st.sampled_from(["，低于 ", "元", "{", "}", ":", "%", "{x:pct}", "{a", "{}"]),
                                 st.tuples(st.sampled_from(_NAMES + ("unknown",)), _SPEC).map(
                                     lambda t: "{" + t[0] + (f":{t[1]}" if t[1] else "") + "}")), max_size=8),
       names=st.dictionaries(st.sampled_from(_NAMES), _VALUES),
       places=st.one_of(st.none(), st.dictionaries(st.sampled_from(_NAMES), st.integers(0, 4))))
def test_a_text_is_filled_as_the_plain_way_fills_it(pieces, names, places):
    template = "".join(pieces)
    assert fill(template, names, places) == reference_fill(template, names, places)
    assert fill(template, names, places) == reference_fill(template, names, places)  # again: from the split kept


def test_two_figures_that_would_print_alike_get_more_decimals():
    assert fill("{a} 元，低于 {b} 元", {"a": Fraction(24996, 10), "b": 2500}, {"a": 0, "b": 0}) == "2,499.6 元，低于 2,500 元"
