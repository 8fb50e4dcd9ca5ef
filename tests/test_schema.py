"""The committed JSON Schema is generated from the models and says what they say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from junheng.filing.model import Filing
from junheng.filing.schema import SCHEMA_PATH, filing_json_schema, schema_text
from junheng.located.read import load_document
from shared import FIXTURE_FILINGS, ROOT

COMMITTED = ROOT / "engine" / "junheng" / "schemas" / "filing.schema.json"
REGENERATE = "the committed schema is out of date; regenerate it with: junheng schema > engine/junheng/schemas/filing.schema.json"

# The example of the contract (docs: filing v1), every field filled in.
EXAMPLE = """\
schema_version: 1
district:
  code: "500108"
  name: 南岸区
  year: 2011
  standard: basic
finance:
  gdp: 4200000
  regular_revenue: {current: 620000, previous: 540000}
  general_expenditure: {current: 980000, previous: 870000}
  education_appropriation: {current: 182000, previous: 150000}
  fiscal_education_funds: 190000
  per_student_expenditure:
    primary: {current: 7800, previous: 7100}
    junior:  {current: 9900, previous: 9200}
  per_student_public_funds:
    primary: {current: 720, previous: 650}
    junior:  {current: 980, previous: 900}
  teacher_salary: {current: 61000, previous: 56000}
  civil_servant_salary: 60000
  capital_budget: {total: 90000, education: 19000}
  taxes: {vat: 300000, consumption: 40000, business: 160000}
  local_education_surcharge: {collected: 10000, to_education: 10000}
  education_surcharge: {collected: 15000, to_education: 15000}
  land_transfer: {income: 120000, to_education: 12500}
  new_education_funds: {total: 32000, rural_weak: 23000}
staffing:
  teacher_exchange: {eligible: 800, exchanged: 96, backbone_exchanged: 22}
  new_teachers: {total: 150, rural_weak: 70}
  new_principals: {total: 11, rural_weak: 4}
survey:
  parents:  {respondents: 400, satisfied: 364}
  teachers: {respondents: 200, satisfied: 200}
  deputies: {respondents: 57,  satisfied: 55}
equity:
  migrant_children: {total: 8200, in_public: 7300}
  left_behind_children: {total: 5100, registered: 5100}
  needy_students: {total: 2300, funded: 2300}
  junior_retention_rate: 0.97
  disabled_enrollment_rate: 0.96
schools:
  - id: "2150000101"
    name: 南岸区第一实验小学
    level: primary
    location: urban
    weak: false
    teaching_point: false
    campus: "2150000101"
    students: 1450
    classes: 30
    max_class_size: 50
    land_area: 29000
    building_area: 11600
    teaching_aux_area: 7100
    sports_area: 11200
    equipment_value: 3200000
    books: 37000
    computers: 160
    multimedia_classrooms: 34
    music_rooms: 2
    art_rooms: 2
    staff_quota: 78
    staff: 76
    teachers: 80
    teachers_above_degree: 66
    teachers_mid_title: 45
    backbone_teachers: 16
    pe_art_teachers: 14
"""

MINIMAL = """\
schema_version: 1
district: {code: 500108, name: 南岸区, year: 2011.0}
finance: {gdp: 4200000, regular_revenue: {}, taxes: null}
equity: {junior_retention_rate: "95.5 ％", disabled_enrollment_rate: null}
schools:
  - {id: 0012345, level: junior, location: rural, students: 12, classes: 1, weak: null, books: 1180.0}
