"""Writes ``fastschema.py``: the filing models' pydantic-core schema with every model a typed dict.

The fast validator (``fast.py``) checks a filing with pydantic-core alone, so that ``junheng validate`` and the
check path need neither pydantic nor the models' schemas built at start-up (about a third of the start-up time).
Its schema is not written by hand: it is the models' own core schema (``Filing.__pydantic_core_schema__``) with
each model turned into the typed dict of its fields, written out once as Python. ``tests/test_filing_fast.py``
holds the file to what this module writes from the models today, and the two validators to the same answers.

Run ``python -m junheng.filing.fastgen`` after changing ``model.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from junheng.filing import coerce
from junheng.filing import model as m

__all__ = ["TARGET", "schema_source"]

TARGET = Path(__file__).with_name("fastschema.py")

# The models' validators, as the coerce functions they delegate to (a bound classmethod cannot be written out).
_METHODS: dict[tuple[type, str], Callable[[Any], Any]] = {
    (m.School, "_null_means_default"): coerce.school_defaults,
    (m.District, "_null_means_default"): coerce.district_defaults,
    (m.Finance, "_not_empty"): coerce.finance_not_empty,
}
_DROPPED = ("metadata", "serialization", "ref", "cls", "custom_init", "root_model", "post_init", "computed_fields",
            "model_name")


def _function(fn: Any) -> str:
    """The source naming ``fn``, a function of coerce.py (or a model's validator, which delegates to one)."""
    owner = getattr(fn, "__self__", None)
    function = _METHODS[(owner, fn.__func__.__name__)] if owner is not None else fn
    name = str(getattr(function, "__name__", ""))
    if getattr(coerce, name, None) is not function:
        raise ValueError(f"{fn!r} is not a function of coerce.py: the fast schema can only name those")
    return f"coerce.{name}"


def _typed_dict(model: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    """A ``model`` schema as the typed dict of its fields (its before-validator kept around it)."""
    config = {k: v for k, v in model["config"].items() if k in ("strict", "extra_fields_behavior")}
    inner = model["schema"]
    wrapper = None
    if inner["type"] == "function-before":
        wrapper, inner = inner, inner["schema"]
    if inner["type"] != "model-fields":
        raise ValueError(f"unexpected model schema {inner['type']}")
    fields = {name: {"type": "typed-dict-field", "schema": _convert(_absent_left_out(f["schema"]), refs),
                     "required": f["schema"]["type"] != "default"} for name, f in inner["fields"].items()}
    typed: dict[str, Any] = {"type": "typed-dict", "fields": fields, "extra_behavior": config["extra_fields_behavior"],
                             "strict": config["strict"], "config": config}
    if wrapper is not None:
        typed = {"type": "function-before", "function": _convert(wrapper["function"], refs), "schema": typed}
    if "ref" in model:
        typed["ref"] = refs[model["ref"]]
    return typed


def _absent_left_out(field: dict[str, Any]) -> dict[str, Any]:
    """A field whose default is None without it: an absent member is then left out of the typed dict, not written as
    None (the check's data leaves out every None, as ``model_dump(exclude_none=True)`` does)."""
    return field["schema"] if field["type"] == "default" and field.get("default", ...) is None else field


def _convert(node: Any, refs: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_convert(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "model":
        return _typed_dict(node, refs)
    if node.get("type") == "definition-ref":
        return {"type": "definition-ref", "schema_ref": refs[node["schema_ref"]]}
    if node.get("type") == "function-before" and node["function"].get("function") is coerce.whole_number:
        return _int_first(node, refs)
    return {key: value if key == "function" and callable(value) else _convert(value, refs)
            for key, value in node.items() if key not in _DROPPED}


def _int_first(node: dict[str, Any], refs: dict[str, str]) -> dict[str, Any]:
    """A count: an integer is taken as it is, in pydantic-core, and only anything else is handed to ``whole_number``
    first (a whole-number float is that integer). The same answers as the count's own schema — an integer passes
    ``whole_number`` unchanged —, without a call into Python for each of a filing's thousand counts."""
    converted = {key: value if key == "function" else _convert(value, refs) for key, value in node.items() if key not in _DROPPED}
    if converted["schema"].get("type") != "int":
        raise ValueError(f"whole_number before {converted['schema'].get('type')}: the fast schema expects an int")
    return {"type": "union", "mode": "left_to_right", "choices": [{**converted["schema"], "strict": True}, converted]}


def _refs(node: Any, found: dict[str, str]) -> dict[str, str]:
    """Each model ref (``module.Class:id``, the id differing from run to run) → its class name, stable."""
    if isinstance(node, dict):
        if node.get("type") == "model" and "ref" in node:
            found[node["ref"]] = node["ref"].split(":")[0].rsplit(".", 1)[1]
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)
    return found


def _value(key: Any, value: Any, write: Callable[[Any], str]) -> str:
    return _function(value) if key == "function" and callable(value) else write(value)


def _inline(node: Any) -> str:
    """``node`` as Python source on one line."""
    if isinstance(node, dict):
        return "{" + ", ".join(f"{_inline(key)}: {_value(key, value, _inline)}" for key, value in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_inline(item) for item in node) + "]"
    if isinstance(node, str):
        return json.dumps(node, ensure_ascii=False)  # a Python literal too, double-quoted as the project writes them
    if node is None or isinstance(node, (bool, int, float)):
        return repr(node)
    raise ValueError(f"cannot write {node!r} in the fast schema")


def _write(node: Any, indent: int = 0) -> str:
    """``node`` as Python source: on one line where it fits, else a member a line."""
    one = _inline(node)
    pad = "    " * (indent + 1)
    if not isinstance(node, (dict, list)) or not node or len(one) + len(pad) <= 116:
        return one
    if isinstance(node, list):
        return "[\n" + "\n".join(f"{pad}{_write(item, indent + 1)}," for item in node) + "\n" + "    " * indent + "]"
    items = [f"{pad}{_inline(key)}: {_value(key, value, lambda v: _write(v, indent + 1))}," for key, value in node.items()]
    return "{\n" + "\n".join(items) + "\n" + "    " * indent + "}"


def schema_source() -> str:
    """The text of ``fastschema.py`` as the models give it today."""
    m.Filing.model_rebuild()  # the models are built at their first use (``defer_build``): build them now
    schema = m.Filing.__pydantic_core_schema__
    converted = _convert(schema, _refs(schema, {}))
    return ('"""The filing models\' core schema, every model a typed dict.\n\n'
            'Written by ``fastgen.py`` (``python -m junheng.filing.fastgen``), not by hand."""\n\n'
            "from junheng.filing import coerce\n\n"
            "SCHEMA = " + _write(converted) + "\n")


if __name__ == "__main__":
    TARGET.write_text(schema_source(), encoding="utf-8")
