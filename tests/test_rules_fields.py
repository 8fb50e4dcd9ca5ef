"""`junheng rules fields [QUERY]`: every filing field a rule may name, with its label, unit, level and an example value."""

from __future__ import annotations

import json

from junheng.authoring.fields import field_rows
from junheng.policy.resolve import model_paths
from shared import RULES, invoke


def _json(*args: object) -> list[dict[str, object]]:
    result = invoke("rules", "fields", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_the_fields_listed_are_exactly_the_names_the_rule_compiler_accepts():
    root, school = model_paths()
    rows = _json()
    assert {r["name"] for r in rows if r["level"] == "district"} == set(root)
    assert {r["name"] for r in rows if r["level"] == "school"} == set(school)
    assert len(rows) == len(root) + len(school)


def test_a_district_field_has_its_form_label_unit_and_the_example_filings_value():
    row = next(r for r in _json() if r["name"] == "finance.capital_budget.total")
    assert row["level"] == "district"
    assert row["unit"] == "万元"
    assert str(row["label"]).endswith("（万元）") and "地方预算内基本建设投资" in str(row["label"])
    assert row["example"] == 90000  # filing/example.yaml: capital_budget: {total: 90000, …}


def test_a_chinese_query_finds_the_school_field_it_names():
    code = invoke("rules", "fields", "学历")
    assert code.exit_code == 0, code.output
    assert "teachers_above_degree" in code.stdout
    assert "高于规定学历教师数（人）" in code.stdout
    assert "学校" in code.stdout
    assert "books" not in code.stdout


def test_an_english_query_ignores_case():
    names = {r["name"] for r in _json("BOOKS")}
    assert names == {"books"}
    assert {r["name"] for r in _json("Capital_Budget")} == {"finance.capital_budget.total", "finance.capital_budget.education"}


def test_level_and_group_forms_are_listed_and_say_what_they_stand_for():
    rows = {r["name"]: r for r in _json()}
    level = rows["finance.per_student_expenditure.{level}.current"]
    assert "{学段}" in str(level["label"]) and level["example"] == 7800
    assert "primary" in json.dumps(level["means"]) and "junior" in json.dumps(level["means"])
    group = rows["survey.{group}.satisfied"]
    assert "parents" in json.dumps(group["means"], ensure_ascii=False)
    text = invoke("rules", "fields", "{group}").stdout
    assert "{group} 代表问卷组" in text


def test_english_output_has_english_headings_and_levels():
    result = invoke("rules", "fields", "books", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split("\t") == ["name", "label (unit)", "level", "example"]
    assert "books\t图书（册）\tschool\t37000" in result.stdout


def test_a_query_that_matches_nothing_says_so():
    result = invoke("rules", "fields", "no-such-thing-at-all")
    assert result.exit_code == 0, result.output
    assert "没有符合的字段" in result.stdout
    assert field_rows("no-such-thing-at-all") == []


def test_a_rules_folder_is_accepted_as_by_every_rules_command():
    result = invoke("rules", "fields", "学历", "--rules", RULES)
    assert result.exit_code == 0, result.output
    assert "teachers_above_degree" in result.stdout
