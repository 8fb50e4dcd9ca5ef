"""Hypothesis strategies for valid filings, built around rules/tests/base.yaml, shared by the property tests.

A generated filing is plain data that the schema accepts: counts are integers, money and
areas are integers or halves (so that scaling by 2, 10 or 0.5 stays exact), rates lie in
[0, 1] (sometimes written "95%"), optional fields and whole sections are sometimes left out,
and there are 1–8 school records of both levels, now and then a teaching point, a campus
shared by two records or an id used twice. Figures are drawn around the base filing's, with
zeros, values on both sides of the standards and now and then the largest the schema allows (a
school of 10**15 students), so that rules fire and do not; one filing in six is the base filing
itself with a few figures changed (clean under both packs, so that "qualified" is reached too).
"""

from __future__ import annotations

import copy
import json

import yaml
from hypothesis import strategies as st

from shared import base_filing

BASE: dict = base_filing()

# Every 万元 figure of `finance`, as paths below it (the per-student 元 figures and salaries are not here).
WAN_YUAN = (
    ("gdp",),
    ("regular_revenue", "current"), ("regular_revenue", "previous"),
    ("general_expenditure", "current"), ("general_expenditure", "previous"),
    ("education_appropriation", "current"), ("education_appropriation", "previous"),
    ("fiscal_education_funds",),
    ("capital_budget", "total"), ("capital_budget", "education"),
    ("taxes", "vat"), ("taxes", "consumption"), ("taxes", "business"),
    ("local_education_surcharge", "collected"), ("local_education_surcharge", "to_education"),
    ("education_surcharge", "collected"), ("education_surcharge", "to_education"),
    ("land_transfer", "income"), ("land_transfer", "to_education"),
    ("new_education_funds", "total"), ("new_education_funds", "rural_weak"),
)
YUAN = (
    ("per_student_expenditure", "primary", "current"), ("per_student_expenditure", "primary", "previous"),
    ("per_student_expenditure", "junior", "current"), ("per_student_expenditure", "junior", "previous"),
    ("per_student_public_funds", "primary", "current"), ("per_student_public_funds", "primary", "previous"),
    ("per_student_public_funds", "junior", "current"), ("per_student_public_funds", "junior", "previous"),
    ("teacher_salary", "current"), ("teacher_salary", "previous"),
    ("civil_servant_salary",),
)
COUNT_SECTIONS = {  # section → {object: members}; every member is a count
    "staffing": {"teacher_exchange": ("eligible", "exchanged", "backbone_exchanged"),
                 "new_teachers": ("total", "rural_weak"), "new_principals": ("total", "rural_weak")},
    "survey": {g: ("respondents", "satisfied") for g in ("parents", "teachers", "deputies")},
    "equity": {"migrant_children": ("total", "in_public"), "left_behind_children": ("total", "registered"),
               "needy_students": ("total", "funded")},
}
RATES = ("junior_retention_rate", "disabled_enrollment_rate")
# School fields and how many of them a student is worth, roughly (the standards lie inside the range).
SCHOOL_PER_STUDENT = {
    "land_area": 40, "building_area": 14, "teaching_aux_area": 9, "sports_area": 18, "equipment_value": 4000,
    "books": 50, "computers": 0.2, "multimedia_classrooms": 0.05, "staff_quota": 0.1, "staff": 0.1, "teachers": 0.12,
    "teachers_above_degree": 0.1, "teachers_mid_title": 0.07, "backbone_teachers": 0.03, "pe_art_teachers": 0.02,
}
SCHOOL_COUNTS = frozenset({"books", "computers", "multimedia_classrooms", "music_rooms", "art_rooms", "staff_quota", "staff",
                           "teachers", "teachers_above_degree", "teachers_mid_title", "backbone_teachers", "pe_art_teachers",
                           "max_class_size"})
MAX_MONEY = 10**14  # ×10 stays within the schema's 1e15
MAX_COUNT = 10**15  # the schema's bound


