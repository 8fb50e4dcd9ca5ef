"""Output formats: one module each, one protocol, one registry.

A formatter is a pure function ``render(outcomes, *, lang, color) -> str`` of the
results of a run (``Result`` for a checked filing, ``Failure`` for one that could
not be checked). None of them changes the exit status.
"""

from __future__ import annotations

from collections.abc import Callable

from . import json_format, text

Formatter = Callable[..., str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
}


def get(name: str) -> Formatter:
    return FORMATS[name]
