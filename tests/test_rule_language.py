"""The rule language as officers write it: severities in Chinese, parameters with units, texts whose numbers
agree with the parameters (issue 13)."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from junheng.authoring.lint import lint_rules
from junheng.check.run import check_source
from junheng.errors import InputErrors
from junheng.policy.packs import compile_rules
from shared import RULES, base_filing


def copy_rules(tmp_path: Path) -> Path:
    shutil.copytree(RULES, tmp_path / "rules")
    return tmp_path / "rules"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one ``old`` in a rule file (the test fails if the shipped text changed under it)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} no longer holds {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def compile_errors(rules: Path) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        compile_rules(rules, cache=False)
    return [f"{e.file}:{e.line}:{e.column} {e.zh}" for e in caught.value.errors]


FIN13 = "    severity: major\n    title:\n      zh: 新增教育经费{threshold:pct}"


def fin13_findings(rules: Path) -> list[str]:
    """FIN-13's severities when 60% of the new funds go to rural and weak schools (the rule fires)."""
    data = base_filing()
    data["finance"]["new_education_funds"]["rural_weak"] = 6000
    result = check_source(json.dumps(data).encode(), compile_rules(rules, cache=False), name="f.json")
    return [f.severity for f in result.findings if f.rule == "FIN-13"]


def test_a_rule_whose_severity_is_written_in_chinese_gives_a_finding_with_the_english_key(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", FIN13, FIN13.replace("major", "否决项"))
    assert fin13_findings(rules) == ["blocking"]


def test_a_pack_override_and_deferred_when_any_accept_the_chinese_names(tmp_path):
    rules = copy_rules(tmp_path)
    pack = rules / "packs" / "basic" / "pack.yaml"
    edit(pack, "deferred_when_any: [blocking]", "deferred_when_any: [否决项, 须整改]")
    pack.write_text(pack.read_text(encoding="utf-8") + "overrides:\n  FIN-13: {severity: 提示}\n", encoding="utf-8")
    policy = compile_rules(rules, cache=False)
    assert policy.packs["basic"].deferred_when_any == ("blocking", "major")
    assert fin13_findings(rules) == ["info"]


def test_a_misspelt_severity_is_a_located_error_suggesting_the_chinese_name(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", FIN13, FIN13.replace("major", "否决"))
    line = (rules / "funding.yaml").read_text(encoding="utf-8").split("\n").index("    severity: 否决") + 1
    [error] = compile_errors(rules)
    assert f"funding.yaml:{line}:15" in error
    assert "是否应为 “否决项”" in error
    assert "否决项、须整改、建议、提示" in error


def fin13_threshold(rules: Path) -> object:
    return next(r for r in compile_rules(rules, cache=False).packs["basic"].rules if r.id == "FIN-13").params[None]["threshold"]


@pytest.mark.parametrize("written", ["0.75", '"75%"', "75％", '"75 %"'])
def test_a_ratio_param_may_be_written_as_a_decimal_or_a_percentage(tmp_path, written):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "params: {threshold: 0.70}\n    units: {threshold: ratio}\n    values:\n      rural_weak",
         f"params: {{threshold: {written}}}\n    units: {{threshold: ratio}}\n    values:\n      rural_weak")
    assert fin13_threshold(rules) == Fraction(3, 4)


@pytest.mark.parametrize("written", ["60", "1.5"])
def test_a_ratio_param_above_1_is_an_error_at_the_value(tmp_path, written):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "params: {threshold: 0.70}\n    units: {threshold: ratio}\n    values:\n      rural_weak",
         f"params: {{threshold: {written}}}\n    units: {{threshold: ratio}}\n    values:\n      rural_weak")
    line = (rules / "funding.yaml").read_text(encoding="utf-8").split("\n").index(f"    params: {{threshold: {written}}}") + 1
    [error] = compile_errors(rules)
    assert f"funding.yaml:{line}:{len('    params: {threshold: ') + 1} " in error
    assert f"比例应在 0 到 1 之间（或写作 {written}%）" in error


def test_a_ratio_per_level_is_located_at_the_level_that_is_wrong(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "balance.yaml", "threshold: {primary: 0.65, junior: 0.55}\n      min_schools: 2\n      schools_named: 3\n"
         "    units: {threshold: 系数",
         "threshold: {primary: 0.65, junior: 55}\n      min_schools: 2\n      schools_named: 3\n    units: {threshold: ratio")
    [error] = compile_errors(rules)
    assert "/rules/0/params/threshold/junior" not in error  # the message names the place by line and column
    text = (rules / "balance.yaml").read_text(encoding="utf-8").split("\n")
    line = text.index("      threshold: {primary: 0.65, junior: 55}") + 1
    assert f"balance.yaml:{line}:{text[line - 1].index('55') + 1} " in error
    assert "比例应在 0 到 1 之间（或写作 55%）" in error


def test_only_a_ratio_may_be_written_as_a_percentage(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "schools.yaml", "params: {threshold: 30}", 'params: {threshold: "30%"}')
    [error] = compile_errors(rules)
    assert "只有单位为 ratio 的参数可以写成百分数" in error


def test_a_unit_for_a_param_the_rule_does_not_have_is_an_error_with_a_suggestion(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "schools.yaml", "units: {threshold: 班}", "units: {threshhold: 班}")
    [error] = compile_errors(rules)
    assert "units 中的 “threshhold” 不是本规则的参数，是否应为 “threshold”？" in error


