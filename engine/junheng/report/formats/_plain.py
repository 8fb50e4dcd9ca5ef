"""Texts for the CI formats (SARIF, GitHub annotations, JUnit): places as the filing form names them, no JSON pointers, no keys.

A CI system shows a finding's message to a person on a pull request or a dashboard, where a
JSON pointer (``/finance/land_transfer/income``) or a contract key (``sports_per_student``)
means nothing. The rules' texts are written for people, but some names are filled in by the
checker: DATA-MISSING names the missing figures by pointer, an aggregate rule (QLT-08) its
members' compared values by key. Here each pointer the finding knows becomes the form's label
(``report.labels``), a key that is a filing field its label, any other key is left out (the
rule's title stands before it). A spreadsheet filing's place is its sheet and cell (``经费!B3``).

The JSON output keeps pointers and keys: they are its contract (output.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from junheng.errors import InputError
from junheng.report.formats._shared import pick, shortfall_text
from junheng.report.labels import Schools, field_label, pointer_label
from junheng.report.result import Finding, Location

__all__ = ["cell_place", "error_text", "finding_message", "finding_rectification", "plain", "position"]

_WORDS = {"zh": {"at": "（位置：{place}）", "sep": "："}, "en": {"at": " (at {place})", "sep": ": "}}


def plain(text: str, finding: Finding, lang: str, schools: Schools | None = None) -> str:
    """``text`` (a finding's message or rectification) with every pointer the finding knows as its label, and no contract key."""
    pointers = {*(finding.missing or ()), *(loc.pointer for loc in finding.locations)}
    for pointer in sorted((p for p in pointers if p), key=lambda p: (-len(p), p)):  # the longest first: /a/b before /a
        if pointer in text:
            label = pointer_label(pointer, lang, schools)
            text = re.sub(re.escape(pointer) + r"(?![\w/])", _literal(label), text)
    for key in sorted({*finding.observed, *finding.threshold}, key=lambda k: (-len(k), k)):
        if "_" not in key or key not in text:
            continue  # a key without "_" ("books") reads as a word; only snake_case keys are contract keys
        label = field_label(key)
        # a filing field is named by its label; any other value (``sports_per_student``) is left out: its rule's title says it
        known = label != key
        text = re.sub(rf"(?<![\w.]){re.escape(key)}(?![\w.])" + ("" if known else " ?"), _literal(label if known else ""), text)
    return text


def _literal(replacement: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that is ``replacement`` as written (a label may hold a backslash)."""
    return lambda _match: replacement


def cell_place(location: Location, lang: str, schools: Schools | None = None) -> str:
    """A spreadsheet filing's place, ``经费!B3 土地出让收益（万元）``; empty for any other filing (its line says where)."""
    if location.cell is None:
        return ""
    return f"{location.cell} {pointer_label(location.pointer, lang, schools)}"


def position(location: Location) -> str:
    """``file:line:column``, or ``file 经费!B3`` for a spreadsheet filing: where a plain log line says a figure is."""
    return f"{location.file} {location.cell}" if location.cell else f"{location.file}:{location.line}:{location.column}"


def finding_message(finding: Finding, lang: str, schools: Schools | None = None) -> str:
    """The finding's message for a person; a spreadsheet filing's ends with the sheet and cell of its first figure."""
    text = plain(pick(finding.message, lang), finding, lang, schools)
    first = finding.locations[0] if finding.locations else None
    if first is not None and first.cell is not None:
        text += _WORDS[lang]["at"].format(place=cell_place(first, lang, schools))
    return text


def finding_rectification(finding: Finding, lang: str, schools: Schools | None = None) -> str:
    """The rectification for a person, followed by the quantified shortfall in brackets when there is one."""
    text = plain(pick(finding.rectification, lang), finding, lang, schools)
    amount = shortfall_text(finding)
    return f"{text} [{amount}]" if amount else text


def error_text(error: InputError, lang: str) -> str:
    """An input error's message for a person: no pointer; a spreadsheet's sheet and cell before it."""
    message = error.message(lang)
    return f"{error.cell}{_WORDS[lang]['sep']}{message}" if error.cell else message
