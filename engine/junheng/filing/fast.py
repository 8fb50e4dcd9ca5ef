"""The fast validator of a filing: pydantic-core alone, with the models' schema written out (``fastschema.py``).

``junheng validate`` and the check path ask this first. A filing it accepts comes back as the plain data the
check works on — what ``Filing.model_validate(plain).model_dump(exclude_none=True)`` gives —, without pydantic
imported or the models' schemas built. A filing it rejects is validated again by the models (``validate.py``),
which word every problem with its place: the fast validator only ever says yes or "ask the models".
``tests/test_filing_fast.py`` holds the two to the same answers.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import SchemaValidator, ValidationError

from junheng.filing.fastschema import SCHEMA

__all__ = ["validated"]

_VALIDATOR: list[SchemaValidator] = []  # built at the first filing (about a millisecond), then kept


def validated(plain: Any) -> dict[str, Any] | None:
    """The filing's data with every absent value left out, or None when the models must be asked (it is not valid)."""
    if not _VALIDATOR:
        _VALIDATOR.append(SchemaValidator(SCHEMA))
    try:
        data = _VALIDATOR[0].validate_python(plain)
    except ValidationError:
        return None
    return _without_none(data)


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    """``model_dump(exclude_none=True)``: members that are None left out, at every depth (objects and lists of them)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if type(value) is dict:
            value = _without_none(value)
        elif type(value) is list:
            value = [_without_none(item) if type(item) is dict else item for item in value]
        out[key] = value
    return out
