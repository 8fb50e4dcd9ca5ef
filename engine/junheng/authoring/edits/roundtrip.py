"""The ruamel.yaml round trip: a YAML file read for editing, values set in its tree the way the file writes them,
and the changed files written back all or none.

A file keeps its comments, key order, quotes, flow style, indentation, line ends and byte-order mark: the very
tree that was read is written back, never a re-dump of plain data.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from junheng.authoring.edits.model import EditsRejected, Problem, decimal_text, finite_decimal

Key = str | int  # a key on the way down a YAML tree: a mapping's key or a list's index


# ---------------------------------------------------------------- a YAML file read for editing


def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    """The round-trip reader and writer: comments, key order, quotes and flow style kept; no line folding."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


# The indentations tried when writing a file back: the first that reproduces the file as read is used.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0), (3, 5, 2))


@dataclass(eq=False)
class YamlFile:
    """One YAML file of a rules layer, read for editing (``data`` is ruamel's round-trip tree)."""

    path: Path
    layer: int
    data: Any
    text: str | None  # as read (None: a file this edit creates)
    bom: bool = False
    crlf: bool = False
    dirty: bool = False

    @classmethod
    def read(cls, path: Path, layer: int) -> YamlFile:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        crlf = "\r\n" in text
        text = text.replace("\r\n", "\n")
        return cls(path, layer, _yaml().load(text), text, bom, crlf)

    def dumped(self) -> str:
        """The file's new text: the layout it had (indentation, line ends, byte-order mark) kept."""
        chosen = _INDENTS[0]
        if self.text is not None:
            for indent in _INDENTS:
                if _dump(_yaml(*indent), _yaml().load(self.text)) == self.text:
                    chosen = indent
                    break
        text = _dump(_yaml(*chosen), self.data)
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + text


def _dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


@dataclass(frozen=True)
class Place:
    """Where a value is written: a file and the keys down to it."""

    file: YamlFile
    keys: tuple[Key, ...]

    def below(self, *keys: Key) -> Place:
        return Place(self.file, self.keys + keys)

    @property
    def pointer(self) -> str:
        return "".join(f"/{k}" for k in self.keys)


# ---------------------------------------------------------------- writing values into the trees


def value_at(place: Place) -> Any:
    """The value at ``place``, or None where the way down to it ends."""
    node = place.file.data
    for key in place.keys:
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


def set_value(place: Place, value: Any) -> None:
    """Set the value at ``place``, making the mappings on the way (small ones inline: ``params: {threshold: 0.75}``)."""
    place.file.dirty = True
    node = place.file.data
    for depth, key in enumerate(place.keys[:-1]):
        child = node[int(key)] if isinstance(node, list) else node.get(key)
        if not isinstance(child, (Mapping, list)):
            child = CommentedMap()
            if key == "params" or depth >= 3:  # an override's params, a pack's shared params: one line each
                child.fa.set_flow_style()
            node[key] = child
        node = child
    node[place.keys[-1]] = value


def write_number(place: Place, value: Fraction, old: Any) -> None:
    """Set a number at ``place``, written as the number there was (where there is none yet, as ``old``, the value it replaces)."""
    set_value(place, _styled(value, value_at(place) if value_at(place) is not None else old))


def _styled(value: Fraction, old: Any) -> Any:
    """``value`` as the file writes numbers: ``75%`` where it wrote ``70%``, else 0.75 or 45 (exact; never 0.7500000001)."""
    if isinstance(old, str) and old.strip().endswith(("%", "％")):
        return decimal_text(value * 100) + old.strip()[-1]
    padded = _as_decimals(value, old)
    if padded is not None:
        return padded
    if value.denominator == 1:
        return int(value)
    number = float(value)
    if Fraction(repr(number)) == value:
        return number
    return f"{value.numerator}/{value.denominator}"  # a third stays exact, as "1/3"


def _as_decimals(value: Fraction, old: Any) -> Any:
    """``value`` with as many decimals as ``old`` was written with (0.70 → 0.75, 0.045 → 0.05), or None when it needs more."""
    width, prec = getattr(old, "_width", None), getattr(old, "_prec", None)
    if not isinstance(old, float) or not isinstance(width, int) or not isinstance(prec, int) or getattr(old, "_exp", None):
        return None
    decimals, text = width - prec - 1, finite_decimal(value)
    if text is None or decimals < 1:
        return None
    whole, _, frac = text.partition(".")
    if len(frac) > decimals:
        return None
    return _yaml().load(f"{whole}.{frac.ljust(decimals, '0')}")  # a float that remembers how it is written


# ---------------------------------------------------------------- writing the files


def write_all(docs: list[YamlFile]) -> None:
    """Write every changed file or none: each to a temporary file beside it, then all moved into place;
    on a failure the files already moved are put back."""
    staged: list[tuple[YamlFile, Path]] = []
    done: list[tuple[YamlFile, bytes | None]] = []
    try:
        for doc in docs:
            fd, name = tempfile.mkstemp(dir=doc.path.parent, prefix=f".{doc.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(doc.dumped().encode("utf-8"))
            staged.append((doc, Path(name)))
        for doc, tmp in staged:
            before = doc.path.read_bytes() if doc.path.exists() else None
            os.replace(tmp, doc.path)
            done.append((doc, before))
    except OSError as exc:
        for doc, before in reversed(done):
            if before is None:
                doc.path.unlink(missing_ok=True)
            else:
                doc.path.write_bytes(before)
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        problem = Problem(None, f"无法写入规则文件：{exc}；没有写入任何修改", f"cannot write the rule files: {exc}; nothing was written")
        raise EditsRejected([problem]) from exc
