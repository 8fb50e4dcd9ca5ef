"""Rule changes through the server, as the office makes them: an officer proposes FIN-13's 70% → 75% and sees its
impact on every stored filing, a second person approves, the rule file changes keeping its comments, and the filer's
re-check shows FIN-13. Problems come back one per edit; a reviewer never approves their own change; a change the rules
have moved past is 409."""

from __future__ import annotations

from typing import Any

import pytest

from junheng.web.problems import Refused
from junheng.web.roles import Principal
from junheng.web.ruleset import rules_version
from junheng.web.service import accounts, changes
from serverbench import BEIBEI, NANAN, Bench

FIN13_75 = [{"rule": "FIN-13", "param": "threshold", "value": 0.75}]
FIN13_95 = [{"rule": "FIN-13", "param": "threshold", "value": 0.95}]


def _propose(bench: Bench, edits: list[dict[str, Any]], person: str = "officer") -> Any:
    return bench.client.post("/api/changes", json={"title": "FIN-13 提高比例", "reason": "省里新要求", "edits": edits},
                             headers=bench.auth(person))


@pytest.fixture
def stored(bench: Bench) -> Bench:
    """The bench with nanan (2011) and beibei (2012) stored, nanan twice (only the latest of a district and year counts)."""
    for person, path in (("filer", NANAN), ("filer", NANAN), ("filer2", BEIBEI)):
        assert bench.upload(person, path).status_code == 201
    return bench