def _get(obj: dict, path: tuple):
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _set(obj: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


def _drop(draw, p: int) -> bool:
    """True with probability about 1/p."""
    return draw(st.integers(0, p - 1)) == 0


@st.composite
def amount(draw, base: float, count: bool = False):
    """A figure near `base`: itself, scaled a little or a lot, zero, anything up to 4 × base, or as large
    as the schema allows; halves unless a count."""
    base = max(int(base), 1)
    kind = draw(st.sampled_from(("base", "factor", "any", "zero", "base", "factor", "any", "huge")))
    if kind == "huge":
        return MAX_MONEY
    if kind == "base":
        value = base
    elif kind == "zero":
        value = 0
    elif kind == "factor":
        value = round(base * draw(st.sampled_from((0.5, 0.8, 0.9, 0.95, 0.99, 1.01, 1.05, 1.1, 1.25, 2.0))))
    else:
        value = draw(st.integers(0, 4 * base))
    if not count and draw(st.booleans()):
        value += 0.5  # a half: still exact in binary after ×2, ×10, ×0.5
    return min(value, MAX_MONEY)


@st.composite
def rate(draw):
    if draw(st.integers(0, 4)) == 0:
        return f"{draw(st.integers(0, 100))}%"
    return draw(st.one_of(st.sampled_from((0.0, 0.5, 0.85, 0.95, 0.97, 1.0)), st.floats(0, 1, allow_nan=False)))


@st.composite
def finance(draw) -> dict:
    out: dict = {}
    for path in WAN_YUAN + YUAN:
        if not _drop(draw, 10):
            _set(out, path, draw(amount(_get(BASE["finance"], path))))
    if not out:
        out["gdp"] = draw(amount(BASE["finance"]["gdp"]))  # finance may not be empty
    return out


@st.composite
def section(draw, name: str) -> dict | None:
    if _drop(draw, 8):
        return None
    out: dict = {}
    for obj, members in COUNT_SECTIONS[name].items():
        for member in members:
            if not _drop(draw, 10):
                _set(out, (obj, member), draw(amount(BASE[name][obj][member], count=True)))
    if name == "equity":
        for key in RATES:
            if not _drop(draw, 6):
                out[key] = draw(rate())
    return out or None


@st.composite
def school(draw, index: int, ids: list, campuses: list) -> dict:
    level = draw(st.sampled_from(("primary", "junior")))
    teaching_point = _drop(draw, 8)
    students = draw(st.integers(1, 120)) if teaching_point else MAX_COUNT if _drop(draw, 20) else draw(st.integers(1, 2500))
    if ids and _drop(draw, 12):
        sid = draw(st.sampled_from(ids))  # an id used twice: DATA-01
    else:
        sid = f"S{index}-{level[0].upper()}"
    record = {
        "id": sid,
        "level": level,
        "location": draw(st.sampled_from(("urban", "town", "rural"))),
        "students": students,
        "classes": draw(st.sampled_from((1, MAX_COUNT))) if _drop(draw, 20) else draw(st.integers(1, 60)),
    }
    if not _drop(draw, 6):
        record["name"] = f"第{index}{'小学' if level == 'primary' else '中学'}"
    if not _drop(draw, 3):
        record["weak"] = draw(st.booleans())
    if teaching_point or _drop(draw, 3):
        record["teaching_point"] = teaching_point
    if _drop(draw, 5):
        record["campus"] = draw(st.sampled_from(campuses))
    if not _drop(draw, 10):
        record["max_class_size"] = draw(st.integers(0, 80))
    for key, per in SCHOOL_PER_STUDENT.items():
        if not _drop(draw, 10):
            record[key] = draw(amount(students * per, count=key in SCHOOL_COUNTS))
    for key in ("music_rooms", "art_rooms"):
        if not _drop(draw, 10):
            record[key] = draw(st.integers(0, 3))
    return record


@st.composite
def near_base(draw, standard: str | None = None) -> dict:
    """The base filing (clean under both packs) with a few of its figures changed or removed."""
    data = copy.deepcopy(BASE)
    data["district"]["standard"] = standard or draw(st.sampled_from(("basic", "quality")))
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            path = draw(st.sampled_from(WAN_YUAN + YUAN))
            _set(data["finance"], path, draw(amount(_get(BASE["finance"], path))))
        else:
            record = data["schools"][draw(st.integers(0, len(data["schools"]) - 1))]
            key = draw(st.sampled_from(sorted(SCHOOL_PER_STUDENT)))
            if draw(st.integers(0, 4)) == 0:
                record.pop(key, None)
            else:
                record[key] = draw(amount(record["students"] * SCHOOL_PER_STUDENT[key], count=key in SCHOOL_COUNTS))
    return data


@st.composite
def filings(draw, standard: str | None = None) -> dict:
    """A valid filing as plain data (`standard`: basic | quality, else either)."""
    if _drop(draw, 6):
        return draw(near_base(standard))
    data = {
        "schema_version": 1,
        "district": {"code": "500108", "name": "生成区", "year": draw(st.integers(2011, 2020)),
                     "standard": standard or draw(st.sampled_from(("basic", "quality")))},
        "finance": draw(finance()),
    }
    for name in ("staffing", "survey", "equity"):
        value = draw(section(name))
        if value is not None:
            data[name] = value
    n = draw(st.integers(1, 8))
    ids: list = []
    campuses = ["C1", "C2"]
    schools = []
    for i in range(n):
        record = draw(school(i, ids, campuses))
        ids.append(record["id"])
        schools.append(record)
    data["schools"] = schools
    return data


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def as_yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def reordered(data, rng) -> dict:
    """The same filing with the keys of every mapping in another order (`rng`: a random.Random)."""
    if isinstance(data, dict):
        keys = list(data)
        rng.shuffle(keys)
        return {k: reordered(data[k], rng) for k in keys}
    if isinstance(data, list):
        return [reordered(v, rng) for v in data]
    return data


def scaled_finance(data: dict, factor: float) -> dict:
    """The filing with every 万元 figure of `finance` multiplied by `factor`."""
    out = copy.deepcopy(data)
    for path in WAN_YUAN:
        value = _get(out["finance"], path)
        if value is not None:
            _set(out["finance"], path, value * factor)
    return out
