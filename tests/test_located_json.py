"""A clean JSON file is read by orjson (``located/read._clean_json``); what orjson would read differently from
``json.loads`` — a repeated key, an integer beyond 64 bits, NaN, a lone surrogate — goes to ``json.loads``, which
decides and locates. Held here to ``json.loads`` on generated documents, the types of the values included."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.errors import InputErrors
from junheng.located import read as located
from shared import full

_KEYS = st.sampled_from(["a", "b", "id", "名称", "x:y", 'q"{', "a:", "", "\\", "\u003a"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**25, 10**25), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(st.sampled_from(list('ab}{][",:\\ \n中\u00e9\U0001f600')), max_size=8))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_KEYS, inner, max_size=5)),
                     max_leaves=30)


def _typed(value: object) -> object:
    """``value`` with every number tagged by its type: 1 and 1.0 (and True) are told apart."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=400, deadline=None)
@given(_JSON, st.booleans(), st.booleans())
def test_what_orjson_reads_is_what_json_loads_reads(document, ascii_only, spaced):
    text = json.dumps(document, ensure_ascii=ascii_only, indent=1 if spaced else None)
    clean = located._clean_json(text)
    if clean is not None:
        assert _typed(clean[0]) == _typed(json.loads(text))
        # Said to hold no null and no empty object only when it holds none (a string holding "null" or "{}" makes it
        # say "not known", which costs only the time it would save).
        assert not clean[1] or full(json.loads(text))
        if full(json.loads(text)) and "null" not in text and not re.search(r"\{\s*\}", text):
            assert clean[1]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _SCALARS, min_size=1, max_size=4), st.data())
def test_a_repeated_key_is_never_read_by_orjson(document, data):
    key = data.draw(st.sampled_from(sorted(document)))
    again = data.draw(_SCALARS)
    text = json.dumps(document, ensure_ascii=False)[:-1] + ", " + json.dumps(key) + ": " + json.dumps(again) + "}"
    assert located._clean_json(text) is None
    with pytest.raises(InputErrors) as raised:
        located.load_document(text.encode(), name="dup.json")
    assert any("dup.json" == e.file and e.line == 1 for e in raised.value.errors)


@pytest.mark.parametrize("text", ['{"a": 123456789012345678901234567890}', '{"a": -9223372036854775809}', '{"a": 1e400}',
                                  '{"a": NaN}', '{"a": "\\ud800"}', '{"a": "\\u003a", "\\u0061": 1, "a": 2}', '{"a": 1, "a": 1}'])
def test_what_orjson_would_misread_goes_to_json_loads(text):
    assert located._clean_json(text) is None


def test_a_clean_filing_is_read_by_orjson_and_locates_as_before(tmp_path):
    path = tmp_path / "f.json"
    lines = ['{', '  "district": {"code": "500118", "name": "永川区"},', '  "schools": [{"id": "s1", "x": 1.5}]', '}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = located.load_document(path)
    assert located._clean_json(path.read_text(encoding="utf-8")) == (doc.plain(), True)
    assert doc.plain_is_full()
    assert not located.load_document(b'{"a": null}', name="n.json").plain_is_full()
    assert not located.load_document(b'{"a": {}}', name="e.json").plain_is_full()
    assert doc.plain() == {"district": {"code": "500118", "name": "永川区"}, "schools": [{"id": "s1", "x": 1.5}]}
    assert doc.location("/schools/0/x") == (3, lines[2].index("1.5") + 1)
    assert doc.location("/district/name") == (2, lines[1].index('"永川区"') + 1)
