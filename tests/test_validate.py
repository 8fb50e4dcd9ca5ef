"""Schema errors in a filing are reported all at once, each located and explained in Chinese and English."""

from __future__ import annotations

import re

import pytest

from junheng.errors import InputErrors
from junheng.filing.model import Filing
from junheng.filing.read import read_filing as load_and_validate
from junheng.filing.validate import CODE, validate_document
from junheng.located.read import load_document

# Line numbers in the cases below refer to this text.
BASE = """\
schema_version: 1
district:
  code: "500108"
  name: 南岸区
  year: 2011
finance:
  gdp: 4200000
  regular_revenue: {current: 620000, previous: 540000}
equity:
  junior_retention_rate: 0.97
schools:
  - id: "2150000101"
    level: primary
    location: urban
    weak: false
    students: 1450
    classes: 30
    books: 37000
"""


def _doc(text: str, name: str = "filing.yaml"):
    return load_document(text.encode("utf-8"), name=name)


def _edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def _errors(text: str, name: str = "filing.yaml") -> list:
    with pytest.raises(InputErrors) as caught:
        validate_document(_doc(text, name))
    return caught.value.errors


def test_the_base_filing_is_valid():
    filing = validate_document(_doc(BASE))
    assert isinstance(filing, Filing)
    assert filing.schools[0].students == 1450


