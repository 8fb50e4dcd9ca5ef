"""The derive stage's straight-line functions (``policy/straight.py``) against its closures (``policy/formula.py``):
over the same filings, both give the engine the same facts — the same slots, in the same order, with the same
numbers to the last bit — whatever is missing, zero, text, verified on site or filed last year."""

from __future__ import annotations

import copy
import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from filing_strategies import filings
from junheng.check.derive import derive, derive_plans
from junheng.check.run import prepare
from junheng.filing.fast import validated
from junheng.filing.read import read_filing
from junheng.policy import expr as ex
from junheng.policy.formula import Env, FormulaCompiler, name_resolver
from junheng.policy.straight import NUMBER, OBJECT, Scope, Shapes, Writer
from shared import FIX, shipped_policy

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_FIGURES = ("students", "classes", "books", "computers", "staff", "teachers", "land_area", "max_class_size")


def _facts(data: dict, prior: dict | None, interpreted: bool) -> list[list[tuple[str, object]]]:
    """Every fact as its items in order, numbers as their repr (0.1 + 0.2 and 0.3 differ, so do 1 and 1.0)."""
    pack = shipped_policy().packs[data["district"]["standard"]]
    prepared = prepare(pack)
    steps = prepared.steps if interpreted else derive_plans(pack, prepared.plan)  # a fresh plan: its functions written now
    derived = derive(pack, prepared.plan, steps, data, prior, interpreted=interpreted, write_after=0)
    return [[(k, repr(v)) for k, v in fact.items()] for fact in derived.facts]


def _with_verified(data: dict, rng: random.Random) -> dict:
    """Some school figures as if verified on site (``check/verified.put_in_place``): the verified one in place, both kept."""
    out = copy.deepcopy(data)
    for record in out.get("schools") or []:
        for name in rng.sample(_FIGURES, rng.randint(0, 3)):
            filed = record.get(name)
            if isinstance(filed, (int, float)) and not isinstance(filed, bool):
                record[name] = value = rng.choice([filed, filed + 1, filed * 0.5, 0])
                record.setdefault("verified", {})[name] = value
                record.setdefault("filed", {})[name] = filed
    return out


@SETTINGS
@given(data=filings(), seed=st.integers(0, 2**16), with_prior=st.booleans(), verified=st.booleans())
def test_the_written_functions_give_the_facts_the_closures_give(data, seed, with_prior, verified):
    rng = random.Random(seed)
    data = validated(data)  # what the check derives from: the filing as validated ("95%" is 0.95, a count an int)
    assert data is not None
    prior = copy.deepcopy(data) if with_prior else None
    if prior is not None and rng.random() < 0.5:  # last year's figures not all the same as this year's "previous" ones
        prior.setdefault("finance", {})["teacher_salary"] = {"current": rng.choice([1, 70000, 0]), "previous": 1}
    if verified:
        data = _with_verified(data, rng)
    assert _facts(data, prior, interpreted=False) == _facts(data, prior, interpreted=True)


@pytest.mark.parametrize("path", sorted(FIX.iterdir()), ids=lambda p: p.name)
@pytest.mark.parametrize("standard", ["basic", "quality"])
def test_every_fixture_filing_gives_the_same_facts_either_way_under_every_pack(path, standard):
    _, filing = read_filing(path)
    data = filing.model_dump(mode="python", exclude_none=True)
    data["district"]["standard"] = standard
    assert _facts(data, data, interpreted=False) == _facts(data, data, interpreted=True)


def test_a_kind_of_subject_is_interpreted_until_enough_of_it_was_and_then_runs_written():
    pack = shipped_policy().packs["basic"]
    plan = prepare(pack).plan
    steps = derive_plans(pack, plan)
    _, filing = read_filing(FIX / "nanan-2011.yaml")
    data = filing.model_dump(mode="python", exclude_none=True)
    derived = derive(pack, plan, steps, data, write_after=10**9)
    district = derived.subjects[0]
    assert steps.code("district", district, write_after=10**9) is None  # still counting
    assert steps.code("district", district, write_after=0) is not None  # written now, and kept
    assert steps.code("district", district, write_after=10**9) is not None


# Formulas using every node and function of the language, some of them no shipped rule uses.
_FORMULAS = (
    "a + b", "a - b * c", "a / b", "-a", "abs(a - b)", "not a", "a > b and b <= c or not c", "a == 'x'", "a != b",
    "if(a > b, a, b)", "if(a, 1, 0)", "min(a, b, c)", "max(a, b)", "mean(a, b)", "ceil(a / b)", "floor(a * 0.1)",
    "ceil(0.07 * a)", "p * a", "t.u + 1", "t.{level} / 2", "prior.t.u - a", "z + 1", "sum(a)", "sum(a / b)",
    "count(a > 1 or b)", "count(is_primary)", "sum(in_balance_set)", "cv(a / b)", "balance_count()",
    "in_balance_set + is_junior", "a and b", "a or not b", "if(a / b > 1, a, b)", "count(a / b > 1)",
)
_ODD = (None, 0, 0.0, 1, 2.5, -3, 400, 10**15, True, "x", {"k": 1}, 1e-300, 0.1)


