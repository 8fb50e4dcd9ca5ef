"""The engine boundary: what durable_rules gets, and what happens when it misbehaves."""

from __future__ import annotations

import json
import math
import os
import re
import signal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.check.workers import run_isolated
from junheng.policy.tolerance import compare
from junheng.rete.facts import EngineError, dumps, sanitize_number
from junheng.rete.plan import adjust_const
from junheng.rete.session import Engine


def _pack(durable: dict, name: str = "t"):
    return SimpleNamespace(name=name, durable=durable)


def _fired_names(engine: Engine, facts: list[dict]) -> list[str]:
    session = engine.run([facts, [{"t": "E", "stage": 2}]], lambda fired: [])
    assert not session.errors, session.errors
    return sorted(f.name for f in session.fired if f.name != "end")


_END = {"end": {"all": [{"e": {"$and": [{"t": "E"}, {"stage": 2}]}}]}}


def test_dumps_never_writes_an_exponent_form_that_would_crash_the_parser():
    text = dumps([{"a": 5e-05, "b": 1e16, "c": -2.5e-7, "id": "x1e5"}])
    assert "e-" not in text.replace('"x1e5"', "") and "e+" not in text and "e1" not in text.replace('"x1e5"', "")
    assert json.loads(text) == [{"a": 5e-05, "b": 1e16, "c": -2.5e-7, "id": "x1e5"}]


_FACT_VALUES = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-(2**53), max_value=2**53),
                         st.text(max_size=8), st.booleans(), st.none())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(min_size=1, max_size=6), _FACT_VALUES, max_size=8), max_size=6))
def test_dumps_says_every_fact_value_as_json_does_in_fixed_notation(facts):
    text = dumps(facts)
    assert json.loads(text) == facts  # the same values, the types included
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    assert not re.search(r"[0-9][eE]", outside_strings) and "Infinity" not in outside_strings and "NaN" not in outside_strings


def test_dumps_refuses_nan_and_infinity_as_json_does_and_takes_what_orjson_does_not():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            dumps([{"x": 1.0, "y": bad}])
    assert json.loads(dumps({1: 2**70})) == {"1": 2**70}  # an int key, an int beyond 64 bits: as json.dumps writes them


def test_nan_is_stopped_at_the_boundary():
    with pytest.raises(EngineError):
        sanitize_number(math.nan)


def test_an_overflow_to_infinity_becomes_a_huge_finite_number():
    assert sanitize_number(math.inf) == 1e300
    assert sanitize_number(-math.inf) == -1e300


def test_integers_beyond_64_bits_become_floats_and_small_ones_stay():
    assert sanitize_number(2**80) == float(2**80)
    assert sanitize_number(12) == 12
    assert sanitize_number(1e-300) == 1e-300


def test_a_join_reference_after_an_or_is_ignored_by_durable_rules_so_compile_puts_references_first():
    """Measured on durable_rules 2.0.28: this is why compile.py orders join clauses before $or."""
    either = {"$or": [{"r": "A"}, {"r": "B"}]}
    durable = {
        "ref_first": {"all": [{"a": {"$and": [{"t": "F"}, {"r": "A"}]}}, {"b": {"$and": [{"t": "F"}, {"s": {"a": "s"}}, either]}}]},
        **_END,
    }
    engine = Engine(_pack(durable))
    session = engine.run([[{"t": "F", "r": "A", "s": 1}, {"t": "F", "r": "B", "s": 2}], [{"t": "E", "stage": 2}]], lambda f: [])
    pairs = [(f.facts["a"]["s"], f.facts["b"]["s"]) for f in session.fired if f.name == "ref_first"]
    assert (1, 2) not in pairs


_OPS = ["<", "<=", ">", ">="]