"""

INVALID = {
    "unknown key": EXAMPLE.replace("    books: 37000", "    book: 37000"),
    "quoted number": EXAMPLE.replace("students: 1450", 'students: "1450"'),
    "fractional count": EXAMPLE.replace("students: 1450", "students: 1450.5"),
    "boolean in a number": EXAMPLE.replace("gdp: 4200000", "gdp: true"),
    "negative": EXAMPLE.replace("books: 37000", "books: -1"),
    "over 1e15": EXAMPLE.replace("gdp: 4200000", "gdp: 2e15"),
    "rate over 1": EXAMPLE.replace("junior_retention_rate: 0.97", "junior_retention_rate: 1.2"),
    "percentage over 100%": EXAMPLE.replace("junior_retention_rate: 0.97", "junior_retention_rate: 120%"),
    "enum": EXAMPLE.replace("level: primary", "level: middle"),
    "yes in a boolean": EXAMPLE.replace("weak: false", "weak: yes"),
    "code pattern": EXAMPLE.replace('code: "500108"', 'code: "5001"'),
    "id pattern": EXAMPLE.replace('id: "2150000101"', 'id: "2150 000101"'),
    "standard pattern": EXAMPLE.replace("standard: basic", "standard: Basic"),
    "schema version": EXAMPLE.replace("schema_version: 1", "schema_version: 2"),
    "students 0": EXAMPLE.replace("students: 1450", "students: 0"),
    "null on required": EXAMPLE.replace("students: 1450", "students: null"),
    "missing required": EXAMPLE.replace("    classes: 30\n", ""),
    "empty schools": EXAMPLE[: EXAMPLE.index("schools:")] + "schools: []\n",
    "empty finance": EXAMPLE[: EXAMPLE.index("finance:")] + "finance: {}\nschools:" + EXAMPLE.split("schools:")[1],
}


def _data(source: str | Path):
    if isinstance(source, Path):
        return load_document(source).data
    return load_document(source.encode("utf-8"), name="example.yaml").data


def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(COMMITTED.read_text(encoding="utf-8")))


def _valid_examples() -> dict[str, str | Path]:
    examples: dict[str, str | Path] = {"the contract's example": EXAMPLE, "minimal, with the forgiving forms": MINIMAL}
    for path in FIXTURE_FILINGS:
        examples[f"fixtures/filings/{path.name}"] = path
    return examples


VALID = _valid_examples()


def test_the_committed_schema_is_what_the_models_generate():
    assert COMMITTED.exists(), REGENERATE
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == filing_json_schema(), REGENERATE


def test_the_committed_schema_is_byte_for_byte_the_printed_one():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), REGENERATE
    assert SCHEMA_PATH == COMMITTED


def test_the_schema_is_a_valid_draft_2020_12_schema_with_an_id_and_a_title():
    schema = filing_json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://") and ".invalid/" in schema["$id"]
    assert "申报" in schema["title"]


def _objects(schema: dict):
    yield schema
    for definition in schema.get("$defs", {}).values():
        yield definition


def test_every_object_forbids_unknown_keys():
    for obj in _objects(filing_json_schema()):
        assert obj.get("additionalProperties") is False, obj.get("title")


def _leaf(schema: dict, *path: str) -> dict:
    node = schema
    for part in path:
        node = node["properties"][part]
        ref = node.get("$ref") or next((o["$ref"] for o in node.get("anyOf", []) if "$ref" in o), None)
        if ref and part != path[-1]:
            node = schema["$defs"][ref.rsplit("/", 1)[1]]
    return node


def _first(node: dict) -> dict:
    return node["anyOf"][0] if "anyOf" in node else node


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("schools", "books"), {"type": "integer", "minimum": 0, "maximum": 10**15}),
        (("district", "year"), {"type": "integer", "minimum": 0, "maximum": 10**15}),
        (("finance", "gdp"), {"type": "number", "minimum": 0, "maximum": 10**15}),
        (("district", "standard"), {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}),
        (("district", "code"), {"type": "string", "pattern": "^[1-9][0-9]{5}$"}),
        (("equity", "junior_retention_rate"), {"type": "number", "minimum": 0, "maximum": 1}),
    ],
)
def test_the_schema_states_the_numeric_and_pattern_constraints(path, expected):
    schema = filing_json_schema()
    if path[0] == "schools":
        node = schema["$defs"]["School"]["properties"][path[1]]
    else:
        node = _leaf(schema, *path)
    assert expected.items() <= _first(node).items(), _first(node)
    assert node["title"] and node["description"]


def test_the_schema_states_enums_required_fields_and_at_least_one_school():
    schema = filing_json_schema()
    school = schema["$defs"]["School"]
    assert school["properties"]["level"]["enum"] == ["primary", "junior"]
    assert school["properties"]["location"]["enum"] == ["urban", "town", "rural"]
    assert sorted(school["required"]) == ["classes", "id", "level", "location", "students"]
    assert school["properties"]["students"]["minimum"] == 1
    assert sorted(schema["required"]) == ["district", "finance", "schema_version", "schools"]
    assert schema["properties"]["schools"]["minItems"] == 1
    assert schema["properties"]["schema_version"]["const"] == 1


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_valid_example_passes_both_the_schema_and_the_models(name):
    data = _data(VALID[name])
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(data)]
    assert errors == []
    Filing.model_validate(data)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_an_invalid_example_fails_both_the_schema_and_the_models(name):
    data = _data(INVALID[name])
    assert not _validator().is_valid(data), f"the schema accepts: {name}"
    with pytest.raises(ValidationError):
        Filing.model_validate(data)


@pytest.mark.parametrize(
    "text",
    ["95%", "95.5%", " 95 ％ ", "100%", "100.00%", "0%", "0095%", "100.5%", "101%", "1000%", "95", "95 %%",
     "-5%", "1e2%", ".5%", "95.%", "abc", "", "٩٥%"],
)
def test_the_schema_and_the_models_agree_on_rate_strings(text):
    data = _data(EXAMPLE)
    data["equity"]["junior_retention_rate"] = text
    schema_ok = _validator().is_valid(data)
    try:
        Filing.model_validate(data)
        model_ok = True
    except ValidationError:
        model_ok = False
    assert schema_ok == model_ok, f"{text!r}: schema {'accepts' if schema_ok else 'rejects'}, models disagree"
