"""YAML syntax errors are explained in Chinese (English with --lang en) at the mistake itself, once.

Each case is a small text as an officer might mistype a rule file or a filing; libyaml's own
English never reaches the message."""

from __future__ import annotations

import re
import shutil

import pytest

from junheng.errors import InputErrors
from junheng.located.read import load_document
from shared import RULES, run

# (what went wrong, text, line, column, words the Chinese message must hold, words the English one must hold)
CASES = [
    ("full-width colon after a key", "title:\n  zh：地方财政\n  en: Local\n", 2, 5,
     ["第 2 行第 5 列", "全角冒号", "半角冒号 \":\" 后加一个空格"], ["full-width colon"]),
    ("full-width comma in a flow mapping", "a: {x: 1，y: 2}\n", 1, 9, ["全角逗号", "半角逗号"], ["full-width comma"]),
    ("full-width quotes around text holding a colon", "message:\n  zh: “说明: 不足”\n", 2, 7, ["全角引号", "半角双引号"],
     ["full-width quote"]),
    ("full-width closing bracket", "packs: [basic, quality】\nseverity: major\n", 1, 23, ["全角方括号", "半角方括号 ]"],
     ["full-width bracket"]),
    ("a tab used for indentation", "title:\n\tzh: 地方\n", 2, 1, ["请用空格缩进，不要用 Tab 键"], ["not tabs"]),
    ("a key one space short of its siblings", "rules:\n  - id: A\n    title: x\n   severity: major\n", 4, 4,
     ["第 4 行缩进了 3 个空格，与上一级对齐应为 4 个"], ["indented 3 space(s)", "should be 4"]),
    ("a key one space too deep", "title:\n  zh: 地方\n   en: Local\n", 3, 4, ["第 3 行缩进了 3 个空格，与上一级对齐应为 2 个"],
     ["should be 2"]),
    ("a message starting with a placeholder", "rules:\n  - id: A\n    message: {level_name}生均公用经费不足\n    title: x\n", 3, 14,
     ["以 { 开头的文字须加引号：\"{level_name}生均公用经费不足\""], ["must be quoted"]),
    ("no space after the colon", "title:\n  zh:地方\n  en: Local\n", 2, 5, ["冒号后缺空格", "zh: 地方"], ["space is missing"]),
    ("an unclosed double quote", "title:\n  zh: \"地方\n  en: Local\n", 2, 7, ["引号没有闭合"], ["never closed"]),
    ("an unclosed bracket", "packs: [basic, quality\nseverity: major\n", 1, 8, ["“[”没有闭合", "“]”"], ["'[' is never closed"]),
    ("an undefined alias, explained generally", "a: *nope\n", 1, 4, ["第 1 行第 4 列附近的 YAML 格式有误", "别名"], ["alias"]),
    ("a colon inside plain text, explained generally", "name: 南岸区: 南坪\n", 1, 10, ["附近的 YAML 格式有误", "加引号"],
     ["quote the text"]),
]
# Words of libyaml's messages, none of which may reach the Chinese text.
PARSER_WORDS = re.compile(r"mapping|values|allowed|context|expected|found|scanning|parsing|block|token|stream|indicator|"
                          r"character|alias|scalar|sequence|while|could|did not", re.IGNORECASE)


def error_of(text: str):
    with pytest.raises(InputErrors) as caught:
        load_document(text.encode(), name="rule.yaml")
    return caught.value.errors


@pytest.mark.parametrize(("why", "text", "line", "column", "zh", "en"), CASES, ids=[c[0] for c in CASES])
def test_a_yaml_mistake_is_explained_in_chinese_at_the_mistake_once(why, text, line, column, zh, en):
    errors = error_of(text)
    assert len(errors) == 1, [e.zh for e in errors]
    [error] = errors
    assert (error.code, error.line, error.column) == ("filing_parse_error", line, column), error.zh
    for words in zh:
        assert words in error.zh, error.zh
    for words in en:
        assert words in error.en, error.en
    assert not PARSER_WORDS.search(error.zh), error.zh


def test_valid_full_width_punctuation_inside_values_is_not_blamed():
    # The full-width colon on line 2 is text; the mistake is the tab on line 4.
    [error] = error_of("name: 南岸区：南坪\nnote: “好”\ntitle:\n\tzh: 地方\n")
    assert (error.line, error.column) == (4, 1) and "Tab" in error.zh


def test_a_mistyped_rule_file_fails_rules_lint_with_the_chinese_message(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    funding = rules / "funding.yaml"
    lines = funding.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("      zh: "))
    lines[at] = lines[at].replace("zh: ", "zh：", 1)
    funding.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = run("rules", "lint", "--rules", rules)
    assert code == 2, out + err
    assert f"funding.yaml:{at + 1}:9" in out + err and "全角冒号" in out + err, out + err
    assert "mapping values" not in out + err
    code, out, err = run("rules", "lint", "--rules", rules, "--lang", "en")
    assert code == 2 and "full-width colon" in out + err, out + err


def test_a_mistyped_filing_fails_validate_with_the_chinese_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\ndistrict:\n  name：南岸区\n  code: \"500108\"\n", encoding="utf-8")
    code, out, err = run("validate", bad)
    assert code == 2, out + err
    assert ":3:7" in out + err and "全角冒号" in out + err and "mapping values" not in out + err, out + err


def test_the_text_of_a_block_scalar_is_not_taken_for_mistakes():
    text = "basis: |\n  依据：讲话，\n    第二段（续）\nrules:\n  - id: A\n    title：x\n    severity: major\n"
    [error] = error_of(text)
    assert (error.line, error.column) == (6, 10) and "全角冒号" in error.zh, error.zh


def test_a_first_child_indented_deeper_than_its_siblings_is_the_one_blamed():
    [error] = error_of("message:\n     zh: 地方\n    en: Local\n")
    assert (error.line, error.column) == (2, 6), error.zh
    assert "第 2 行缩进了 5 个空格，与上一级对齐应为 4 个" in error.zh


def test_a_first_child_indented_less_than_its_siblings_is_the_one_blamed():
    [error] = error_of("rules:\n  - id: A\n    message:\n     zh: 地方\n      en: Local\n")
    assert "第 4 行缩进了 5 个空格，与上一级对齐应为 6 个" in error.zh, error.zh


def test_text_before_the_document_that_is_not_a_comment_is_explained():
    [error] = error_of("# 说明\n 预期 仅 STAFF-05\nschema_version: 1\n")
    assert (error.line, error.column) == (2, 2) and "说明文字请以 # 开头" in error.zh and not PARSER_WORDS.search(error.zh), error.zh


def test_the_characters_refused_up_front_are_exactly_those_yaml_forbids():
    """YAML 1.2's printable set: TAB, LF, CR, x20-x7E, x85, xA0-xD7FF, xE000-xFFFD, x10000-x10FFFF; all else is refused."""
    from junheng.located.read import _YAML_FORBIDDEN  # the scanner's own pattern, checked code point by code point

    allowed = [(0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0x7E), (0x85, 0x85), (0xA0, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF)]
    text = "".join(map(chr, range(0x110000)))
    refused = {m.start() for m in _YAML_FORBIDDEN.finditer(text)}
    expected = {c for c in range(0x110000) if not any(lo <= c <= hi for lo, hi in allowed)}
    assert refused == expected
