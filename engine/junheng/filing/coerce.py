"""The Python that the filing contract needs beyond pydantic-core's own checks, with no pydantic behind it.

Both validators of a filing call these: the models (``model.py``, whose validators delegate here) and the
fast validator of the check path (``fast.py``), whose schema names these functions. A value or an object
passes through the same code either way.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from pydantic_core import PydanticCustomError

__all__ = ["district_defaults", "finance_not_empty", "identifier", "none_if_empty", "not_a_boolean", "rate", "school_defaults",
           "whole_number"]

# The contract's rate string, ``^\s*\d+(\.\d+)?\s*[%％]\s*$``, with ASCII digits
# spelled out: JSON Schema's (ECMA-262) ``\d`` is ASCII-only, Python's is not.
_PERCENT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]\s*")
_HUNDRED = Decimal(100)
_BOOLEANS = ("weak", "teaching_point")


def whole_number(value: Any) -> Any:
    """Counts: a whole-number float (what spreadsheets write) is that integer."""
    if type(value) is float:
        if value.is_integer():
            return int(value)
        if math.isfinite(value):
            raise PydanticCustomError("count_fraction", "A count must be a whole number, got {value}", {"value": value})
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return value  # ints, and everything that strict int rejects on its own


def rate(value: Any) -> Any:
    """Rates: ``"95.5%"`` (or ``％``) is 0.955, computed in Decimal so that it is exact."""
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match is None:
            raise PydanticCustomError("rate_string", "A rate string must look like '95%'", {"value": value})
        fraction = Decimal(match.group(1)) / _HUNDRED
        if fraction > 1:  # compared in Decimal: "100.000000000000000001%" must not round to 1.0
            raise PydanticCustomError("rate_percent_range", "A percentage must lie in 0%..100%", {"value": value})
        return float(fraction)
    return value


def identifier(value: Any) -> Any:
    """Codes and ids are strings; an unquoted integer is read as the digits written."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = getattr(value, "source", None) or str(value)
        if text.isascii() and text.isdigit():
            return text
        raise PydanticCustomError("identifier_number", "Must be a string; quote it", {"value": text})
    if type(value) is float:
        raise PydanticCustomError("identifier_number", "Must be a string; quote it", {"value": value})
    return value


def not_a_boolean(value: Any) -> Any:
    """``Literal[1]`` accepts ``True`` (``True == 1``) even in strict mode; the contract does not."""
    if isinstance(value, bool):
        raise PydanticCustomError("literal_error", "Input should be 1", {"expected": "1"})
    return value


def none_if_empty(value: Any) -> Any:
    """``{}`` — or an object whose members are all absent — is the same as leaving it out (a model or, in the fast
    validator, the dict that stands for one)."""
    for member in (value if isinstance(value, dict) else value.__dict__).values():
        if member is not None:
            return value
    return None


def school_defaults(data: Any) -> Any:
    """``weak: null`` is "not given", i.e. false — not None (a school's record, before its fields are read)."""
    if isinstance(data, dict) and (data.get("weak", False) is None or data.get("teaching_point", False) is None):
        data = {key: value for key, value in data.items() if value is not None or key not in _BOOLEANS}
    return data


def district_defaults(data: Any) -> Any:
    """``standard: null`` is "not given", i.e. the default standard."""
    if isinstance(data, dict) and "standard" in data and data["standard"] is None:
        data = {key: value for key, value in data.items() if key != "standard"}
    return data


def finance_not_empty(data: Any) -> Any:
    """``finance`` is required, so it may not be empty."""
    # Shallow on purpose, so that the JSON Schema's ``not`` on Finance says exactly the same.
    if isinstance(data, dict) and all(value is None or value == {} for value in data.values()):
        raise PydanticCustomError("empty_required_object", "finance is required and may not be empty")
    return data
