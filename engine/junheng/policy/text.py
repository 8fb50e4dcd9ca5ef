"""A text in Chinese and in English: a rule's title, a finding's message, a rectification.

A plain read-only value, not a pydantic model, so that checking a filing — which builds and
reads many — needs no pydantic at all. A rule model with a ``Text`` field validates it as a
mapping of exactly two non-empty strings, ``zh`` and ``en``: ``__get_pydantic_core_schema__``
gives pydantic that schema, importing pydantic-core only when a model is built.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Text"]


class Text:
    """A user-facing text in Chinese and English; read-only, equal by its two strings."""

    __slots__ = ("en", "zh")
    zh: str
    en: str

    def __init__(self, zh: str, en: str) -> None:
        object.__setattr__(self, "zh", zh)
        object.__setattr__(self, "en", en)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Text is read-only (tried to set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Text is read-only (tried to delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Text):
            return NotImplemented
        return self.zh == other.zh and self.en == other.en

    def __hash__(self) -> int:
        return hash((self.zh, self.en))

    def __repr__(self) -> str:
        return f"Text(zh={self.zh!r}, en={self.en!r})"

    def __reduce__(self) -> tuple[type[Text], tuple[str, str]]:
        return Text, (self.zh, self.en)

    def model_dump(self, **_options: Any) -> dict[str, str]:
        """``{"zh": …, "en": …}``, as the rule models dump their other parts."""
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any:
        """In a rule model: a mapping with ``zh`` and ``en``, each a non-empty string, and no other key (a Text
        given as it is passes); dumped back as that mapping."""
        from pydantic_core import core_schema as cs  # imported here: only building a rule model's validator needs it

        words = cs.str_schema(min_length=1)
        mapping = cs.typed_dict_schema({"zh": cs.typed_dict_field(words), "en": cs.typed_dict_field(words)},
                                       extra_behavior="forbid")
        return cs.no_info_before_validator_function(
            _as_mapping,
            cs.no_info_after_validator_function(_from_mapping, mapping),
            serialization=cs.plain_serializer_function_ser_schema(Text.model_dump, info_arg=False),
        )


def _as_mapping(value: object) -> object:
    return {"zh": value.zh, "en": value.en} if isinstance(value, Text) else value


def _from_mapping(value: dict[str, str]) -> Text:
    return Text(value["zh"], value["en"])
