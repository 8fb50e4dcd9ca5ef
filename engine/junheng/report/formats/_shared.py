"""Small pieces every format shares: texts in the chosen language, severity and verdict words, the shortfall as read."""

from __future__ import annotations

import re

from junheng.policy.text import Text
from junheng.report.labels import unit
from junheng.report.numbers import fmt_number
from junheng.report.result import Finding, Result

__all__ = ["LEVELS", "district_title", "pick", "printable", "rectification", "rule_label", "shortfall_text", "vocab", "where"]

# How each severity maps onto the three levels CI tools know (SARIF, GitHub annotations).
LEVELS = {"blocking": "error", "major": "warning", "minor": "note", "info": "note"}


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text for a terminal or a page: control characters a filing may carry (ESC, BEL …) shown as �.

    JSON and the machine formats keep what was filed; the formats people read must not let a
    school's name ring a bell or move a terminal's cursor.
    """
    return _CONTROL.sub("\ufffd", text)


def pick(text: Text, lang: str) -> str:
    """A text in the chosen language: English for ``en``, else Chinese."""
    return text.en if lang == "en" else text.zh


def vocab(result: Result, section: str, key: str, lang: str) -> str:
    """A word from the rules' vocabulary (severities, verdicts …), the key itself when absent."""
    entry = result.vocabulary.get(section, {}).get(key, {})
    return entry.get(lang, key) if isinstance(entry, dict) else key


def rule_label(finding: Finding) -> str:
    """``FIN-01``, or ``DATA-MISSING/SOC-01`` for missing data."""
    return finding.rule if finding.for_rule is None else f"{finding.rule}/{finding.for_rule}"


def shortfall_text(finding: Finding) -> str:
    """The amount to make up and its unit as a person reads it, ``12.5 万元``, ``461 ㎡``; empty when the finding has
    none, or when it is 0 (a figure that must exceed last year's and equals it: the rectification says so in words)."""
    if finding.shortfall is None or finding.shortfall[0] == 0:
        return ""
    return f"{fmt_number(finding.shortfall[0], 2)} {unit(finding.shortfall[1])}"


def rectification(finding: Finding, lang: str) -> str:
    """The rectification, followed by the quantified shortfall in brackets when there is one."""
    text = pick(finding.rectification, lang)
    amount = shortfall_text(finding)
    return f"{text} [{amount}]" if amount else text


def district_title(result: Result, lang: str) -> str:
    """``渝北区（500112）2012 年`` / ``Yubei (500112), 2012``."""
    d = result.district
    if lang == "en":
        return f"{d['name']} ({d['code']}), {d['year']}"
    return f"{d['name']}（{d['code']}）{d['year']} 年"


def where(finding: Finding) -> str:
    """Every location of a finding, ``file:line:column /pointer``, one per line."""
    return "\n".join(f"{loc.file}:{loc.line}:{loc.column} {loc.pointer or '/'}" for loc in finding.locations)


def notice_lines(result: Result, lang: str) -> list[str]:
    """A result's notices (warnings about how it was checked), one line each: ``提示：<message>（<place>）``.

    The place is the spreadsheet cell, else the line, of the file: never a JSON pointer.
    """
    head = "提示：" if lang == "zh" else "Notice: "
    lines = []
    for notice in result.notices:
        where = notice.file + (f" {notice.cell}" if notice.cell else f":{notice.line}" if notice.line is not None else "")
        lines.append(f"{head}{notice.message(lang)}" + (f"（{where}）" if lang == "zh" else f" ({where})"))
    return lines
