"""Output formats: one module each, one protocol, one registry.

A formatter is a pure function ``render(outcomes, *, lang, color, fail_on) -> str``
of the results of a run (``Result`` for a checked filing, ``Failure`` for one that
could not be checked). None of them changes the exit status. A format that can
stream also offers ``line(outcome, *, lang, fail_on) -> str`` (``STREAMING``): the
CLI then writes each filing's part as soon as it is checked and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from . import github, html, json_format, jsonl, junit, letter, markdown, sarif, text

Formatter = Callable[..., str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "jsonl": jsonl.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
    "html": html.render,
    "letter": letter.render,
}


# What a format needs from the check beyond the findings (see check.Options.details).
NEEDS: dict[str, frozenset] = {
    "junit": frozenset({"checks"}),
    "html": frozenset({"indicators"}),
    "letter": frozenset({"indicators"}),  # the schools' names
}

STREAMING: dict[str, Callable[..., str]] = {
    "jsonl": jsonl.line,
}


def get(name: str) -> Formatter:
    return FORMATS[name]
