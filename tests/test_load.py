"""Tests for junheng.located.read: reading filing files into data plus locations."""

from __future__ import annotations

import json
import math
import re
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.errors import InputErrors, pointer_join
from junheng.located import read as load_module
from junheng.located import yamlnodes
from junheng.located.read import MAX_BYTES, LoadedDocument, SourceInt, load_document


def yaml_doc(text: str | bytes, name: str = "filing.yaml") -> LoadedDocument:
    return load_document(text.encode() if isinstance(text, str) else text, name=name)


def json_doc(text: str | bytes, name: str = "filing.json") -> LoadedDocument:
    return load_document(text.encode() if isinstance(text, str) else text, name=name)


def errors_of(source, **kwargs):
    if isinstance(source, str):
        source = source.encode()
    kwargs.setdefault("name", "filing.yaml")
    with pytest.raises(InputErrors) as caught:
        load_document(source, **kwargs)
    return caught.value.errors


def where(error) -> tuple:
    return (error.code, error.line, error.column, error.pointer)


# ---------------------------------------------------------------- formats and reading


@pytest.mark.parametrize("filename", ["a.yaml", "b.YML", "c.Yaml", "d.json", "e.JSON"])
def test_yaml_yml_and_json_extensions_are_recognised_whatever_their_case(tmp_path, filename):
    path = tmp_path / filename
    path.write_bytes(b'{"a": 1}')
    document = load_document(path)
    assert document.data == {"a": 1}
    assert document.file == str(path)


