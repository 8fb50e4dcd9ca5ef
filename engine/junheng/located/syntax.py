"""Explain a YAML syntax error in words an officer can act on, at the character that is wrong.

libyaml reports where it gave up, often a line after the mistake and in parser English
("mapping values are not allowed in this context"). Here the lines up to that place are scanned
for the mistakes people make typing YAML in a Chinese input method or in Word — full-width
punctuation, tabs, an indentation off by a space, text starting with ``{``, ``key:value`` —
and each candidate is tried: the first whose correction lets libyaml read past the place it
gave up is the mistake reported, at its own line and column. Otherwise a Chinese rendering of
libyaml's problem is given at libyaml's place; libyaml's own text never reaches the message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_WINDOW = 40  # lines before libyaml's place that are scanned for the mistake
_MAX_TRIES = 40  # corrections tried at most (each one a parse of the text up to the error)
_WHOLE = 256 * 1024  # characters up to the error below which each correction is tried on the whole text

# A full-width character typed where YAML needs its half-width one: (name, what to type, replacement).
_FULL_WIDTH = {
    "：": ("全角冒号“：”", "半角冒号 \":\" 后加一个空格（如 zh: 文字）", "full-width colon", "a half-width ':' and a space", ": "),
    "，": ("全角逗号“，”", "半角逗号 \",\" 后加一个空格", "full-width comma", "a half-width ',' and a space", ", "),
    "“": ("全角引号“", "半角双引号 \"", "full-width quote", "a half-width '\"'", '"'),
    "”": ("全角引号”", "半角双引号 \"", "full-width quote", "a half-width '\"'", '"'),
    "‘": ("全角引号‘", "半角单引号 '", "full-width quote", "a half-width \"'\"", "'"),
    "’": ("全角引号’", "半角单引号 '", "full-width quote", "a half-width \"'\"", "'"),
    "【": ("全角方括号“【”", "半角方括号 [", "full-width bracket", "a half-width '['", "["),
    "】": ("全角方括号“】”", "半角方括号 ]", "full-width bracket", "a half-width ']'", "]"),
    "（": ("全角括号“（”", "半角括号 (", "full-width parenthesis", "a half-width '('", "("),
    "）": ("全角括号“）”", "半角括号 )", "full-width parenthesis", "a half-width ')'", ")"),
}
_QUOTE_PAIRS = {"“": "”", "”": "“", "‘": "’", "’": "‘"}  # a quote is corrected with its partner on the line
_KEY_NO_SPACE = re.compile(r"[^\s:#'\"{}\[\],&*!|>%@`-][^\s:#]*:(?=[^\s:/])")  # key:value (not a URL's ://)
_BLOCK_SCALAR = re.compile(r"(?:^|[: ])[|>][-+0-9]*\s*(?:#.*)?$")  # a line whose value is the text below it
_CLOSE = {"[": "]", "{": "}"}
_ITEM = re.compile(r"(?:- +)*")  # the sequence dashes that start a line

# libyaml's problem → (Chinese, English): the generic explanation at libyaml's place.
_KINDS = (
    ("mapping values are not allowed", "这里不能出现“冒号加空格”：若是文字请给整段加引号，若是键请检查冒号和缩进",
     "a ': ' is not allowed here: quote the text, or check the colon and the indentation"),
    ("could not find expected ':'", "缺少半角冒号“:”，或冒号后缺空格", "a ':' (followed by a space) is missing"),
    ("did not find expected key", "缩进不一致，或文字需要加引号", "inconsistent indentation, or text that needs quotes"),
    ("did not find expected '-'", "缩进不一致：列表项“- ”没有对齐", "inconsistent indentation: the '- ' items are not aligned"),
    ("expected <block end>", "缩进不一致", "inconsistent indentation"),
    ("did not find expected ',' or ']'", "方括号 [ 没有闭合，或列表项之间缺半角逗号", "an unclosed '[' or a missing ','"),
    ("did not find expected ',' or '}'", "花括号 { 没有闭合，或项之间缺半角逗号", "an unclosed '{' or a missing ','"),
    ("unexpected end of stream", "引号没有闭合", "an unclosed quote"),
    ("cannot start any token", "这个字符不能放在文字开头，请给整段文字加引号", "this character cannot start a value: quote the text"),
    ("<document start>", "这里之前有多余的文字（说明文字请以 # 开头）", "stray text before this point (start a comment with '#')"),
    ("undefined alias", "引用了未定义的别名（*）", "an alias (*) that no anchor (&) defines"),
    ("escape", "双引号内的反斜杠“\\”转义无效，请改用单引号或写成 \\\\", "a bad backslash escape inside double quotes"),
)

_UNKNOWN = ("请检查这一行及上一行的冒号、缩进和引号", "check the colons, indentation and quotes here and on the line above")


@dataclass(frozen=True)
class Explained:
    """Where the mistake is (1-based) and what to do, in both languages."""

    line: int
    column: int
    zh: str
    en: str


def explain(exc: yaml.MarkedYAMLError, text: str) -> Explained:
    """The mistake behind libyaml's error `exc` in `text`: the first known mistake whose correction
    lets libyaml read on, else libyaml's place explained in Chinese."""
    mark = exc.problem_mark or exc.context_mark
    at = (mark.line, mark.column) if mark else (0, 0)
    lines = text.split("\n")
    if isinstance(exc, yaml.composer.ComposerError):  # an alias or anchor problem, not a typing slip
        return _generic(exc, at)
    limit = min(len(lines), at[0] + 3)  # parse up to a little past the error: enough to see it move
    # A big filing is tried from the last top-level line before the scanned lines, not from its start.
    begin = 0 if sum(map(len, lines[:limit])) < _WHOLE else _restart(lines, at[0] - _WINDOW)
    tries = 0
    for found, fixed in _candidates(lines, at, begin):
        if fixed is None:
            return found
        tries += 1
        if tries > _MAX_TRIES:
            break
        if _reads_past("\n".join(fixed[begin:limit]), (at[0] - begin, at[1])):
            return found
    return _generic(exc, at)