# (note, old text, new text, pointer, line, column or None, words in zh, words in en)
CASES = [
    ("unknown key: a suggestion, located at the key", "    books: 37000\n", "    books: 37000\n    teacher: 80\n",
     "/schools/0/teacher", 19, 5, "未知字段 “teacher”，是否应为 “teachers”？", "did you mean 'teachers'?"),
    ("unknown key in a flow mapping", "{current: 620000, previous: 540000}", "{current: 620000, previos: 540000}",
     "/finance/regular_revenue/previos", 8, 38, "是否应为 “previous”", "did you mean 'previous'?"),
    ("unknown key differing only in case", "  gdp: 4200000", "  GDP: 4200000",
     "/finance/GDP", 7, 3, "是否应为 “gdp”", "did you mean 'gdp'?"),
    ("unknown key without a near match lists a small object's fields", "  year: 2011\n", "  year: 2011\n  zzz: 1\n",
     "/district/zzz", 6, 3, "此处只允许 code、name、year、standard", "allowed here: code, name, year, standard"),
    ("missing required field: at its parent, named", "    students: 1450\n", "",
     "/schools/0", 12, 5, "缺少必填字段 “students”（在校生数）", "missing required field 'students'"),
    ("missing required top-level field", "schema_version: 1\n", "",
     "", 1, 1, "缺少必填字段 “schema_version”", "missing required field 'schema_version'"),
    ("quoted number in a count", "students: 1450", 'students: "1450"',
     "/schools/0/students", 16, 15, "在校生数 students 必须是整数，不能是带引号的字符串 “1450”；请去掉引号", "remove the quotes"),
    ("quoted number in money", "gdp: 4200000", "gdp: '4200000'",
     "/finance/gdp", 7, 8, "地区生产总值 gdp 必须是数字", "remove the quotes"),
    ("fractional count", "classes: 30", "classes: 30.5",
     "/schools/0/classes", 17, 14, "班级数 classes 是计数，必须是整数，实为 30.5", "must be a whole number"),
    ("boolean in a number", "books: 37000", "books: true",
     "/schools/0/books", 18, 12, "图书 books 必须是整数，实为布尔值 true", "not the boolean true"),
    ("negative number", "books: 37000", "books: -3",
     "/schools/0/books", 18, 12, "不能为负数，实为 -3", "may not be negative"),
    ("number over 1e15", "gdp: 4200000", "gdp: 2e15",
     "/finance/gdp", 7, 8, "不能超过 1e15", "may not exceed 1e15"),
    ("NaN", "gdp: 4200000", "gdp: .nan",
     "/finance/gdp", 7, 8, "必须是有限的数，实为 .nan", "must be a finite number"),
    ("infinity in a count", "books: 37000", "books: .inf",
     "/schools/0/books", 18, 12, "必须是有限的数", "must be a finite number"),
    ("rate above 1", "junior_retention_rate: 0.97", "junior_retention_rate: 97",
     "/equity/junior_retention_rate", 10, 26, "初中三年巩固率 junior_retention_rate 是比率，必须在 0 到 1 之间", "must lie in [0, 1]"),
    ("percentage above 100%", "junior_retention_rate: 0.97", 'junior_retention_rate: "101%"',
     "/equity/junior_retention_rate", 10, 26, "百分数 “101%” 超出 0%–100%", "outside 0%-100%"),
    ("a rate string that is not a percentage", "junior_retention_rate: 0.97", "junior_retention_rate: 九成七",
     "/equity/junior_retention_rate", 10, 26, "是比率：应为 0 到 1 之间的数，或 “95%” 这样的百分数", "a percentage such as '95%'"),
    ("enum value with a suggestion", "level: primary", "level: Primary",
     "/schools/0/level", 13, 12, "学段 level 必须是 primary | junior 之一，实为字符串 “Primary”，是否应为 “primary”？",
     "must be one of primary, junior"),
    ("yes in a boolean: a hint", "weak: false", "weak: yes",
     "/schools/0/weak", 15, 11, "请使用 true 或 false", "use true or false"),
    ("'on' in a boolean: a hint", "weak: false", "weak: on",
     "/schools/0/weak", 15, 11, "请使用 true 或 false", "use true or false"),
    ("district code pattern", 'code: "500108"', 'code: "50010"',
     "/district/code", 3, 9, "行政区划代码 code 必须是由 6 位数字组成、首位不为 0 的字符串", "6-digit"),
    ("district code with a leading zero, unquoted", 'code: "500108"', "code: 0500108",
     "/district/code", 3, 9, "首位不为 0", "not starting with 0"),
    ("school id as a hexadecimal number", 'id: "2150000101"', "id: 0x1F",
     "/schools/0/id", 12, 9, "不能写成数字 0x1F，请加引号", "write it in quotes"),
    ("school id as a float", 'id: "2150000101"', "id: 1e5",
     "/schools/0/id", 12, 9, "请加引号写成字符串", "write it in quotes"),
    ("school id pattern", 'id: "2150000101"', 'id: "215 0000101"',
     "/schools/0/id", 12, 9, "学校标识码 id 必须是由 1–32 个字母、数字、下划线或连字符组成的字符串", "1-32 letters"),
    ("null on a required field", "students: 1450", "students: null",
     "/schools/0/students", 16, 15, "在校生数 students 是必填字段，不能为 null", "is required and may not be null"),
    ("students 0", "students: 1450", "students: 0",
     "/schools/0/students", 16, 15, "在校生数 students 至少为 1，实为 0", "must be at least 1"),
    ("schema version 2", "schema_version: 1", "schema_version: 2",
     "/schema_version", 1, 17, "数据格式版本 schema_version 必须为 1", "must be 1"),
    ("a mapping where a number belongs", "gdp: 4200000", "gdp: {value: 1}",
     "/finance/gdp", 7, 8, "必须是数字，实为映射", "not a mapping"),
    ("a number where a mapping belongs", "  regular_revenue: {current: 620000, previous: 540000}", "  regular_revenue: 5",
     "/finance/regular_revenue", 8, 20, "财政经常性收入 regular_revenue 必须是映射", "must be a mapping"),
    ("empty finance", "  gdp: 4200000\n  regular_revenue: {current: 620000, previous: 540000}\n", "  gdp: null\n",
     "/finance", 7, 3, "经费保障 finance 是必填的，不能为空", "may not be empty"),
    ("a pair member names its pair", "previous: 540000", "previous: -1",
     "/finance/regular_revenue/previous", 8, 48, "财政经常性收入·上年 previous 不能为负数", "previous may not be negative"),
]


