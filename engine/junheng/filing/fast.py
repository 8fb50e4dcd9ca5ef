"""The fast validator of a filing: pydantic-core alone, with the models' schema written out (``fastschema.py``).

``junheng validate`` and the check path ask this first. A filing it accepts comes back as the plain data the
check works on — what ``Filing.model_validate(plain).model_dump(exclude_none=True)`` gives —, without pydantic
imported or the models' schemas built. A filing it rejects is validated again by the models (``validate.py``),
which word every problem with its place: the fast validator only ever says yes or "ask the models".
``tests/test_filing_fast.py`` holds the two to the same answers.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from pydantic_core import SchemaSerializer, SchemaValidator, ValidationError

from junheng.filing import coerce
from junheng.filing.fastschema import SCHEMA

__all__ = ["NUMBER", "OBJECT", "field_paths", "field_shapes", "validated"]

NUMBER, OBJECT = "number", "object"  # the shapes of ``field_shapes``

_BUILT: list[tuple[SchemaValidator, SchemaSerializer]] = []  # built at the first filing (about a millisecond), then kept


def validated(plain: Any, full: bool = False) -> dict[str, Any] | None:
    """The filing's data with every absent value left out, or None when the models must be asked (it is not valid).

    ``full``: ``plain`` holds no null and no empty object (``LoadedDocument.plain_is_full``), so that no value of what
    the validator gives is None, and there is nothing to leave out."""
    if not _BUILT:
        _BUILT.append((SchemaValidator(SCHEMA), SchemaSerializer(SCHEMA)))
    validator, serializer = _BUILT[0]
    try:
        data = validator.validate_python(plain)
    except ValidationError:
        return None
    if full:
        return cast(dict[str, Any], data)
    # A member given as null, or an object that is all absent ({}), is None here: left out, at every depth.
    return cast(dict[str, Any], serializer.to_python(data, exclude_none=True))


def field_paths() -> tuple[set[str], set[str]]:
    """Every field's dotted path (an object's members, not the object): from the filing's root, and in a school
    record. What the models' fields give (``policy/resolve.py`` lets a rule name these), without building them."""
    schema_: dict[str, Any] = cast(dict[str, Any], SCHEMA)
    definitions = {d["ref"]: d for d in schema_["definitions"]}

    def members(schema: Any) -> dict[str, Any] | None:
        while schema["type"] != "typed-dict":
            if schema["type"] == "definition-ref":
                schema = definitions[schema["schema_ref"]]
            elif "schema" in schema:
                schema = schema["schema"]
            elif schema["type"] == "list":
                schema = schema["items_schema"]
            else:
                return None  # a value
        return cast(dict[str, Any], schema["fields"])

    def walk(fields: dict[str, Any], prefix: str, out: set[str]) -> set[str]:
        for name, field in fields.items():
            inner = members(field["schema"])
            if inner is None:
                out.add(prefix + name)
            else:
                walk(inner, f"{prefix}{name}.", out)
        return out

    filing = cast(dict[str, Any], members(schema_["schema"]))
    root = walk(filing, "", set())
    school = members(filing["schools"]["schema"])
    return root, walk(cast(dict[str, Any], school), "", set())


@cache
def field_shapes() -> tuple[dict[str, str], dict[str, str]]:
    """What the data of a filing that ``validated`` (or the models) accepted holds at a dotted path, from the filing's
    root and in a school record: ``NUMBER``, an ``int`` or a ``float``, never a bool or a text; ``OBJECT``, a dict;
    either way absent when the filing leaves it out (a null is left out too). A path of any other field is not named:
    texts, flags, lists, and what a function after the schema may change."""
    schema_: dict[str, Any] = cast(dict[str, Any], SCHEMA)
    definitions = {d["ref"]: d for d in schema_["definitions"]}

    def shape(schema: Any) -> tuple[str | None, dict[str, Any] | None]:
        while True:
            kind = schema["type"]
            if kind == "definition-ref":
                schema = definitions[schema["schema_ref"]]
            elif kind in ("nullable", "function-before") or (kind == "default" and schema.get("default") is None) or (
                    kind == "function-after" and schema["function"].get("function") is coerce.none_if_empty):
                schema = schema["schema"]  # what comes out is what the inner schema gives, or None (left out)
            elif kind == "typed-dict":
                return OBJECT, cast(dict[str, Any], schema["fields"])
            elif kind in ("int", "float"):
                return NUMBER, None
            elif kind == "union":
                choices = [shape(c[0] if isinstance(c, tuple) else c)[0] for c in schema["choices"]]
                return (NUMBER if all(c == NUMBER for c in choices) else None), None
            else:
                return None, None

    def walk(fields: dict[str, Any], prefix: str, out: dict[str, str]) -> dict[str, str]:
        for name, field in fields.items():
            kind, inner = shape(field["schema"])
            if kind is not None:
                out[prefix + name] = kind
            if inner is not None:
                walk(inner, f"{prefix}{name}.", out)
        return out

    filing = cast(dict[str, Any], shape(schema_["schema"])[1])
    schools = filing["schools"]["schema"]
    while schools["type"] != "list":  # the list of school records, however optional
        schools = schools["schema"]
    return walk(filing, "", {}), walk(cast(dict[str, Any], shape(schools["items_schema"])[1]), "", {})
