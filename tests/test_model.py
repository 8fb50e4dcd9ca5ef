"""The filing models say exactly what the contract (docs: filing v1) says, value by value."""

from __future__ import annotations

import copy
import typing
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from junheng.filing import model as m
from junheng.filing.model import Filing, School


class SourceInt(int):
    """What the loader hands over for every integer: the int plus the text written."""

    def __new__(cls, value: int, source: str | None = None) -> SourceInt:
        number = super().__new__(cls, value)
        number.source = source if source is not None else str(value)
        return number


MINIMAL = {
    "schema_version": 1,
    "district": {"code": "500108", "name": "南岸区", "year": 2011},
    "finance": {"gdp": 4200000, "fiscal_education_funds": 190000},
    "schools": [{"id": "2150000101", "level": "primary", "location": "urban", "students": 1450, "classes": 30}],
}


def _with(path: str, value: object) -> dict:
    """MINIMAL with the value at ``path`` (``schools.0.students``) set; ``...`` deletes it."""
    data = copy.deepcopy(MINIMAL)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = data
    for part in parents:
        if isinstance(target, dict):
            target = target.setdefault(part, {})
        else:
            target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


def _get(filing: BaseModel, path: str) -> object:
    value: object = filing
    for part in path.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def _errors(data: dict) -> list[tuple[str, tuple]]:
    with pytest.raises(ValidationError) as caught:
        Filing.model_validate(data)
    return [(error["type"], tuple(error["loc"])) for error in caught.value.errors()]


def test_the_minimal_filing_is_valid_and_fills_in_the_defaults():
    filing = Filing.model_validate(MINIMAL)
    assert filing.district.standard == "basic"
    assert filing.schools[0].weak is False
    assert filing.schools[0].teaching_point is False
    assert filing.staffing is None and filing.survey is None and filing.equity is None


ACCEPTED = [
    # (path, value written, value read back)
    ("schools.0.students", 1180.0, 1180),
    ("schools.0.books", 0, 0),
    ("schools.0.books", 10**15, 10**15),
    ("schools.0.books", 1e15, 10**15),
    ("schools.0.land_area", 29000.5, 29000.5),
    ("schools.0.land_area", 1e15, 1e15),
    ("finance.gdp", SourceInt(4200000), 4200000.0),
    ("schools.0.students", SourceInt(1450, "01450"), 1450),
    ("schema_version", 1.0, 1),
    ("district.year", 2011.0, 2011),
    ("district.code", SourceInt(500108), "500108"),
    ("schools.0.id", SourceInt(12345, "0012345"), "0012345"),
    ("schools.0.campus", SourceInt(2150000101), "2150000101"),
    ("schools.0.id", "2150000101-P", "2150000101-P"),
    ("schools.0.id", "a" * 32, "a" * 32),
    ("equity.junior_retention_rate", 0.97, 0.97),
    ("equity.junior_retention_rate", SourceInt(1), 1.0),
    ("equity.junior_retention_rate", "95%", 0.95),
    ("equity.junior_retention_rate", "95.5%", 0.955),
    ("equity.junior_retention_rate", " 95.5 ％ ", 0.955),
    ("equity.junior_retention_rate", "100%", 1.0),
    ("equity.junior_retention_rate", "100.000%", 1.0),
    ("equity.junior_retention_rate", "0%", 0.0),
    ("equity.disabled_enrollment_rate", "33.3%", float(Decimal("33.3") / 100)),
    ("schools.0.books", None, None),
    ("finance.gdp", None, None),
    ("schools.0.weak", None, False),
    ("schools.0.teaching_point", None, False),
    ("schools.0.weak", True, True),
    ("district.standard", None, "basic"),
    ("district.standard", "quality", "quality"),
    ("district.standard", "local-2024_strict", "local-2024_strict"),
    ("finance.regular_revenue", {}, None),
    ("finance.regular_revenue", None, None),
    ("finance.regular_revenue", {"current": None, "previous": None}, None),
    ("finance.per_student_expenditure", {"primary": {}, "junior": None}, None),
    ("staffing", {}, None),
    ("survey", {"parents": {}}, None),
    ("finance.regular_revenue", {"current": 620000}, m.YearPair(current=620000)),
    ("schools.0.level", "junior", "junior"),
    ("schools.0.location", "rural", "rural"),
]


