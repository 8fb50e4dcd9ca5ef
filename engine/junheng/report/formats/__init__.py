"""Output formats: one module each, one protocol, one registry.

A formatter is a pure function of the results of a run (``Result`` for a checked filing,
``Failure`` for one that could not be checked): ``Formatter`` below. None of them changes the
exit status. A format that can stream also offers a ``LineFormatter`` (``STREAMING``): the CLI
then writes each filing's part as soon as it is checked and keeps nothing.

``FORMATS`` is the one list of every text format (its keys are ``--format`` choices); ``get``
gives one, ``NEEDS`` says what a format wants from the check beyond the findings. ``BINARY`` holds
the formats that make a file's bytes rather than text (the letter as a Word document): also
``--format`` choices, written only to ``--output FILE``, never to a terminal.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:  # the command line imports this module at every start; the result model costs ~0.2 s
    from junheng.report.result import Outcome

__all__ = ["BINARY", "FORMATS", "NEEDS", "ONE_LANGUAGE", "STREAMING", "BinaryFormatter", "Formatter", "LineFormatter", "get"]


class Formatter(Protocol):
    """The whole report of a run as text, ending with a newline; the same outcomes give the same text."""

    def __call__(self, outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str: ...


class BinaryFormatter(Protocol):
    """The whole report of a run as the bytes of a file (a .docx); the same outcomes give the same bytes."""

    def __call__(self, outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> bytes: ...


class LineFormatter(Protocol):
    """One filing's part of a streaming report, written as soon as the filing is checked."""

    def __call__(self, outcome: Outcome, *, lang: str = "zh", fail_on: str = "blocking") -> str: ...


_F = TypeVar("_F")


class _Registry(Mapping[str, _F]):
    """name → function, importing a format's module only when it is used (start-up time matters:
    ``junheng check`` of one filing should not pay for the HTML report's imports)."""

    def __init__(self, entries: dict[str, str]):
        self._entries = entries  # name → "module:function"
        self._loaded: dict[str, _F] = {}

    def __getitem__(self, name: str) -> _F:
        if name not in self._loaded:
            module, function = self._entries[name].split(":")
            self._loaded[name] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
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


# A format whose streamed lines show the findings in the run's language only (``--lang``): the worker that checks a
# filing for it writes no other language's texts (``check.batch.check_many``); every other format gets both.
ONE_LANGUAGE = "one_language"

# What a format needs from the check beyond the findings (see check.Options.details).
NEEDS: dict[str, frozenset[str]] = {
    "jsonl": frozenset({ONE_LANGUAGE}),
    "junit": frozenset({"checks"}),
    "html": frozenset({"indicators"}),
    "letter": frozenset({"indicators"}),  # the schools' names
    "docx": frozenset({"indicators"}),  # the letter's: the schools' names
}

BINARY: Mapping[str, BinaryFormatter] = _Registry({
    "docx": "letter_docx:render",  # imports python-docx, so only when the format is used
})

STREAMING: Mapping[str, LineFormatter] = _Registry({
    "jsonl": "jsonl:line",
})


def get(name: str) -> Formatter:
    """The format ``name`` (a key of ``FORMATS``)."""
    return FORMATS[name]


if TYPE_CHECKING:  # the type checker holds every format to its protocol (at run time each is imported when used)
    from junheng.report.formats import github, html, json_format, jsonl, junit, letter, markdown, sarif, text

    _FORMATTERS: tuple[Formatter, ...] = (text.render, json_format.render, jsonl.render, junit.render, sarif.render,
                                          github.render, markdown.render, html.render, letter.render)
    _LINE_FORMATTERS: tuple[LineFormatter, ...] = (jsonl.line,)
    from junheng.report.formats import letter_docx

    _BINARY_FORMATTERS: tuple[BinaryFormatter, ...] = (letter_docx.render,)