def test_an_unknown_unit_is_an_error_listing_the_units(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "schools.yaml", "units: {threshold: 班}", "units: {threshold: 斑}")
    [error] = compile_errors(rules)
    assert "“threshold” 的值 '斑' 无效" in error and "'ratio', '系数'" in error


def test_every_param_of_the_shipped_rules_declares_its_unit(policy):
    undeclared = sorted({f"{r.id} {name}" for pack in policy.packs.values() for r in pack.rules
                         for name in r.rule.params if name not in r.rule.units})
    assert undeclared == []


def test_a_declared_unit_replaces_the_guess_from_the_param_name(tmp_path):
    """FIN-08's `rate` is a ratio by its name; declared as 人 (a made-up change) it may be above 1."""
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "units: {rate: ratio, base_without_business_from: 年}\n    values:\n      base: if(district.year >= "
         "base_without_business_from, finance.taxes.vat + finance.taxes.consumption, finance.taxes.vat + finance.taxes.consumption "
         "+ finance.taxes.business)\n      collected: finance.local_education_surcharge",
         "units: {rate: 人, base_without_business_from: 年}\n    values:\n      base: if(district.year >= "
         "base_without_business_from, finance.taxes.vat + finance.taxes.consumption, finance.taxes.vat + finance.taxes.consumption "
         "+ finance.taxes.business)\n      collected: finance.local_education_surcharge")
    edit(rules / "funding.yaml", "params: {rate: 0.02,", "params: {rate: 2,")
    report = lint_rules([rules])
    assert not [e for e in report.errors if "FIN-08" in e.zh], [e.zh for e in report.errors]
    # Without a declared unit, the name still decides.
    edit(rules / "funding.yaml", "    units: {rate: 人, base_without_business_from: 年}\n", "")
    report = lint_rules([rules])
    assert [e.zh for e in report.errors if "FIN-08" in e.zh and "是比例" in e.zh]


def spelt_warnings(rules: Path | None = None) -> list[str]:
    report = lint_rules([rules] if rules is not None else None)
    return [f"{w.line} {w.pointer} {w.zh}" for w in report.warnings if "与参数不符" in w.zh]


def test_a_title_that_still_says_70_percent_after_the_threshold_became_075_is_a_warning(tmp_path):
    rules = copy_rules(tmp_path)
    # the shipped title follows its number ({threshold:pct}); an officer who wrote the number out gets the warning
    edit(rules / "funding.yaml", "      zh: 新增教育经费{threshold:pct}向农村和薄弱学校倾斜\n      en: \"{threshold:pct} of new",
         "      zh: 新增教育经费70%向农村和薄弱学校倾斜\n      en: \"70% of new")
    assert spelt_warnings(rules) == []
    edit(rules / "funding.yaml", "    params: {threshold: 0.70}\n    units: {threshold: ratio}\n    values:\n      rural_weak",
         "    params: {threshold: 0.75}\n    units: {threshold: ratio}\n    values:\n      rural_weak")
    warnings = spelt_warnings(rules)
    assert len(warnings) == 2, warnings  # the Chinese and the English title
    assert "/title/zh 规则 FIN-13：标题写的 “70%” 与参数不符（threshold = 75%）" in warnings[0]
    assert "/title/en" in warnings[1]


def test_a_title_with_a_placeholder_follows_its_number(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "    params: {threshold: 0.70}\n    units: {threshold: ratio}\n    values:\n      rural_weak",
         "    params: {threshold: 0.75}\n    units: {threshold: ratio}\n    values:\n      rural_weak")
    assert spelt_warnings(rules) == []
    titles = {r.id: r.rule.title for r in compile_rules(rules, cache=False).packs["basic"].rules}
    assert titles["FIN-13"].zh == "新增教育经费75%向农村和薄弱学校倾斜"
    assert titles["FIN-13"].en == "75% of new education funds go to rural and weak schools"


def test_a_text_that_spells_a_count_the_params_do_not_hold_is_a_warning(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "schools.yaml", "params: {threshold: 30}", "params: {threshold: 36}")
    [warning] = spelt_warnings(rules)
    assert "/title/zh 规则 STD-04：标题写的 “30个班” 与参数不符（threshold = 36）" in warning


def test_a_placeholder_is_never_a_stale_number(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "      zh: 新增教育经费用于农村和薄弱学校 {rural_weak_share:pct}，低于 {threshold:pct}",
         "      zh: 新增教育经费用于农村和薄弱学校 {rural_weak_share:pct}，低于 {threshold:pct}（即 60%）")
    [warning] = spelt_warnings(rules)
    assert "/message/zh 规则 FIN-13：文字写的 “60%” 与参数不符（threshold = 70%）；可改用占位符，如 {threshold:pct}" in warning


def test_the_shipped_rules_spell_no_number_their_params_do_not_hold():
    assert spelt_warnings() == []


def test_a_percentage_above_100_is_an_error_too(tmp_path):
    rules = copy_rules(tmp_path)
    edit(rules / "funding.yaml", "    params: {threshold: 0.70}\n    units: {threshold: ratio}\n    values:\n      rural_weak",
         '    params: {threshold: "150%"}\n    units: {threshold: ratio}\n    values:\n      rural_weak')
    [error] = compile_errors(rules)
    assert "参数 threshold = 150%：比例应在 0 到 1 之间（不能超过 100%）" in error
