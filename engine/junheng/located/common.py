"""What both readers of a filing share, with no YAML library behind it: the limits, the messages, ``SourceInt``
and the YAML 1.2 core schema's plain scalars (the line reader ``block.py`` and libyaml's walk ``yamlnodes.py`` resolve
them alike). ``read.py`` reads JSON without ever importing PyYAML; a YAML filing imports it only when the line reader
cannot read it."""

from __future__ import annotations

import re
from typing import Any

from junheng.errors import InputError

__all__ = ["BOOL", "CORE", "FLOAT", "INT", "MAP", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "MERGE", "NULL", "PATTERN", "SEQ", "STR", "T",
           "UTF16", "SourceInt", "error", "plain_value", "scalar_value"]

MAX_BYTES = 20 * 1024 * 1024  # files over 20 MiB are rejected
MAX_NODES = 2_000_000  # bound on values produced while expanding YAML aliases
MAX_DEPTH = 200  # a filing is 4 levels deep; anything near this is an accident or an attack

T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, SEQ, MAP, MERGE = (
    T + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge"))
CORE = (  # the YAML 1.2 core schema, in the order a plain scalar is tried
    (NULL, re.compile(r"(?:null|Null|NULL|~|)\Z")),
    (BOOL, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")),
    (INT, re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")),
    (FLOAT, re.compile(r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")))
PATTERN = dict(CORE)
UTF16 = ("，看起来是 UTF-16 编码", "; it looks like UTF-16")
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


class SourceInt(int):
    """An int that remembers the exact characters written (e.g. '0012345'); .source: str"""

    # Set only where int() loses the text (YAML's 0012345, 0x1F; JSON's -0). JSON calls SourceInt(text)
    # (C speed) and stores no text: JSON has no leading zeros.
    _text: str | None = None

    @property
    def source(self) -> str:
        return self._text or str(int(self))


def error(kind: str, file: str, where: tuple[int, int] | None = None, pointer: str = "", **fmt: Any) -> InputError:
    code, zh, en = _MESSAGES[kind]
    line, column = where or (None, None)
    return InputError(code, file, line, column, pointer, zh.format(**fmt), en.format(**fmt))


_CANONICAL_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")  # what str(int(text)) gives back as written


def scalar_value(tag: str, text: str) -> Any:
    """The value of a scalar of a core tag that matches its text (ValueError: an integer longer than int() converts)."""
    if tag in (STR, MERGE):  # '<<' anywhere but as a key is just text
        return text
    if tag == INT:
        number = SourceInt(text[2:], 16 if text[1] == "x" else 8) if text[1:2] in ("x", "o") else SourceInt(text)
        if text == "-0" or not _CANONICAL_INT.match(text):  # only where int() loses the text (0012345, 0x1F, +3, -0)
            number._text = text
        return number
    if tag == FLOAT:  # Python spells .inf and .nan without the dot
        return float(text.replace(".", "") if "n" in text.lower() else text)
    return None if tag == NULL else text[0] in "tT"


# The core schema's patterns as one, tried in the same order: the first that matches the whole text names the tag.
_RESOLVE = re.compile("|".join(f"(?P<t{i}>{pattern.pattern})" for i, (_, pattern) in enumerate(CORE)))
_RESOLVED = {f"t{i}": tag for i, (tag, _) in enumerate(CORE)}


def plain_value(text: str) -> Any:
    """A plain scalar's value, resolved as ``_Loader.resolve`` resolves it (for ``block.read_block``)."""
    if text.isdigit() and text.isascii():  # the most common value: a count, an integer of the core schema
        number = SourceInt(text)
        if text[0] == "0" and len(text) > 1:  # leading zeros: int() loses them
            number._text = text
        return number
    if text == "<<":
        return text
    resolved = _RESOLVE.match(text)
    return scalar_value(_RESOLVED[resolved.lastgroup] if resolved is not None and resolved.lastgroup else STR, text)
