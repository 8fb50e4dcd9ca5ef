"""The YAML most filings are written in, read line by line: block mappings and lists of mappings, one value a line.

A generated or exported filing is a block mapping of block mappings and a list of school records, each
line ``key: value`` or ``- key: value`` with a plain or simply quoted value, and comments. Composing it with
libyaml and walking the nodes costs ~15 ms for 100 schools; reading that shape line by line here costs a
fraction, and gives the same values (integers as ``SourceInt`` with their text, the YAML 1.2 core schema)
and the same place for every value and key (libyaml's marks) — ``tests/test_located_block.py`` holds the two
to the same documents.

Anything else is not read here: flow collections, anchors, aliases, tags, block scalars, multi-line or escaped
scalars, empty values, duplicate keys, tabs, other line breaks, document markers, or a line that is none of the
above. ``read_block`` then returns None and the full loader reads the file, so every file reads alike — and every
error is explained — either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["read_block"]

# One line: indentation, then a key (an identifier) after an optional "- ", then an optional value and comment; or
# a comment alone; or nothing. A plain value is everything up to a comment (" #") or the end of the line.
_LINE = re.compile(r"""
    (?P<indent>[ ]*)
    (?:
        (?P<dash>-[ ]+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*):
        (?:[ ]+(?:(?P<quoted>'[^'\n]*'|"[^"\\\n]*")|(?P<plain>[^ #\n][^\n]*?)))?
        [ ]*(?:[ ]\#[^\n]*)?
      | \#[^\n]*
    )?\n""", re.VERBOSE)
# Characters that start something other than a plain scalar (a flow collection, an anchor, a tag, a block scalar …).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_DIGITS = frozenset("0123456789.")  # after "-", a number: "-5" and "-.5" are plain scalars
# What no line read here holds: tabs, carriage returns and the other line breaks of YAML 1.1, a BOM, a NUL.
_NOT_HERE = re.compile("[\t\r\x85\u2028\u2029\ufeff\x00]")

Mark = tuple[int, int]


class _Frame:
    """A mapping or a list being read: its indentation (the column of its keys or dashes, 0-based), its value, its marks."""

    __slots__ = ("indent", "value", "locs", "mapping", "mark")

    def __init__(self, indent: int, mapping: bool, mark: Mark):
        self.indent = indent
        self.mapping = mapping
        self.value: Any = {} if mapping else []
        self.locs: Any = {} if mapping else []
        self.mark = mark

    def loc(self) -> list[Any]:
        return [self.mark, self.locs]


def read_block(text: str, scalar: Callable[[str], Any], max_depth: int) -> tuple[Any, Any] | None:  # long: one pass, one loop
    """``(data, location tree)`` of a YAML document in the block subset (see the module), as the full loader gives them;
    None when the document is not in it. ``scalar(text)`` is a plain scalar's value (the full loader's resolution);
    ``max_depth`` the nesting beyond which the full loader reports an error."""
    if _NOT_HERE.search(text) is not None:
        return None
    if not text.endswith("\n"):
        text += "\n"
    stack: list[_Frame] = []
    top: _Frame | None = None  # stack[-1]
    pending: tuple[_Frame, str, Mark] | None = None  # a key without a value: its block comes next
    line = 0
    at = 0
    for m in _LINE.finditer(text):
        start, end = m.span()
        if start != at:  # a line that is none of the above
            return None
        at = end
        line += 1
        spaces, dash, key, quoted, plain = m.groups()
        if key is None:  # a comment or a blank line
            continue
        indent = len(spaces)
        if pending is not None or top is None or dash is not None or top.indent != indent or not top.mapping:
            # not the next key of the mapping being read: a block opens, closes, or a record of a list begins
            top = _structure(stack, pending, indent, dash, line)
            pending = None
            if top is None or 2 * len(stack) > max_depth:  # a record is two levels deep for the full loader
                return None
        values, locs = top.value, top.locs
        if key in values or len(key) > 1000:  # a repeated key, or one longer than libyaml reads: the full loader says
            return None
        key_mark = (line, top.indent + 1)
        if quoted is not None:
            values[key] = quoted[1:-1]
            locs[key] = (key_mark, (line, m.start(4) - start + 1))
        elif plain is not None:
            if (plain[0] in _INDICATORS and not (plain[0] == "-" and plain[1:2] in _DIGITS)) or ": " in plain or plain[-1] == ":":
                return None
            try:
                values[key] = scalar(plain)
            except ValueError:  # an integer too long for int(): the full loader explains
                return None
            locs[key] = (key_mark, (line, m.start(5) - start + 1))
        else:
            pending = (top, key, key_mark)
    if at != len(text) or pending is not None or not stack:
        return None
    root = stack[0]
    return root.value, root.loc()


def _structure(stack: list[_Frame], pending: tuple[_Frame, str, Mark] | None, indent: int, dash: str | None,
               line: int) -> _Frame | None:
    """The mapping a key line at ``indent`` (after ``dash``, a list's "- ") belongs to, opening or closing blocks on
    ``stack`` as its indentation says; None when the line does not fit the shape."""
    if pending is not None:  # the block of a key without a value: a mapping indented more, or a list (its dashes may align)
        parent, name, key_mark = pending
        if dash is not None and indent >= parent.indent:
            child = _Frame(indent, False, (line, indent + 1))
        elif dash is None and indent > parent.indent:
            child = _Frame(indent, True, (line, indent + 1))
        else:  # an empty value
            return None
        parent.value[name] = child.value
        parent.locs[name] = (key_mark, child.loc())
        stack.append(child)
    elif not stack:
        if indent or dash is not None:
            return None
        stack.append(_Frame(0, True, (line, 1)))
    else:
        while stack and (stack[-1].indent > indent or (stack[-1].indent == indent and not stack[-1].mapping and dash is None)):
            stack.pop()
        if not stack or stack[-1].indent != indent or stack[-1].mapping == (dash is not None):
            return None
    if dash is not None:  # a new record of the list on top
        column = indent + len(dash)
        items = stack[-1]
        record = _Frame(column, True, (line, column + 1))
        items.value.append(record.value)
        items.locs.append(record.loc())
        stack.append(record)
    return stack[-1]