def _both(text: str, base: dict, records: tuple, prior: dict | None, shapes: Shapes | None = None):
    """``text`` evaluated by its closure and by its written statements, over one subject: each a repr or an exception's name."""
    node = ex.parse(text)
    resolve = name_resolver("school", (), {"p"})
    params, floats, placeholders = {"p": Fraction(3, 10)}, {"p": 0.3}, {"level": "primary"}

    def run(fn, *args):
        try:
            return repr(fn(*args))
        except Exception as e:  # noqa: BLE001 - the same exception either way is the same behaviour
            return type(e).__name__

    closure = FormulaCompiler(resolve, frozenset({"z"})).compile(node)
    env = Env(base, "", records, placeholders, params, prior=prior, float_params=floats)
    writer = Writer() if shapes is None else Writer(shapes)
    held = writer.formula(node, Scope(resolve, frozenset({"z"}), {}, floats, params, placeholders))
    writer.line(f"return {held}")
    namespace = dict(writer.namespace)
    source = writer.source("f", "base, base_pointer, records, placeholders, prior")  # the writer's own, from the tree
    exec(compile(source, "<test>", "exec"), namespace)
    return run(closure, env), run(namespace["f"], base, "", records, placeholders, prior)


@settings(max_examples=300, deadline=None)
@example(text="ceil(0.07 * a)", a=100, b=1, c=1, z=1, n=0, with_prior=False)  # 7.000000000000001 in floats: 7 exactly
@given(text=st.sampled_from(_FORMULAS), a=st.sampled_from(_ODD), b=st.sampled_from(_ODD), c=st.sampled_from(_ODD),
       z=st.sampled_from(_ODD), n=st.integers(0, 3), with_prior=st.booleans())
def test_every_node_written_out_means_what_its_closure_means(text, a, b, c, z, n, with_prior):
    base = {k: v for k, v in {"a": a, "b": b, "c": c, "z": z, "t": {"u": a, "primary": b}, "level": "junior"}.items()
            if v is not None}
    records = tuple((i, {**base, "students": 100 + i, "level": "primary" if i % 2 else "junior"}, i != 1) for i in range(n))
    prior = {"t": {"u": c}} if with_prior else None
    by_closure, written = _both(text, base, records, prior)
    assert written == by_closure


# What the names of ``_FORMULAS`` hold when the schema says so (``Shapes``): only numbers, or nothing.
_NUMBERS = (None, 0, 0.0, 1, 2.5, -3, 400, 10**15, 1e-300, 0.1, 1e308)
_SHAPES = {"a": NUMBER, "b": NUMBER, "c": NUMBER, "z": NUMBER, "students": NUMBER, "t": OBJECT, "t.u": NUMBER,
           "t.primary": NUMBER}


@settings(max_examples=300, deadline=None)
@given(text=st.sampled_from(_FORMULAS), a=st.sampled_from(_NUMBERS), b=st.sampled_from(_NUMBERS), c=st.sampled_from(_NUMBERS),
       z=st.sampled_from(_NUMBERS), n=st.integers(0, 3), with_prior=st.booleans(), t_absent=st.booleans())
def test_a_formula_over_fields_the_schema_says_are_numbers_is_written_shorter_and_means_the_same(text, a, b, c, z, n, with_prior,
                                                                                                 t_absent):
    base = {k: v for k, v in {"a": a, "b": b, "c": c, "z": z, "t": None if t_absent else {"u": a, "primary": b}}.items()
            if v is not None}
    records = tuple((i, {**base, "students": 100 + i, "level": "primary" if i % 2 else "junior"}, i != 1) for i in range(n))
    prior = {"t": {"u": c} if c is not None else {}} if with_prior else None
    shapes = Shapes(_SHAPES, _SHAPES, _SHAPES)
    by_closure, written = _both(text, base, records, prior, shapes)
    assert written == by_closure


def test_the_shapes_shorten_the_written_statements():
    """A number's field is read without the test for an object, and a sum of two without the one for UNDEFINED."""
    def source(shapes):
        writer = Writer(shapes)
        held = writer.formula(ex.parse("a + t.u"), Scope(name_resolver("school", (), set()), frozenset(), {}, {}, {}, {}))
        writer.line(f"return {held}")
        return writer.source("f", "base, base_pointer, records, placeholders, prior")

    general, typed = source(Shapes({}, {}, {})), source(Shapes(_SHAPES, _SHAPES, _SHAPES))
    assert "isinstance" in general and "UNDEFINED" in general and "TypeError" in general
    assert "isinstance" not in typed and "UNDEFINED" not in typed and "TypeError" not in typed