def test_a_change_is_proposed_with_its_impact_approved_by_another_and_used_by_later_checks(stored: Bench) -> None:
    bench = stored
    funding = bench.data / "rules" / "funding.yaml"
    before_text = funding.read_text(encoding="utf-8")
    proposed = _propose(bench, FIN13_95)
    assert proposed.status_code == 201, proposed.text
    change = proposed.json()
    assert change["status"] == "pending" and change["author"] == "officer" and change["based_on"] == bench.wb.rules.version()
    assert change["edits"] == FIN13_95
    impact = change["impact"]
    assert impact["filings"] == 2  # nanan's two uploads are one district and year
    assert {(c["district"], c["year"]) for c in impact["changed"]} == {("500108", 2011), ("500109", 2012)}
    nanan = next(c for c in impact["changed"] if c["district"] == "500108")
    assert nanan["filing"] == 2 and ["FIN-13", "南岸区"] in nanan["added"] and nanan["removed"] == []
    assert nanan["verdict_before"] == nanan["verdict_after"] == "qualified"
    assert "-    params: {threshold: 0.70}" in change["diff"] and "+    params: {threshold: 0.95}" in change["diff"]
    assert funding.read_text(encoding="utf-8") == before_text  # nothing written before approval

    approved = bench.client.post(f"/api/changes/{change['id']}/approve", headers=bench.auth("reviewer"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "applied" and approved.json()["rules_version"] == bench.wb.rules.version() != change["based_on"]
    after_text = funding.read_text(encoding="utf-8")
    assert after_text == before_text.replace("params: {threshold: 0.70}", "params: {threshold: 0.95}", 1)  # comments kept
    assert rules_version(bench.wb.rules.layers) == approved.json()["rules_version"]

    rechecked = bench.client.post("/api/filings/2/recheck", headers=bench.auth("filer")).json()
    assert "FIN-13" in {f["rule"] for f in rechecked["result"]["findings"]}
    assert rechecked["rules_version"] == approved.json()["rules_version"]
    read = bench.client.get(f"/api/changes/{change['id']}", headers=bench.auth("officer")).json()
    assert read["status"] == "applied" and read["reviewer"] == "reviewer" and read["rules_version"] == approved.json()["rules_version"]
    actions = [e["action"] for e in bench.client.get("/api/audit", headers=bench.auth("officer")).json()["entries"]]
    assert actions[-3:] == ["change_proposed", "change_approved", "recheck"]
    assert bench.client.post(f"/api/changes/{change['id']}/approve", headers=bench.auth("reviewer2")).status_code == 409


def test_every_edit_that_cannot_be_made_is_its_own_problem(bench: Bench) -> None:
    edits = [{"rule": "FIN-99", "param": "threshold", "value": 0.75}, {"rule": "FIN-13", "param": "threshold", "value": 0.75},
             {"rule": "FIN-13", "param": "treshold", "value": 0.75}, {"rule": "FIN-13"},
             {"rule": "FIN-13", "param": "threshold", "value": 2}]
    response = _propose(bench, edits)
    assert response.status_code == 422, response.text
    problems = response.json()["error"]["problems"]
    assert [p["pointer"] for p in problems] == ["/edits/0", "/edits/2", "/edits/3", "/edits/4"]
    assert "FIN-09" in problems[0]["message"] and "threshold" in problems[1]["message"]
    assert bench.client.get("/api/changes", headers=bench.auth("officer")).json()["changes"] == []


def test_a_request_body_that_is_not_a_change_is_422_located(bench: Bench) -> None:
    response = bench.client.post("/api/changes", json={"title": "", "edits": "FIN-13"}, headers=bench.auth("officer"))
    assert response.status_code == 422
    pointers = {p["pointer"] for p in response.json()["error"]["problems"]}
    assert {"/title", "/reason", "/edits"} <= pointers


def test_the_preview_shows_the_impact_and_stores_nothing(stored: Bench) -> None:
    preview = stored.client.post("/api/changes/preview", json={"edits": FIN13_95}, headers=stored.auth("officer"))
    assert preview.status_code == 200, preview.text
    assert preview.json()["impact"]["changed"] and preview.json()["diff"]
    assert stored.client.get("/api/changes", headers=stored.auth("officer")).json()["changes"] == []


def test_a_reviewer_decides_others_changes_never_their_own(bench: Bench) -> None:
    own = _propose(bench, FIN13_75, person="reviewer").json()
    assert bench.client.post(f"/api/changes/{own['id']}/approve", headers=bench.auth("reviewer")).status_code == 403
    assert bench.client.post(f"/api/changes/{own['id']}/reject", json={"reason": "x"}, headers=bench.auth("reviewer")).status_code == 403
    rejected = bench.client.post(f"/api/changes/{own['id']}/reject", json={"reason": "依据不足"}, headers=bench.auth("reviewer2"))
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    read = bench.client.get(f"/api/changes/{own['id']}", headers=bench.auth("officer")).json()
    assert read["decision_reason"] == "依据不足" and read["reviewer"] == "reviewer2"
    assert bench.client.post(f"/api/changes/{own['id']}/approve", headers=bench.auth("reviewer2")).status_code == 409
    assert bench.client.get("/api/changes?status=pending", headers=bench.auth("officer")).json()["changes"] == []


def _make_fin13_shared(rules: Any) -> None:
    """By hand: FIN-13's 70% becomes a shared parameter in params.yaml (an edit of FIN-13's own value no longer applies)."""
    with open(rules / "params.yaml", "a", encoding="utf-8") as out:
        out.write("  rural_share:\n    title: {zh: 新增经费用于农村和薄弱学校的比例, en: Share of new funds for rural and weak schools}\n"
                  "    unit: ratio\n    value: 0.70\n")
    funding = rules / "funding.yaml"
    text = funding.read_text(encoding="utf-8")
    end = text.index("params: {threshold: 0.70}", text.index("id: FIN-13"))
    funding.write_text(text[:end] + "params: {threshold: rural_share}" + text[end + len("params: {threshold: 0.70}"):], encoding="utf-8")


def test_a_change_the_rules_have_moved_past_is_409_and_stays_pending(bench: Bench) -> None:
    change = _propose(bench, FIN13_75).json()
    _make_fin13_shared(bench.data / "rules")
    response = bench.client.post(f"/api/changes/{change['id']}/approve", headers=bench.auth("reviewer"))
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "change_outdated" and "rural_share" in response.json()["error"]["message"]
    assert bench.client.get(f"/api/changes/{change['id']}", headers=bench.auth("officer")).json()["status"] == "pending"


def test_a_change_made_on_older_rules_that_still_applies_is_approved(bench: Bench) -> None:
    change = _propose(bench, FIN13_75).json()
    other = _propose(bench, [{"rule": "STD-01", "severity": "blocking"}]).json()
    assert bench.client.post(f"/api/changes/{other['id']}/approve", headers=bench.auth("reviewer")).status_code == 200
    response = bench.client.post(f"/api/changes/{change['id']}/approve", headers=bench.auth("reviewer"))
    assert response.status_code == 200, response.text
    text = (bench.data / "rules" / "funding.yaml").read_text(encoding="utf-8")
    assert "params: {threshold: 0.75}" in text


def test_an_extra_rule_layer_lies_under_the_data_folders_rules_and_is_never_written(bench_factory: Any) -> None:
    from shared import FIXTURES  # here: the local pack of the fixtures

    local = FIXTURES / "rules-local"
    before = {p: p.read_bytes() for p in local.rglob("*.yaml")}
    bench = bench_factory(rules=(local,))
    assert bench.wb.rules.layers == (local, bench.data / "rules")
    rules = {r["id"]: r for r in bench.client.get("/api/rules", headers=bench.auth("filer")).json()["rules"]}
    assert "cq-strict" in rules["LOC-01"]["packs"] and "cq-strict" in rules["FIN-13"]["packs"]
    refused = _propose(bench, [{"rule": "LOC-01", "severity": "info"}])  # LOC-01 lives in the layer below
    assert refused.status_code == 422 and "rules-local" in refused.json()["error"]["problems"][0]["message"]
    assert "junheng-change-" not in refused.text  # the scratch copy is called what it copies
    change = _propose(bench, FIN13_75).json()
    response = bench.client.post(f"/api/changes/{change['id']}/approve", headers=bench.auth("reviewer"))
    assert response.status_code == 200, response.text
    assert "params: {threshold: 0.75}" in (bench.data / "rules" / "funding.yaml").read_text(encoding="utf-8")
    assert {p: p.read_bytes() for p in local.rglob("*.yaml")} == before


def _who(bench: Bench, person: str) -> Principal:
    found = accounts.authenticate_token(bench.wb, bench.tokens[person])
    assert found is not None
    return found


def test_a_rules_history_comes_from_the_service_the_office_seeing_every_request_and_a_filer_the_applied_ones(bench: Bench) -> None:
    applied = _propose(bench, FIN13_75).json()["id"]
    assert bench.client.post(f"/api/changes/{applied}/approve", headers=bench.auth("reviewer")).status_code == 200
    shared = _propose(bench, [{"rule": "共用", "param": "class_size", "level": "primary", "value": 40}]).json()["id"]  # STD-01 uses it
    pending = _propose(bench, FIN13_95).json()["id"]
    office, filer = _who(bench, "officer"), _who(bench, "filer")

    seen = changes.rule_history(bench.wb, office, "FIN-13")
    assert [c["id"] for c in seen] == [pending, applied] and [c["status"] for c in seen] == ["pending", "applied"]
    assert all(c["lines"] and all(line.startswith("FIN-13") for line in c["lines"]) for c in seen), seen
    assert [c["id"] for c in changes.rule_history(bench.wb, office, "STD-01")] == [shared]  # through the shared number
    assert changes.rule_history(bench.wb, office, "FIN-07") == []

    told = changes.rule_history(bench.wb, filer, "FIN-13")
    assert [c["id"] for c in told] == [applied] and told[0]["reviewer"] == "reviewer" and told[0]["decided_at"]
    assert set(told[0]) == {"id", "title", "status", "author", "created_at", "reviewer", "decided_at", "lines"}  # no impact, no diff
    assert changes.rule_history(bench.wb, filer, "STD-01") == []
    with pytest.raises(Refused) as unknown:
        changes.rule_history(bench.wb, office, "NOPE-99")
    assert unknown.value.status == 404

    page = bench.client.get("/rules/FIN-13", headers=bench.auth("filer"))  # the page shows what the service says
    assert page.status_code == 200 and f"#{applied} " in page.text and f"#{pending} " not in page.text
