"""The line-by-line reader of block YAML (``located/block.py``) against the full loader (libyaml and the walk): whatever
document the reader accepts, it gives the same values — types and integers' text included — and the same place for
every value and key; what it does not accept, the full loader reads."""

from __future__ import annotations

import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.errors import InputErrors
from junheng.located import read as located
from junheng.located.block import read_block

_KEYS = st.sampled_from(["a", "b", "id", "name", "x_1", "true", "null", "y", "A9", "k" * 3])
# Scalars as they may be written after "key: ": plain, quoted, and (one in four) text that looks like something else.
_SAFE = st.sampled_from(["1", "-5", "0012", "1.5", "true", "null", "~", "中文", "a b", "a#b", "x #c", "'q'", "'a #b'", "\"d\"",
                         "12345678901234567890", "-0", "0x1F", ".inf", "yes", "<<", "x,y"])
_ODD = st.sampled_from([
    "1", "-5", "+3", "0012", "0x1F", "0o17", "-0", "1.5", "-.5", "1e3", "2E-3", ".inf", "-.Inf", ".nan", "1.", "1_000",
    "true", "False", "yes", "no", "null", "~", "Null", "中文", "a b", "a  b", "a#b", "a #b", "a: b", "a:", "-a", "- a",
    "?x", ":x", "'q'", "'a #b'", "\"d\"", "\"a\\\"b\"", "'it''s'", "\"\"", "''", "[1]", "{a: 1}", "&x 1", "*x", "!!str 1",
    "|", ">", "@x", "%x", "`x", "<<", "x,y", "x]", "1 # c", "'x' # c", "'x'#c", "\"y\"  ", "南岸区第一小学", "9" * 30,
])
_WRITTEN = st.one_of(_SAFE, _SAFE, _SAFE, _ODD)
_LINES_EXTRA = st.sampled_from(["", "# c", "   # indented comment", "  ", "---", "...", "- x", "a", "\t", "  b: 1", "key: v"])


@st.composite
def _documents(draw) -> str:
    """A block document: mappings, lists of mappings, scalars as written, now and then a stray line or an odd indentation."""
    lines: list[str] = []

    def mapping(indent: int, depth: int, first_prefix: str = "") -> None:
        keys = draw(st.lists(_KEYS, min_size=1, max_size=4, unique=draw(st.booleans())))
        for i, key in enumerate(keys):
            prefix = first_prefix if i == 0 else " " * len(first_prefix)
            kind = draw(st.sampled_from(["scalar"] * 4 + (["map", "list"] if depth < 3 else [])))
            pad = " " * indent
            if draw(st.integers(0, 19)) == 0:
                lines.append(pad + draw(_LINES_EXTRA))  # a comment, a blank, or a line that breaks the shape
            if kind == "scalar":
                value = draw(_WRITTEN)
                lines.append(f"{pad}{prefix}{key}: {value}" if value else f"{pad}{prefix}{key}:")
            elif kind == "map":
                lines.append(f"{pad}{prefix}{key}:" + draw(st.sampled_from(["", "  # c", " "])))
                mapping(indent + len(prefix) + draw(st.sampled_from([2, 4, 1])), depth + 1)
            else:
                lines.append(f"{pad}{prefix}{key}:")
                inner = max(0, indent + len(prefix) + draw(st.sampled_from([0, 2, 0, 2, -1])))
                for _ in range(draw(st.integers(1, 3))):
                    mapping(inner, depth + 1, "-" + " " * draw(st.sampled_from([1, 1, 2])))

    mapping(draw(st.sampled_from([0] * 9 + [1])), 0)
    text = "\n".join(lines)
    return text + draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))


def _full(text: str) -> located.LoadedDocument | None:
    """The full loader's document (libyaml and the walk), or None when it reports an error."""
    original = located.read_block
    located.read_block = lambda *args: None
    try:
        return located.load_document(text.encode(), name="x.yaml")
    except InputErrors:
        return None
    finally:
        located.read_block = original


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, located.SourceInt):
        return a == b and a.source == b.source  # type: ignore[attr-defined]
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)  # type: ignore[arg-type]
    return a == b


@settings(max_examples=600, deadline=None)
@given(text=_documents())
def test_what_the_block_reader_accepts_it_reads_as_the_full_loader_does(text):
    read = read_block(text, located.plain_value, located._MAX_DEPTH)
    if read is None:
        return
    full = _full(text)
    assert full is not None, "the full loader rejects what the block reader accepted"
    assert _same(read[0], full.data), (read[0], full.data)
    assert read[1] == full._index[0]


def test_a_generated_filing_is_read_by_the_block_reader_with_the_full_loaders_values_and_places():
    from junheng.synthetic import Spec, filing

    text = yaml.dump(filing(3, Spec(schools=12, violation_share=0.3)), allow_unicode=True, sort_keys=False)
    read = read_block(text, located.plain_value, located._MAX_DEPTH)
    full = _full(text)
    assert read is not None and full is not None
    assert _same(read[0], full.data) and read[1] == full._index[0]


def test_a_flow_mapping_a_tab_or_an_empty_value_is_left_to_the_full_loader():
    for text in ("a: {b: 1}\n", "a:\t1\n", "a:\nb: 1\n", "a: &x 1\nb: *x\n", "a: |\n  text\n", "a: 'x\n  y'\n", "a: 1\na: 2\n"):
        assert read_block(text, located.plain_value, located._MAX_DEPTH) is None, text
