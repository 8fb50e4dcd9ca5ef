"""The JSON walk that locates a few values (``located/read._json_walk``, skipping records at C speed) against the full
index of every value (``_scan_json``): both place every pointer, present or not, at the same line and column — the walk's by
counting newlines from the nearest place found before (``_line_of``), asked in any order."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.located import read as located

_KEYS = st.sampled_from(["a", "b", "id", "名称", "x}y", 'q"{', "[k]", "a/b", "t~0", "", "\\"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(st.sampled_from(list('ab}{][",:\\ \n中\u00e9')), max_size=8))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_KEYS, inner, max_size=5)),
                     max_leaves=30)


def _pointers(value: object, at: str = "") -> list[str]:
    """Every pointer into ``value``, and for each container one that is not there."""
    out = [at]
    if isinstance(value, dict):
        out.append(at + "/absent")
        for k, v in value.items():
            out += _pointers(v, at + "/" + k.replace("~", "~0").replace("/", "~1"))
    elif isinstance(value, list):
        out += [at + f"/{len(value)}", at + "/01"]
        for i, v in enumerate(value):
            out += _pointers(v, f"{at}/{i}")
    return out


def _indexed(text: str) -> located.LoadedDocument:
    """A document whose every location comes from the full index (the walk is never tried)."""
    doc = located.LoadedDocument("x.json", json.loads(text), [None, text, None])
    doc._index[:] = located._scan_json(text)[0], None, located._line_starts(text)
    return doc


@settings(max_examples=300, deadline=None)
@given(value=_JSON, indent=st.sampled_from([None, 1, 2]), order=st.randoms(use_true_random=False))
def test_the_walk_places_every_pointer_where_the_full_index_does(value, indent, order):
    text = json.dumps({"root": value, "after": [1, {"k": 2}]}, ensure_ascii=False, indent=indent)
    walked = located.load_document(text.encode(), name="x.json")
    indexed = _indexed(text)
    pointers = _pointers(json.loads(text))
    order.shuffle(pointers)  # the walk remembers what it read: any order of questions gives the same answers
    for pointer in pointers:
        assert walked.location(pointer) == indexed.location(pointer), pointer
        assert walked.key_location(pointer) == indexed.key_location(pointer), pointer
