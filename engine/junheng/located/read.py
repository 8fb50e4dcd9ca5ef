"""Read one filing file (YAML or JSON) into plain Python data plus where every value was written.

Performance: a clean JSON file is read by orjson (``_clean_json``: about a third of ``json.loads``'s
time), which says nothing of a repeated key, a NaN or an integer beyond 64 bits, so whatever might hold
one goes to the C ``json`` decoder (one Python call per object, to notice repeated keys; integers are
made by the ``SourceInt`` type itself, with the cycle collector paused), which decides and locates; where values are written is worked out
only when ``location()`` is first called (a regex-driven scan, about 4 s per 50 MB). YAML files
are small: the common block shape is read line by line (``block.py``); anything else goes to libyaml
(``yamlnodes.py``, imported only then: JSON never imports PyYAML)."""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from _json import scanstring  # the C string scanner json.decoder uses (typeshed declares it here only)
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import orjson

from junheng.errors import InputErrors, pointer_join
from junheng.located.block import read_block
from junheng.located.common import MAX_BYTES, MAX_DEPTH, UTF16, SourceInt, error, plain_value

__all__ = ["MAX_BYTES", "LoadedDocument", "SourceInt", "load_document"]

_MAX_DEPTH = MAX_DEPTH
_UTF16 = UTF16
_error = error
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
# Characters YAML forbids (NUL included), found up front: libyaml reports them without a line. Every character but
# TAB, LF, CR, x20-x7E, x85, xA0-xD7FF, xE000-xFFFD and x10000-x10FFFF, spelled as what is forbidden (the class of
# what is allowed, negated, takes ~4 ms of every start to compile).
_YAML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# One JSON token. ',' and ':' are skipped like blanks: the scanner reads text json.loads
# has accepted, where the brackets and the key/value alternation carry the structure.
_JSON_TOKEN = re.compile(r'[ \t\r\n,:]*(?:([{\[])|([}\]])|("[^"\\]*(?:\\.[^"\\]*)*")|([^ \t\r\n,:{}\[\]"]+))')
# A JSON escape that may make a surrogate (\ud800-\udfff); text decoded from UTF-8 holds none of its own.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class LoadedDocument:
    """A filing file as plain data, with the place in the file of every value."""

    file: str
    data: Any
    # [tree, JSON text not indexed yet, line starts]. In the tree a scalar is its position, a container
    # [position, {key: (key position, child)}] or [position, [child, ...]]; a position is (line, column)
    # in YAML, a character offset in JSON (whose tree is built on first use).
    _index: list[Any] = field(default_factory=lambda: [None, None, None], repr=False, compare=False)
    _memo: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)  # JSON containers walked so far
    # Offsets whose line is known, and those lines: ((offset, ...), (line, ...)), ascending (``_line_of``).
    _lines: list[Any] = field(default_factory=lambda: [((0,), (1,))], repr=False, compare=False)
    # Spreadsheet filings only (``filing/sheets/``): JSON pointer → its cell, "学校!F12" or "经费!B3".
    cells: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def cell(self, pointer: str) -> str | None:
        """The spreadsheet cell of the value at `pointer` (else of its nearest ancestor that has one);
        None for YAML and JSON filings."""
        while self.cells:
            if pointer in self.cells:
                return self.cells[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]
        return None

    def plain(self) -> Any:
        """``data`` for validation: the same values, where the loader has them cheaper with plain ``int``s for ``SourceInt``s
        whose text ``int`` keeps (JSON); otherwise ``data`` itself."""
        return self.data

    def plain_is_full(self) -> bool:
        """True when ``plain()`` is known to hold no null and no empty object anywhere: nothing in it stands for a value
        left out (a JSON text read by orjson says so at no cost; otherwise it is not known, False)."""
        return False

    def location(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) where the value at JSON pointer `pointer` is written;
        for a pointer that does not exist, the location of the nearest present ancestor;
        the root "" is (1, 1)."""
        return self._find(pointer)[0]

    def key_location(self, pointer: str) -> tuple[int, int] | None:
        """(line, column) of the mapping KEY whose value is at `pointer` (None for list items/root)."""
        return self._find(pointer)[1]

    def _find(self, pointer: str) -> tuple[tuple[int, int], tuple[int, int] | None]:
        index = self._index
        if (text := index[1]) is not None:  # read once: another thread may finish the index meanwhile
            # A JSON filing usually needs a handful of locations (its findings): walk to each one,
            # skipping what is not on the way in C (raw_decode), instead of indexing every value.
            found = _json_walk(text, pointer, self._memo)
            if found is not None:
                value_at, key_at = found
                value_place = _line_of(text, self._lines, value_at) if value_at is not None else (1, 1)
                return value_place, (_line_of(text, self._lines, key_at) if key_at is not None else None)
            index[:] = _without_gc(_scan_json, text)[0], None, _line_starts(text)
        node, key_pos = index[0], None
        for raw in pointer.split("/")[1:] if pointer.startswith("/") else ():
            token, kids = raw.replace("~1", "/").replace("~0", "~"), node[1] if isinstance(node, list) else None
            if isinstance(kids, dict) and token in kids:
                key_pos, node = kids[token]
            elif isinstance(kids, list) and re.fullmatch("0|[1-9][0-9]{0,17}", token) and int(token) < len(kids):
                key_pos, node = None, kids[int(token)]
            else:  # not present: the nearest present ancestor
                key_pos = None
                break
        if node is index[0]:
            return (1, 1), None
        return _linecol(index[2], node[0] if isinstance(node, list) else node), _linecol(index[2], key_pos)


def load_document(source: str | os.PathLike[str] | bytes, *, name: str | None = None,
                  fmt: str | None = None) -> LoadedDocument:
    """Load a filing from a path, or from raw bytes shown as `name`; raise InputErrors on bad input.
    `fmt` ('yaml' or 'json') overrides the format the extension of the path or `name` gives."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        file, path, raw = name if name is not None else "<bytes>", name or "", bytes(source)
    else:
        path, raw = os.fsdecode(os.fspath(source)), None
        file = name if name is not None else path
    ext = (f".{fmt}" if fmt else os.path.splitext(path)[1]).lower()
    if ext not in _EXTENSIONS:
        raise InputErrors([_error("format", file, ext_zh=ext or "无扩展名", ext_en=ext or "no extension")])
    if raw is None:
        try:
            size = os.stat(path).st_size  # before reading: a huge file is never loaded into memory
            if size > MAX_BYTES:
                raise InputErrors([_error("large", file, mib=size / 2**20, limit=MAX_BYTES // 2**20)])
            with open(path, "rb") as stream:
                # What stat said, and one byte more: read(MAX_BYTES + 1) would allocate 20 MiB for any file.
                # A file grown since, or a device or pipe (size 0), is read on up to the limit.
                raw = stream.read(size + 1)
                if len(raw) > size or not size:
                    chunks = [raw]
                    while (have := sum(map(len, chunks))) <= MAX_BYTES and (chunk := stream.read(min(2**20, MAX_BYTES + 1 - have))):
                        chunks.append(chunk)
                    raw = b"".join(chunks)
        except OSError as exc:
            zh = {FileNotFoundError: "找不到文件", PermissionError: "没有读取权限", IsADirectoryError: "这是文件夹，不是文件"}
            raise InputErrors([_error("unreadable", file, zh=zh.get(type(exc), ""), why=exc.strerror or exc)]) from None
    if len(raw) > MAX_BYTES:
        raise InputErrors([_error("large", file, mib=len(raw) / 2**20, limit=MAX_BYTES // 2**20)])
    text = _decode(raw, file)
    if not text.strip(" \t\r\n"):  # before parsing: libyaml rejects a file of only tabs
        raise InputErrors([_error("empty", file)])
    try:
        return _load_json(text, file) if _EXTENSIONS[ext] == "json" else _load_yaml(text, file)
    except InputErrors:
        raise
    except Exception as exc:  # safety net: a filer gets a message, never a traceback
        raise InputErrors([_error("unexpected", file, why=repr(exc))]) from exc


def _decode(raw: bytes, file: str) -> str:
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw  # BOM dropped first: columns stay right
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start, byte = raw.rfind(b"\n", 0, exc.start) + 1, raw[exc.start]
        where = (raw.count(b"\n", 0, exc.start) + 1, len(raw[start:exc.start].decode("utf-8")) + 1)
        # UTF-16 writes a zero byte beside every ASCII character; GBK (what Chinese Windows tools
        # save by default) starts its characters with the bytes 0x81-0xFE.
        zh, en = _UTF16 if b"\x00" in raw else ("，可能是 GBK 编码", "; it may be GBK") if 0x81 <= byte <= 0xFE else ("", "")
        raise InputErrors([_error("encoding", file, where, byte=byte, zh=zh, en=en)]) from None


def _without_gc(func: Any, *args: Any, **kwargs: Any) -> Any:
    # Every SourceInt is tracked by the cycle collector (as any Python class's instances are);
    # a million of them set off collection after collection, half the load time. No cycles here.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return func(*args, **kwargs)
    finally:
        if enabled:
            gc.enable()


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_of(text: str, known: list[Any], pos: int) -> tuple[int, int]:
    """(line, column) of a character offset, by counting newlines in C from the nearest offset before it whose line
    is known (``known[0]``, which then knows this one too): the places of a filing's findings cost about one pass
    over the text in all, however many there are, and no index of every line is built."""
    offsets, lines = known[0]
    i = bisect_right(offsets, pos) - 1
    line = lines[i] + text.count("\n", offsets[i], pos)
    if offsets[i] != pos:  # replaced whole, never changed in place: another thread may be reading the old pair
        known[0] = (offsets[:i + 1] + (pos,) + offsets[i + 1:], lines[:i + 1] + (line,) + lines[i + 1:])
    return line, pos - text.rfind("\n", 0, pos)


def _linecol(starts: list[int], pos: Any) -> Any:
    if not isinstance(pos, int):  # already (line, column), or None
        return pos
    i = bisect_right(starts, pos) - 1
    return i + 1, pos - starts[i] + 1


def _load_yaml(text: str, file: str) -> LoadedDocument:
    bad = _YAML_FORBIDDEN.search(text)
    if bad:  # a NUL in valid UTF-8 is a UTF-16 file without a BOM
        kind, where = "encoding" if bad.group() == "\x00" else "control", _linecol(_line_starts(text), bad.start())
        char = f"U+{ord(bad.group()):04X}"
        raise InputErrors([_error(kind, file, where, char=char, byte=0, zh=_UTF16[0], en=_UTF16[1])])
    block = read_block(text, plain_value, _MAX_DEPTH)  # the common shape, line by line; None: libyaml reads it
    if block is not None:
        return LoadedDocument(file, block[0], [block[1], None, None])
    from junheng.located.yamlnodes import compose  # imported here: only YAML the line reader does not take needs libyaml

    data, locations = compose(text, file)
    return LoadedDocument(file, data, [locations, None, None])


def _load_json(text: str, file: str) -> LoadedDocument:
    noticed: list[bool] = []  # the fast path only notices a problem; the scanner finds where

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) < len(items):
            noticed.append(False)
        return obj

    # `-0` is the one JSON integer whose int() loses its text (no leading zeros, no '+'): keep it, so
    # that an id written -0 reads as in YAML (an error), not as the id "0". Only then is Python called
    # for each integer; otherwise they are plain ints, and the document's own data (``SourceInt``) is
    # parsed from the text when something first reads it (``_LazyJson``).
    minus_zero = _MINUS_ZERO.search(text) is not None
    clean = None if minus_zero else _without_gc(_clean_json, text)
    if clean is not None:
        return _LazyJson.of(file, text, clean[0], full=clean[1])
    parse_int = _minus_zero_int if minus_zero else None
    try:
        data = _without_gc(json.loads, text, object_pairs_hook=pairs, parse_int=parse_int,
                           parse_constant=lambda word: noticed.append(False))
    except json.JSONDecodeError as exc:
        raise InputErrors([_error("json", file, (exc.lineno, exc.colno), problem=exc.msg)]) from None
    except (ValueError, RecursionError) as exc:  # an integer too long for int(), or very deep nesting
        data = None
        noticed.append(isinstance(exc, RecursionError))
    # json.loads pairs escaped surrogates but keeps a lone one ("\ud800"): a string no UTF-8 output can
    # carry, so it is bad input here, located, rather than a crash in a report later.
    if not noticed and _SURROGATE_ESCAPE.search(text) and _has_surrogate(data):
        noticed.append(False)
    if not noticed:
        return LoadedDocument(file, data, [None, text, None]) if minus_zero else _LazyJson.of(file, text, data)
    starts, found = _line_starts(text), _without_gc(_scan_json, text, deep=any(noticed))[1]
    raise InputErrors([_error(kind, file, _linecol(starts, at), pointer, **fmt) for kind, at, pointer, fmt in found]
                      or [_error("unexpected", file, why="JSON")])


_MINUS_ZERO = re.compile(r"-0(?![.0-9eE])")
_BIG_NUMBER = re.compile(rb"e\+[0-9]")  # orjson's exponent of a float of 1e16 or more ("1e+16")


def _clean_json(text: str) -> tuple[Any, bool] | None:
    """The data of a JSON text that ``json.loads`` would take as it is, read by orjson; None when ``json.loads`` must
    decide. orjson refuses what json refuses (a syntax error, a lone surrogate, NaN — which json takes and we refuse
    anyway), and reads without a word what json takes but we must notice or keep:

    - a repeated key (the later value kept): written out again, the data has as many colons as the text only when
      none was dropped — every key has its colon, and a colon in a string is one in the text too unless escaped
      (``\\u003a``, then json decides);
    - an integer beyond 64 bits, which orjson makes a float: written out again, every float of 1e16 or more has an
      exponent (``1.2e+19``), and then json decides (a float written that large in a filing is rare).
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    again = orjson.dumps(data)
    if again.count(b":") != text.count(":") or "\\u003" in text or _BIG_NUMBER.search(again):
        return None
    return data, b"null" not in again and b"{}" not in again  # orjson writes an empty object as {}, always


class _LazyJson(LoadedDocument):
    """A JSON document whose ``data`` — integers as ``SourceInt``, as every loaded document's — is parsed from its text
    when first read. A check reads only ``plain()``: the same values parsed with plain integers, without a Python
    call per integer (there, the only difference is ``-0``, which never takes this path)."""

    @classmethod
    def of(cls, file: str, text: str, plain: Any, full: bool = False) -> LoadedDocument:
        doc = cls(file, None, [None, text, None])
        object.__delattr__(doc, "data")  # read from the text by ``__getattr__``, on first use
        object.__setattr__(doc, "_text", text)
        object.__setattr__(doc, "_plain", plain)
        object.__setattr__(doc, "_full", full)
        return doc

    def __getattr__(self, name: str) -> Any:  # only for what the instance lacks: ``data`` before it is first read
        text = self.__dict__.get("_text")
        if name != "data" or text is None:
            raise AttributeError(name)
        data = _without_gc(json.loads, text, parse_int=SourceInt)
        object.__setattr__(self, "data", data)
        return data

    def plain(self) -> Any:
        plain = self.__dict__.get("_plain")
        return self.data if plain is None else plain

    def plain_is_full(self) -> bool:
        return bool(self.__dict__.get("_full"))


def _minus_zero_int(text: str) -> SourceInt:
    value = SourceInt(text)
    if text == "-0":
        value._text = text
    return value


def _has_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _lone_surrogate(token: str) -> dict[str, str] | None:
    """The message fields for a JSON string token (quotes included) that holds a lone surrogate."""
    if "\\u" not in token:
        return None
    bad = _SURROGATE.search(scanstring(token, 1)[0])
    return {"escape": f"\\u{ord(bad.group()):04x}"} if bad else None


_SKIP = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
# A value with no container inside it — a flat object or list (a school record), a string, a number, a literal — and
# the blanks and comma after it, matched whole in C: skipping one costs a regex match, not the objects ``raw_decode``
# would build. The text has been parsed already, so what matches here is the value; anything else (a nested
# container) is skipped by ``raw_decode``.
_STRING = r'"(?:[^"\\]++|\\.)*+"'
_FLAT_NEXT = re.compile(rf'(?:\{{(?:[^{{}}\[\]"]++|{_STRING})*+\}}|\[(?:[^{{}}\[\]"]++|{_STRING})*+\]|{_STRING}|[-+.0-9eE]++'
                        r'|true|false|null)[ \t\n\r]*+(?:,[ \t\n\r]*+)?')


def _blanks_end(text: str, at: int) -> int:
    """The offset of the first character at or after `at` that is not JSON white space."""
    blanks = _WS.match(text, at)
    return blanks.end() if blanks else at  # always a match: the pattern matches the empty string


_AFTER = re.compile(r"[ \t\n\r]*+(?:,[ \t\n\r]*+)?")


def _next(text: str, at: int) -> int:
    """Past the JSON value that starts at ``at``, and the comma after it: where the next member or the closing bracket is."""
    if text[at] == "{":  # a record: its first "}" closes it when nothing before it opens a container or escapes a quote,
        end = text.find("}", at)  # and the quotes before it pair up (so it is not inside a string)
        inside = text[at + 1:end]
        if "{" not in inside and "[" not in inside and "\\" not in inside and inside.count('"') % 2 == 0:
            return _AFTER.match(text, end + 1).end()  # type: ignore[union-attr]  # the pattern matches the empty string
    flat = _FLAT_NEXT.match(text, at)
    if flat is not None:
        return flat.end()
    at = _blanks_end(text, _SKIP.raw_decode(text, at)[1])
    return _blanks_end(text, at + 1) if text[at] == "," else at


def _json_walk(text: str, pointer: str, memo: dict[int, Any]) -> tuple[int | None, int | None] | None:
    """Offsets of the value at `pointer` (None: the root) and of its key, by walking the JSON text;
    for a pointer not present, its nearest present ancestor's (and no key). None when the text
    cannot be walked this way (then the full index is built). `memo` keeps each container's
    children found so far and where the next one starts (offset → [{key: (value, key offset)} or
    [value offsets], offset]): a container is read no further than the member asked for."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer.startswith("/") else []
    pos = _blanks_end(text, 0)
    value_at, key_at = None, None  # the root
    try:
        for token in tokens:
            opener = text[pos]
            if opener == "{":
                found = _member(text, pos, token, memo)
                if found is None:
                    return value_at, None
                value_at, key_at = found
            elif opener == "[":
                if not re.fullmatch("0|[1-9][0-9]{0,17}", token):
                    return value_at, None
                found_at = _element(text, pos, int(token), memo)
                if found_at is None:
                    return value_at, None
                value_at, key_at = found_at, None
            else:
                return value_at, None
            pos = value_at
    except (ValueError, IndexError, RecursionError):
        return None
    return value_at, key_at


def _member(text: str, pos: int, key: str, memo: dict[int, Any]) -> tuple[int, int] | None:
    """(value offset, key offset) of the member ``key`` of the object at ``pos``, reading it only as far as that member."""
    entry = memo.get(pos)
    if entry is None:  # [members found, where reading goes on, whether the last member's value is still to skip]
        entry = memo[pos] = [{}, _blanks_end(text, pos + 1), False]
    kids, at, pending = entry
    while key not in kids:
        if pending:  # the value of the member found last: skipped only now that a later member is wanted
            at = _next(text, at)
        if text[at] == "}":
            pending = False
            break
        name, end = scanstring(text, at + 1)
        key_at = at
        at = _blanks_end(text, _blanks_end(text, end) + 1)  # past the ':'
        kids[name] = (at, key_at)  # a repeated key is an error before anyone asks
        pending = True
    entry[1:] = at, pending
    return kids.get(key)


def _element(text: str, pos: int, index: int, memo: dict[int, Any]) -> int | None:
    """The offset of element ``index`` of the list at ``pos``, reading it only as far as that element."""
    entry = memo.get(pos)
    if entry is None:  # [elements found, where reading goes on, whether the last element is still to skip]
        entry = memo[pos] = [[], _blanks_end(text, pos + 1), False]
    kids, at, pending = entry
    while len(kids) <= index:
        if pending:  # the element found last: skipped only now that a later one is wanted
            at = _next(text, at)
        if text[at] == "]":
            pending = False
            break
        kids.append(at)
        pending = True
    entry[1:] = at, pending
    return kids[index] if index < len(kids) else None


# A problem the JSON scanner found: (message kind, offset, pointer, message fields).
_Found = tuple[str, int, str, dict[str, Any]]


def _scan_json(text: str, deep: bool = False) -> tuple[Any, list[_Found]]:
    """Index where each value of JSON `text` starts (see LoadedDocument._index); find repeated keys, NaN, Infinity,
    integers too long for int() and (if `deep`) nesting beyond _MAX_DEPTH. Iterative; stops at bad JSON."""
    found: list[_Found] = []
    stack: list[list[Any]] = []  # frames: [container's index node, pending key, its offset]
    pos, root, match = 0, None, _JSON_TOKEN.match

    def pointer(frames: list[list[Any]] | None = None) -> str:
        frames = stack if frames is None else frames
        return reduce(pointer_join, (f[1] if isinstance(f[0][1], dict) else len(f[0][1]) for f in frames), "")

    while (token := match(text, pos)) and (kind := token.lastindex):  # one of the four groups always matched
        pos = token.end()
        at = token.start(kind)
        if kind == 1:
            if deep and len(stack) == _MAX_DEPTH:
                found.append(("deep", at, pointer(), {"limit": _MAX_DEPTH}))
                deep = False
            stack.append([[at, {} if token.group(1) == "{" else []], None, 0])
            continue
        if kind == 2:
            value = stack.pop()[0]
        elif kind == 3 and stack and isinstance(stack[-1][0][1], dict) and stack[-1][1] is None:
            try:
                stack[-1][1:] = scanstring(text, at + 1)[0], at  # a key: its value follows
            except ValueError:
                break
            if (bad := _lone_surrogate(token.group(3))) is not None:  # at the key; the pointer is its object's
                found.append(("surrogate", at, pointer(stack[:-1]), bad))
            continue
        else:
            value, word = at, token.group(kind)
            if word in ("NaN", "Infinity", "-Infinity"):
                found.append(("constant", at, pointer(), {"word": word}))
            elif word.lstrip("-").isdigit() and 0 < sys.get_int_max_str_digits() < len(word.lstrip("-")):
                found.append(("long", at, pointer(), {"limit": sys.get_int_max_str_digits()}))
            elif kind == 3 and (bad := _lone_surrogate(word)) is not None:
                found.append(("surrogate", at, pointer(), bad))
        if not stack:
            root = value
            break
        frame = stack[-1]
        kids = frame[0][1]
        if isinstance(kids, list):
            kids.append(value)
        elif frame[1] in kids:
            first = text.count("\n", 0, kids[frame[1]][0]) + 1
            found.append(("duplicate", frame[2], pointer(), {"key": frame[1], "first": first}))
        else:
            kids[frame[1]] = (frame[2], value)
        frame[1] = None
    return (root if root is not None else stack[0][0] if stack else None), found
