"""durable_rules against junheng/rete/reference.py, a plain-Python reading of the same compiled conditions:
over the same facts and stages, both fire the same engine rules on the same subjects, and the
findings built from either are the same."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from filing_strategies import as_json, filings
from junheng.check.derive import derive
from junheng.check.explain import FindingBuilder
from junheng.check.recorder import Recorder, build_findings
from junheng.check.run import check_source, prepare
from junheng.filing.validate import validate_document
from junheng.located.read import load_document
from junheng.rete.reference import run as direct_run
from junheng.rete.session import Fired
from shared import shipped_policy

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_STAGES_AFTER_FACTS = ([{"t": "E", "stage": 1}], [{"t": "E", "stage": 2}])


def _matched(name: str, facts: dict) -> tuple:
    """An engine rule's firing as data: its name and, per pattern, the fact's kind, subject, rule and for_rule."""
    return (name, tuple(sorted((alias, f.get("t"), f.get("s"), f.get("r"), f.get("f"), f.get("stage")) for alias, f in facts.items())))


def _prepared(data: dict):
    doc = load_document(as_json(data), name="generated.json")
    plain = validate_document(doc).model_dump(mode="python", exclude_none=True)
    pack = shipped_policy().packs[plain["district"]["standard"]]
    prepared = prepare(pack)
    return doc, plain, pack, derive(pack, prepared.plan, prepared.steps, plain)


def _by_engine(pack, derived) -> tuple[set, Recorder]:
    prepared = prepare(pack)
    recorder = Recorder(pack, prepared.plan, derived.subjects)
    session = prepared.engine.run([derived.facts, *_STAGES_AFTER_FACTS], recorder.on_fire)
    assert not session.errors, session.errors
    return {_matched(f.name, f.facts) for f in session.fired}, recorder


def _by_direct(pack, derived) -> tuple[set, Recorder]:
    plan = prepare(pack).plan
    recorder = Recorder(pack, plan, derived.subjects)
    fired = direct_run(plan.durable, [derived.facts, *_STAGES_AFTER_FACTS], lambda name, bound: recorder.on_fire(Fired(name, bound)))
    return {_matched(name, bound) for name, bound in fired}, recorder


@SETTINGS
@given(data=filings())
def test_durable_rules_fires_what_the_plain_python_reading_of_the_same_conditions_fires(data):
    _, _, pack, derived = _prepared(data)
    engine_fired, _ = _by_engine(pack, derived)
    direct_fired, _ = _by_direct(pack, derived)
    difference = {"engine only": sorted(engine_fired - direct_fired), "direct only": sorted(direct_fired - engine_fired)}
    assert engine_fired == direct_fired, difference


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=filings())
def test_the_findings_built_from_the_plain_python_run_are_the_findings_of_check_source(data):
    doc, plain, pack, derived = _prepared(data)
    _, recorder = _by_direct(pack, derived)
    builder = FindingBuilder(pack, doc, plain, derived.subjects, shipped_policy().vocabulary, None)
    direct_findings = build_findings(pack, recorder, builder, derived.subjects)
    result = check_source(as_json(data), shipped_policy(), name="generated.json")
    assert [f.to_json("en") for f in direct_findings] == [f.to_json("en") for f in result.findings]
    verdict = "deferred" if "deferred" in recorder.verdicts else "qualified" if "qualified" in recorder.verdicts else None
    assert verdict == result.verdict
