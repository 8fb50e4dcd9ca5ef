"""Properties of the checker over generated valid filings (tests/filing_strategies.py): it never
raises, and with any one value replaced by anything it checks or refuses with located errors; every
output format renders the result; the order of schools and keys does not matter; raising a figure
a rule wants higher never adds its finding; scaling the district's 万元 figures leaves the
ratio-based findings alone."""

from __future__ import annotations

import json
import random
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing_strategies import as_json, as_yaml, filings, reordered, scaled_finance
from junheng.check.run import check_source
from junheng.errors import InputErrors
from junheng.report import formats
from shared import shipped_policy

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(data: dict, fmt: str = "json"):
    raw = as_json(data) if fmt == "json" else as_yaml(data)
    return check_source(raw, shipped_policy(), name=f"generated.{fmt}")


def _in_old_order(pointer: str, order: list[int]) -> str:
    """A /schools/<i> pointer of the reordered filing, written with the record's index in the original."""
    return re.sub(r"^/schools/(\d+)", lambda m: f"/schools/{order[int(m.group(1))]}", pointer)


def _without_indexes(text: str) -> str:
    """A text with its school pointers blanked: DATA-MISSING messages list the missing figures' pointers,
    sorted in the file's order (the pointers themselves are compared through `missing`)."""
    return re.sub(r"/schools/\d+(?:/[a-z_]+)?", "/schools/…", text)


def _essence(result, order: list[int] | None = None, ids_unique: bool = True) -> set:
    """Every finding without its lines and columns; school pointers in the original order.

    With an id used twice, the records' subjects (``S1#2``) and the labels built from them
    follow the file order by design: only the identities of the other findings are compared."""
    order = order or list(range(10_000))
    out = set()
    for f in result.findings:
        if not ids_unique:
            if "#" not in f.subject:
                out.add((f.rule, f.for_rule, f.subject))
            continue
        texts = (f.message.zh, f.message.en, f.rectification.zh, f.rectification.en)
        out.add((
            f.rule, f.for_rule, f.subject, f.severity, *(_without_indexes(t) for t in texts),
            json.dumps(f.observed, sort_keys=True, ensure_ascii=False), json.dumps(f.threshold, sort_keys=True, ensure_ascii=False),
            f.shortfall, tuple(sorted(_in_old_order(p, order) for p in f.missing or ())),
            tuple(sorted(_in_old_order(loc.pointer, order) for loc in f.locations)),
        ))
    return out


def _identities(result, rules: set[str]) -> set:
    """(rule, for_rule, subject) of the findings of `rules`, their DATA-MISSING ones included."""
    return {f.identity for f in result.findings if f.rule in rules or f.for_rule in rules}


@SETTINGS
@given(data=filings(), fmt=st.sampled_from(("json", "yaml")))
def test_the_checker_never_raises_on_a_valid_filing(data, fmt):
    result = _check(data, fmt)
    assert result.verdict in ("qualified", "deferred")
    assert result.verdict == ("deferred" if any(f.severity == "blocking" for f in result.findings) else "qualified")
    identities = [f.identity for f in result.findings]
    assert len(identities) == len(set(identities))


_ANYTHING = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(-(2**70), 2**70) | st.sampled_from((10**15, 10**15 + 1, -0.0, 1e-320, 2**63))
    | st.text(max_size=12) | st.sampled_from(("95%", "100.5%", "1e3", "0x10", "", "\u0000", "Infinity")),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _leaves(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))


