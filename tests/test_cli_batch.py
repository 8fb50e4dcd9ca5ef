"""Many filings at once: folders, glob patterns, standard input, ``--output`` and the closing summary."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import junheng.report.output as output_module
from junheng.check.sources import expand
from junheng.report.output import Progress, summary_line, write_atomically
from shared import FIX, INVALID, run


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """filings/ with nested folders, a non-filing, a hidden folder and file, in a scrambled order."""
    root = tmp_path / "filings"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    (root / ".hidden").mkdir()
    shutil.copy(FIX / "yubei-2012.yaml", root / "b" / "deep" / "yubei.yaml")
    shutil.copy(FIX / "yongchuan-2012.yaml", root / "a" / "yongchuan.yml")
    shutil.copy(FIX / "nanan-2011.json", root / "nanan.json")
    shutil.copy(FIX / "nanan-2011.yaml", root / ".hidden" / "skipped.yaml")
    shutil.copy(FIX / "nanan-2011.yaml", root / ".skipped.yaml")
    (root / "README.md").write_text("# not a filing\n", encoding="utf-8")
    return tmp_path


def _files(out: str) -> list[str]:
    doc = json.loads(out)
    return [r["file"] for r in doc["results"]] if "results" in doc else [doc["file"]]


# ---------------------------------------------------------------- files, folders, globs


def test_a_folder_is_every_filing_below_it_sorted_by_path(tree):
    code, out, err = run("check", "filings", "--format", "json", cwd=tree)
    assert code == 1, out + err
    assert _files(out) == ["filings/a/yongchuan.yml", "filings/b/deep/yubei.yaml", "filings/nanan.json"]


def test_a_quoted_glob_is_expanded_by_junheng_recursively_and_sorted(tree):
    code, out, err = run("check", "filings/**/*.y*ml", "--format", "json", cwd=tree)
    assert code == 1, out + err
    assert _files(out) == ["filings/a/yongchuan.yml", "filings/b/deep/yubei.yaml"]


def test_arguments_keep_their_order_and_each_expands_in_place(tree):
    code, out, err = run("check", "filings/nanan.json", "filings/b", "filings/a/*.yml", "--format", "json", cwd=tree)
    assert _files(out) == ["filings/nanan.json", "filings/b/deep/yubei.yaml", "filings/a/yongchuan.yml"]


@pytest.mark.parametrize("argument,words", [
    ("filings/nope.yaml", "no such file or folder: 'filings/nope.yaml'"),
    ("filings/**/*.xlsx", "the pattern 'filings/**/*.xlsx' matches no filing"),
    ("empty", "the folder 'empty' holds no filing"),
])
def test_an_argument_that_names_no_filing_fails_alone_with_exit_2(tree, argument, words):
    (tree / "empty").mkdir()
    code, out, err = run("check", "filings/a", argument, "--format", "json", "--lang", "en", cwd=tree)
    assert code == 2, out + err
    results = json.loads(out)["results"]
    assert results[0]["verdict"] == "qualified"
    assert results[1]["file"] == argument and results[1]["status"] == 2
    assert words in results[1]["errors"][0]["message"] and words in err
    assert "Traceback" not in err


def test_each_filing_of_a_batch_has_the_result_it_has_alone(tree):
    _, batch, _ = run("check", "filings", "--format", "json", cwd=tree)
    for result in json.loads(batch)["results"]:
        _, alone, _ = run("check", result["file"], "--format", "json", cwd=tree)
        assert json.loads(alone) == result


def test_a_file_given_by_name_is_checked_whatever_its_extension(tree):
    code, out, err = run("check", "filings/README.md", cwd=tree)
    assert code == 2 and "README.md" in err and ".md" in err, out + err


def test_a_folder_of_csv_sheets_is_one_filing_not_a_folder_of_filings(tree):
    sheets = tree / "filings" / "c" / "wanzhou-csv"
    sheets.mkdir(parents=True)
    (sheets / "区县.csv").write_text("字段,值\n", encoding="utf-8")
    assert [s.name for s in expand([str(sheets)])] == [str(sheets)]
    names = [s.name for s in expand([str(tree / "filings")])]
    assert str(sheets) in names and not any(n.endswith(".csv") for n in names)


def test_expand_reads_standard_input_once_for_every_dash():
    stream = io.BytesIO(b"abc")
    sources = expand(["-", "-"], stream, "json")
    assert [(s.name, s.data, s.fmt) for s in sources] == [("<stdin>", b"abc", "json")] * 2


# ---------------------------------------------------------------- standard input


def test_check_reads_a_yaml_filing_from_standard_input_as_stdin():
    code, out, err = run("check", "-", "--format", "json", input=(FIX / "yubei-2012.yaml").read_bytes())
    assert code == 1, out + err
    doc = json.loads(out)
    assert doc["file"] == "<stdin>" and doc["verdict"] == "deferred"
    assert {loc["file"] for f in doc["findings"] for loc in f["locations"]} == {"<stdin>"}


def test_check_reads_json_from_standard_input_with_input_format_json():
    code, out, err = run("check", "-", "--input-format", "json", "--format", "json", input=(FIX / "nanan-2011.json").read_bytes())
    assert code == 0, out + err
    assert json.loads(out)["district"]["code"] == "500108"


def test_invalid_standard_input_is_located_as_stdin():
    bad = (INVALID / "quoted-count.yaml").read_bytes()
    code, out, err = run("check", "-", input=bad)
    assert code == 2, out + err
    assert err.startswith("<stdin>:27:15: /schools/0/students:")
    code, out, err = run("check", "-", "--input-format", "json", input=(FIX / "yubei-2012.yaml").read_bytes())
    assert code == 2 and "<stdin>:1:1:" in err and "JSON" in err, out + err


def test_validate_reads_standard_input_and_folders_and_globs(tree):
    code, out, err = run("validate", "-", "filings", "filings/*.json", input=(FIX / "beibei-2012.yaml").read_bytes(), cwd=tree)
    assert code == 0, out + err
    assert out.splitlines() == ["✓ <stdin>: 有效", "✓ filings/a/yongchuan.yml: 有效", "✓ filings/b/deep/yubei.yaml: 有效",
                                "✓ filings/nanan.json: 有效", "✓ filings/nanan.json: 有效"]
    assert err.splitlines() == ["filings/README.md: 不是申报文件（只检查 .yaml、.yml、.json、.xlsx 文件和 CSV 工作表文件夹）",
                                "跳过 1 个非申报文件：filings/README.md",
                                "共 5 份申报：有效 5，无效 0，内部错误 0；跳过 1 个非申报文件"]


def test_validate_reports_an_argument_that_names_nothing_and_goes_on(tree):
    code, out, err = run("validate", "nothing/*.yaml", "filings/nanan.json", "--lang", "en", cwd=tree)
    assert code == 2, out + err
    assert out == "✓ filings/nanan.json: valid\n"
    assert "the pattern 'nothing/*.yaml' matches no filing" in err
    assert err.splitlines()[-1] == "2 filings, 1 valid, 1 invalid, 0 internal errors"


# ---------------------------------------------------------------- --output


def test_output_writes_the_same_report_to_a_file(tmp_path):
    target = tmp_path / "report.json"
    code, out, err = run("check", FIX / "yubei-2012.yaml", "--format", "json", "--output", target)
    assert code == 1, out + err
    assert out == ""
    _, direct, _ = run("check", FIX / "yubei-2012.yaml", "--format", "json")
    assert target.read_text(encoding="utf-8") == direct
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_output_replaces_an_existing_report_and_keeps_its_mode(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    code, _, _ = run("validate", FIX / "beibei-2012.yaml", "-o", target)
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("✓ ")
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError])
def test_a_write_that_fails_midway_leaves_neither_a_partial_report_nor_a_temporary_file(tmp_path, monkeypatch, interruption):
    target = tmp_path / "report.json"

    def half_then_fail(stream, data):
        stream.write(data[: len(data) // 2])
        raise interruption("interrupted")

    monkeypatch.setattr(output_module, "_write_all", half_then_fail)
    with pytest.raises(interruption):
        write_atomically(target, b"x" * 1000)
    assert list(tmp_path.iterdir()) == []
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(interruption):
        write_atomically(target, b"y" * 1000)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert target.read_text(encoding="utf-8") == "previous"


def test_an_interrupted_check_writes_no_report_and_exits_130(tmp_path, monkeypatch, capsys):
    from junheng.cli.main import main

    def interrupted(stream, data):
        stream.write(data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(output_module, "_write_all", interrupted)
    with pytest.raises(SystemExit) as exited:
        main(["check", str(FIX / "yubei-2012.yaml"), "--output", str(tmp_path / "r.txt")])
    assert exited.value.code == 130, capsys.readouterr()
    assert list(tmp_path.iterdir()) == []


def test_an_output_file_that_cannot_be_written_is_exit_2(tmp_path):
    code, out, err = run("check", FIX / "yongchuan-2012.yaml", "--output", tmp_path / "no" / "such" / "dir.txt", "--lang", "en")
    assert code == 2, out + err
    assert "cannot write the report" in err and "Traceback" not in err


# ---------------------------------------------------------------- summary and progress


def test_several_filings_end_with_a_one_line_summary_on_stderr():
    args = [FIX / "yubei-2012.yaml", FIX / "yongchuan-2012.yaml", INVALID / "quoted-count.yaml", "missing.yaml"]
    code, out, err = run("check", *args)
    assert code == 2, out + err
    assert err.splitlines()[-1] == "共 4 份申报：合格 1，推迟认定 1，无效 2，内部错误 0"
    code, out, err = run("check", *args, "--lang", "en", "--format", "sarif")
    assert err.splitlines()[-1] == "4 filings, 1 qualified, 1 deferred, 2 invalid, 0 internal errors"
    assert "filings," not in out


def test_one_filing_has_no_summary_line():
    code, out, err = run("check", FIX / "yubei-2012.yaml")
    assert code == 1 and err == "", err
    code, out, err = run("validate", FIX / "yubei-2012.yaml")
    assert code == 0 and err == "", err


def test_no_progress_is_shown_when_stderr_is_not_a_terminal():
    _, _, err = run("check", FIX / "yubei-2012.yaml", FIX / "yongchuan-2012.yaml")
    assert "\r" not in err and "\x1b" not in err and "[1/2]" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_in_place_on_a_terminal_and_erased():
    stream = _Terminal()
    progress = Progress(3, stream)
    progress.show(1, "a.yaml")
    progress.show(2, "b.yaml")
    progress.clear()
    assert stream.getvalue() == "\r\x1b[K[1/3] a.yaml\r\x1b[K[2/3] b.yaml\r\x1b[K"
    for quiet in (Progress(1, _Terminal()), Progress(3, io.StringIO())):
        quiet.show(1, "a.yaml")
        quiet.clear()
        assert quiet.stream.getvalue() == ""


def test_the_summary_counts_every_outcome():
    from junheng.check.run import internal_failure

    line = summary_line([internal_failure("x.yaml", "boom")] * 2, "en")
    assert line == "2 filings, 0 qualified, 0 deferred, 0 invalid, 2 internal errors"


# ---------------------------------------------------------------- exit status of a batch


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github", "markdown"])
def test_a_batch_exits_with_the_highest_status_any_filing_earns(tree, fmt):
    assert run("check", "filings/a", "--format", fmt, cwd=tree)[0] == 0
    assert run("check", "filings", "--format", fmt, cwd=tree)[0] == 1
    assert run("check", "filings", "filings/zzz*.yaml", "--format", fmt, cwd=tree)[0] == 2
    assert run("check", "filings", "--format", fmt, "--fail-on", "never", cwd=tree)[0] == 0


# ---------------------------------------------------------------- every filing format in folders and globs; nothing skipped silently


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A district office's folder: a clean YAML filing, a deferred filing as .xlsx, a CSV-sheet folder and clutter."""
    from junheng.filing.sheets import write_csv_folder, write_workbook
    from junheng.located.read import load_document

    root = tmp_path / "filings"
    root.mkdir()
    shutil.copy(FIX / "yongchuan-2012.yaml", root / "good.yaml")
    write_workbook(load_document(str(FIX / "yubei-2012.yaml")).data, root / "county.xlsx")
    write_csv_folder(load_document(str(FIX / "beibei-2012.yaml")).data, root / "beibei-csv")
    (root / "~$county.xlsx").write_bytes(b"lock")
    (root / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "notes.docx").write_bytes(b"PK")
    return tmp_path


