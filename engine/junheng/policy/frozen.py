"""Loaded rules as read-only records: what a check reads of a rules folder, without pydantic.

The models of ``model.py`` validate what an officer wrote. Once a folder has loaded cleanly,
compiling and checking only read it, so ``freeze`` copies each model into a record of the
same name and fields (a ``model.Rule`` becomes a ``frozen.Rule``; ``Text`` is plain already).
The rules cache keeps ``junheng check``'s rules as records: a check that finds them there
imports no pydantic and builds no model class, about a third of a one-filing check's start.

A record answers what the compiler asks of a model — its fields, ``model_fields_set``,
``model_copy(update=…)``, equality and hashing as a frozen model has them — and nothing
else: the tools that edit or describe rules read the models.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from junheng.policy.loaded import LoadedRules

__all__ = ["Record", "freeze", "frozen_rules"]


class Record:
    """A validated rule-file object's fields, read-only. Subclasses are named after the model they copy."""

    model_fields_set: frozenset[str]  # the fields the file wrote, as the model's own ``model_fields_set``

    def __init__(self, fields: dict[str, Any], fields_set: frozenset[str]) -> None:
        object.__setattr__(self, "__dict__", {**fields, "model_fields_set": fields_set})

    def _fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "model_fields_set"}

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Any:
        """A copy with ``update``'s fields replaced (not validated, as the model's ``model_copy`` does not)."""
        update = update or {}
        return type(self)({**self._fields(), **update}, self.model_fields_set | frozenset(update))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only (tried to set {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return type(self) is type(other) and self._fields() == other._fields()

    def __hash__(self) -> int:  # as a frozen model's: a record holding a list is not hashable
        return hash((type(self).__name__, *self._fields().values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._fields().items())})"


class Cause(Record):
    pass


class RectificationCase(Record):
    pass


class Shortfall(Record):
    pass


class Lagging(Record):
    pass


class Aggregate(Record):
    pass


class Rule(Record):
    pass


class RuleFile(Record):
    pass


class Override(Record):
    pass


class Pack(Record):
    pass


class SharedParam(Record):
    pass


class ParamsFile(Record):
    pass


_RECORDS: dict[str, type[Record]] = {cls.__name__: cls for cls in Record.__subclasses__()}


def freeze(value: Any) -> Any:
    """``value`` with every rule model inside it copied into its record (lists, tuples and mappings walked)."""
    fields = getattr(type(value), "model_fields", None)
    if isinstance(fields, dict):
        record = _RECORDS[type(value).__name__]  # KeyError: a model without a record, a mistake in this module
        return record({name: freeze(getattr(value, name)) for name in fields}, frozenset(value.model_fields_set))
    if isinstance(value, list):
        return [freeze(v) for v in value]
    if isinstance(value, tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def frozen_rules(loaded: LoadedRules) -> LoadedRules:
    """The loaded folder with its rule files, packs and shared parameters as records; documents as they are."""
    return dataclasses.replace(
        loaded,
        files=tuple((freeze(rule_file), doc) for rule_file, doc in loaded.files),
        packs={name: (freeze(pack), doc) for name, (pack, doc) in loaded.packs.items()},
        shared={name: dataclasses.replace(shared, param=freeze(shared.param)) for name, shared in loaded.shared.items()},
    )
