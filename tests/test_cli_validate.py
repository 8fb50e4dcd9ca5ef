"""``junheng validate`` and ``junheng schema``: exit status 0/2/3, errors on stderr, one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import junheng.filing.read as validate_module
from junheng.cli.main import main
from junheng.errors import ExitStatus
from junheng.filing.schema import schema_text
from shared import ROOT, explain, invoke

VALID = """\
schema_version: 1
district: {code: "500108", name: 南岸区, year: 2011}
finance: {gdp: 4200000}
schools:
  - {id: "2150000101", level: primary, location: urban, students: 1450, classes: 30}
"""
# Three problems: a quoted count (line 5), an unknown key (line 6), a bad level (line 7).
INVALID = """\
schema_version: 1
district: {code: "500108", name: 南岸区, year: 2011}
finance: {gdp: 4200000}
schools:
  - students: "1450"
    teacher: 80
    level: middle
    id: a
    location: urban
    classes: 30
"""


@pytest.fixture
def files(tmp_path: Path):
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_a_valid_filing_exits_0_and_says_so(files):
    path = files("nanan.yaml", VALID)
    result = invoke("validate", path)
    assert result.exit_code == ExitStatus.OK, explain(result)
    assert result.stdout == f"✓ {path}: 有效\n"
    assert result.stderr == ""


def test_a_valid_filing_says_so_in_english_with_lang_en(files):
    path = files("nanan.json", json.dumps({
        "schema_version": 1, "district": {"code": "500108", "name": "x", "year": 2011}, "finance": {"gdp": 1},
        "schools": [{"id": "a", "level": "junior", "location": "town", "students": 1, "classes": 1}],
    }))
    result = invoke("validate", "--lang", "en", path)
    assert result.exit_code == 0, explain(result)
    assert result.stdout == f"✓ {path}: valid\n"


def test_an_invalid_filing_exits_2_with_every_error_located_on_stderr(files):
    path = files("bad.yaml", INVALID)
    result = invoke("validate", path)
    assert result.exit_code == ExitStatus.INVALID_INPUT, explain(result)
    lines = result.stderr.splitlines()
    assert lines == [
        f"{path}:5:15: /schools/0/students: 在校生数 students 必须是整数，不能是带引号的字符串 “1450”；请去掉引号",
        f"{path}:6:5: /schools/0/teacher: 未知字段 “teacher”，是否应为 “teachers”？",
        f"{path}:7:12: /schools/0/level: 学段 level 必须是 primary | junior 之一，实为字符串 “middle”",
    ], explain(result)
    assert result.stdout == ""


def test_errors_are_in_english_with_lang_en(files):
    path = files("bad.yaml", INVALID)
    result = invoke("validate", path, "--lang", "en")
    assert result.exit_code == 2, explain(result)
    assert f"{path}:6:5: /schools/0/teacher: unknown field 'teacher'; did you mean 'teachers'?" in result.stderr.splitlines()


def test_every_filing_is_validated_even_after_an_invalid_one(files):
    bad, good = files("bad.yaml", INVALID), files("good.yaml", VALID)
    result = invoke("validate", bad, good)
    assert result.exit_code == 2, explain(result)
    assert result.stdout == f"✓ {good}: 有效\n"
    assert bad in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("broken.yaml", "schools: [1, 2\n", "broken.yaml:"),
        ("empty.yaml", "", "empty.yaml"),
        ("filing.txt", "a: 1\n", "filing.txt"),
    ],
    ids=["malformed YAML", "empty file", "unsupported extension"],
)
def test_a_file_the_loader_rejects_exits_2(files, name, content, words):
    result = invoke("validate", files(name, content))
    assert result.exit_code == 2, explain(result)
    assert words in result.stderr and "Traceback" not in result.stderr


def test_a_missing_file_exits_2_and_the_others_are_still_validated(files, tmp_path):
    good = files("good.yaml", VALID)
    result = invoke("validate", str(tmp_path / "nope.yaml"), good)
    assert result.exit_code == 2, explain(result)
    assert "nope.yaml" in result.stderr
    assert result.stdout == f"✓ {good}: 有效\n"


def _crash(*args, **kwargs):
    raise RuntimeError("boom")


def test_an_internal_error_exits_3_with_a_short_message_and_no_traceback(files, monkeypatch):
    monkeypatch.setattr(validate_module, "read_filing_data", _crash)
    monkeypatch.delenv("JUNHENG_DEBUG", raising=False)
    path = files("good.yaml", VALID)
    result = invoke("validate", path)
    assert result.exit_code == ExitStatus.INTERNAL_ERROR, explain(result)
    assert "内部错误" in result.stderr and "请附上该文件报告此问题" in result.stderr and path in result.stderr
    assert "Traceback" not in result.stderr


def test_an_internal_error_says_so_in_english_with_lang_en(files, monkeypatch):
    monkeypatch.setattr(validate_module, "read_filing_data", _crash)
    result = invoke("validate", "--lang", "en", files("good.yaml", VALID), env={"JUNHENG_DEBUG": None})
    assert result.exit_code == 3, explain(result)
    assert "internal error" in result.stderr and "please report it with the file" in result.stderr


def test_junheng_debug_shows_the_traceback_of_an_internal_error(files, monkeypatch):
    monkeypatch.setattr(validate_module, "read_filing_data", _crash)
    result = invoke("validate", files("good.yaml", VALID), env={"JUNHENG_DEBUG": "1"})
    assert result.exit_code == 3, explain(result)
    assert "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr


def test_the_status_is_the_highest_any_filing_earns(files, monkeypatch):
    real = validate_module.read_filing_data

    def crash_on_one(path, *args, **kwargs):
        if str(path).endswith("crash.yaml"):
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validate_module, "read_filing_data", crash_on_one)
    result = invoke("validate", files("crash.yaml", VALID), files("bad.yaml", INVALID), files("good.yaml", VALID))
    assert result.exit_code == 3, explain(result)
    assert "good.yaml: 有效" in result.stdout
    assert "/schools/0/teacher" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["validate"], ["validate", "--lang", "fr", "x.yaml"], ["no-such-command"], ["validate", "--bogus", "x.yaml"]],
    ids=["no filing", "bad --lang", "unknown command", "unknown option"],
)
def test_a_usage_error_exits_2(args):
    result = invoke(*args)
    assert result.exit_code == 2, explain(result)


def test_schema_prints_the_committed_schema():
    result = invoke("schema")
    assert result.exit_code == 0, explain(result)
    assert result.stdout == schema_text()
    committed = ROOT / "engine" / "junheng" / "schemas" / "filing.schema.json"
    assert result.stdout == committed.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["validate"], 2), (["--version"], 0), (["--help"], 0), (["validate", "--lang", "xx", "a.yaml"], 2)],
)
def test_main_exits_with_the_status_of_theinvoke(argv, status, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == status, capsys.readouterr()


def test_main_exits_2_for_an_invalid_filing_and_0_for_a_valid_one(files, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["validate", files("bad.yaml", INVALID)])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["validate", files("good.yaml", VALID)])
    assert exited.value.code == 0, capsys.readouterr()


def test_main_turns_an_unexpected_exception_into_status_3(monkeypatch, capsys):
    import junheng.filing.schema as schema_module

    monkeypatch.setattr(schema_module, "schema_text", _crash)
    monkeypatch.delenv("JUNHENG_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["schema"])
    assert exited.value.code == 3
    err = capsys.readouterr().err
    assert "内部错误" in err and "Traceback" not in err