@settings(max_examples=300, deadline=None)
@given(
    op=st.sampled_from(_OPS),
    t=st.one_of(st.floats(min_value=0, max_value=1e15, allow_nan=False, allow_subnormal=False),
                st.sampled_from([0.0, 0.04, 0.2, 0.85, 25.0, 1 / 3])),
    rel=st.one_of(st.floats(min_value=-3e-9, max_value=3e-9), st.floats(min_value=-0.5, max_value=0.5), st.just(0.0)),
)
def test_the_engine_compares_with_the_catalogue_tolerance(op, t, rel):
    v = t * (1 + rel)
    durable = {"cmp": {"all": [{"s": {"$and": [{"t": "S"}, {"$ex": {"x": 1}}, {_durable(op): {"x": adjust_const(op, t)}}]}}]}, **_END}
    engine = _engine_for(json.dumps(durable))
    fired = "cmp" in _fired_names(engine, [{"t": "S", "x": sanitize_number(v)}])
    if abs(v - t) <= 1e-9 * max(abs(v), abs(t)) * 0.999 or abs(v - t) >= 1e-9 * max(abs(v), abs(t)) * 1.001 or t == 0:
        assert fired == compare(op, v, t), (op, v, t)


_ENGINES: dict = {}


def _engine_for(key: str) -> Engine:
    if key not in _ENGINES:
        _ENGINES[key] = Engine(_pack(json.loads(key), name=f"cmp{len(_ENGINES)}"))
    return _ENGINES[key]


def _durable(op: str) -> str:
    return {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[op]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-(2**70), max_value=2**70)),
                min_size=1, max_size=20))
def test_random_values_pass_through_the_sanitiser_into_the_engine_without_crashing_it(values):
    engine = _engine_for(json.dumps({"any": {"all": [{"s": {"$and": [{"t": "S"}, {"$gt": {"x": 0.5}}]}}]}, **_END}))
    facts = [{"t": "S", "x": sanitize_number(v), "k": i} for i, v in enumerate(values)]
    names = _fired_names(engine, facts)
    assert names.count("any") == sum(1 for v in values if sanitize_number(v) > 0.5)


def test_sessions_are_deleted_so_more_than_1024_filings_run_on_one_engine():
    engine = _engine_for(json.dumps({"any": {"all": [{"s": {"$and": [{"t": "S"}, {"$gt": {"x": 0.5}}]}}]}, **_END}))
    for _ in range(1100):
        session = engine.run([[{"t": "S", "x": 1.0}], [{"t": "E", "stage": 2}]], lambda f: [])
        assert not session.errors


def test_an_exception_inside_an_action_is_kept_as_a_session_error_not_swallowed():
    engine = Engine(_pack({"any": {"all": [{"s": {"t": "S"}}]}, **_END}, name="raising"))

    def boom(fired):
        raise ValueError("recorder failed")

    session = engine.run([[{"t": "S"}], [{"t": "E", "stage": 2}]], boom)
    assert any("recorder failed" in e for e in session.errors)


def _crash_on_two(n):
    if n == 2:
        import faulthandler

        faulthandler.disable()  # the crash is the point; keep pytest's dump out of the log
        os.kill(os.getpid(), signal.SIGSEGV)
    return n * 10


def test_a_crashing_worker_costs_only_the_task_it_held():
    results = list(run_isolated([(1,), (2,), (3,), (4,)], _crash_on_two, lambda args, code: ("crashed", args[0], code), jobs=2))
    assert results[0] == 10 and results[2] == 30 and results[3] == 40
    assert results[1][0] == "crashed" and results[1][1] == 2 and results[1][2] == -signal.SIGSEGV


def _crash_on_multiples_of_seven(n):
    if n % 7 == 0:
        import faulthandler

        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
    return n * 10


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_the_tasks_a_dead_worker_held_but_never_started_are_given_again_and_each_crash_costs_one(jobs):
    # A worker holds the task in hand and the next (DEPTH): a crash costs the one in hand, the next is run elsewhere.
    crashed: list[int] = []

    def on_crash(args, code):
        crashed.append(args[0])
        return ("crashed", args[0], code)

    results = list(run_isolated([(n,) for n in range(1, 41)], _crash_on_multiples_of_seven, on_crash, jobs=jobs))
    assert sorted(crashed) == [7, 14, 21, 28, 35]
    assert results == [("crashed", n, -signal.SIGSEGV) if n % 7 == 0 else n * 10 for n in range(1, 41)]