def test_a_path_is_shown_by_the_name_the_caller_gives(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\n")
    assert load_document(str(path), name="南岸区.yaml").file == "南岸区.yaml"


@pytest.mark.parametrize("filename", ["filing.xlsx", "filing.csv", "filing.txt", "filing"])
def test_other_extensions_are_rejected_naming_the_accepted_ones_and_the_spreadsheet_forms(tmp_path, filename):
    path = tmp_path / filename
    path.write_bytes(b"a: 1\n")
    [error] = errors_of(path)
    assert where(error) == ("filing_unsupported_format", None, None, "")
    for text in (error.zh, error.en):
        for ext in (".yaml", ".yml", ".json", ".xlsx", ".csv"):
            assert ext in text
    assert "not supported yet" in error.en and "暂不支持" in error.zh


def test_bytes_take_their_format_from_fmt_or_else_from_the_extension_of_name():
    assert load_document(b"a: yes", name="x.yml").data == {"a": "yes"}
    assert load_document(b'{"a": 1}', name="upload", fmt="json").data == {"a": 1}
    assert load_document(b"a: 1", name="upload.json", fmt="yaml").data == {"a": 1}


def test_bytes_without_a_known_format_are_rejected():
    [error] = errors_of(b"a: 1", name=None)
    assert where(error) == ("filing_unsupported_format", None, None, "")
    assert error.file == "<bytes>"
    [error] = errors_of(b"a: 1", name="x.yaml", fmt="xml")
    assert error.code == "filing_unsupported_format" and ".xml" in error.en


def test_a_missing_file_is_reported_as_unreadable(tmp_path):
    [error] = errors_of(tmp_path / "nowhere.yaml")
    assert where(error) == ("filing_unreadable", None, None, "")
    assert "找不到文件" in error.zh


def test_a_folder_is_reported_as_unreadable(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    [error] = errors_of(folder)
    assert error.code == "filing_unreadable"


def test_a_file_over_the_size_limit_is_rejected_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as stream:
        stream.truncate(MAX_BYTES + 5 * 1024 * 1024)  # sparse: no 25 MiB written
    monkeypatch.setattr(load_module, "open", lambda *a, **k: pytest.fail("read"), raising=False)
    [error] = errors_of(path)
    assert where(error) == ("filing_too_large", None, None, "")
    assert "25.0 MiB" in error.en and "20 MiB" in error.en
    assert "25.0 MiB" in error.zh and "20 MiB" in error.zh


def test_bytes_over_the_size_limit_are_rejected():
    [error] = errors_of(b" " * (MAX_BYTES + 1))
    assert error.code == "filing_too_large"


def test_a_file_exactly_at_the_size_limit_is_read(tmp_path):
    path = tmp_path / "full.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * (MAX_BYTES - 5))
    assert load_document(path).data == {"a": 1}


# ---------------------------------------------------------------- encoding


def test_a_utf8_bom_is_ignored_and_does_not_shift_columns():
    document = yaml_doc("\ufeffname: 南岸区\nyear: 2011\n")
    assert document.data == {"name": "南岸区", "year": 2011}
    assert document.location("/name") == (1, 7)
    assert document.key_location("/name") == (1, 1)
    document = json_doc('\ufeff{"a": 1}')
    assert document.location("/a") == (1, 7)


def test_crlf_line_endings_are_accepted_and_lines_stay_right():
    document = yaml_doc("a: 1\r\nb:\r\n  c: x\r\n")
    assert document.data == {"a": 1, "b": {"c": "x"}}
    assert document.location("/b/c") == (3, 6)
    document = json_doc('{\r\n  "a": 1,\r\n  "b": [true]\r\n}')
    assert document.location("/b/0") == (3, 9)
    assert document.key_location("/b") == (3, 3)


def test_a_non_utf8_byte_is_located_at_its_line_and_character_column():
    [error] = errors_of("a: 1\nname: 南岸".encode() + b"\xff\n")
    assert where(error) == ("filing_encoding_error", 2, 9, "")
    assert "0xFF" in error.en and "UTF-8" in error.zh


def test_a_gbk_file_gets_a_hint_to_save_it_as_utf8():
    [error] = errors_of("district: 南岸区\n".encode("gbk"))
    assert where(error) == ("filing_encoding_error", 1, 11, "")
    assert "GBK" in error.zh and "GBK" in error.en


def test_a_utf16_file_is_an_encoding_error_with_or_without_its_bom():
    [error] = errors_of("a: 1\n".encode("utf-16"))
    assert where(error) == ("filing_encoding_error", 1, 1, "")
    assert "UTF-16" in error.en
    [error] = errors_of("a: 1\n".encode("utf-16-le"))
    assert where(error) == ("filing_encoding_error", 1, 2, "")
    assert "UTF-16" in error.en and "UTF-16" in error.zh


@pytest.mark.parametrize("raw", [b"", b"  \n\t\n", b"# only\n  # comments\n", b"\xef\xbb\xbf", b"---\n# nothing\n"])
def test_an_empty_blank_or_comment_only_yaml_file_is_reported_as_empty(raw):
    [error] = errors_of(raw)
    assert where(error) == ("filing_empty", None, None, "")


@pytest.mark.parametrize("raw", [b"", b" \r\n\t", b"\xef\xbb\xbf\n"])
def test_an_empty_or_blank_json_file_is_reported_as_empty(raw):
    [error] = errors_of(raw, name="x.json")
    assert error.code == "filing_empty"


def test_a_control_character_in_yaml_is_located():
    [error] = errors_of(b"a: 1\nb: x\x07y\n")
    assert where(error) == ("filing_parse_error", 2, 5, "")
    assert "U+0007" in error.en


# ---------------------------------------------------------------- YAML 1.2 core schema


@pytest.mark.parametrize("text, expected", [
    ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("42", 42), ("-7", -7), ("+3", 3), ("0012345", 12345), ("0o17", 15), ("0x1F", 31),
    ("1e6", 1e6), ("4.2e6", 4.2e6), ("1.5", 1.5), ("-.5", -0.5), ("1.", 1.0), ("2E-3", 0.002),
    (".inf", math.inf), ("-.Inf", -math.inf), ("+.INF", math.inf),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"),
    ("1_000", "1_000"), ("1:30", "1:30"), ("0b101", "0b101"), ("-0x1F", "-0x1F"), ("0o8", "0o8"),
    ("2001-01-01", "2001-01-01"), ("nan", "nan"), ("inf", "inf"), ("1e", "1e"), ("tRue", "tRue"),
])
def test_plain_scalars_are_resolved_by_the_yaml_1_2_core_schema(text, expected):
    value = yaml_doc(f"v: {text}\n").data["v"]
    assert value == expected
    assert type(value) is (SourceInt if type(expected) is int else type(expected))


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_nan_is_a_float(text):
    assert math.isnan(yaml_doc(f"v: {text}").data["v"])


def test_quoted_scalars_are_always_strings():
    assert yaml_doc("a: '1'\nb: \"true\"\nc: 'null'\nd: ''\n").data == {"a": "1", "b": "true", "c": "null", "d": ""}


def test_every_integer_remembers_the_characters_written():
    data = yaml_doc("code: 0500108\nhex: 0x1F\nsigned: +12\nnegative_zero: -0\nlist: [007]\n").data
    assert [(data[k].source, int(data[k])) for k in ("code", "hex", "signed", "negative_zero")] == [
        ("0500108", 500108), ("0x1F", 31), ("+12", 12), ("-0", 0)]
    assert isinstance(data["list"][0], SourceInt) and data["list"][0].source == "007"
    assert not isinstance(yaml_doc("a: true").data["a"], SourceInt)


def test_explicit_standard_tags_are_applied():
    data = yaml_doc("a: !!str 123\nb: !!int '42'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n"
                    "f: !!map {x: 1}\ng: !!seq [1]\n").data
    assert data == {"a": "123", "b": 42, "c": 1.0, "d": True, "e": None, "f": {"x": 1}, "g": [1]}
    assert type(data["c"]) is float and data["b"].source == "42"


def test_an_explicit_tag_on_the_wrong_kind_of_text_is_a_located_error():
    errors = errors_of("a: !!int abc\nb: !!bool yes\n")
    assert [where(e) for e in errors] == [("filing_parse_error", 1, 4, "/a"), ("filing_parse_error", 2, 4, "/b")]
    assert "'yes'" in errors[1].en


@pytest.mark.parametrize("tagged", [
    "!!python/object:os.system x", "!custom 1", "!!binary aGk=", "!!set {a}", "!!timestamp 2001-01-01",
    "!!omap [a: 1]", "!<tag:x.org,1:y> 1",
])
def test_unsupported_tags_are_located(tagged):
    [error] = errors_of(f"ok: 1\nbad: {tagged}\n")
    assert where(error) == ("filing_parse_error", 2, 6, "/bad")
    assert "unsupported tag" in error.en and "不支持的标签" in error.zh


def test_an_unsupported_tag_on_a_key_is_located():
    [error] = errors_of("!!binary aGk=: 1\n")
    assert where(error) == ("filing_parse_error", 1, 1, "")


def test_keys_are_the_scalar_text_as_written():
    assert yaml_doc("2011: a\n0012: b\nnull: c\ntrue: d\n'q': e\n").data == {
        "2011": "a", "0012": "b", "null": "c", "true": "d", "q": "e"}


def test_a_list_or_mapping_used_as_a_key_is_a_located_error():
    errors = errors_of("a:\n  [x]: 1\n  ? {y: 1}\n  : 2\n")
    assert [where(e) for e in errors] == [("filing_parse_error", 2, 3, "/a"), ("filing_parse_error", 3, 5, "/a")]
    assert "key" in errors[0].en


# ---------------------------------------------------------------- duplicates, anchors, merges


def test_duplicate_key_is_located_at_its_second_occurrence():
    [error] = errors_of("district:\n  code: '500108'\n  name: 南岸区\n  code: '500109'\n")
    assert where(error) == ("filing_duplicate_key", 4, 3, "/district/code")
    assert error.en == "duplicate key 'code' (first at line 2)"
    assert error.zh == "键“code”重复（首次出现在第 2 行）"


def test_every_duplicate_key_is_reported():
    errors = errors_of("a: 1\nb: 2\na: 3\nc: {x: 1, x: 2}\nb: 4\nd: [{y: 1, y: 2}]\n")
    assert [where(e) for e in errors] == [
        ("filing_duplicate_key", 3, 1, "/a"), ("filing_duplicate_key", 4, 11, "/c/x"),
        ("filing_duplicate_key", 5, 1, "/b"), ("filing_duplicate_key", 6, 12, "/d/0/y")]


def test_a_quoted_and_a_plain_key_with_the_same_text_are_duplicates():
    [error] = errors_of("a: 1\n'a': 2\n")
    assert where(error) == ("filing_duplicate_key", 2, 1, "/a")


def test_merge_keys_add_the_keys_a_mapping_does_not_set_itself():
    document = yaml_doc("base: &base\n  x: 1\n  y: 2\nschool:\n  <<: *base\n  y: 3\n  z: 4\n")
    assert document.data["school"] == {"x": 1, "y": 3, "z": 4}


def test_a_merged_value_is_located_where_it_was_written():
    document = yaml_doc("base: &base\n  x: 1\n  y: 2\nschool:\n  <<: *base\n  y: 3\n")
    assert document.location("/school/x") == (2, 6)
    assert document.key_location("/school/x") == (2, 3)
    assert document.location("/school/y") == (6, 6)


def test_a_merge_of_a_list_of_mappings_prefers_the_earlier_mapping():
    data = yaml_doc("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n").data
    assert data["c"] == {"x": 1, "y": 2}


def test_a_merge_key_with_a_plain_value_is_a_located_error():
    [error] = errors_of("a:\n  <<: 5\n")
    assert where(error) == ("filing_parse_error", 2, 7, "/a")
    assert "'<<'" in error.en


def test_aliases_give_independent_copies_located_at_the_anchor():
    document = yaml_doc("a: &x {n: [1, 2]}\nb: *x\n")
    assert document.data["a"] == document.data["b"] == {"n": [1, 2]}
    assert document.data["a"] is not document.data["b"]
    document.data["a"]["n"].append(3)
    assert document.data["b"]["n"] == [1, 2]
    assert document.location("/b/n/1") == (1, 15)


def test_a_billion_laughs_document_is_rejected_in_well_under_a_second():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    started = time.perf_counter()
    [error] = errors_of("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1
    assert error.code == "filing_alias_limit"
    assert "alias expansion too large" in error.en
    assert (error.line, error.pointer) == (7, "/g")  # 9**7 values: the first to exceed the limit


def test_a_recursive_alias_is_a_located_error():
    [error] = errors_of("a: 1\nb: &b\n  - 1\n  - *b\n")
    assert where(error) == ("filing_parse_error", 2, 4, "/b/1")  # at the anchor
    assert "recursive alias" in error.en


def test_a_second_document_is_an_error_located_at_its_start():
    [error] = errors_of("a: 1\n---\nb: 2\n")
    assert where(error) == ("filing_parse_error", 2, 1, "")
    assert "one document per file" in error.en


def test_one_document_with_explicit_markers_is_fine():
    assert yaml_doc("---\na: 1\n...\n").data == {"a": 1}


def test_a_top_level_list_or_scalar_is_returned_for_the_schema_to_judge():
    assert yaml_doc("- 1\n- x\n").data == [1, "x"]
    assert yaml_doc("hello\n").data == "hello"
    assert json_doc("[1]").data == [1]


# ---------------------------------------------------------------- YAML syntax and depth


def test_an_unclosed_bracket_is_located_where_it_was_opened_in_our_own_words():
    [error] = errors_of("a: 1\nb:\n  c: [1, 2\n")
    assert where(error) == ("filing_parse_error", 3, 6, "")
    assert "“[”没有闭合" in error.zh and "did not find" not in error.en


def test_a_tab_used_for_indentation_gets_a_hint():
    [error] = errors_of("a:\n\tb: 1\n")
    assert where(error) == ("filing_parse_error", 2, 1, "")
    assert "tabs" in error.en and "Tab" in error.zh


@pytest.mark.parametrize("name", ["x.yaml", "x.json"])
def test_ten_thousand_nested_brackets_are_a_located_error_not_a_crash(name):
    [error] = errors_of(b"[" * 10_000 + b"]" * 10_000, name=name)
    assert error.code == "filing_parse_error" and error.line == 1
    assert "nesting too deep" in error.en


def test_nesting_beyond_200_levels_is_an_error_and_200_levels_are_fine():
    assert yaml_doc("[" * 200 + "]" * 200).data is not None
    [error] = errors_of("[" * 201 + "]" * 201)
    assert where(error) == ("filing_parse_error", 1, 201, "/0" * 200)
    assert error.en == "nesting too deep (more than 200 levels)"


def test_aliases_that_nest_deeper_than_the_limit_are_an_error():
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 300)]
    [error] = errors_of("\n".join(lines))
    assert error.code == "filing_parse_error" and "nesting too deep" in error.en


@pytest.mark.parametrize("name", ["x.yaml", "x.json"])
def test_an_integer_too_long_for_python_is_a_located_error(name):
    text = '{"a": [1, ' + "9" * 5000 + "]}"
    [error] = errors_of(text, name=name)
    assert where(error) == ("filing_parse_error", 1, 11, "/a/1")
    assert "too many digits" in error.en


# ---------------------------------------------------------------- JSON


def test_json_is_read_into_plain_data_with_integers_as_source_ints():
    document = json_doc('{"a": 12, "b": [1.5, true, null, "x"], "c": {"d": -3}, "e": 400}')
    assert document.data == {"a": 12, "b": [1.5, True, None, "x"], "c": {"d": -3}, "e": 400}
    assert isinstance(document.data["c"]["d"], SourceInt) and document.data["c"]["d"].source == "-3"
    assert type(document.data["b"][1]) is bool


def test_a_400_digit_json_integer_is_kept_exactly():
    digits = "7" * 400
    value = json_doc(f'{{"n": {digits}}}').data["n"]
    assert isinstance(value, SourceInt) and value.source == digits and value == int(digits)


def test_json_1e400_becomes_infinity_for_the_schema_to_reject():
    assert json_doc('{"n": 1e400}').data["n"] == math.inf


def test_json_duplicate_key_is_located_at_its_second_occurrence():
    errors = errors_of('{\n  "a": 1,\n  "b": {"x": 1, "x": 2},\n  "a": 3\n}', name="x.json")
    assert [where(e) for e in errors] == [("filing_duplicate_key", 3, 17, "/b/x"), ("filing_duplicate_key", 4, 3, "/a")]
    assert errors[1].en == "duplicate key 'a' (first at line 2)"


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_rejected_and_located(word):
    [error] = errors_of(f'{{"a": [0, {word}]}}', name="x.json")
    assert where(error) == ("filing_parse_error", 1, 11, "/a/1")
    assert word in error.en and "NaN" in error.zh


def test_a_json_syntax_error_is_located():
    [error] = errors_of('{\n  "a": 1\n  "b": 2\n}', name="x.json")
    assert where(error) == ("filing_parse_error", 3, 3, "")
    assert "Expecting ',' delimiter" in error.en and "JSON 格式错误" in error.zh


def test_json_locations_are_found_by_walking_to_them_without_indexing_the_whole_file(monkeypatch):
    calls = []
    real = load_module._scan_json
    monkeypatch.setattr(load_module, "_scan_json", lambda *a, **k: calls.append(1) or real(*a, **k))
    document = json_doc('{"a": {"b": [10, 20]}, "c": [{"d": 1}, {"d": 2}, {"d": 3}]}')
    assert document.location("/a/b/1") == (1, 18)
    assert document.key_location("/a/b") == (1, 8)
    assert document.location("/c/2/d") == (1, 56)
    assert document.location("/c/1") == (1, 40)
    assert document.location("/c/7") == (1, 29)  # absent: the nearest present ancestor
    assert document.location("/a/zz") == (1, 7)
    assert document.key_location("/a/zz") is None
    assert calls == []


def test_json_locations_handle_escaped_keys_and_pointer_escapes():
    document = json_doc('{"a/b": {"~x": [10, {"k\\u00e9": true}]}, "s": "\\u4e2d\\"x", "t": 1}')
    assert document.location("/a~1b/~0x/1/ké") == (1, 33)
    assert document.key_location("/a~1b/~0x/1/ké") == (1, 22)
    assert document.location("/t") == (1, 65)


# ---------------------------------------------------------------- locations


def test_the_root_is_at_line_1_column_1():
    assert yaml_doc("# comment\n\na: 1\n").location("") == (1, 1)
    assert json_doc('\n\n  {"a": 1}').location("") == (1, 1)
    assert yaml_doc("a: 1").key_location("") is None


def test_a_missing_pointer_falls_back_to_the_nearest_present_ancestor():
    document = yaml_doc("a:\n  b:\n    - 1\n")
    assert document.location("/a/b/5") == (3, 5)
    assert document.location("/a/b/0/x") == (3, 7)
    assert document.location("/a/zz/0") == (2, 3)
    assert document.location("/nope") == (1, 1)
    assert document.location("/a/b/01") == (3, 5)  # not a canonical index
    assert document.key_location("/a/zz") is None
    document = json_doc('{"a": {"b": [1]}}')
    assert document.location("/a/b/9") == (1, 13)


def test_key_location_is_none_for_list_items_and_the_root():
    document = yaml_doc("a:\n  - x: 1\n")
    assert document.key_location("/a") == (1, 1)
    assert document.key_location("/a/0") is None
    assert document.key_location("/a/0/x") == (2, 5)
    assert document.key_location("") is None


def test_columns_count_characters_not_bytes():
    document = yaml_doc("名称: 南岸区第一实验小学\n学校: {类型: 小学, 人数: 1450}\n")
    assert document.location("/学校/人数") == (2, 18)
    document = json_doc('{"名称": "南岸区", "人数": 1450}')
    assert document.location("/人数") == (1, 21)


def test_a_document_made_without_a_locator_places_everything_at_the_start():
    document = LoadedDocument("f.yaml", {"a": 1})
    assert document.location("/a") == (1, 1) and document.key_location("/a") is None


# ---------------------------------------------------------------- messages and robustness


@pytest.mark.parametrize("raw, name", [
    (b"a: 1\na: 2\n", "x.yaml"), (b"a: [", "x.yaml"), (b"\xff", "x.yaml"), (b"", "x.json"),
    (b'{"a": NaN}', "x.json"), (b"{", "x.json"), (b"a: !!set {}", "x.yaml"), (b"a: 1", "x.txt"),
])
def test_every_error_has_chinese_and_english_text_and_the_display_name(raw, name):
    for error in errors_of(raw, name=name):
        assert error.file == name
        assert re.search("[\u4e00-\u9fff]", error.zh) and error.en.isascii()


def test_a_plain_clean_filing_loads_with_values_where_they_are_written():
    document = yaml_doc(
        "schema_version: 1\n"
        "district:\n"
        "  code: \"500108\"\n"
        "  year: 2011\n"
        "schools:\n"
        "  - id: \"2150000101\"\n"
        "    weak: false\n"
        "    students: 1450\n")
    assert document.data == {"schema_version": 1, "district": {"code": "500108", "year": 2011},
                             "schools": [{"id": "2150000101", "weak": False, "students": 1450}]}
    assert document.location("/schools/0/students") == (8, 15)
    assert document.location("/schools/0") == (6, 5)
    assert json.loads(json.dumps(document.data)) == document.data


_YAMLISH = st.lists(st.sampled_from(
    list("ab01 :-[]{},&*!<>'\"#|>?%@`\t\n\r~.eE+x\\") + ["中", "\ufeff", "<<", "&a", "*a", "!!int", "!!str",
                                                         "---", "...", "\n  ", "\n- ", "NaN", "\x00", "\x07"]),
    max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(raw=st.one_of(st.binary(max_size=80), _YAMLISH.map(str.encode)), name=st.sampled_from(["f.yaml", "f.json"]))
def test_no_input_bytes_raise_anything_but_input_errors(raw, name):
    try:
        document = load_document(raw, name=name)
    except InputErrors as caught:
        assert caught.errors
        assert not any(e.en.startswith("unexpected problem") for e in caught.errors)
        return
    document.location("/0/a")
    document.key_location("/a")


def test_the_pure_python_yaml_parser_gives_the_same_data_and_locations(monkeypatch):
    text = "a: &x {n: [1, 0x1F, yes]}\nb:\n  <<: *x\n  m: 名称\nc: [\n  1, 2\n"
    good = text.rsplit("c:", 1)[0].encode()
    expected = yaml_doc(good)
    expected_error = where(errors_of(text)[0])
    monkeypatch.setattr(yamlnodes, "_Loader", type("_Pure", (yaml.SafeLoader,), {"resolve": yamlnodes._Loader.resolve}))
    document = yaml_doc(good)
    assert document.data == expected.data
    assert [document.location(p) for p in ("/b/n/1", "/b/m", "/a")] == [expected.location(p) for p in ("/b/n/1", "/b/m", "/a")]
    assert where(errors_of(text)[0]) == expected_error
    [error] = errors_of("[" * 5000)
    assert error.code == "filing_parse_error" and "nesting too deep" in error.en


_TEXT = st.text(alphabet=st.sampled_from(list("ab~/ \"\\#:-,[]{}\t\n") + ["中", "é"]), max_size=5)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=25)


def _values(value, pointer=""):
    yield pointer, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for token, child in items:
        yield from _values(child, pointer_join(pointer, token))


@settings(max_examples=300, deadline=None)
@given(data=_JSON_VALUES, indent=st.sampled_from([None, 2]), crlf=st.booleans())
def test_json_and_yaml_locate_every_value_where_it_is_written(data, indent, crlf):
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    text = text.replace("\n", "\r\n") if crlf else text
    from_json, from_yaml = json_doc(text), yaml_doc(text)  # JSON text is YAML too
    assert from_json.data == data and from_yaml.data == data
    lines = text.split("\n")
    for pointer, value in _values(data):
        where = from_json.location(pointer)
        assert from_yaml.location(pointer) == where
        assert from_yaml.key_location(pointer) == from_json.key_location(pointer)
        if pointer:
            written = lines[where[0] - 1][where[1] - 1:]
            expected = json.dumps(value, ensure_ascii=False, indent=indent).replace("\n", "\r\n" if crlf else "\n")
            assert written.startswith(expected.split("\n")[0])