def test_a_folder_with_a_deferred_xlsx_filing_checks_it_and_fails(mixed):
    code, out, err = run("check", "filings", "--format", "json", cwd=mixed)
    assert code == 1, out + err
    results = {r["file"]: r["verdict"] for r in json.loads(out)["results"]}
    assert results == {"filings/beibei-csv": "deferred", "filings/county.xlsx": "deferred", "filings/good.yaml": "qualified"}


def test_a_quoted_glob_of_xlsx_filings_matches_them(mixed):
    code, out, err = run("check", "filings/*.xlsx", "--format", "json", cwd=mixed)
    assert code == 1, out + err
    assert _files(out) == ["filings/county.xlsx"]
    assert "~$county.xlsx" in err and "锁定文件" in err


def test_files_that_are_not_filings_are_listed_on_stderr_and_in_the_summary(mixed):
    code, out, err = run("check", "filings", cwd=mixed)
    assert code == 1, out + err
    assert "filings/old.xls: 旧版 Excel 工作簿（.xls）" in err and "“另存为” .xlsx" in err
    assert "filings/notes.docx: 不是申报文件" in err
    assert "跳过 3 个非申报文件：filings/notes.docx、filings/old.xls、filings/~$county.xlsx" in err
    assert err.rstrip().endswith("；跳过 3 个非申报文件"), err
    assert "Traceback" not in err


def test_strict_makes_a_skipped_file_exit_2_in_check_validate_and_streaming(mixed):
    (mixed / "clean").mkdir()
    shutil.copy(FIX / "yongchuan-2012.yaml", mixed / "clean" / "good.yaml")
    (mixed / "clean" / "old.xls").write_bytes(b"x")
    assert run("check", "clean", cwd=mixed)[0] == 0
    for args in (["check", "clean", "--strict"], ["check", "clean", "--strict", "--format", "jsonl"],
                 ["validate", "clean", "--strict"]):
        code, out, err = run(*args, cwd=mixed)
        assert code == 2 and "old.xls" in err, (args, out, err)
    assert run("validate", "clean", cwd=mixed)[0] == 0


def test_skipped_files_are_said_in_english_with_lang_en(mixed):
    code, out, err = run("check", "filings", "--lang", "en", cwd=mixed)
    assert "save it as .xlsx" in err and "skipped 3 files that are not a filing" in err


def test_a_folder_holding_only_non_filings_names_what_it_holds(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.xls").write_bytes(b"x")
    code, out, err = run("check", "docs", cwd=tmp_path)
    assert code == 2 and "没有申报文件" in err and "docs/a.xls" in err and "“另存为” .xlsx" in err
