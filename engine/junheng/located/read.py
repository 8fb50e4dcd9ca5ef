"""Read one filing file (YAML or JSON) into plain Python data plus where every value was written.

Performance: JSON goes straight through the C ``json`` decoder (one Python call per object, to
notice repeated keys; integers are made by the ``SourceInt`` type itself, with the cycle collector
paused), so a clean load costs what ``json.loads`` does; where values are written is worked out
only when ``location()`` is first called (a regex-driven scan, about 4 s per 50 MB). YAML files
are small: libyaml composes the nodes, one walk checks them and sizes the alias expansion, a second
builds the values."""

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
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from junheng.errors import InputError, InputErrors, pointer_join
from junheng.located.block import read_block
from junheng.located.syntax import explain

MAX_BYTES = 20 * 1024 * 1024  # files over 20 MiB are rejected
MAX_NODES = 2_000_000  # bound on values produced while expanding YAML aliases
_MAX_DEPTH = 200  # a filing is 4 levels deep; anything near this is an accident or an attack
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP, _MERGE = (
    _T + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge"))
_CORE = (  # the YAML 1.2 core schema, in the order a plain scalar is tried
    (_NULL, re.compile(r"(?:null|Null|NULL|~|)\Z")),
    (_BOOL, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")),
    (_INT, re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")),
    (_FLOAT, re.compile(r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")))
_PATTERN = dict(_CORE)
# Characters YAML forbids (NUL included), found up front: libyaml reports them without a line.
_YAML_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# One JSON token. ',' and ':' are skipped like blanks: the scanner reads text json.loads
# has accepted, where the brackets and the key/value alternation carry the structure.
_JSON_TOKEN = re.compile(r'[ \t\r\n,:]*(?:([{\[])|([}\]])|("[^"\\]*(?:\\.[^"\\]*)*")|([^ \t\r\n,:{}\[\]"]+))')
_UTF16 = ("，看起来是 UTF-16 编码", "; it looks like UTF-16")
_MESSAGES = {  # kind: (code, zh, en)
    "format": ("filing_unsupported_format",
               "不支持的文件类型“{ext_zh}”：申报文件须为 .yaml、.yml 或 .json；电子表格格式（.xlsx、.csv）暂不支持",
               "unsupported file type '{ext_en}': a filing must be .yaml, .yml or .json; "
               "the spreadsheet forms (.xlsx, .csv) are not supported yet"),
    "unreadable": ("filing_unreadable", "无法读取文件：{zh}（{why}）", "cannot read the file ({why})"),
    "large": ("filing_too_large", "文件过大（{mib:.1f} MiB），上限为 {limit} MiB",
              "the file is too large ({mib:.1f} MiB); the limit is {limit} MiB"),
    "encoding": ("filing_encoding_error", "文件不是 UTF-8 编码（无效字节 0x{byte:02X}{zh}），请另存为 UTF-8 后再提交",
                 "the file is not UTF-8 (invalid byte 0x{byte:02X}{en}); save it as UTF-8"),
    "control": ("filing_parse_error", "文件含有不允许的控制字符 {char}", "the file contains a control character ({char})"),
    "empty": ("filing_empty", "文件是空的，没有任何数据", "the file is empty (no data)"),
    "yaml": ("filing_parse_error", "{zh}", "{en}"),  # worded by located/syntax.py
    "json": ("filing_parse_error", "JSON 格式错误：{problem}", "JSON syntax error: {problem}"),
    "documents": ("filing_parse_error", "一个文件只能有一份文档（不能用“---”分隔多份）", "one document per file"),
    "deep": ("filing_parse_error", "嵌套层数过多（超过 {limit} 层）", "nesting too deep (more than {limit} levels)"),
    "tag": ("filing_parse_error", "不支持的标签“{tag}”（只允许文本、数字、真假值、列表和映射）",
            "unsupported tag '{tag}' (only text, numbers, booleans, lists and mappings are allowed)"),
    "scalar": ("filing_parse_error", "“{text}”不是有效的 {tag} 值", "'{text}' is not a valid {tag} value"),
    "long": ("filing_parse_error", "整数位数过多（超过 {limit} 位）", "integer has too many digits (over {limit})"),
    "constant": ("filing_parse_error", "“{word}”不是有效的数值（JSON 不允许 NaN 或 Infinity）",
                 "'{word}' is not a valid number (JSON does not allow NaN or Infinity)"),
    "key": ("filing_parse_error", "键必须是文字，不能是列表或映射", "a key must be text, not a list or a mapping"),
    "merge": ("filing_parse_error", "合并键“<<”的值必须是映射或映射的列表", "'<<' needs a mapping or a list of mappings"),
    "recursive": ("filing_parse_error", "别名引用了包含它自身的值（循环引用）", "recursive alias: a value contains itself"),
    "aliases": ("filing_alias_limit", "别名展开后数据过多（超过 {limit:,} 个值）", "alias expansion too large (> {limit:,} values)"),
    "duplicate": ("filing_duplicate_key", "键“{key}”重复（首次出现在第 {first} 行）",
                  "duplicate key '{key}' (first at line {first})"),
    "unexpected": ("filing_parse_error", "无法解析文件（{why}）", "unexpected problem reading the file ({why})"),
    "surrogate": ("filing_encoding_error", "字符串中的 {escape} 是不成对的 UTF-16 代理项，不是有效的字符",
                  "{escape} in a string is an unpaired UTF-16 surrogate, not a valid character"),
}
# A JSON escape that may make a surrogate (\ud800-\udfff); text decoded from UTF-8 holds none of its own.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class SourceInt(int):
    """An int that remembers the exact characters written (e.g. '0012345'); .source: str"""

    # Set only where int() loses the text (YAML's 0012345, 0x1F; JSON's -0). JSON calls SourceInt(text)
    # (C speed) and stores no text: JSON has no leading zeros.
    _text: str | None = None

    @property
    def source(self) -> str:
        return self._text or str(int(self))


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
                value_place = _offset_linecol(text, value_at) if value_at is not None else (1, 1)
                return value_place, (_offset_linecol(text, key_at) if key_at is not None else None)
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


def _error(kind: str, file: str, where: tuple[int, int] | None = None, pointer: str = "", **fmt: Any) -> InputError:
    code, zh, en = _MESSAGES[kind]
    line, column = where or (None, None)
    return InputError(code, file, line, column, pointer, zh.format(**fmt), en.format(**fmt))


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


def _offset_linecol(text: str, pos: int) -> tuple[int, int]:
    """(line, column) of a character offset, by counting newlines in C: cheaper than indexing every
    line start when a filing needs only a few locations."""
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def _linecol(starts: list[int], pos: Any) -> Any:
    if not isinstance(pos, int):  # already (line, column), or None
        return pos
    i = bisect_right(starts, pos) - 1
    return i + 1, pos - starts[i] + 1


if TYPE_CHECKING:  # one static base for mypy: libyaml's loader has the pure-Python one's interface
    _LoaderBase = yaml.SafeLoader
else:
    _LoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


class _Loader(_LoaderBase):
    """libyaml's composer with plain scalars resolved by the YAML 1.2 core schema."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return _SEQ if kind is SequenceNode else _MAP
        if not implicit[0]:  # quoted
            return _STR
        return _MERGE if value == "<<" else next((tag for tag, pattern in _CORE if pattern.match(value)), _STR)


def _load_yaml(text: str, file: str) -> LoadedDocument:
    bad = _YAML_FORBIDDEN.search(text)
    if bad:  # a NUL in valid UTF-8 is a UTF-16 file without a BOM
        kind, where = "encoding" if bad.group() == "\x00" else "control", _linecol(_line_starts(text), bad.start())
        char = f"U+{ord(bad.group()):04X}"
        raise InputErrors([_error(kind, file, where, char=char, byte=0, zh=_UTF16[0], en=_UTF16[1])])
    block = read_block(text, _plain_value, _MAX_DEPTH)  # the common shape, line by line; None: libyaml reads it
    if block is not None:
        return LoadedDocument(file, block[0], [block[1], None, None])
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise InputErrors([_yaml_syntax(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise InputErrors([_error("unexpected", file, why=type(exc).__name__)]) from None
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at 1000 levels
        raise InputErrors([_error("deep", file, limit=_MAX_DEPTH)]) from None
    finally:
        loader.dispose()
    if root is None or (root.tag == _NULL and root.value == ""):
        raise InputErrors([_error("empty", file)])
    walk = _YamlWalk(file)
    walk.visit(root, 0)
    if walk.errors:
        raise InputErrors(list(walk.errors.values()))
    return LoadedDocument(file, walk.value(root), [walk.locs[id(root)], None, None])


def _yaml_syntax(exc: yaml.MarkedYAMLError, text: str, file: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    where = (mark.line + 1, mark.column + 1) if mark else None
    problem = exc.problem or exc.context or "syntax error"
    if exc.context == "expected a single document in the stream":
        return _error("documents", file, where)
    if "maximum nesting depth" in problem:
        return _error("deep", file, where, limit=_MAX_DEPTH)
    found = explain(exc, text)
    return _error("yaml", file, (found.line, found.column), zh=found.zh, en=found.en)


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1  # PyYAML marks are 0-based


class _YamlWalk:
    """``visit`` checks each distinct node once (an alias shares its anchor's node), sizes the
    alias expansion and builds the location tree; ``value`` then builds the data."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.path: list[str | int] = []  # the keys and indexes down to the node being visited
        self.active: set[int] = set()  # nodes on the current path
        self.errors: dict[Any, InputError] = {}  # keyed so that each problem is reported once
        self.sizes: dict[int, tuple[int, int]] = {}  # node id → (values it expands to (capped), levels deep)
        self.scalars: dict[int, Any] = {}  # scalar id → its value
        self.pairs: dict[int, list[tuple[str, Node, Node]]] = {}  # mapping id → [(key, key node, value node)] after merges
        self.locs: dict[int, Any] = {}  # node id → location tree (the same at every alias)

    def error(self, kind: str, node: Any, *extra: Any, once: str | None = None, **fmt: Any) -> int:
        error = _error(kind, self.file, _mark(node), reduce(pointer_join, [*self.path, *extra], ""), **fmt)
        self.errors.setdefault(once or (error.code, error.line, error.column, error.pointer), error)
        return 1  # a bad value still counts as one

    def visit(self, node: Any, depth: int) -> int:
        nid = id(node)
        size, height = self.sizes.get(nid, (1, 1))
        if depth + height > _MAX_DEPTH:  # with the levels below it: an alias can put a deep value deeper
            self.error("deep", node, once="deep", limit=_MAX_DEPTH)
            return size
        if nid in self.sizes:
            return size
        if nid in self.active:
            return self.error("recursive", node)
        self.active.add(nid)
        children: list[Node] = []
        if isinstance(node, ScalarNode):
            size, self.locs[nid] = self.scalar(node), _mark(node)
        elif node.tag not in (_SEQ, _MAP):
            size = self.error("tag", node, tag=node.tag.replace(_T, "!!"))
        elif isinstance(node, SequenceNode):
            size, children = 1, node.value
            for index, child in enumerate(children):
                self.path.append(index)
                size += self.visit(child, depth + 1)
                self.path.pop()
            self.locs[nid] = [_mark(node), [self.locs.get(id(child)) for child in children]]
        else:
            size = self.mapping(node, depth)
            children = [child for _, _, child in self.pairs[nid]]
        self.active.discard(nid)
        height = 1 + max((self.sizes[id(child)][1] for child in children if id(child) in self.sizes), default=0)
        self.sizes[nid] = (size := min(size, MAX_NODES + 1)), height
        if size > MAX_NODES:
            self.error("aliases", node, once="aliases", limit=MAX_NODES)
        return size

    def scalar(self, node: Any) -> int:
        tag, text = node.tag, node.value
        if tag not in (_STR, _MERGE) and tag not in _PATTERN:
            return self.error("tag", node, tag=tag.replace(_T, "!!"))
        if tag not in (_STR, _MERGE) and not _PATTERN[tag].match(text):  # an explicit tag on text of another kind
            return self.error("scalar", node, text=text, tag=tag.replace(_T, "!!"))
        try:
            self.scalars[id(node)] = _scalar_value(tag, text)
        except ValueError:  # more digits than int() converts
            return self.error("long", node, limit=sys.get_int_max_str_digits())
        return 1


    def mapping(self, node: Any, depth: int) -> int:
        # Keys written in this mapping win over merged ones, an earlier merge source over a later one.
        explicit = {k.value for k, _ in node.value if isinstance(k, ScalarNode) and k.tag != _MERGE}
        written: dict[str, Any] = {}  # key → its key node
        pairs, merged, size = [], set(), 1
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                if not all(isinstance(source, MappingNode) for source in sources):
                    self.error("merge", value_node)
                    continue
                for source in sources:
                    size += self.visit(source, depth) - 1  # its values land here, not itself
                    for pair in self.pairs.get(id(source), ()):
                        if pair[0] not in explicit and pair[0] not in merged:
                            merged.add(pair[0])
                            pairs.append(pair)
            elif not isinstance(key_node, ScalarNode):
                self.error("key", key_node)
            elif key_node.tag != _STR and key_node.tag not in _PATTERN:
                self.error("tag", key_node, tag=key_node.tag.replace(_T, "!!"))
            elif key_node.value in written:
                key = key_node.value
                self.error("duplicate", key_node, key, key=key, first=_mark(written[key])[0])
            else:
                key = key_node.value  # the text as written: `2011:` is the key '2011'
                written[key] = key_node
                pairs.append((key, key_node, value_node))
                self.path.append(key)
                size += self.visit(value_node, depth + 1)
                self.path.pop()
        self.pairs[id(node)] = pairs
        self.locs[id(node)] = [_mark(node), {k: (_mark(kn), self.locs.get(id(v))) for k, kn, v in pairs}]
        return size

    def value(self, node: Any) -> Any:  # fresh containers at every alias: the data is a plain tree
        if isinstance(node, ScalarNode):
            return self.scalars[id(node)]
        if isinstance(node, SequenceNode):
            return [self.value(child) for child in node.value]
        return {key: self.value(child) for key, _, child in self.pairs[id(node)]}


_CANONICAL_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")  # what str(int(text)) gives back as written


def _scalar_value(tag: str, text: str) -> Any:
    """The value of a scalar of a core tag that matches its text (ValueError: an integer longer than int() converts)."""
    if tag in (_STR, _MERGE):  # '<<' anywhere but as a key is just text
        return text
    if tag == _INT:
        number = SourceInt(text[2:], 16 if text[1] == "x" else 8) if text[1:2] in ("x", "o") else SourceInt(text)
        if text == "-0" or not _CANONICAL_INT.match(text):  # only where int() loses the text (0012345, 0x1F, +3, -0)
            number._text = text
        return number
    if tag == _FLOAT:  # Python spells .inf and .nan without the dot
        return float(text.replace(".", "") if "n" in text.lower() else text)
    return None if tag == _NULL else text[0] in "tT"


# The core schema's patterns as one, tried in the same order: the first that matches the whole text names the tag.
_RESOLVE = re.compile("|".join(f"(?P<t{i}>{pattern.pattern})" for i, (_, pattern) in enumerate(_CORE)))
_RESOLVED = {f"t{i}": tag for i, (tag, _) in enumerate(_CORE)}


def _plain_value(text: str) -> Any:
    """A plain scalar's value, resolved as ``_Loader.resolve`` resolves it (for ``block.read_block``)."""
    if text.isdigit() and text.isascii():  # the most common value: a count, an integer of the core schema
        number = SourceInt(text)
        if text[0] == "0" and len(text) > 1:  # leading zeros: int() loses them
            number._text = text
        return number
    if text == "<<":
        return text
    resolved = _RESOLVE.match(text)
    return _scalar_value(_RESOLVED[resolved.lastgroup] if resolved is not None and resolved.lastgroup else _STR, text)


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


class _LazyJson(LoadedDocument):
    """A JSON document whose ``data`` — integers as ``SourceInt``, as every loaded document's — is parsed from its text
    when first read. A check reads only ``plain()``: the same values parsed with plain integers, without a Python
    call per integer (there, the only difference is ``-0``, which never takes this path)."""

    @classmethod
    def of(cls, file: str, text: str, plain: Any) -> LoadedDocument:
        doc = cls(file, None, [None, text, None])
        object.__delattr__(doc, "data")  # read from the text by ``__getattr__``, on first use
        object.__setattr__(doc, "_text", text)
        object.__setattr__(doc, "_plain", plain)
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
