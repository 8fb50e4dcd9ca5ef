"""Output formats: one module each, one protocol, one registry.

A formatter is a pure function ``render(outcomes, *, lang, color) -> str`` of the
results of a run (``Result`` for a checked filing, ``Failure`` for one that could
not be checked). None of them changes the exit status.
"""

from __future__ import annotations

from collections.abc import Callable

from . import github, html, json_format, junit, letter, markdown, sarif, text

Formatter = Callable[..., str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
    "html": html.render,
    "letter": letter.render,
}


def get(name: str) -> Formatter:
    return FORMATS[name]