@pytest.mark.parametrize(("path", "written", "read"), ACCEPTED, ids=[f"{p}={w!r}" for p, w, _ in ACCEPTED])
def test_an_accepted_value_reads_back_as_the_contract_says(path, written, read):
    filing = Filing.model_validate(_with(path, written))
    got = _get(filing, path)
    assert got == read
    assert type(got) is type(read)  # 1180.0 becomes the int 1180; an id is a str, never a SourceInt


REJECTED = [
    # (path, value written, pydantic error type, where — default: path)
    ("schools.0.students", "1450", "int_type", None),
    ("finance.gdp", "4200000", "float_type", None),
    ("schools.0.students", True, "int_type", None),
    ("finance.gdp", False, "float_type", None),
    ("equity.junior_retention_rate", True, "float_type", None),
    ("schools.0.books", -1, "greater_than_equal", None),
    ("finance.gdp", -0.5, "greater_than_equal", None),
    ("schools.0.books", 10**15 + 1, "less_than_equal", None),
    ("finance.gdp", 1.5e15, "less_than_equal", None),
    ("finance.gdp", float("nan"), "finite_number", None),
    ("finance.gdp", float("inf"), "finite_number", None),
    ("schools.0.books", float("nan"), "finite_number", None),
    ("schools.0.books", float("-inf"), "finite_number", None),
    ("schools.0.students", 1180.5, "count_fraction", None),
    ("district.year", 2011.5, "count_fraction", None),
    ("schools.0.students", 0, "greater_than_equal", None),
    ("schools.0.classes", 0, "greater_than_equal", None),
    ("equity.junior_retention_rate", 1.5, "less_than_equal", None),
    ("equity.junior_retention_rate", -0.1, "greater_than_equal", None),
    ("equity.junior_retention_rate", "150%", "rate_percent_range", None),
    ("equity.junior_retention_rate", "100.0000000000000000001%", "rate_percent_range", None),
    ("equity.junior_retention_rate", "95", "rate_string", None),
    ("equity.junior_retention_rate", "abc", "rate_string", None),
    ("equity.junior_retention_rate", "-5%", "rate_string", None),
    ("equity.junior_retention_rate", "95.%", "rate_string", None),
    ("equity.junior_retention_rate", "٩٥%", "rate_string", None),  # non-ASCII digits
    ("schools.0.level", "Primary", "literal_error", None),
    ("schools.0.level", "小学", "literal_error", None),
    ("schools.0.location", "city", "literal_error", None),
    ("schools.0.weak", "yes", "bool_type", None),
    ("schools.0.weak", "off", "bool_type", None),
    ("schools.0.teaching_point", 1, "bool_type", None),
    ("district.code", "050010", "string_pattern_mismatch", None),
    ("district.code", "5001080", "string_pattern_mismatch", None),
    ("district.code", SourceInt(500108, "0500108"), "string_pattern_mismatch", None),
    ("district.code", 500108.0, "identifier_number", None),
    ("district.code", True, "string_type", None),
    ("schools.0.id", SourceInt(31, "0x1F"), "identifier_number", None),
    ("schools.0.id", SourceInt(31, "+31"), "identifier_number", None),
    ("schools.0.id", 1e5, "identifier_number", None),
    ("schools.0.id", "a b", "string_pattern_mismatch", None),
    ("schools.0.id", "a" * 33, "string_pattern_mismatch", None),
    ("schools.0.id", "", "string_pattern_mismatch", None),
    ("schools.0.campus", "校区一", "string_pattern_mismatch", None),
    ("district.standard", "Quality", "string_pattern_mismatch", None),
    ("district.standard", "", "string_pattern_mismatch", None),
    ("district.name", 123, "string_type", None),
    ("schema_version", 2, "literal_error", None),
    ("schema_version", True, "literal_error", None),
    ("schema_version", "1", "literal_error", None),
    ("schools.0.students", None, "int_type", None),
    ("district.code", None, "string_type", None),
    ("district", None, "model_type", None),
    ("finance", None, "model_type", None),
    ("schools.0.students", ..., "missing", None),
    ("district.year", ..., "missing", None),
    ("finance", ..., "missing", None),
    ("finance", {}, "empty_required_object", None),
    ("finance", {"gdp": None, "taxes": {}}, "empty_required_object", None),
    ("schools", [], "too_short", None),
    ("schools", {}, "list_type", None),
    ("schools.0.teacher", 80, "extra_forbidden", None),
    ("finance.regular_revenue", {"current": 1, "curent": 2}, "extra_forbidden", "finance.regular_revenue.curent"),
    ("finance.regular_revenue", 5, "model_type", None),
]