@pytest.mark.parametrize(("note", "old", "new", "pointer", "line", "column", "zh", "en"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_value_is_one_located_error_in_both_languages(note, old, new, pointer, line, column, zh, en):
    errors = _errors(_edit(old, new))
    assert len(errors) == 1, [e.render() for e in errors]
    error = errors[0]
    assert (error.code, error.file, error.pointer, error.line) == (CODE, "filing.yaml", pointer, line), error.render()
    if column is not None:
        assert error.column == column, error.render()
    assert zh in error.zh, error.zh
    assert en in error.en, error.en


@pytest.mark.parametrize(("note", "old", "new", "pointer", "line", "column", "zh", "en"), CASES, ids=[c[0] for c in CASES])
def test_messages_are_our_own_words_not_pydantics(note, old, new, pointer, line, column, zh, en):
    (error,) = _errors(_edit(old, new))
    for text in (error.zh, error.en):
        assert "Input should" not in text and "validation error" not in text and "Traceback" not in text
    assert re.search("[\u4e00-\u9fff]", error.zh), "the Chinese message must be in Chinese"
    assert "type=" not in error.en


def test_a_file_with_three_problems_yields_three_located_errors_in_file_order():
    text = _edit('code: "500108"', "code: 5001")
    text = text.replace("students: 1450", 'students: "1450"').replace("weak: false", "weak: no")
    errors = _errors(text)
    assert [(e.pointer, e.line) for e in errors] == [
        ("/district/code", 3),
        ("/schools/0/weak", 15),
        ("/schools/0/students", 16),
    ]
    assert {e.code for e in errors} == {CODE}


def test_the_unquoted_integer_id_keeps_its_leading_zeros():
    filing = validate_document(_doc(_edit('id: "2150000101"', "id: 0012345")))
    assert filing.schools[0].id == "0012345"


@pytest.mark.parametrize(
    ("old", "new", "check"),
    [
        ("books: 37000", "books: null", lambda f: f.schools[0].books is None),
        ("books: 37000", "books: ~", lambda f: f.schools[0].books is None),
        ("weak: false", "weak: null", lambda f: f.schools[0].weak is False),
        ("{current: 620000, previous: 540000}", "{}", lambda f: f.finance.regular_revenue is None),
        ("{current: 620000, previous: 540000}", "{current: 620000}", lambda f: f.finance.regular_revenue.previous is None),
        ("junior_retention_rate: 0.97", "junior_retention_rate: 97.5%", lambda f: f.equity.junior_retention_rate == 0.975),
        ("junior_retention_rate: 0.97", "junior_retention_rate: null", lambda f: f.equity is None),
        ("students: 1450", "students: 1180.0", lambda f: f.schools[0].students == 1180),
    ],
    ids=["null", "tilde", "null boolean is false", "empty object", "pair half given", "percent", "all-null section", "whole float"],
)
def test_null_and_empty_mean_absent_and_forgiving_forms_are_read(old, new, check):
    assert check(validate_document(_doc(_edit(old, new))))


def test_an_empty_schools_list_is_an_error_at_schools():
    text = BASE[: BASE.index("schools:")] + "schools: []\n"
    (error,) = _errors(text)
    assert (error.pointer, error.line) == ("/schools", 11)
    assert "至少需要 1 条记录" in error.zh


def test_a_pointer_escapes_slash_and_tilde_and_the_key_is_located():
    (error,) = _errors(_edit("    books: 37000\n", "    books: 37000\n    a/b~c: 1\n"))
    assert (error.pointer, error.line, error.column) == ("/schools/0/a~1b~0c", 19, 5)


def test_a_top_level_that_is_not_a_mapping_is_located_at_the_start():
    (error,) = _errors("- 1\n- 2\n")
    assert (error.pointer, error.line, error.column) == ("", 1, 1)
    assert "顶层必须是映射" in error.zh


def test_a_json_filing_is_located_by_line_too():
    text = (
        '{\n  "schema_version": 1,\n  "district": {"code": "500108", "name": "x", "year": 2011},\n'
        '  "finance": {"gdp": 1},\n  "schools": [\n    {"id": "a", "level": "primary", "location": "urban",\n'
        '     "students": "12", "classes": 1}\n  ]\n}\n'
    )
    (error,) = _errors(text, name="filing.json")
    assert (error.file, error.pointer, error.line) == ("filing.json", "/schools/0/students", 7)


def test_render_gives_file_line_column_pointer_and_message():
    (error,) = _errors(_edit("students: 1450", 'students: "1450"'))
    assert error.render("zh").startswith("filing.yaml:16:15: /schools/0/students: 在校生数 students 必须是整数")
    assert error.render("en").startswith("filing.yaml:16:15: /schools/0/students: students must be an integer")


def test_load_and_validate_returns_the_document_and_the_filing():
    doc, filing = load_and_validate(BASE.encode("utf-8"), name="nanan.yaml")
    assert doc.file == "nanan.yaml"
    assert filing.district.code == "500108"


def test_load_and_validate_passes_on_the_loaders_errors():
    with pytest.raises(InputErrors) as caught:
        load_and_validate(b"a: [1, 2\n", name="broken.yaml")
    assert caught.value.errors[0].code != CODE


def test_load_and_validate_reads_a_path(tmp_path):
    path = tmp_path / "nanan.yml"
    path.write_text(BASE, encoding="utf-8")
    doc, filing = load_and_validate(path)
    assert filing.schools[0].id == "2150000101"
