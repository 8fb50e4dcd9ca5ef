"""Output formats: one module each, one protocol, one registry.

A formatter is a pure function ``render(outcomes, *, lang, color, fail_on) -> str``
of the results of a run (``Result`` for a checked filing, ``Failure`` for one that
could not be checked). None of them changes the exit status. A format that can
stream also offers ``line(outcome, *, lang, fail_on) -> str`` (``STREAMING``): the
CLI then writes each filing's part as soon as it is checked and keeps nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

Formatter = Callable[..., str]


class _Registry(Mapping):
    """name → function, importing a format's module only when it is used (start-up time matters:
    ``junheng check`` of one filing should not pay for the HTML report's imports)."""

    def __init__(self, entries: dict[str, str]):
        self._entries = entries  # name → "module:function"
        self._loaded: dict[str, Callable] = {}

    def __getitem__(self, name: str) -> Callable:
        if name not in self._loaded:
            module, function = self._entries[name].split(":")
            self._loaded[name] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return self._loaded[name]

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


FORMATS: Mapping[str, Formatter] = _Registry({
    "text": "text:render",
    "json": "json_format:render",
    "jsonl": "jsonl:render",
    "junit": "junit:render",
    "sarif": "sarif:render",
    "github": "github:render",
    "markdown": "markdown:render",
    "html": "html:render",
    "letter": "letter:render",
})


# What a format needs from the check beyond the findings (see check.Options.details).
NEEDS: dict[str, frozenset] = {
    "junit": frozenset({"checks"}),
    "html": frozenset({"indicators"}),
    "letter": frozenset({"indicators"}),  # the schools' names
}

STREAMING: Mapping[str, Callable[..., str]] = _Registry({
    "jsonl": "jsonl:line",
})


def get(name: str) -> Formatter:
    return FORMATS[name]