def _restart(lines: list[str], before: int) -> int:
    """The last line before `before` that starts at column 0 (a top-level key or item): YAML can be read from there."""
    return next((n for n in range(min(before, len(lines)) - 1, 0, -1) if lines[n][:1] not in ("", " ", "\t", "#")), 0)


def _reads_past(text: str, at: tuple[int, int]) -> bool:
    """Whether libyaml reads `text` without a syntax error up to and past `at` (events only: no values are built)."""
    try:
        for _ in yaml.parse(text, Loader=_Loader):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark is not None and (mark.line, mark.column) > at
    except yaml.YAMLError:
        return False
    return True


def _candidates(lines: list[str], at: tuple[int, int], begin: int) -> Iterator[tuple[Explained, list[str] | None]]:
    """Each possible mistake on the lines up to libyaml's place, in order, with the lines as
    corrected (None: report it without trying, as a tab at libyaml's own place)."""
    first = max(begin, at[0] - _WINDOW)
    stack = _indents(lines[_restart(lines, first):first])
    literal = -1  # the indentation of the line opening a block scalar (| or >) whose text is being passed
    for n in range(first, min(at[0] + 1, len(lines))):
        line = lines[n]
        body = line.lstrip(" ")
        if not body.strip() or body.startswith("#") or len(line) - len(body) > literal >= 0:
            continue
        literal = len(line) - len(body) if _BLOCK_SCALAR.search(line) else -1
        yield from _tab(lines, n, at)
        yield from _indentation(lines, n, stack)
        yield from _in_line(lines, n)
        stack = _push(stack, line)


def _indents(lines: list[str]) -> list[int]:
    stack: list[int] = [0]
    for line in lines:
        if line.strip() and not line.lstrip(" ").startswith("#"):
            stack = _push(stack, line)
    return stack


def _push(stack: list[int], line: str) -> list[int]:
    """The columns a following line may start at, after `line` (a key or item at each open level)."""
    indent = len(line) - len(line.lstrip(" "))
    kept = [c for c in stack if c < indent]
    dashes = _ITEM.match(line, indent)
    inner = dashes.end() if dashes else indent
    return kept + [indent] + ([inner] if inner > indent else [])


def _tab(lines: list[str], n: int, at: tuple[int, int]) -> Iterator[tuple[Explained, list[str] | None]]:
    line = lines[n]
    lead = line[:len(line) - len(line.lstrip(" \t"))]
    if "\t" not in lead:
        return
    col = lead.index("\t") + 1
    found = Explained(n + 1, col, f"第 {n + 1} 行第 {col} 列是 Tab 键：请用空格缩进，不要用 Tab 键",
                      f"line {n + 1} column {col}: a tab; indent with spaces, not tabs")
    if n == at[0]:
        yield found, None
    for width in (2, 4):
        yield found, _replace(lines, n, lead.replace("\t", " " * width) + line[len(lead):])


def _indentation(lines: list[str], n: int, stack: list[int]) -> Iterator[tuple[Explained, list[str] | None]]:
    indent = _indent(lines[n])
    prev = _content_before(lines, n)
    prev_indent = _indent(lines[prev]) if prev >= 0 else 0
    opens = prev >= 0 and lines[prev].split(" #")[0].rstrip().endswith(":")
    if indent in stack or (opens and indent > prev_indent):
        return
    parent = _content_before(lines, prev) if prev >= 0 else -1
    step, odd_step = indent - _indent(lines[parent]), prev_indent - _indent(lines[parent])
    if parent >= 0 and lines[parent].split(" #")[0].rstrip().endswith(":") and step > 0 and odd_step % 2 and not step % 2:
        # The first child went in by an odd number of spaces and this sibling by the usual even one: the child is off.
        yield _shift(lines, prev, indent)
    for want in sorted(stack, key=lambda c: (abs(c - indent), -c))[:2]:
        yield _shift(lines, n, want)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_before(lines: list[str], n: int) -> int:
    """The index of the last line before `n` that is neither blank nor a comment (-1: none)."""
    return next((k for k in range(n - 1, -1, -1) if lines[k].strip() and not lines[k].lstrip(" ").startswith("#")), -1)