@pytest.mark.parametrize(("path", "written", "kind", "where"), REJECTED, ids=[f"{p}={w!r}" for p, w, _, _ in REJECTED])
def test_a_rejected_value_is_one_error_at_its_place(path, written, kind, where):
    loc = tuple(int(part) if part.isdigit() else part for part in (where or path).split("."))
    assert _errors(_with(path, written)) == [(kind, loc)]


def test_every_problem_in_a_filing_is_reported_not_just_the_first():
    data = _with("schools.0.students", "1450")
    data["schools"][0]["weak"] = "no"
    data["district"]["code"] = "5001"
    assert sorted(_errors(data)) == [
        ("bool_type", ("schools", 0, "weak")),
        ("int_type", ("schools", 0, "students")),
        ("string_pattern_mismatch", ("district", "code")),
    ]


def test_models_are_frozen():
    filing = Filing.model_validate(MINIMAL)
    with pytest.raises(ValidationError):
        filing.schools[0].students = 1  # type: ignore[misc]


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in found:
            return
        found.append(model)
        for info in model.model_fields.values():
            for inner in _types(info.annotation):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    visit(inner)

    visit(Filing)
    return found


def _types(annotation: object) -> list:
    args = typing.get_args(annotation)
    return [annotation] + [t for arg in args for t in _types(arg)]


def test_every_model_forbids_unknown_keys_and_is_frozen_and_strict():
    for model in _models():
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model
        assert model.model_config.get("strict") is True, model


FIELDS = [(model.__name__, name, info) for model in _models() for name, info in model.model_fields.items()]


@pytest.mark.parametrize(("model", "name", "info"), FIELDS, ids=[f"{m_}.{n}" for m_, n, _ in FIELDS])
def test_every_field_has_a_chinese_title_and_a_description(model, name, info):
    assert info.title and any("\u4e00" <= ch <= "\u9fff" for ch in info.title), f"{model}.{name} needs a Chinese title"
    assert info.description and len(info.description) >= 4, f"{model}.{name} needs a description"
    numeric = {int, float} & set(_types(info.annotation))
    rate = "rate" in name
    if numeric and not rate and name != "schema_version":
        assert "单位" in info.description, f"{model}.{name}: the description must give the unit"


CONTRACT_KEYS = {
    "Filing": "schema_version district finance staffing survey equity schools",
    "District": "code name year standard",
    "Finance": "gdp regular_revenue general_expenditure education_appropriation fiscal_education_funds "
    "per_student_expenditure per_student_public_funds teacher_salary civil_servant_salary capital_budget taxes "
    "local_education_surcharge education_surcharge land_transfer new_education_funds",
    "Staffing": "teacher_exchange new_teachers new_principals",
    "Survey": "parents teachers deputies",
    "SurveyGroup": "respondents satisfied",
    "Equity": "migrant_children left_behind_children needy_students junior_retention_rate disabled_enrollment_rate",
    "School": "id name level location weak teaching_point campus students classes max_class_size land_area "
    "building_area teaching_aux_area sports_area equipment_value books computers multimedia_classrooms music_rooms "
    "art_rooms staff_quota staff teachers teachers_above_degree teachers_mid_title backbone_teachers pe_art_teachers",
}


@pytest.mark.parametrize("model_name", sorted(CONTRACT_KEYS))
def test_attribute_names_are_the_contracts_keys(model_name):
    assert list(getattr(m, model_name).model_fields) == CONTRACT_KEYS[model_name].split()


COUNTS = (
    "students classes max_class_size books computers multimedia_classrooms music_rooms art_rooms staff_quota "
    "staff teachers teachers_above_degree teachers_mid_title backbone_teachers pe_art_teachers"
).split()


@pytest.mark.parametrize("name", COUNTS)
def test_the_contracts_school_counts_are_integers(name):
    assert int in _types(School.model_fields[name].annotation)
    assert float not in _types(School.model_fields[name].annotation)


@given(st.integers(min_value=0, max_value=10**15))
def test_any_count_from_0_to_1e15_is_accepted(value):
    assert Filing.model_validate(_with("schools.0.books", value)).schools[0].books == value


@given(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False))
def test_a_percentage_string_is_converted_exactly(value):
    text = f"{value}%"
    rate = Filing.model_validate(_with("equity.junior_retention_rate", text)).equity.junior_retention_rate
    assert rate == float(Decimal(str(value)) / 100)
