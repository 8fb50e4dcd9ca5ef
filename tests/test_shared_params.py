"""Shared parameters (rules/params.yaml), pack overrides of one level, titles that follow their numbers,
rules switched off — as an officer meets them: by rules list, lint and check, and by the messages."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from shared import FIX, RULES, run

from junheng.policy.packs import compile_rules

FILING = FIX / "beibei-2012.yaml"  # primary schools with classes of 43–45: within 45, above 40


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _local_pack(tmp_path: Path, body: str, name: str = "cq40") -> Path:
    layer = tmp_path / "local"
    (layer / "packs" / name).mkdir(parents=True)
    (layer / "packs" / name / "pack.yaml").write_text(
        f"name: {name}\ntitle: {{zh: 小班额试点, en: Small classes}}\nextends: basic\n" + body, encoding="utf-8")
    return layer


def _rule(policy, pack: str, rule_id: str):
    return next(r for r in policy.packs[pack].rules if r.id == rule_id)


def _findings(out: str, rule_id: str) -> list[dict]:
    return [f for f in json.loads(out)["findings"] if f["rule"] == rule_id]


def test_class_size_is_declared_once_and_every_rule_uses_it(policy) -> None:
    text = (RULES / "schools.yaml").read_text(encoding="utf-8")
    assert "{primary: 45, junior: 50}" not in text  # no rule carries its own 45
    for pack, rule_id in (("basic", "STD-01"), ("basic", "STD-02"), ("basic", "STD-03"), ("quality", "STD-11")):
        rule = _rule(policy, pack, rule_id)
        assert rule.params["primary"]["standard"] == 45 and rule.params["junior"]["standard"] == 50, rule_id
        assert rule.rule.units["standard"] == "人"
    assert _rule(policy, "quality", "STD-11").rule.title.zh == "班额：小学不超过45人，初中不超过50人"


def test_changing_the_shared_number_moves_every_rule_and_title(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    params = rules / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("{primary: 45, junior: 50}", "{primary: 44, junior: 50}"),
                      encoding="utf-8")
    policy = compile_rules(rules, cache=False)
    for pack, rule_id in (("basic", "STD-01"), ("basic", "STD-02"), ("basic", "STD-03"), ("quality", "STD-11")):
        assert _rule(policy, pack, rule_id).params["primary"]["standard"] == 44, rule_id
    assert _rule(policy, "quality", "STD-11").rule.title.zh == "班额：小学不超过44人，初中不超过50人"
    code, out, _ = run("rules", "list", "--rules", rules, "--standard", "quality")
    assert code == 0 and "小学不超过44人" in out


def test_a_pack_changes_one_level_of_the_shared_number_for_all_its_rules(tmp_path: Path) -> None:
    layer = _local_pack(tmp_path, "params:\n  class_size: {primary: 40}\n")
    policy = compile_rules([RULES, layer], cache=False)
    for rule_id in ("STD-01", "STD-02", "STD-03"):
        rule = _rule(policy, "cq40", rule_id)
        assert (rule.params["primary"]["standard"], rule.params["junior"]["standard"]) == (40, 50), rule_id
        assert _rule(policy, "basic", rule_id).params["primary"]["standard"] == 45  # the shipped pack is untouched
    code, out, err = run("check", FILING, "--rules", RULES, "--rules", layer, "--standard", "cq40", "--format", "json")
    found = _findings(out, "STD-01")
    assert found and all("超过 40 人的标准" in f["message"] for f in found), err
    code, out, _ = run("check", FILING, "--format", "json")
    assert not _findings(out, "STD-01")


def test_a_rule_override_of_one_level_keeps_the_other(tmp_path: Path) -> None:
    layer = _local_pack(tmp_path, "overrides:\n  STD-01:\n    params:\n      standard: {primary: 40}\n")
    policy = compile_rules([RULES, layer], cache=False)
    rule = _rule(policy, "cq40", "STD-01")
    assert rule.params["primary"]["standard"] == 40 and rule.params["junior"]["standard"] == 50
    assert _rule(policy, "cq40", "STD-02").params["primary"]["standard"] == 45  # only STD-01 was overridden
    code, out, _ = run("rules", "lint", "--rules", RULES, "--rules", layer)
    assert code == 0, out


def test_one_number_for_a_param_kept_by_level_is_a_warning_that_says_what_it_does(tmp_path: Path) -> None:
    layer = _local_pack(tmp_path, "overrides:\n  STD-01:\n    params: {standard: 40}\n")
    code, out, err = run("rules", "lint", "--rules", RULES, "--rules", layer)
    text = out + err
    assert code == 1
    assert "packs/cq40/pack.yaml:6" in text
    assert "小学、初中都将是 40" in text and "{primary: 40}" in text


@pytest.mark.parametrize(("body", "where", "message"), [
    ("overrides:\n  STD-01:\n    params:\n      standard: {primary: -40}\n", "pack.yaml:7:", "为负数 -40"),
    ("params:\n  class_size: {primary: -40}\n", "pack.yaml:5:", "为负数 -40"),
    ("params:\n  clas_size: {primary: 40}\n", "pack.yaml:5:", "是否应为 “class_size”"),
    ("overrides:\n  FIN-13:\n    params: {threshold: 75}\n", "pack.yaml:6:", "比例应在 0 到 1 之间（或写作 75%）"),
    ("overrides:\n  STD-01:\n    params:\n      standard: {primary: abc}\n", "pack.yaml:7:",
     "应为数值（如 45、0.75、75% 或 1/3），实为 'abc'"),
    ("overrides:\n  STD-01:\n    params:\n      standrd: {primary: 40}\n", "pack.yaml:7:", "没有参数 “standrd”"),
])
def test_a_mistake_in_a_pack_is_reported_once_at_the_pack(tmp_path: Path, body: str, where: str, message: str) -> None:
    layer = _local_pack(tmp_path, body)
    code, out, err = run("rules", "lint", "--rules", RULES, "--rules", layer)
    lines = [line for line in (out + err).splitlines() if line.startswith("错误")]
    assert code == 2 and lines, out + err
    assert all("packs/cq40/" + where in line for line in lines), lines
    assert all(message in line for line in lines), lines
    assert not any("rules/schools.yaml" in line or "rules/funding.yaml" in line for line in lines)
    assert len({line.split(": ", 1)[0] for line in lines}) == 1  # one place, one mistake
    assert "Input should" not in out + err


def test_a_rule_naming_an_unknown_shared_parameter(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    path = rules / "schools.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("standard: class_size", "standard: clas_size", 1), encoding="utf-8")
    code, out, err = run("rules", "lint", "--rules", rules)
    assert code == 2
    assert "schools.yaml:17:" in out + err and "共用参数 “clas_size” 不存在，是否应为 “class_size”" in out + err


def test_a_title_placeholder_naming_no_param_is_located(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    path = rules / "schools.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{standard.primary}人，", "{standrd.primary}人，", 1), encoding="utf-8")
    code, out, err = run("rules", "lint", "--rules", rules)
    assert code == 2 and "标题中的占位符 {standrd.primary} 不是本规则的参数" in out + err


def test_a_rule_switched_off_stays_in_its_file_and_no_pack_holds_it(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    path = rules / "schools.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: STD-01\n    packs: [basic]\n", "  - id: STD-01\n    packs: [basic]\n    enabled: false\n", 1),
                    encoding="utf-8")
    policy = compile_rules(rules, cache=False)
    assert "STD-01" not in {r.id for r in policy.packs["basic"].rules}
    assert "STD-02" in {r.id for r in policy.packs["basic"].rules}
    layer = _local_pack(tmp_path, "params:\n  class_size: {primary: 40}\n")
    code, out, _ = run("check", FILING, "--rules", rules, "--rules", layer, "--standard", "cq40", "--format", "json")
    assert not _findings(out, "STD-01")


def test_shared_values_are_exact(policy) -> None:
    assert isinstance(_rule(policy, "basic", "STD-01").params["primary"]["standard"], Fraction)