def _shift(lines: list[str], n: int, want: int) -> tuple[Explained, list[str]]:
    """Line `n` reindented to `want` spaces, with the block below it that is written deeper."""
    indent, fixed = _indent(lines[n]), list(lines)
    for k in range(n, len(lines)):
        here = _indent(lines[k])
        if k > n and lines[k].strip() and here < indent:
            break
        if lines[k].strip() and here - indent + want >= 0:
            fixed[k] = " " * (here - indent + want) + lines[k].lstrip(" ")
    return Explained(n + 1, indent + 1, f"第 {n + 1} 行缩进了 {indent} 个空格，与上一级对齐应为 {want} 个",
                     f"line {n + 1} is indented {indent} space(s); aligned with its level it should be {want}"), fixed


def _in_line(lines: list[str], n: int) -> Iterator[tuple[Explained, list[str] | None]]:
    line = lines[n]
    indent = len(line) - len(line.lstrip(" "))
    dashes = _ITEM.match(line, indent)
    start = dashes.end() if dashes else indent
    full, half = line.find("：", start), line.find(":", start)
    if full != -1 and (half == -1 or full < half):  # `zh：文字{x:pct}`: the full-width colon is the key's, not a later ':'
        yield from _full_width(lines, n)
    key = _KEY_NO_SPACE.match(line, start)
    if key:
        col = key.end()
        yield (Explained(n + 1, col, f"第 {n + 1} 行第 {col} 列的冒号后缺空格：请写成“{line[start:col]} {line[col:].strip()}”",
                         f"line {n + 1} column {col}: a space is missing after the ':'"),
               _replace(lines, n, line[:col] + " " + line[col:]))
    value = re.match(r"(?:[^\s:#'\"][^:#]*: +)?(\{.*?)\s*(?:#.*)?$", line[start:])
    if value and value.group(1).find("}") != len(value.group(1)) - 1:  # `{x}text` or an unclosed `{`
        col = start + value.start(1) + 1
        quoted = '"' + value.group(1).replace("\\", "\\\\").replace('"', '\\"') + '"'
        yield (Explained(n + 1, col, f"第 {n + 1} 行第 {col} 列：以 {{ 开头的文字须加引号：{quoted}",
                         f"line {n + 1} column {col}: text starting with '{{' must be quoted: {quoted}"),
               _replace(lines, n, line[:col - 1] + quoted))
    yield from _full_width(lines, n)
    if start == indent and not re.search("[:：]", line) and line[start] not in "'\"[{|>&*!%@`“‘【":
        yield (Explained(n + 1, start + 1, f"第 {n + 1} 行既不是“键: 值”也不是列表项：说明文字请以 # 开头，文字请写在键的冒号后面",
                         f"line {n + 1} is neither 'key: value' nor a list item: start a comment with '#'"),
               _replace(lines, n, line[:start] + "# " + line[start:]))


def _full_width(lines: list[str], n: int) -> Iterator[tuple[Explained, list[str] | None]]:
    line, quote = lines[n], ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return
        elif char in _FULL_WIDTH:
            name, fix, name_en, fix_en, half = _FULL_WIDTH[char]
            fixed = line[:i] + half + line[i + 1:]
            if char in _QUOTE_PAIRS:
                fixed = fixed.replace(_QUOTE_PAIRS[char], half).replace(char, half)
            elif char == "：":
                fixed = line[:i] + ":" + (" " if not line[i + 1:i + 2].isspace() else "") + line[i + 1:]
            yield (Explained(n + 1, i + 1, f"第 {n + 1} 行第 {i + 1} 列的{name}不能当作 YAML 符号：请改为{fix}",
                             f"line {n + 1} column {i + 1}: a {name_en} ({char}) is not YAML syntax; type {fix_en}"),
                   _replace(lines, n, fixed))


def _replace(lines: list[str], n: int, line: str) -> list[str]:
    fixed = list(lines)
    fixed[n] = line
    return fixed


def _generic(exc: yaml.MarkedYAMLError, at: tuple[int, int]) -> Explained:
    context = exc.context or ""
    opened = exc.context_mark if context.startswith(("while scanning a quoted", "while parsing a flow")) else None
    if opened is not None:  # an unclosed quote or bracket: where it was opened
        line, col = opened.line + 1, opened.column + 1
        if "quoted" in context:
            zh, en = "引号没有闭合，请在文字末尾补上同样的半角引号", "this quote is never closed"
        else:
            bracket = "[" if "sequence" in context else "{"
            zh = f"“{bracket}”没有闭合，或其中的项之间缺半角逗号，请补上“{_CLOSE[bracket]}”"
            en = f"this '{bracket}' is never closed, or a ',' is missing between its items"
        return Explained(line, col, f"第 {line} 行第 {col} 列的{zh}", f"line {line} column {col}: {en}")
    problem = exc.problem or context
    zh, en = next(((z, e) for key, z, e in _KINDS if key in problem), _UNKNOWN)
    line, col = at[0] + 1, at[1] + 1
    return Explained(line, col, f"第 {line} 行第 {col} 列附近的 YAML 格式有误：{zh}",
                     f"YAML syntax error near line {line} column {col}: {en}")
