"""Spreadsheet filings: an .xlsx workbook and a folder of CSV files carry the same filing as YAML.

Every fixture goes YAML → xlsx (and → CSV folder) → back without losing anything, and is checked
with the same findings in each form; broken spreadsheets are errors that name the file and the cell.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from junheng.check.run import check_source
from junheng.cli.main import junheng
from junheng.errors import InputError, InputErrors
from junheng.filing import sheets
from junheng.filing.forms import example, load_filing, notices_of, write_filing, yaml_text
from junheng.filing.read import read_filing as load_and_validate
from junheng.filing.validate import validate_document
from junheng.located.read import load_document
from shared import FIX, FIXTURE_FILINGS

ONE = FIX / "nanan-2011.yaml"


def _normal(value):
    """Filing data with what means "absent" left out: null, and {} (the contract says they are the same)."""
    if isinstance(value, dict):
        out = {k: _normal(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _errors(source) -> list[InputError]:
    with pytest.raises(InputErrors) as caught:
        load_and_validate(str(source))
    return caught.value.errors


def _workbook_of(tmp_path: Path, filing: Path = ONE) -> Path:
    path = tmp_path / "filing.xlsx"
    write_filing(load_document(filing).data, path)
    return path


def _edit(path: Path, sheet: str, cell: str, value) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def _column_of(label: str) -> str:
    index = [c.label for c in sheets.SHEETS[-1].columns].index(label) + 1
    return openpyxl.utils.get_column_letter(index)


# ---------------------------------------------------------------- the layout


def test_every_label_is_unique_within_its_sheet_and_every_figure_names_its_unit():
    for sheet in sheets.SHEETS:
        labels = [c.label for c in sheet.columns]
        assert len(labels) == len(set(labels)), sheet.name
        for column in sheet.columns:
            if column.kind in ("count", "amount"):
                assert column.unit and column.label.endswith(f"（{column.unit}）"), column.label


def test_labels_come_from_the_models_titles_and_descriptions():
    columns = {c.key: c for s in sheets.SHEETS for c in s.columns}
    assert columns["students"].label == "在校生数（人）"
    assert columns["land_area"].label == "占地面积（平方米）"
    assert columns["finance.regular_revenue.current"].label == "财政经常性收入·本年（万元）"
    assert columns["finance.per_student_expenditure.primary.previous"].label == "生均教育事业费·小学·上年（元）"
    assert columns["level"].choices == (("primary", "小学"), ("junior", "初中"))


# ---------------------------------------------------------------- round trips and the same findings


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_every_fixture_goes_to_xlsx_and_back_losing_nothing(tmp_path, filing):
    doc, model = load_and_validate(str(filing))
    path = tmp_path / "filing.xlsx"
    write_filing(doc.data, path)
    back, back_model = load_and_validate(str(path))
    assert back_model == model
    assert _normal(back.data) == _normal(doc.data)
    again = tmp_path / "again.yaml"
    write_filing(back.data, again)  # and on to YAML: the same again
    yaml_doc, yaml_model = load_and_validate(str(again))
    assert yaml_model == model and _normal(yaml_doc.data) == _normal(doc.data)


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_every_fixture_goes_to_a_csv_folder_and_back_losing_nothing(tmp_path, filing):
    doc, model = load_and_validate(str(filing))
    write_filing(doc.data, tmp_path / "csv")
    back, back_model = load_and_validate(str(tmp_path / "csv"))
    assert back_model == model
    assert _normal(back.data) == _normal(doc.data)


def _essence(result) -> list:
    return [(f.rule, f.for_rule, f.subject, f.severity, f.shortfall, json.dumps(f.observed, sort_keys=True)) for f in result.findings]


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_a_filing_checked_as_xlsx_gives_the_same_findings_as_yaml(tmp_path, policy, filing):
    path = _workbook_of(tmp_path, filing)
    as_yaml, as_xlsx = check_source(str(filing), policy), check_source(str(path), policy)
    assert _essence(as_xlsx) == _essence(as_yaml)
    assert as_xlsx.verdict == as_yaml.verdict
    for finding in as_xlsx.findings:  # every location of a spreadsheet finding names its cell
        assert all(loc.cell and "!" in loc.cell for loc in finding.locations), finding


def test_findings_of_an_xlsx_filing_point_at_cells_in_the_json_output(tmp_path):
    path = _workbook_of(tmp_path, FIX / "yubei-2012.yaml")
    result = CliRunner().invoke(junheng, ["check", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    fin01 = next(f for f in findings if f["rule"] == "FIN-01")
    assert {loc["cell"] for loc in fin01["locations"]} == {"经费!B3:B4", "经费!B7:B8"}
    std02 = next(f for f in findings if f["rule"] == "STD-02")
    assert std02["locations"][0]["cell"] == "学校!A2"


def test_a_yaml_filing_has_no_cells_in_its_output():
    result = CliRunner().invoke(junheng, ["check", str(FIX / "yubei-2012.yaml"), "--format", "json"])
    assert '"cell"' not in result.stdout


# ---------------------------------------------------------------- reading a spreadsheet


def test_chinese_options_yes_no_and_english_keys_are_read(tmp_path):
    folder = tmp_path / "csv"
    write_filing(None, folder)  # the blank form …
    (folder / "区县.csv").write_text("字段,值\n数据格式版本,1\n行政区划代码,500108\n区县名称,南岸区\n统计年度（年）,2011\n",
                                     encoding="utf-8")
    (folder / "经费.csv").write_text("\ufeff字段,值\ngdp,4200000\n", encoding="utf-8")  # a BOM, and the key instead of the label
    (folder / "学校.csv").write_text("学校标识码,学段,城乡类别,薄弱学校,students,班级数（个）,最大班额\n"
                                     "0012,小学,乡村,是,300,8,\n", encoding="utf-8")
    doc, filing = load_and_validate(str(folder))
    school = doc.data["schools"][0]
    assert school == {"id": "0012", "level": "primary", "location": "rural", "weak": True, "students": 300, "classes": 8}
    assert "max_class_size" not in school  # an empty cell is absent
    assert filing.finance.gdp == 4200000 and doc.cell("/schools/0/students") == "学校!E2"


def test_an_unknown_header_is_an_error_at_its_cell_with_a_suggestion(tmp_path):
    path = _workbook_of(tmp_path)
    column = _column_of("在校生数（人）")
    _edit(path, "学校", f"{column}1", "在校学生数（人）")
    [error] = _errors(path)
    assert error.code == "filing_unknown_field" and error.cell == f"学校!{column}1"
    assert "在校生数（人）" in error.zh and "did you mean" in error.en
    assert error.render("en").startswith(f"{path}:学校!{column}1: /schools: ")


def test_a_repeated_header_is_an_error_at_its_second_cell(tmp_path):
    path = _workbook_of(tmp_path)
    width = len(sheets.SHEETS[-1].columns)
    _edit(path, "学校", f"{openpyxl.utils.get_column_letter(width + 1)}1", "图书（册）")
    [error] = _errors(path)
    assert error.code == "filing_duplicate_key" and error.cell == f"学校!{openpyxl.utils.get_column_letter(width + 1)}1"


def test_a_header_with_the_wrong_unit_is_an_error(tmp_path):
    path = _workbook_of(tmp_path)
    column = _column_of("教学仪器设备值（元）")
    _edit(path, "学校", f"{column}1", "教学仪器设备值（万元）")
    [error] = _errors(path)
    assert error.code == "filing_unit_mismatch" and "元" in error.zh


def test_an_unknown_field_label_in_a_section_sheet_is_located(tmp_path):
    path = _workbook_of(tmp_path)
    _edit(path, "经费", "A2", "地区生产总额（万元）")
    [error] = _errors(path)
    assert error.cell == "经费!A2" and "地区生产总值（万元）" in error.zh


def test_a_misspelt_sheet_of_the_form_is_an_error_naming_it(tmp_path):
    # a sheet that is not part of the form is left unread with a notice (test_first_use.py); one that looks like
    # a sheet of the form the workbook lacks is an error: ignoring it would lose that sheet's figures
    path = _workbook_of(tmp_path)
    book = openpyxl.load_workbook(path)
    book["经费"].title = "经废"
    book.save(path)
    errors = _errors(path)
    assert any(e.code == "filing_unknown_sheet" and e.cell == "经废" and e.zh.startswith("未知工作表“经废”，是否应为“经费”？")
               for e in errors), errors


def test_a_sheet_that_is_not_part_of_the_form_is_a_notice_of_the_loaded_document(tmp_path):
    path = _workbook_of(tmp_path)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Sheet1")["A1"] = "备注"
    book.create_sheet("Sheet2")  # empty, as Excel makes them: said nothing of
    book.save(path)
    doc, _ = load_and_validate(str(path))
    [notice] = notices_of(doc)
    assert (notice.code, notice.cell, notice.file) == ("filing_sheet_ignored", "Sheet1", str(path))
    assert notices_of(load_document(ONE)) == ()


def test_text_in_a_number_cell_is_a_schema_error_naming_the_cell(tmp_path):
    path = _workbook_of(tmp_path)
    column = _column_of("在校生数（人）")
    _edit(path, "学校", f"{column}12", "一千二")
    [error] = _errors(path)
    assert error.pointer == "/schools/10/students" and error.cell == f"学校!{column}12"
    assert error.render().startswith(f"{path}:学校!{column}12: /schools/10/students: ")
    assert error.to_json()["cell"] == f"学校!{column}12"


def test_a_yaml_error_has_no_cell_in_its_json():
    error = InputError("filing_schema_error", "a.yaml", 3, 4, "/x", "坏", "bad")
    assert "cell" not in error.to_json() and error.render() == "a.yaml:3:4: /x: 坏"


def test_a_whole_number_float_is_a_count_and_a_fraction_is_an_error(tmp_path):
    path = _workbook_of(tmp_path)
    column = _column_of("班级数（个）")
    _edit(path, "学校", f"{column}2", 24.0)
    load_and_validate(str(path))
    _edit(path, "学校", f"{column}2", 24.5)
    [error] = _errors(path)
    assert error.pointer == "/schools/0/classes" and error.cell == f"学校!{column}2"


def test_a_csv_folder_that_is_not_utf8_is_an_error_naming_the_file(tmp_path):
    folder = tmp_path / "csv"
    write_filing(load_document(ONE).data, folder)
    (folder / "学校.csv").write_bytes("学校标识码,学校名称\n1,南岸区小学\n".encode("gbk"))
    [error] = _errors(folder)
    assert error.code == "filing_encoding_error" and "学校.csv" in error.zh and "GBK" in error.zh


def test_a_single_csv_file_is_rejected_with_a_hint_to_give_the_folder(tmp_path):
    path = tmp_path / "学校.csv"
    path.write_text("学校标识码\n1\n", encoding="utf-8")
    [error] = _errors(path)
    assert error.code == "filing_unsupported_format" and "文件夹" in error.zh and "folder" in error.en


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"], ids=["empty", "text", "broken zip"])
def test_a_broken_workbook_exits_2_naming_the_file_without_a_traceback(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    for command in (["validate", str(path)], ["check", str(path)], ["convert", str(path), str(tmp_path / "out.yaml")]):
        result = CliRunner().invoke(junheng, command)
        assert result.exit_code == 2, result.output
        assert str(path) in result.stderr and "Traceback" not in result.output + result.stderr


# ---------------------------------------------------------------- template and convert


def test_the_xlsx_template_has_instructions_units_and_data_validation(tmp_path):
    out = tmp_path / "form.xlsx"
    result = CliRunner().invoke(junheng, ["template", "--format", "xlsx", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [sheets.INSTRUCTIONS] + [s.name for s in sheets.SHEETS]
    assert "填报说明" in book[sheets.INSTRUCTIONS]["A1"].value
    schools = book["学校"]
    assert [c.value for c in schools[1]] == [c.label for c in sheets.SHEETS[-1].columns]
    rules = {(v.type, v.formula1) for v in schools.data_validations.dataValidation}
    assert ("list", '"小学,初中"') in rules and ("list", '"城区,镇区,乡村"') in rules and ("list", '"是,否"') in rules
    assert ("whole", "0") in rules and ("decimal", "0") in rules
    blank = CliRunner().invoke(junheng, ["validate", str(out)])
    assert blank.exit_code == 2 and "Traceback" not in blank.stderr  # a blank form is not a filing yet


def test_the_csv_template_is_a_folder_with_one_file_per_sheet(tmp_path):
    out = tmp_path / "form"
    result = CliRunner().invoke(junheng, ["template", "--format", "csv", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in [sheets.INSTRUCTIONS] + [s.name for s in sheets.SHEETS])
    assert (out / "学校.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_yaml_template_is_the_contracts_example_with_every_field_commented(tmp_path):
    out = tmp_path / "form.yaml"
    result = CliRunner().invoke(junheng, ["template", "--format", "yaml", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    doc, _ = load_and_validate(str(out))
    assert doc.data == example()
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "  # " in line, line  # every field carries its label
    assert "students: 1450  # 在校生数（人）" in text and "level: primary  # 学段：primary（小学） | junior（初中）" in text


def test_yaml_text_quotes_what_would_read_as_another_type():
    data = dict(example())
    data["district"] = {**data["district"], "name": "true"}
    doc = load_document(yaml_text(data).encode(), name="x.yaml")
    assert doc.data["district"]["name"] == "true" and doc.data["district"]["code"] == "500108"


def test_convert_yaml_to_xlsx_to_yaml_through_the_command_line(tmp_path):
    runner = CliRunner()
    xlsx, back = tmp_path / "nanan.xlsx", tmp_path / "nanan.yml"
    assert runner.invoke(junheng, ["convert", str(ONE), str(xlsx)]).exit_code == 0
    assert runner.invoke(junheng, ["convert", str(xlsx), str(back)]).exit_code == 0
    assert runner.invoke(junheng, ["convert", str(back), str(tmp_path / "nanan.json")]).exit_code == 0
    original = load_document(ONE).data
    assert _normal(load_document(back).data) == _normal(original)
    assert _normal(load_document(tmp_path / "nanan.json").data) == _normal(original)


def test_convert_refuses_an_invalid_filing_naming_file_and_cell(tmp_path):
    path = _workbook_of(tmp_path)
    column = _column_of("在校生数（人）")
    _edit(path, "学校", f"{column}3", "many")
    result = CliRunner().invoke(junheng, ["convert", str(path), str(tmp_path / "out.yaml")])
    assert result.exit_code == 2, result.output
    assert f"{path}:学校!{column}3: /schools/1/students" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_convert_to_an_unknown_extension_is_a_bad_option(tmp_path):
    result = CliRunner().invoke(junheng, ["convert", str(ONE), str(tmp_path / "out.txt")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_validate_command_reads_a_csv_folder(tmp_path):
    write_filing(load_document(ONE).data, tmp_path / "csv")
    result = CliRunner().invoke(junheng, ["validate", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output + result.stderr


def test_load_filing_reads_workbook_bytes(tmp_path):
    path = _workbook_of(tmp_path)
    doc = load_filing(path.read_bytes(), name="upload.xlsx")
    assert doc.file == "upload.xlsx" and validate_document(doc).district.code == "500108"
    assert os.path.basename(load_filing(path).file) == "filing.xlsx"
