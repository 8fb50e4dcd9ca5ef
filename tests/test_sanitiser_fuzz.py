"""Fuzzing the engine boundary with derived values nobody planned for: subnormals, huge and tiny
floats, negative zero, overflows to infinity, integers up to 2**80, and strings that look like
numbers. Nothing crashes, every number the engine is given parses back to itself, survives a
round trip through the engine's own storage, and compares there as it does in Python.
(tests/test_engine_boundary.py covers the fixed cases and the tolerance.)"""

from __future__ import annotations

import json
import math
import re
from types import SimpleNamespace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from junheng.rete.facts import dumps, sanitize_number
from junheng.rete.session import Engine

_EDGES = (
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-300, 5e-05, 1e-07, 0.1, 1 / 3,
    1e15, 1e15 + 0.5, 1e16, 2**53 - 1, 2**53, 2**53 + 1, 2**62 - 1, 2**62, 2**63 - 1, 2**63, 2**64, 2**80, -(2**80),
    1e300, 1.7976931348623157e308, -1.7976931348623157e308, math.inf, -math.inf, True, False,
)
derived = st.one_of(
    st.sampled_from(_EDGES),
    st.floats(allow_nan=False, allow_infinity=True, allow_subnormal=True),
    st.floats(min_value=-1e-300, max_value=1e-300, allow_subnormal=True),
    st.integers(min_value=-(2**80), max_value=2**80),
)
# Outside a JSON string: no exponent form, no NaN or Infinity (each crashes the engine's parser).
_UNSAFE = re.compile(r"[0-9][eE]|NaN|Infinity")


def _outside_strings(text: str) -> str:
    return re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', '""', text)


def _same(a, b) -> bool:
    """Equal, and the same zero (-0.0 is not written as 0.0)."""
    return a == b and type(a) is type(b) and (a != 0 or math.copysign(1, a) == math.copysign(1, b))


@settings(max_examples=100, deadline=None)
@given(x=derived)
def test_every_sanitised_number_is_written_in_fixed_notation_and_parses_back_to_itself(x):
    y = sanitize_number(x)
    assert isinstance(y, (int, float)) and not isinstance(y, bool) and math.isfinite(y)
    if isinstance(y, int):
        assert -(2**53) <= y <= 2**53  # what a double holds exactly: the engine compares ints with floats as doubles
    text = dumps({"t": "S", "x": y, "xs": [y, -y]})
    assert not _UNSAFE.search(_outside_strings(text)), text
    back = json.loads(text)
    assert _same(back["x"], y) and _same(back["xs"][0], y) and _same(back["xs"][1], -y), (x, y, text)
    if isinstance(x, float) and math.isfinite(x):
        assert _same(y, x)  # only overflows are changed


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.one_of(st.text(alphabet="0123456789eE+-.,:[ ]\"\\x", max_size=12), st.text(max_size=8)), max_size=5),
       x=derived)
def test_strings_that_look_like_numbers_are_left_alone_when_floats_are_rewritten(words, x):
    fact = {"t": "S", "r": words, "x": sanitize_number(x), "tiny": 5e-05}
    assert json.loads(dumps(fact)) == fact


_END = {"end": {"all": [{"e": {"$and": [{"t": "E"}, {"stage": 2}]}}]}}
_K = 1 - 1e-9  # the compiler's tolerance factor, as in `x < y × (1 − 1e-9)`
_CONSTANT = 0.5
_RULES = {
    "seen": {"all": [{"s": {"$and": [{"t": "S"}, {"$ex": {"x": 1}}, {"$ex": {"y": 1}}]}}]},
    "x_lt_c": {"all": [{"s": {"$and": [{"t": "S"}, {"$lt": {"x": _CONSTANT}}]}}]},
    "x_gte_c": {"all": [{"s": {"$and": [{"t": "S"}, {"$gte": {"x": _CONSTANT}}]}}]},
    "x_lt_0": {"all": [{"s": {"$and": [{"t": "S"}, {"$lt": {"x": 0}}]}}]},
    "x_gt_0": {"all": [{"s": {"$and": [{"t": "S"}, {"$gt": {"x": 0}}]}}]},
    "x_lt_y": {"all": [{"s": {"$and": [{"t": "S"}, {"$ex": {"y": 1}}, {"$lt": {"x": {"$m": "y"}}}]}}]},
    "x_lte_y": {"all": [{"s": {"$and": [{"t": "S"}, {"$ex": {"y": 1}}, {"$lte": {"x": {"$m": "y"}}}]}}]},
    "x_lt_ky": {"all": [{"s": {"$and": [{"t": "S"}, {"$ex": {"y": 1}}, {"$lt": {"x": {"$mul": {"$l": {"$m": "y"}, "$r": _K}}}}]}}]},
    **_END,
}
_EXPECTED = {
    "seen": lambda x, y: True,
    "x_lt_c": lambda x, y: x < _CONSTANT,
    "x_gte_c": lambda x, y: x >= _CONSTANT,
    "x_lt_0": lambda x, y: x < 0,
    "x_gt_0": lambda x, y: x > 0,
    "x_lt_y": lambda x, y: x < y,
    "x_lte_y": lambda x, y: x <= y,
    "x_lt_ky": lambda x, y: x < float(y) * _K,
}
_ENGINE: list = []


def _engine() -> Engine:
    if not _ENGINE:
        _ENGINE.append(Engine(SimpleNamespace(name="fuzz", durable=json.loads(json.dumps(_RULES)))))
    return _ENGINE[0]


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(derived, derived), min_size=1, max_size=12))
@example(pairs=[(2**53 + 1, float(2**53)), (2**62 - 1, float(2**62)), (-0.0, 0.0), (5e-324, -5e-324), (math.inf, 1e300)])
def test_sanitised_facts_reach_the_engine_unchanged_and_compare_there_as_in_python(pairs):
    facts = [{"t": "S", "k": i, "x": sanitize_number(x), "y": sanitize_number(y)} for i, (x, y) in enumerate(pairs)]
    session = _engine().run([facts, [{"t": "E", "stage": 2}]], lambda fired: [])
    assert not session.errors, session.errors
    fired: dict = {}
    for f in session.fired:
        if f.name != "end":
            fired.setdefault(f.name, set()).add(f.facts["s"]["k"])
            stored = facts[f.facts["s"]["k"]]
            # what the engine kept and handed back is the number it was given
            assert _same(f.facts["s"]["x"], stored["x"]) and _same(f.facts["s"]["y"], stored["y"]), (f.facts["s"], stored)
    for name, expected in _EXPECTED.items():
        want = {fact["k"] for fact in facts if expected(fact["x"], fact["y"])}
        assert fired.get(name, set()) == want, (name, [facts[k] for k in fired.get(name, set()) ^ want])
