"""On-site verification (实地核查, follow-up.md §3): the filing checked with the figures a 核查表 verified in place of the
filed ones, DATA-06 for each figure that differs, and every mistake in a form named by its sheet and cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from junheng.followup.sample import FORM_COLUMNS, FORM_SHEET
from shared import FIX, explain, invoke, run

FILING = FIX / "nanan-2011.yaml"
SCHOOL = "5001080011"  # 南岸区涂山镇中心小学, a primary school of nanan-2011 with 566 pupils and enough books for them


def _form(tmp_path: Path, filing: Path = FILING, schools: int = 30) -> Path:
    """The 核查表 `junheng sample --format xlsx` writes (every school of the filing, by default)."""
    form = tmp_path / "核查表.xlsx"
    result = invoke("sample", filing, "--schools", schools, "--format", "xlsx", "--output", form)
    assert result.exit_code == 0, explain(result)
    return form


def _fill(form: Path, figures: dict[tuple[str, str], object], out: Path | None = None) -> tuple[Path, dict[tuple[str, str], int]]:
    """Write 核查数 into the rows of (school, field); returns the form and the row of each."""
    book = openpyxl.load_workbook(form)
    ws = book[FORM_SHEET]
    rows = {}
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[3].value)
        rows[key] = row[0].row
        if key in figures:
            row[5].value = figures[key]
    missing = set(figures) - set(rows)
    assert not missing, f"the form has no row for {missing}"
    out = out or form.with_name("filled.xlsx")
    book.save(out)
    return out, rows


def _filed(field: str, school: str = SCHOOL) -> int:
    import yaml

    records = yaml.safe_load(FILING.read_text(encoding="utf-8"))["schools"]
    return next(r for r in records if r["id"] == school)[field]


def _json(*args: object) -> tuple[int, dict, str]:
    code, out, err = run("verify", *args, "--format", "json")
    return code, (json.loads(out) if out else {}), err


# ---------------------------------------------------------------- the verification scenario


def test_a_verified_figure_across_a_threshold_gives_data_06_and_the_substantive_finding(tmp_path):
    books = _filed("books")
    assert _filed("students") == 566 and books >= 25 * 566
    verified = 25 * 566 - 300  # 13,850 volumes for 566 pupils: 24.5 per pupil, below 25 (STD-05)
    form, rows = _fill(_form(tmp_path), {(SCHOOL, "books"): verified})
    code, doc, err = _json(FILING, form, "--fail-on", "major")
    assert code == 1, err
    by_rule = {(f["rule"], f["subject"]): f for f in doc["findings"]}
    data06 = by_rule[("DATA-06", f"{SCHOOL}/books")]
    assert data06["severity"] == "major"
    assert data06["observed"] == {"filed": books, "verified": verified}
    assert "核查" in data06["rectification"] and "核查数与申报数不符" in data06["title"]
    filing_place, form_place = data06["locations"]
    assert filing_place["file"] == str(FILING) and filing_place["pointer"].endswith("/books") and "cell" not in filing_place
    assert form_place == {"file": str(form), "line": rows[(SCHOOL, "books")], "column": 6, "pointer": filing_place["pointer"],
                          "cell": f"核查!F{rows[(SCHOOL, 'books')]}"}
    std05 = by_rule[("STD-05", SCHOOL)]  # judged on the verified figure: 25 × 566 − 13,850 = 300
    assert std05["shortfall"] == {"value": 300, "unit": "册"} and std05["observed"]["books"] == verified
    clean = json.loads(run("check", FILING, "--format", "json")[1])
    assert ("STD-05", SCHOOL) not in {(f["rule"], f["subject"]) for f in clean["findings"]}  # the filed figure passes


def test_a_verified_figure_equal_to_the_filed_one_or_within_half_a_unit_gives_no_data_06(tmp_path):
    form, _ = _fill(_form(tmp_path), {(SCHOOL, "books"): _filed("books"), (SCHOOL, "land_area"): _filed("land_area") + 0.5})
    code, doc, err = _json(FILING, form)
    assert code == 0, err
    assert not [f for f in doc["findings"] if f["rule"] == "DATA-06"]
    assert doc["findings"] == json.loads(run("check", FILING, "--format", "json")[1])["findings"]


def test_each_figure_that_differs_is_its_own_finding_and_the_text_report_names_the_form_cell(tmp_path):
    form, rows = _fill(_form(tmp_path), {(SCHOOL, "books"): 30000, (SCHOOL, "teachers"): _filed("teachers") - 2})
    code, doc, _ = _json(FILING, form)
    subjects = sorted(f["subject"] for f in doc["findings"] if f["rule"] == "DATA-06")
    assert subjects == [f"{SCHOOL}/books", f"{SCHOOL}/teachers"]
    code, out, _ = run("verify", FILING, form)
    assert f"核查!F{rows[(SCHOOL, 'books')]}" in out and "核查数与申报数不符" in out


def test_a_form_that_verifies_nothing_gives_the_check_of_the_filing_with_a_warning(tmp_path):
    form = _form(tmp_path)
    code, doc, err = _json(FILING, form)
    assert "没有填写任何核查数" in err
    checked = json.loads(run("check", FILING, "--format", "json")[1])
    assert doc["findings"] == checked["findings"] and doc["verdict"] == checked["verdict"]


# ---------------------------------------------------------------- exit status and --fail-on, as check's


def test_exit_status_and_fail_on_are_those_of_check(tmp_path):
    form, _ = _fill(_form(tmp_path), {(SCHOOL, "books"): 30000})  # DATA-06 (major) only; nanan-2011 has two major findings
    assert run("verify", FILING, form)[0] == 0  # default --fail-on blocking
    assert run("verify", FILING, form, "--fail-on", "major")[0] == 1
    assert run("verify", FILING, form, "--fail-on", "never")[0] == 0
    students = _filed("students")
    form2, _ = _fill(_form(tmp_path), {(SCHOOL, "students"): students * 3}, out=tmp_path / "students.xlsx")
    code, doc, _ = _json(FILING, form2)  # three times the pupils cannot fit the classes: DATA-03 (blocking), deferred
    assert code == 1 and doc["verdict"] == "deferred"
    assert {("DATA-03", SCHOOL), ("DATA-06", f"{SCHOOL}/students")} <= {(f["rule"], f["subject"]) for f in doc["findings"]}


def test_every_report_format_of_check_renders_a_verified_result(tmp_path):
    form, _ = _fill(_form(tmp_path), {(SCHOOL, "books"): 30000})
    for fmt in ("text", "markdown", "html", "sarif", "junit", "github", "letter"):
        code, out, err = run("verify", FILING, form, "--format", fmt)
        assert code == 0, (fmt, err)
        assert out
    code, _, err = run("verify", FILING, form, "--format", "docx")
    assert code == 2 and "--output" in err


# ---------------------------------------------------------------- invalid forms: exit 2 with the sheet and cell


def _edit(form: Path, cell: str, value: object) -> Path:
    book = openpyxl.load_workbook(form)
    book[FORM_SHEET][cell] = value
    book.save(form)
    return form


def _row_of(form: Path, school: str, field: str) -> int:
    ws = openpyxl.load_workbook(form)[FORM_SHEET]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == school and r[3].value == field)


@pytest.mark.parametrize("column, value, said", [
    ("A", "5001089999", "没有学校标识码为 “5001089999” 的学校"),
    ("D", "bookz", "“bookz”不是学校的数值字段，是否应为 “books”？"),
    ("F", "一千", "核查数应为数值"),
    ("F", -5, "不小于 0"),
    ("F", 31000.5, "核查数应为整数"),
])
def test_an_unknown_school_an_unknown_field_or_a_non_number_is_exit_2_naming_the_sheet_and_cell(tmp_path, column, value, said):
    form = _form(tmp_path)
    row = _row_of(form, SCHOOL, "books")
    _edit(form, f"{column}{row}", value)
    code, out, err = run("verify", FILING, form)
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    assert f"{form}:核查!{column}{row}:" in err and said in err, err


def test_a_school_row_unfilled_still_must_name_what_the_filing_has(tmp_path):
    form = _form(tmp_path)
    row = _row_of(form, SCHOOL, "art_rooms")
    _edit(form, f"A{row}", "no-such-school")
    code, _, err = run("verify", FILING, form)
    assert code == 2 and f"核查!A{row}" in err


def test_a_field_the_record_did_not_file_a_repeated_row_a_missing_sheet_or_header_are_exit_2(tmp_path):
    form = _form(tmp_path)
    book = openpyxl.load_workbook(form)
    ws = book[FORM_SHEET]
    ws.append([SCHOOL, "", "图书（册）", "books", 31700, 31000, None])  # books of the school, a second time
    last = ws.max_row
    book.save(form)
    code, _, err = run("verify", FILING, form)
    assert code == 2 and f"核查!D{last}" in err and "重复" in err
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(other)
    code, _, err = run("verify", FILING, other)
    assert code == 2 and "没有工作表“核查”" in err
    headless = tmp_path / "headless.xlsx"
    book = openpyxl.Workbook()
    book.active.title = FORM_SHEET
    book.active.append(["学校标识码", "字段", "数值"])
    book.save(headless)
    code, _, err = run("verify", FILING, headless)
    assert code == 2 and "核查!A1" in err and "核查数" in err
    code, _, err = run("verify", FILING, tmp_path / "nothing.xlsx")
    assert code == 2 and "nothing.xlsx" in err and "Traceback" not in err


def test_verifying_a_figure_the_record_never_filed_is_exit_2(tmp_path, policy):
    from junheng.errors import InputErrors
    from junheng.followup.verify import read_form

    data = {"schools": [{"id": "P1", "level": "primary", "location": "urban", "students": 100, "classes": 4}]}
    form = tmp_path / "form.xlsx"
    book = openpyxl.Workbook()
    book.active.title = FORM_SHEET
    book.active.append(list(FORM_COLUMNS))
    book.active.append(["P1", "", "图书（册）", "books", None, 300, None])
    book.save(form)
    with pytest.raises(InputErrors) as caught:
        read_form(str(form), data)
    (error,) = caught.value.errors
    assert error.cell == "核查!D2" and "申报中没有“图书（册）”" in error.zh


def test_a_filing_whose_school_ids_repeat_is_refused(tmp_path):
    filing = FIX / "shapingba-2012-integrity.yaml"  # 5001060102 is used by two records (DATA-01)
    form = _form(tmp_path, filing)
    code, out, err = run("verify", filing, form)
    assert code == 2 and out == ""
    assert "5001060102" in err and "DATA-01" in err and "shapingba-2012-integrity.yaml:" in err


def test_a_spreadsheet_filing_keeps_its_own_cells_and_the_form_its_cell(tmp_path):
    xlsx = tmp_path / "nanan.xlsx"
    assert run("convert", FILING, xlsx)[0] == 0
    form, rows = _fill(_form(tmp_path, xlsx), {(SCHOOL, "books"): 30000})
    code, doc, err = _json(xlsx, form)
    assert code == 0, err
    (data06,) = [f for f in doc["findings"] if f["rule"] == "DATA-06"]
    filing_place, form_place = data06["locations"]
    assert filing_place["file"] == str(xlsx) and filing_place["cell"].startswith("学校!")
    assert form_place["cell"] == f"核查!F{rows[(SCHOOL, 'books')]}"


def test_the_form_from_another_copy_of_the_filing_still_reads(tmp_path):
    copy = tmp_path / "nanan.yaml"
    shutil.copy(FILING, copy)
    form, _ = _fill(_form(tmp_path, copy), {(SCHOOL, "books"): 30000})
    code, doc, _ = _json(copy, form)
    assert [f["subject"] for f in doc["findings"] if f["rule"] == "DATA-06"] == [f"{SCHOOL}/books"]


def test_a_form_drawn_from_another_filing_is_one_error_not_one_per_row(tmp_path):
    form = _form(tmp_path, FIX / "beibei-2012.yaml", schools=3)
    code, _, err = run("verify", FILING, form)
    assert code == 2 and err.count("\n") == 1
    assert "核查!A2" in err and "另一份申报" in err