@SETTINGS
@given(data=filings(), which=st.integers(0, 10**6), value=_ANYTHING, fmt=st.sampled_from(("json", "yaml")))
def test_a_filing_with_any_one_value_replaced_by_anything_is_checked_or_refused_with_located_errors(data, which, value, fmt):
    paths = [p for p in _leaves(data) if p]
    path = paths[which % len(paths)]
    target = data
    for token in path[:-1]:
        target = target[token]
    target[path[-1]] = value
    try:
        raw = as_json(data) if fmt == "json" else as_yaml(data)
    except (ValueError, yaml.YAMLError):  # nothing a filer could write
        return
    try:
        result = check_source(raw, shipped_policy(), name=f"generated.{fmt}")
    except InputErrors as caught:
        assert caught.errors and all(e.file == f"generated.{fmt}" and e.zh and e.en for e in caught.errors)
        assert all(e.line is not None for e in caught.errors if e.code != "filing_empty"), [e.render("en") for e in caught.errors]
    else:
        assert result.verdict in ("qualified", "deferred")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=filings(), lang=st.sampled_from(("zh", "en")))
def test_every_output_format_renders_the_result_of_a_valid_filing(data, lang):
    result = _check(data)
    for name in sorted(formats.FORMATS):
        text = formats.get(name)([result], lang=lang, color=False, fail_on="blocking")
        assert isinstance(text, str) and text, name


@SETTINGS
@given(data=filings(), seed=st.integers(0, 2**32 - 1))
def test_reordering_the_schools_and_the_keys_does_not_change_the_findings(data, seed):
    rng = random.Random(seed)
    order = list(range(len(data["schools"])))
    rng.shuffle(order)
    moved = reordered(dict(data, schools=[data["schools"][i] for i in order]), rng)
    ids = [s["id"] for s in data["schools"]]
    unique = len(set(ids)) == len(ids)
    before, after = _check(data), _check(moved)
    assert after.verdict == before.verdict
    assert _essence(after, order, unique) == _essence(before, None, unique)


# (where the figure is, the rule that wants it higher); a school figure is ("schools", field)
_HIGHER_IS_BETTER = [
    (("schools", "books"), "STD-05"),
    (("schools", "computers"), "STD-06"),
    (("schools", "land_area"), "STD-09"),
    (("schools", "building_area"), "STD-10"),
    (("schools", "multimedia_classrooms"), "STD-07"),
    (("schools", "teaching_aux_area"), "QLT-04"),
    (("schools", "sports_area"), "QLT-05"),
    (("schools", "equipment_value"), "QLT-06"),
    (("schools", "staff"), "STAFF-02"),
    (("capital_budget", "education"), "FIN-07"),
    (("land_transfer", "to_education"), "FIN-12"),
    (("new_education_funds", "rural_weak"), "FIN-13"),
    (("fiscal_education_funds",), "FIN-06"),
]


@SETTINGS
@given(data=filings(), case=st.sampled_from(_HIGHER_IS_BETTER), which=st.integers(0, 7),
       low=st.integers(0, 50_000), step=st.integers(1, 50_000))
def test_raising_a_figure_a_rule_wants_higher_never_adds_its_finding_and_lowering_never_removes_one(data, case, which, low, step):
    path, rule = case
    lower, higher = json.loads(json.dumps(data)), json.loads(json.dumps(data))
    if path[0] == "schools":
        index = which % len(data["schools"])
        lower["schools"][index][path[1]] = low
        higher["schools"][index][path[1]] = low + step
    else:
        for filing, value in ((lower, low), (higher, low + step)):
            target = filing["finance"]
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = value
    with_less, with_more = _check(lower), _check(higher)
    # the findings of the rule at the higher figure are a subset of those at the lower one
    assert _identities(with_more, {rule}) <= _identities(with_less, {rule})


_RATIO_RULES = {"FIN-01", "FIN-05", "FIN-06", "FIN-07", "FIN-12", "FIN-13"}


@SETTINGS
@given(data=filings(), factor=st.sampled_from((2, 10, 0.5)))
def test_scaling_every_wan_yuan_figure_leaves_the_ratio_findings_unchanged(data, factor):
    before, after = _check(data), _check(scaled_finance(data, factor))
    assert _identities(after, _RATIO_RULES) == _identities(before, _RATIO_RULES)
