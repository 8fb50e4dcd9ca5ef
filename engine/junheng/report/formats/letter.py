"""``--format letter``: the 督导反馈 letter in Markdown, laid out so that CommonMark and Python-Markdown read it alike.

The letter itself (what it says, in which order) is composed in ``_letter.py``; the Word version
(``--format docx``) lays out the same blocks. Here each block becomes plain Markdown: headings,
paragraphs and pipe tables only — no nested lists, whose indentation CommonMark and Python-Markdown
read differently, and no numbered list either: a numbered problem is a paragraph that starts with its
number (``1.`` not followed by a space, or escaped as ``1\\.``), as a typed letter's is. A filing's
text is escaped so that it stays text in both (``<`` as an entity: Python-Markdown has no ``\\<``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from junheng.report.formats._letter import Block, FollowUp, compose
from junheng.report.result import Outcome

__all__ = ["markdown", "render"]

_ESCAPE = str.maketrans({"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "#": "\\#", "|": "\\|",
                         ">": "\\>", "<": "&lt;", "&": "&amp;"})
# A paragraph that would start a list or a block quote (``- x``, ``+ x``, ``1. x``, ``1) x``) keeps its first character as text.
_BLOCK_START = re.compile(r"^(\s*)([-+]\s|\d{1,9}[.)](?:\s|$))")


def _md(text: str) -> str:
    """Text as Markdown shows it literally: on one line, a school named <b> or *x* stays text, never markup."""
    return " ".join(text.split()).translate(_ESCAPE)


def _paragraph(text: str) -> str:
    out = _md(text)
    m = _BLOCK_START.match(out)
    if m:
        marker = m.group(2)
        escaped = "\\" + marker if marker[0] in "-+" else re.sub(r"([.)])", r"\\\1", marker, count=1)
        out = m.group(1) + escaped + out[m.end():]
    return out


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    """A pipe table; an empty cell is a space, so that no row ends with ``||``."""
    lines = ["| " + " | ".join(_md(cell) or " " for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join(" --- " for _ in rows[0]) + "|")
    return "\n".join(lines)


_PREFIX = {"title": "# ", "h1": "## ", "h2": "### ", "error": "- "}


def _block(block: Block) -> str:
    if block.kind == "table":
        return _table(block.rows)
    prefix = _PREFIX.get(block.kind)
    return prefix + _md(block.text) if prefix else _paragraph(block.text)


def markdown(blocks: Sequence[Block]) -> str:
    """One letter's blocks as Markdown, a blank line between blocks."""
    return "\n\n".join(_block(b) for b in blocks)


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking",
           follow_up: Mapping[int, FollowUp] | None = None) -> str:
    """The letters of a run; ``follow_up`` (``check --previous-result``): 上年整改情况 by the outcome's place in ``outcomes``."""
    follow = follow_up or {}
    return "\n\n---\n\n".join(markdown(compose(o, lang, follow.get(i))) for i, o in enumerate(outcomes)) + "\n"
