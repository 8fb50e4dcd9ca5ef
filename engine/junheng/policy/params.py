"""Policy numbers: a number written in a rule file, read as the exact fraction written."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["MAX_PARAM", "fraction"]

MAX_PARAM = Fraction(10) ** 300  # the derive stage also needs every policy number as a float


def fraction(value: object) -> Fraction:
    """A policy number as the exact fraction written (``0.07`` is 7/100, ``"1/3"`` a third, ``"75%"`` 3/4).

    ValueError for anything else (a boolean, inf, nan, text), or beyond ±1e300.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        result = Fraction(repr(value))  # inf and nan raise ValueError here
    elif isinstance(value, int):
        result = Fraction(value)
    else:
        text = str(value).replace(" ", "")
        if text.endswith(("%", "％")):  # a percentage: "75%" is 3/4
            result = Fraction(text[:-1]) / 100
        elif "/" in text:
            a, b = text.split("/", 1)
            den = Fraction(b)
            if den == 0:
                raise ValueError("division by zero")
            result = Fraction(a) / den
        else:
            result = Fraction(text)
    if abs(result) > MAX_PARAM:
        raise ValueError("out of range")
    return result
