"""What a new user tripped on (issue 12), each done again as the user did it, and what junheng says now.

Most tests run the command line in this process (``shared.invoke``); the ones about what a person sees on a
terminal run the installed command on a pseudo-terminal, as a shell would, and the shell completion test
speaks click's completion protocol to the installed command, as the completion script does.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import openpyxl
import pytest

from junheng.cli import bilingual
from junheng.cli.main import junheng as junheng_group
from junheng.filing.forms import write_filing
from junheng.located.read import load_document
from shared import EXE, FIX, INVALID, ROOT, invoke, run

ONE = FIX / "nanan-2011.yaml"


def _workbook(tmp_path: Path, name: str = "filing.xlsx") -> Path:
    path = tmp_path / name
    write_filing(load_document(ONE).data, path)
    return path


def _column(book: openpyxl.Workbook, label: str) -> int:
    return [c.value for c in book["学校"][1]].index(label) + 1


# ---------------------------------------------------------------- template overwrote a filled workbook


def test_template_refuses_to_overwrite_a_filled_workbook_unless_forced(tmp_path):
    form = tmp_path / "申报表.xlsx"
    assert run("template", form)[0] == 0
    book = openpyxl.load_workbook(form)
    book["区县"]["B3"] = "500108"  # the user fills the form in …
    book.save(form)
    code, out, err = run("template", form)  # … and runs the same command again
    assert code == 2, err
    assert err == f"{form}：文件已存在，未覆盖；如确要用空白申报表替换它，请加 --force\n" and out == "", err
    assert openpyxl.load_workbook(form)["区县"]["B3"].value == "500108"
    code, _, err = run("template", form, "--lang", "en")
    assert code == 2 and "already exists" in err and "--force" in err, err
    code, out, _ = run("template", form, "--force")
    assert code == 0 and "已写入" in out
    assert openpyxl.load_workbook(form)["区县"]["B3"].value is None


def test_template_refuses_a_csv_folder_that_holds_files_but_fills_an_empty_one(tmp_path):
    folder = tmp_path / "申报表"
    folder.mkdir()
    assert run("template", "--format", "csv", folder)[0] == 0  # an empty folder: nothing to lose
    code, _, err = run("template", "--format", "csv", folder)
    assert code == 2 and "文件夹已存在" in err and "--force" in err, err
    assert run("template", "--format", "csv", folder, "--force")[0] == 0


def test_template_of_yaml_refuses_an_existing_file_too(tmp_path):
    filing = tmp_path / "filing.yaml"
    shutil.copy(ONE, filing)
    code, _, err = run("template", filing)
    assert code == 2 and "--force" in err, err
    assert filing.read_bytes() == ONE.read_bytes()


# ---------------------------------------------------------------- the template's version cell was blank


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_the_blank_form_already_says_it_is_version_1_of_the_form(tmp_path, form):
    out = tmp_path / ("form.xlsx" if form == "xlsx" else "form")
    assert run("template", "--format", form, out)[0] == 0
    if form == "xlsx":
        sheet = openpyxl.load_workbook(out)["区县"]
        assert (sheet["A2"].value, sheet["B2"].value, sheet["C2"].value) == ("数据格式版本", 1, "schema_version")
    else:
        rows = (out / "区县.csv").read_text(encoding="utf-8-sig").splitlines()
        assert rows[1].startswith("数据格式版本,1,schema_version,")
    _, _, err = run("validate", out)  # blank, so not valid yet: but never for the version
    assert "schema_version" not in err and "数据格式版本" not in err, err


# ---------------------------------------------------------------- errors printed twice on a terminal


def _on_a_terminal(*args: object, cwd: Path = ROOT) -> tuple[int, str]:
    """Run the installed ``junheng`` with stdout and stderr on one pseudo-terminal: (exit status, what the screen shows)."""
    pty = pytest.importorskip("pty")
    if not EXE.exists():
        pytest.skip("the junheng console script is not installed beside this Python")
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen([str(EXE), *map(str, args)], stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, cwd=cwd, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed: Linux says EIO
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    screen = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace")).replace("\r\n", "\n")
    return process.wait(timeout=120), screen


def test_an_error_is_printed_once_on_a_terminal():
    status, screen = _on_a_terminal("check", INVALID / "bad-enum.yaml")
    assert status == 2, screen
    assert screen.count("学段 level 必须是 primary | junior 之一") == 1, screen


def test_a_redirected_report_and_the_terminal_each_get_the_error_once(tmp_path):
    report = tmp_path / "report.txt"
    with report.open("wb") as stdout:
        done = subprocess.run([str(EXE), "check", str(INVALID / "bad-enum.yaml")], stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.decode().count("学段 level 必须是 primary | junior 之一") == 1
    assert report.read_text(encoding="utf-8").count("学段 level 必须是 primary | junior 之一") == 1


def test_a_notice_is_printed_once_on_a_terminal(tmp_path):
    filing = tmp_path / "sichuan.yaml"
    filing.write_text(ONE.read_text(encoding="utf-8").replace('"500108"', '"510104"', 1), encoding="utf-8")
    status, screen = _on_a_terminal("check", filing)
    assert status == 0, screen
    assert screen.count("区县代码 510104 属于四川省（51）") == 1, screen


# ---------------------------------------------------------------- rules explain fin-13


def test_rules_explain_takes_a_rule_id_in_lower_case():
    code, out, err = run("rules", "explain", "fin-13")
    assert code == 0, err
    assert out.startswith("FIN-13  新增教育经费70%向农村和薄弱学校倾斜"), out
    assert out == run("rules", "explain", "FIN-13")[1] == run("rules", "explain", " Fin-13 ")[1]
    code, _, err = run("rules", "explain", "fin-99")
    assert code == 2 and "no rule 'fin-99'" in err, err


# ---------------------------------------------------------------- check -o r.html said nothing


def test_check_with_output_says_where_the_report_went(tmp_path):
    code, out, err = run("check", ONE, "-o", "r.html", "--format", "html", cwd=tmp_path)
    assert code == 0, err
    assert out == "" and err == "已写入报告：r.html\n", err
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, _, err = run("check", ONE, "-o", "r.html", "--format", "html", "--lang", "en", cwd=tmp_path)
    assert code == 0 and err == "report written to r.html\n", err


def test_a_streamed_report_with_output_says_so_too(tmp_path):
    code, _, err = run("check", ONE, FIX / "yubei-2012.yaml", "--format", "jsonl", "-o", "r.jsonl", cwd=tmp_path)
    assert code == 1, err
    assert "已写入报告：r.jsonl" in err.splitlines(), err
    assert len((tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_a_report_that_cannot_be_written_says_so_and_not_that_it_was(tmp_path):
    code, _, err = run("check", ONE, "-o", tmp_path / "no-such-folder" / "r.html", "--format", "html")
    assert code == 2 and "无法写入报告" in err and "已写入" not in err, err


# ---------------------------------------------------------------- "1,800" in a cell


def test_a_thousands_separator_in_a_workbook_cell_gets_spreadsheet_advice(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(3, _column(book, "在校生数（人）"), "1,800")
    book.save(path)
    code, _, err = run("check", path)
    assert code == 2, err
    assert "在校生数 必须是整数，单元格中是文本 “1,800”：去掉千位分隔符，或把单元格设为数值格式" in err, err
    assert "students" not in err.split(": ", 2)[-1], err  # the filer sees the field's name in the sheet, never its key
    assert "引号" not in err, err
    code, _, err = run("check", path, "--lang", "en")
    assert "remove the thousands separators, or format the cell as a number" in err and "quote" not in err, err


def test_a_thousands_separator_in_a_csv_cell_gets_the_same_advice(tmp_path):
    folder = tmp_path / "csv"
    write_filing(load_document(ONE).data, folder)
    text = (folder / "经费.csv").read_text(encoding="utf-8-sig")
    row = next(line for line in text.splitlines() if line.startswith("地区生产总值（万元）,"))
    value = row.split(",")[1]
    (folder / "经费.csv").write_text(text.replace(row, row.replace(f",{value},", ',"1,800",', 1)), encoding="utf-8-sig")
    code, _, err = run("validate", folder)
    assert code == 2, err
    assert "“1,800”：去掉千位分隔符，或把单元格设为数值格式" in err and "引号" not in err, err


def test_a_yaml_filing_keeps_its_advice_about_quotes(tmp_path):
    filing = tmp_path / "quoted.yaml"
    filing.write_text(ONE.read_text(encoding="utf-8").replace("students: 1372", 'students: "1372"', 1), encoding="utf-8")
    code, _, err = run("validate", filing)
    assert code == 2 and "请去掉引号" in err and "单元格" not in err, err


def test_text_typed_in_a_number_cell_of_a_workbook_is_told_to_format_the_cell(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(2, _column(book, "班级数（个）"), "24")
    book["区县"]["B2"] = "1"  # 数据格式版本 as text
    book.save(path)
    _, _, err = run("validate", path)
    assert "班级数 必须是整数，单元格中是文本 “24”：请把单元格设为数值格式后重新输入" in err, err
    assert "数据格式版本 必须为数字 1，单元格中是文本 “1”" in err and "引号" not in err, err


def test_a_unit_typed_into_a_number_cell_is_told_to_leave_it_out(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(2, _column(book, "在校生数（人）"), "1372人")
    book["学校"].cell(3, _column(book, "最大班额（人）"), "48 人/班")
    book.save(path)
    code, _, err = run("validate", path)
    assert code == 2, err
    assert "在校生数 必须是整数，单元格中是 “1372人”：只填数，不带单位（单位写在字段名称的括号中）" in err, err
    assert "最大班额 必须是整数，单元格中是 “48 人/班”：只填数，不带单位" in err, err
    _, _, err = run("validate", path, "--lang", "en")
    assert "but the cell holds '1372人': enter the number alone, without a unit" in err, err


def test_a_choice_or_a_word_in_a_workbook_cell_is_told_in_the_forms_words(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(2, _column(book, "学段")).value = "高中"
    book["学校"].cell(3, _column(book, "在校生数（人）")).value = "很多"
    book.save(path)
    code, _, err = run("validate", path)
    assert code == 2, err
    assert "学段 填 小学 或 初中，单元格中是文本 “高中”" in err and "primary" not in err, err
    assert "在校生数 必须是整数，单元格中是文本 “很多”" in err and "字符串" not in err, err
    _, _, err = run("validate", path, "--lang", "en")
    assert "level is one of 小学 (primary), 初中 (junior), but the cell holds the text '高中'" in err, err


def test_a_date_an_excel_error_or_true_in_a_number_cell_is_named_as_excel_shows_it(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(2, _column(book, "在校生数（人）")).value = datetime.date(2011, 5, 1)
    book["学校"].cell(3, _column(book, "班级数（个）")).value = "#DIV/0!"  # a formula's cached error, as openpyxl reads it
    book["学校"].cell(4, _column(book, "最大班额（人）")).value = True
    book.save(path)
    code, _, err = run("validate", path)
    assert code == 2, err
    assert "在校生数 必须是整数，单元格中是日期 2011-05-01：请把单元格设为数值格式后重新输入" in err, err
    assert "班级数 必须是整数，单元格中是 Excel 的错误值 #DIV/0!（公式出错）：请改正公式，或直接填写数值" in err, err
    assert "最大班额 必须是整数，单元格中是逻辑值 TRUE" in err and "T00:00:00" not in err, err


# ---------------------------------------------------------------- a merged cell made a field missing


def test_a_merged_cell_that_empties_a_required_field_says_so(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    column = _column(book, "城乡类别")
    book["学校"].merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)  # one school's two levels
    book.save(path)
    letter = openpyxl.utils.get_column_letter(column)
    code, _, err = run("check", path)
    assert code == 2, err
    [line] = [text for text in err.splitlines() if "城乡类别" in text]
    assert line.startswith(f"{path}:学校!{letter}5: /schools/3: "), line
    assert "学校学段记录（第 4 条）的“城乡类别”未填写（必填）" in line and "location" not in line, line
    assert f"单元格 学校!{letter}5 在合并单元格 {letter}4:{letter}5 中，合并后只有左上角的 学校!{letter}4 保留数值" in line, line
    _, _, err = run("check", path, "--lang", "en")
    assert f"lies in the merged range {letter}4:{letter}5" in err and "unmerge" in err, err


def test_a_merged_header_says_why_its_column_has_no_header(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].merge_cells("A1:B1")  # the first header now spans the first two columns
    book.save(path)
    code, _, err = run("validate", path)
    assert code == 2, err
    assert "第 B 列有数据但没有表头；单元格 学校!B1 在合并单元格 A1:B1 中" in err, err


def test_a_missing_field_without_a_merge_says_nothing_of_merges(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["学校"].cell(5, _column(book, "城乡类别")).value = None
    book.save(path)
    code, _, err = run("check", path)
    letter = openpyxl.utils.get_column_letter(_column(book, "城乡类别"))
    assert code == 2 and f"filing.xlsx:学校!{letter}5: /schools/3: 学校学段记录（第 4 条）的“城乡类别”未填写（必填）" in err, err
    assert "合并" not in err, err


# ---------------------------------------------------------------- an extra sheet blocked the check


def _with_notes_sheet(tmp_path: Path, filing: Path = ONE) -> Path:
    path = tmp_path / "filing.xlsx"
    write_filing(load_document(filing).data, path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Sheet1")["A1"] = "备注：经费数据由财政局 3 月 2 日提供"
    book.save(path)
    return path


def test_a_sheet_that_is_not_part_of_the_form_is_ignored_with_a_warning(tmp_path):
    path = _with_notes_sheet(tmp_path)
    code, out, err = run("check", path, "--format", "json")
    assert code == 0, err
    [notice] = json.loads(out)["notices"]
    assert notice["code"] == "filing_sheet_ignored" and notice["cell"] == "Sheet1", notice
    assert "已忽略工作表“Sheet1”：它不属于申报表，其中的内容没有读取" in notice["message"], notice
    assert err.startswith(f"警告 {path}:Sheet1: "), err
    alone = json.loads(run("check", ONE, "--format", "json")[1])
    essence = [(f["rule"], f["subject"], f.get("shortfall")) for f in json.loads(out)["findings"]]
    assert essence == [(f["rule"], f["subject"], f.get("shortfall")) for f in alone["findings"]]  # read as if it were not there


def test_a_deferred_workbook_with_an_extra_sheet_still_exits_1(tmp_path):
    path = _with_notes_sheet(tmp_path, FIX / "yubei-2012.yaml")
    code, _, err = run("check", path)
    assert code == 1 and "Sheet1" in err, err


def test_strict_makes_a_sheet_that_is_not_part_of_the_form_an_error(tmp_path):
    path = _with_notes_sheet(tmp_path)
    for command in ("check", "validate"):
        code, _, err = run(command, path, "--strict")
        assert code == 2, (command, err)
        assert "已忽略工作表“Sheet1”" in err and "警告" not in err, (command, err)
    code, out, err = run("validate", path)
    assert code == 0 and "有效" in out and "警告" in err and "Sheet1" in err, err


def test_a_notes_file_in_a_csv_folder_is_ignored_with_a_warning(tmp_path):
    folder = tmp_path / "csv"
    write_filing(load_document(ONE).data, folder)
    (folder / "备注.csv").write_text("填表人,张三\n", encoding="utf-8")
    code, _, err = run("check", folder)
    assert code == 0, err
    assert "已忽略文件“备注.csv”" in err, err


def test_an_ignored_sheet_is_named_beside_the_errors_it_may_explain(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book["经费"].title = "财务数据表"  # nothing like any sheet of the form: not taken for 经费
    book.save(path)
    code, _, err = run("check", path)
    assert code == 2, err
    assert "已忽略工作表“财务数据表”" in err and "缺少工作表“经费”（经费保障，必填）" in err, err


def test_convert_says_which_sheet_it_left_out(tmp_path):
    path = _with_notes_sheet(tmp_path)
    code, _, err = run("convert", path, tmp_path / "filing.yaml")
    assert code == 0 and "警告" in err and "Sheet1" in err, err


# ---------------------------------------------------------------- shell completion


def _complete(*words: str) -> list[str]:
    if not EXE.exists():
        pytest.skip("the junheng console script is not installed beside this Python")
    env = {**os.environ, "_JUNHENG_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(words), "COMP_CWORD": str(len(words) - 1)}
    done = subprocess.run([str(EXE)], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout.splitlines()


def test_shell_completion_offers_commands_options_values_and_files():
    assert "plain,check" in _complete("junheng", "ch")
    assert "plain,explain" in _complete("junheng", "rules", "ex")
    assert "plain,--format" in _complete("junheng", "check", "--fo")
    assert {"plain,html", "plain,json", "plain,letter"} <= set(_complete("junheng", "check", "--format", ""))
    assert _complete("junheng", "check", "fixtures/fil") == ["file,fixtures/fil"]  # bash completes the file name


def test_shell_completion_is_documented_with_the_commands_that_enable_it():
    text = (ROOT / "docs" / "shell-completion.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_JUNHENG_COMPLETE={shell}_source junheng" in text, shell
    if not EXE.exists():
        pytest.skip("the junheng console script is not installed beside this Python")
    script = subprocess.run([str(EXE)], env={**os.environ, "_JUNHENG_COMPLETE": "bash_source"}, capture_output=True, text=True)
    assert script.returncode == 0 and "complete -o nosort -F _junheng_completion junheng" in script.stdout


# ---------------------------------------------------------------- --help in Chinese


def _commands(group: click.Group, ctx: click.Context) -> list[tuple[click.Command, click.Context]]:
    out: list[tuple[click.Command, click.Context]] = [(group, ctx)]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, parent=ctx, info_name=name)
        out += _commands(command, sub) if isinstance(command, click.Group) else [(command, sub)]
    return out


def test_every_command_and_option_has_help_in_chinese_and_english():
    missing = []
    for command, ctx in _commands(junheng_group, click.Context(junheng_group, info_name="junheng")):
        assert isinstance(command, (bilingual.Command, bilingual.Group)), ctx.command_path
        texts = [(ctx.command_path, command.help)]
        texts += [(f"{ctx.command_path} {p.opts[0]}", p.help) for p in command.get_params(ctx) if isinstance(p, click.Option)]
        for where, text in texts:
            if not text or not re.search(r"[\u4e00-\u9fff]", text) or bilingual._ENGLISH.get(inspect.cleandoc(text)) is None:
                missing.append(where)
    assert not missing, f"without help in Chinese and English: {missing}"


def test_help_is_chinese_by_default_and_english_when_asked():
    code, out, _ = run("check", "--help")
    assert code == 0 and "按规则包检查每份 FILING" in out and "显示本帮助并退出" in out and "报告格式" in out, out
    code, out, _ = run("check", "--lang", "en", "--help")
    assert code == 0 and "Check each FILING against its rule pack" in out and "Output format." in out, out
    assert "Show this message and exit." in out and "报告格式" not in out, out
    english = invoke("--help", env={bilingual.ENV: "en"})
    assert "Check filings against the rules." in english.stdout and "检查申报数据是否达标" not in english.stdout, english.stdout
    again = run("--help")[1]  # and Chinese again afterwards: the English was only borrowed for that help
    assert "检查申报数据是否达标" in again and "显示本帮助并退出" in again, again


def test_junheng_lang_en_also_sets_the_language_of_messages():
    result = invoke("rules", "test", env={bilingual.ENV: "en"})
    assert result.exit_code == 0 and re.search(r"^\d+ passed, 0 failed$", result.stdout, re.M), result.stdout
    assert invoke("rules", "test", "--lang", "zh", env={bilingual.ENV: "en"}).stdout.rstrip().endswith("项失败")


def test_help_on_the_real_command_line_follows_junheng_lang():
    env = {**os.environ, bilingual.ENV: "en"}
    done = subprocess.run([sys.executable, "-m", "junheng.cli.main", "template", "--help"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "Write a blank filing form to OUT" in done.stdout, done.stdout + done.stderr
