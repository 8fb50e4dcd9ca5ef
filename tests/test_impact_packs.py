"""`junheng rules impact` comparing pack with pack, folder with folder, and what it says about the rules themselves.

The packs are the shipped ``basic`` and the stricter local example ``cq-strict`` (``fixtures/rules-local``:
FIN-13 at 75%, STD-01 blocking, STD-06 at 8 and 12 computers per 100, one rule of its own, LOC-01).
Changed folders are copies of the shipped ``rules/`` with one line edited (``edit``), so each test
shows one change and what the command makes of it. ``impact_of`` is tested as the web server will
call it: compiled policies in memory, filings as bytes or paths.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest

from shared import FIX, FIXTURES, ROOT, RULES, explain, invoke
from junheng.authoring.impact import FilingImpact, impact_of, rule_changes, show_param
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules

LOCAL = FIXTURES / "rules-local"
NANAN = FIX / "nanan-2011.yaml"  # qualified under basic; its one oversized class becomes blocking under cq-strict
PACKS = ("--baseline-standard", "basic", "--standard", "cq-strict", "--rules", RULES, "--rules", LOCAL)


def impact(*args: object) -> tuple[int, str]:
    result = invoke("rules", "impact", *args)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def impact_json(*args: object) -> dict:
    result = invoke("rules", "impact", *args, "--format", "json")
    assert result.exit_code == 0, explain(result)
    report: dict = json.loads(result.stdout)
    return report


def copy_rules(folder: Path, name: str) -> Path:
    return Path(shutil.copytree(RULES, folder / name))


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} holds {old!r} {text.count(old)} times; the shipped rules changed under this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def by_rule(report: dict) -> dict[str, dict]:
    return {c["rule"]: c for c in report["rules_changed"]}


@pytest.fixture(scope="module")
def layered() -> Policy:
    """The shipped rules with the local pack over them, compiled once."""
    return compile_rules([RULES, LOCAL])


# ---------------------------------------------------------------- pack with pack


def test_pack_against_pack_lists_the_rule_changes_of_the_stricter_pack():
    report = impact_json(*PACKS, FIX)
    assert report["packs_compared"] == {"before": "basic", "after": "cq-strict"}, report
    changes = by_rule(report)
    assert set(changes) == {"FIN-13", "STD-01", "STD-06", "LOC-01"}, changes
    fin13 = changes["FIN-13"]
    assert fin13["change"] == "changed" and fin13["packs"] == ["basic → cq-strict"], fin13
    assert fin13["params"] == [{"name": "threshold", "variant": None, "unit": "ratio", "before": 0.7, "after": 0.75,
                                "before_text": "70%", "after_text": "75%"}], fin13
    assert changes["STD-01"]["severity"] == {"before": "major", "after": "blocking"} and changes["STD-01"]["params"] == [], changes
    assert [(p["variant"], p["before_text"], p["after_text"]) for p in changes["STD-06"]["params"]] == [
        ("primary", "6 台", "8 台"), ("junior", "10 台", "12 台")], changes["STD-06"]
    assert changes["LOC-01"]["change"] == "added" and changes["LOC-01"]["title"]["zh"] == "生均公用经费不低于本市基准定额", changes
    assert all(f["standard_before"] == "basic" and f["standard_after"] == "cq-strict" for f in report["filings"]), report


def test_pack_against_pack_shows_the_verdict_a_stricter_severity_flips():
    report = impact_json(*PACKS, NANAN)
    [nanan] = report["filings"]
    assert (nanan["verdict_before"], nanan["verdict_after"], nanan["verdict_flipped"]) == ("qualified", "deferred", True), nanan
    # 南坪实验小学's class of 48: the same finding, now blocking
    assert {"before": {"rule": "STD-01", "subject": "5001080001", "severity": "major", "shortfall": 1, "unit": "个班"},
            "after": {"rule": "STD-01", "subject": "5001080001", "severity": "blocking", "shortfall": 1, "unit": "个班"}
            } in nanan["changed"], nanan
    assert {g["rule"] for g in nanan["gained"]} == {"FIN-13", "LOC-01", "STD-06"}, nanan
    assert report["totals"]["verdicts_flipped"] == 1 and report["totals"]["not_checked"] == 0, report


def test_pack_against_pack_text_starts_with_the_rule_changes_in_chinese():
    code, out = impact(*PACKS, FIX)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[:5] == ["比较规则包：basic → cq-strict",
                         "规则变化：FIN-13 threshold 70% → 75%",
                         "规则变化：LOC-01 新增：生均公用经费不低于本市基准定额",
                         "规则变化：STD-01 严重程度 须整改 → 否决项",
                         "规则变化：STD-06 threshold 小学 6 台 → 8 台，初中 10 台 → 12 台"], out
    assert "fixtures/filings/nanan-2011.yaml  南岸区（500108）  结论：合格 → 推迟认定" in out, out
    assert "  ~ STD-01  5001080001  须整改  1 个班  →  否决项 1 个班" in out, out


def test_pack_against_pack_text_in_english():
    code, out = impact(*PACKS, NANAN, "--lang", "en")
    assert code == 0, out
    assert "Packs compared: basic → cq-strict" in out and "Rule change: FIN-13 threshold 70% → 75%" in out, out
    assert "Rule change: STD-01 severity major → blocking" in out and "Rule change: LOC-01 added: " in out, out
    assert "verdict: qualified → deferred" in out, out


def test_a_finding_whose_texts_change_is_listed_with_both_texts():
    # STD-06 at 迎龙中学 (5001080107): short under both packs, by more computers under cq-strict
    report = impact_json(*PACKS, NANAN)
    [nanan] = report["filings"]
    [texts] = nanan["texts_changed"]
    assert (texts["rule"], texts["subject"]) == ("STD-06", "5001080107"), texts
    assert texts["message"]["before"]["zh"].endswith("低于 10 台") and texts["message"]["after"]["zh"].endswith("低于 12 台"), texts
    assert texts["rectification"]["before"]["zh"] == "南岸区迎龙中学 须增配学生用计算机 11 台", texts
    assert texts["rectification"]["after"]["zh"] == "南岸区迎龙中学 须增配学生用计算机 24 台", texts
    assert report["totals"]["texts_changed"] == 1, report
    code, out = impact(*PACKS, NANAN)
    assert code == 0, out
    assert ("  ≈ STD-06  5001080107\n"
            "      问题说明：南岸区迎龙中学 每百名学生拥有计算机 8 台，低于 10 台\n"
            "        → 南岸区迎龙中学 每百名学生拥有计算机 8 台，低于 12 台\n"
            "      整改要求：南岸区迎龙中学 须增配学生用计算机 11 台\n"
            "        → 南岸区迎龙中学 须增配学生用计算机 24 台\n") in out, out
    assert out.endswith("说明或整改文字改变的问题：1\n"), out


def test_the_baseline_standard_alone_compares_with_each_filings_own_pack():
    # no --standard: the current side checks nanan with the pack it names (basic), so nothing differs
    report = impact_json("--baseline-standard", "basic", "--rules", RULES, "--rules", LOCAL, NANAN)
    [nanan] = report["filings"]
    assert (nanan["standard_before"], nanan["standard_after"]) == ("basic", "basic"), nanan
    assert report["rules_changed"] == [] and not (nanan["gained"] or nanan["lost"] or nanan["changed"]), report
    code, out = impact("--baseline-standard", "basic", "--rules", RULES, "--rules", LOCAL, NANAN)
    assert code == 0 and out.startswith("规则变化：无\n") and "（无变化）" in out, out


# ---------------------------------------------------------------- bad options


def test_without_any_baseline_the_command_exits_2_saying_what_to_give():
    code, out = impact("--rules", RULES, NANAN)
    assert code == 2, out
    assert "须指定比较的基准：--baseline 规则目录或 git 版本，或 --baseline-standard 规则包" in out, out
    code, out = impact("--rules", RULES, NANAN, "--lang", "en")
    assert code == 2, out
    assert "say what to compare with: --baseline with a rules folder or git revision, or --baseline-standard" in out, out


def test_an_unknown_baseline_pack_exits_2_with_a_suggestion():
    code, out = impact("--baseline-standard", "basc", "--standard", "cq-strict", "--rules", RULES, "--rules", LOCAL, NANAN)
    assert code == 2, out
    assert "--baseline-standard: 基准规则中没有规则包 “basc”，是否应为 “basic”？（可用：basic, cq-strict, quality）" in out, out
    code, out = impact("--baseline-standard", "basic", "--standard", "cq-strict", "--rules", RULES, NANAN)
    assert code == 2, out  # cq-strict is in the local folder, not given here
    assert "--standard: 当前规则中没有规则包 “cq-strict”" in out, out


# ---------------------------------------------------------------- folder with folder


def test_folder_against_folder_with_a_changed_threshold(tmp_path: Path):
    before = copy_rules(tmp_path, "rules-before")
    after = copy_rules(tmp_path, "rules-after")
    edit(after / "funding.yaml", "params: {threshold: 0.70}", "params: {threshold: 0.75}")
    report = impact_json("--baseline", before, "--rules", after, FIX)
    [fin13] = report["rules_changed"]
    assert (fin13["rule"], fin13["packs"], fin13["change"]) == ("FIN-13", ["basic", "quality"], "changed"), fin13
    assert [(p["before_text"], p["after_text"]) for p in fin13["params"]] == [("70%", "75%")], fin13
    assert "packs_compared" not in report and report["packs_added"] == report["packs_removed"] == [], report
    yubei = next(f for f in report["filings"] if f["file"].endswith("yubei-2012.yaml"))
    # 渝北区: new funds 24800 万元, 17600 to rural and weak schools: 0.75 × 24800 − 17600 = 1000
    assert yubei["gained"] == [{"rule": "FIN-13", "subject": "500112", "severity": "major", "shortfall": 1000, "unit": "万元"}], yubei
    code, out = impact("--baseline", before, "--rules", after, FIX)
    assert code == 0, out
    assert out.startswith("规则变化：FIN-13 threshold 70% → 75%（basic、quality）\n"), out
    assert "  + FIN-13  500112  须整改  1,000 万元" in out, out


def test_folder_against_folder_reports_a_changed_template_and_the_texts_it_changes(tmp_path: Path):
    before = copy_rules(tmp_path, "rules-before")
    after = copy_rules(tmp_path, "rules-after")
    edit(after / "schools.yaml", '"{school_name} 须增配学生用计算机 {shortfall} 台"', '"{school_name} 须添置学生用计算机 {shortfall} 台"')
    report = impact_json("--baseline", before, "--rules", after, NANAN)
    [std06] = report["rules_changed"]
    assert std06["rule"] == "STD-06" and std06["params"] == [] and "severity" not in std06, std06
    assert std06["templates"]["rectification"]["before"]["zh"] == "{school_name} 须增配学生用计算机 {shortfall} 台", std06
    assert std06["templates"]["rectification"]["after"]["zh"] == "{school_name} 须添置学生用计算机 {shortfall} 台", std06
    [nanan] = report["filings"]
    assert not (nanan["gained"] or nanan["lost"] or nanan["changed"]), nanan
    assert [(t["rule"], t["subject"], t["rectification"]["after"]["zh"]) for t in nanan["texts_changed"]] == [
        ("STD-06", "5001080107", "南岸区迎龙中学 须添置学生用计算机 11 台")], nanan
    assert "message" not in nanan["texts_changed"][0], nanan
    code, out = impact("--baseline", before, "--rules", after, NANAN)
    assert code == 0, out
    assert ("规则变化：STD-06 整改要求 “{school_name} 须增配学生用计算机 {shortfall} 台” → "
            "“{school_name} 须添置学生用计算机 {shortfall} 台”\n") in out, out
    assert "      整改要求：南岸区迎龙中学 须增配学生用计算机 11 台\n        → 南岸区迎龙中学 须添置学生用计算机 11 台\n" in out, out
    assert "（无变化）" not in out, out


def test_a_rule_switched_off_is_listed_as_switched_off(tmp_path: Path):
    before = copy_rules(tmp_path, "rules-before")
    after = copy_rules(tmp_path, "rules-after")
    edit(after / "schools.yaml", "  - id: STD-06\n    packs: [basic]\n", "  - id: STD-06\n    packs: [basic]\n    enabled: false\n")
    diff = rule_changes(compile_rules(before), compile_rules(after))
    [std06] = diff.rules
    assert (std06.rule, std06.change, std06.enabled, std06.packs) == ("STD-06", "removed", (True, False), ("basic",)), std06
    code, out = impact("--baseline", before, "--rules", after, NANAN)
    assert code == 0, out
    assert out.startswith("规则变化：STD-06 停用：每百名学生拥有学生用计算机达标\n"), out
    assert "  - STD-06  5001080107  须整改  11 台" in out, out


def test_unchanged_folders_say_that_no_rule_changed(tmp_path: Path):
    before = copy_rules(tmp_path, "rules-before")
    report = impact_json("--baseline", before, "--rules", RULES, NANAN)
    assert report["rules_changed"] == [] and report["totals"]["gained"] == 0, report
    code, out = impact("--baseline", before, "--rules", RULES, NANAN, "--lang", "en")
    assert code == 0 and out.startswith("Rule change: none\n") and "(no change)" in out, out


# ---------------------------------------------------------------- the library API


def test_impact_of_takes_compiled_policies_and_filings_as_bytes_or_paths(layered: Policy):
    filings = [("nanan.yaml", NANAN.read_bytes()), ("nanan-2011.json", str(FIX / "nanan-2011.json"))]
    items = impact_of(layered, layered, filings, standard_before="basic", standard_after="cq-strict")
    assert [i.file for i in items] == ["nanan.yaml", "nanan-2011.json"], items
    for item in items:
        api = item.to_api()
        assert set(api) == {"added", "removed", "verdict_before", "verdict_after"}, api
        assert (api["verdict_before"], api["verdict_after"]) == ("qualified", "deferred"), api
        assert ["FIN-13", "南岸区"] in api["added"] and ["LOC-01", "小学"] in api["added"] and ["LOC-01", "初中"] in api["added"], api
        assert ["STD-06", "南岸区南湖小学（5001080003）"] in api["added"], api
        assert api["removed"] == [], api
        assert ["LOC-01", "primary"] in item.to_api("en")["added"], item.to_api("en")
    assert json.dumps(items[0].to_api(), ensure_ascii=False) == json.dumps(items[1].to_api(), ensure_ascii=False)


def test_impact_of_reports_a_broken_filing_without_raising(layered: Policy):
    [item] = impact_of(layered, layered, [("broken.yaml", b"schema_version: 1\nschools: [\n")], "basic", "cq-strict")
    assert isinstance(item, FilingImpact) and item.status == 2 and item.error is not None, item
    assert item.to_api()["verdict_before"] is None and "broken.yaml" in item.to_api()["error"], item.to_api()


def test_impact_of_lists_the_findings_a_looser_pack_removes(layered: Policy):
    [item] = impact_of(layered, layered, [("nanan.yaml", NANAN.read_bytes())], "cq-strict", "basic")
    api = item.to_api()
    assert api["added"] == [] and ["FIN-13", "南岸区"] in api["removed"], api
    assert (api["verdict_before"], api["verdict_after"]) == ("deferred", "qualified"), api


def test_rule_changes_of_two_packs_of_one_policy(layered: Policy):
    diff = rule_changes(layered, layered, "basic", "cq-strict")
    assert diff.compared == ("basic", "cq-strict") and not diff.empty, diff
    assert [(c.rule, c.change) for c in diff.rules] == [("FIN-13", "changed"), ("LOC-01", "added"), ("STD-01", "changed"),
                                                        ("STD-06", "changed")], diff.rules
    assert rule_changes(layered, layered, "basic", "basic").empty


def test_policy_numbers_read_as_a_person_writes_them():
    assert show_param(Fraction(7, 10), "ratio") == "70%"
    assert show_param(Fraction(2, 3), "ratio") == "66.67%"
    assert show_param(Fraction(45), "人") == "45 人"
    assert show_param(Fraction(13, 20), "系数") == "0.65"
    assert show_param(Fraction(2000), "m²") == "2,000 ㎡"
    assert show_param(None, "ratio") == "—"


# ---------------------------------------------------------------- docs/impact.md


DOC = ROOT / "docs" / "impact.md"
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _doc_examples() -> list[tuple[str, int, list[str]]]:
    """(command, exit status, expected lines) for every command of docs/impact.md followed by the output it prints."""
    blocks = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))]
    out = []
    for (kind, body), (next_kind, expected) in pairwise(blocks):
        command = body.strip()
        status = re.search(r"#\s*退出码\s*(\d+)$", command)
        if kind == "sh" and next_kind == "text" and command.startswith("junheng ") and status:
            out.append((command[:status.start()].strip(), int(status.group(1)), expected.splitlines()))
    return out


def test_the_doc_shows_commands_with_their_output():
    assert len(_doc_examples()) >= 2


@pytest.mark.parametrize(("command", "status", "expected"), _doc_examples(), ids=lambda v: "" if not isinstance(v, str) else v[-40:])
def test_the_doc_examples_print_what_the_doc_shows(command: str, status: int, expected: list[str]):
    result = invoke(*shlex.split(command)[1:], cwd=ROOT)
    assert result.exit_code == status, explain(result)
    printed = result.output.splitlines()
    at = 0
    for want in expected:
        if want.strip() == "…":
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in want.split("…")))
        while at < len(printed) and not pattern.fullmatch(printed[at]):
            at += 1
        assert at < len(printed), f"docs/impact.md: {want!r} was not printed (or not in this order) by {command}\n{result.output}"
        at += 1
