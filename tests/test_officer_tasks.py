"""The seven tasks of the policy officer (issue: officers edit the policy in Excel and in plain Chinese), each done
as an officer would do it — the settings workbook in Excel, the commands the guide shows, the mistakes people
make on the way — and each checked by what the officer sees. (docs/policy-guide.md walks the same tasks; its
test runs the guide as written.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from shared import FIX, RULES, run

FILING = FIX / "beibei-2012.yaml"


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A copy of the shipped rules to change, with the workbook exported from them."""
    shutil.copytree(RULES, tmp_path / "rules")
    code, out, err = run("rules", "export-xlsx", tmp_path / "设置.xlsx", "--rules", tmp_path / "rules")
    assert code == 0, out + err
    return tmp_path


def type_into(book: Path, sheet: str, keys: dict[str, Any], column: str, value: Any) -> str:
    """What an officer does in Excel: find the row, type a value into one cell, save. Returns the cell's name."""
    wb = load_workbook(book)
    ws = wb[sheet]
    head = {str(c.value): c.column for c in ws[1] if c.value is not None}
    rows = [r for r in range(2, ws.max_row + 1) if all((ws.cell(r, head[k]).value or None) == (v or None) for k, v in keys.items())]
    assert len(rows) == 1, (sheet, keys, rows)
    cell = ws.cell(rows[0], head[column])
    cell.value = value
    wb.save(book)
    return f"{sheet}!{cell.coordinate}"


def import_book(office: Path, *args: str) -> tuple[int, str]:
    code, out, err = run("rules", "import-xlsx", office / "设置.xlsx", "--rules", office / "rules", *args)
    return code, out + err


def findings(*args: Any) -> list[dict[str, Any]]:
    code, out, err = run("check", *args, "--format", "json")
    assert code in (0, 1), out + err
    return json.loads(out)["findings"]


def test_task_1_raise_fin13_to_75_percent_and_let_the_tests_follow(office: Path) -> None:
    # the mistake first: 七十 typed for a number, 750% for a share — each named by its cell, nothing written
    before = (office / "rules" / "funding.yaml").read_bytes()
    cell = type_into(office / "设置.xlsx", "参数", {"规则": "FIN-13", "参数": "threshold"}, "取值", "七十")
    code, said = import_book(office)
    assert code == 2 and f"{cell}: 取值应为数值" in said, said
    type_into(office / "设置.xlsx", "参数", {"规则": "FIN-13", "参数": "threshold"}, "取值", 7.5)
    code, said = import_book(office)
    assert code == 2 and cell in said and "0%" in said and "100%" in said, said
    assert (office / "rules" / "funding.yaml").read_bytes() == before
    # then the change itself: 75% in the percent cell
    type_into(office / "设置.xlsx", "参数", {"规则": "FIN-13", "参数": "threshold"}, "取值", 0.75)
    code, said = import_book(office)
    assert code == 1 and "FIN-13 threshold: 70% → 75%" in said and "期望 → 实际：FIN-13 500108 缺口 1000 → 1500" in said, said
    code, out, _ = run("rules", "test", "--accept", "--rules", office / "rules")
    assert "已改写" in out and "缺口 1000 → 1500" in out, out
    assert "{rule: FIN-13, subject: \"500108\", severity: major, shortfall: 1500, unit: 万元}" in \
        (office / "rules" / "tests" / "funding.yaml").read_text(encoding="utf-8")
    code, out, _ = run("rules", "explain", "FIN-13", "--rules", office / "rules")
    assert "新增教育经费75%向农村和薄弱学校倾斜" in out  # the title follows its number


def test_task_2_make_std01_a_veto_and_reword_its_message(office: Path) -> None:
    type_into(office / "设置.xlsx", "规则", {"规则": "STD-01"}, "严重程度", "否决")  # not a word of the list
    code, said = import_book(office)
    assert code == 2 and "规则!C" in said and "否决项" in said, said
    type_into(office / "设置.xlsx", "规则", {"规则": "STD-01"}, "严重程度", "否决项")
    cell = type_into(office / "设置.xlsx", "规则", {"规则": "STD-01"}, "说明", "{school_nam} 班额超标")
    code, said = import_book(office)
    assert code == 2 and cell in said and "school_nam" in said, said  # a placeholder that is not the rule's
    new = "{school_name} 最大班额 {max_class_size} 人，超过标准班额 {standard} 人"
    type_into(office / "设置.xlsx", "规则", {"规则": "STD-01"}, "说明", new)
    code, said = import_book(office)
    assert code == 1 and "STD-01 严重程度: 须整改 → 否决项" in said, said
    code, out, _ = run("rules", "test", "--accept", "--rules", office / "rules")
    assert "严重程度 须整改 → 否决项" in out and "改写后：" in out and "0 项失败" in out, out
    layer = _cq40(office, "")
    found = [f for f in findings(FILING, "--rules", office / "rules", "--rules", layer, "--standard", "cq40") if f["rule"] == "STD-01"]
    assert found and all(f["severity"] == "blocking" and "超过标准班额 40 人" in f["message"] for f in found)


def test_task_3_switch_a_rule_off_and_on_again(office: Path) -> None:
    type_into(office / "设置.xlsx", "规则", {"规则": "EQ-05"}, "启用", "不")
    code, said = import_book(office)
    assert code == 2 and "规则!B" in said and "是" in said and "否" in said, said
    type_into(office / "设置.xlsx", "规则", {"规则": "EQ-05"}, "启用", "否")
    code, said = import_book(office)
    assert code == 0 and "EQ-05 启用: 是 → 否" in said, said
    code, out, _ = run("rules", "test", "--rules", office / "rules")
    assert code == 0 and "SKIP" in out and "2 项跳过（规则已停用）" in out, out
    code, out, _ = run("rules", "list", "--rules", office / "rules")
    assert "EQ-05" not in out
    type_into(office / "设置.xlsx", "规则", {"规则": "EQ-05"}, "启用", "是")
    code, said = import_book(office)
    assert code == 0 and "EQ-05 启用: 否 → 是" in said, said
    assert (office / "rules" / "society.yaml").read_bytes() == (RULES / "society.yaml").read_bytes()


def _cq40(office: Path, extra: str) -> Path:
    layer = office / "local"
    (layer / "packs" / "cq40").mkdir(parents=True, exist_ok=True)
    (layer / "packs" / "cq40" / "pack.yaml").write_text(
        "name: cq40\ntitle: {zh: 小班额试点, en: Small classes}\nextends: basic\nparams:\n  class_size: {primary: 40}\n" + extra,
        encoding="utf-8")
    return layer


def test_task_4_a_stricter_local_pack_with_classes_of_40(office: Path) -> None:
    layer = _cq40(office, "overrides:\n  STD-02:\n    params: {standard: 40}\n")  # the slip: one number for both levels
    code, out, err = run("rules", "lint", "--rules", office / "rules", "--rules", layer)
    assert code == 1 and "packs/cq40/pack.yaml:8" in out + err and "{primary: 40}" in out + err
    layer = _cq40(office, "")
    found = findings(FILING, "--rules", office / "rules", "--rules", layer, "--standard", "cq40")
    assert {f["subject"] for f in found if f["rule"] == "STD-01"} >= {"5001090001", "5001090004"}
    assert not [f for f in findings(FILING, "--rules", office / "rules") if f["rule"] == "STD-01"]
    # the pack's own workbook: the shared class size as the pack has it, and an edit written into the pack
    book = office / "本地.xlsx"
    code, out, err = run("rules", "export-xlsx", book, "--rules", office / "rules", "--rules", layer, "--standard", "cq40")
    assert code == 0, out + err
    type_into(book, "参数", {"规则": "共用", "参数": "class_size", "学段": "小学"}, "取值", 38)
    code, out, err = run("rules", "import-xlsx", book, "--rules", office / "rules", "--rules", layer)
    assert code in (0, 1) and "class_size（小学）: 40 → 38" in out, out + err
    assert "class_size: {primary: 38}" in (layer / "packs" / "cq40" / "pack.yaml").read_text(encoding="utf-8")
    assert (office / "rules" / "params.yaml").read_bytes() == (RULES / "params.yaml").read_bytes()


def test_task_5_why_a_finding_fired(office: Path) -> None:
    layer = _cq40(office, "")
    code, out, err = run("rules", "explain", "STD-01", FILING, "--school", "5001090001", "--rules", office / "rules",
                         "--rules", layer, "--standard", "cq40")
    assert code == 0, out + err
    assert "违规" in out and "45" in out and "40" in out and "beibei-2012.yaml:" in out, out
    code, out, err = run("rules", "explain", "STD-01", FILING, "--school", "500109000l", "--rules", office / "rules")
    assert code == 2 and "500109000l" in out + err and "Traceback" not in out + err


def test_task_6_what_the_local_pack_would_do_to_every_district(office: Path) -> None:
    layer = _cq40(office, "")
    code, out, err = run("rules", "impact", "--baseline-standard", "basic", "--standard", "cq40", "--rules", office / "rules",
                         "--rules", layer, FIX)
    assert code == 0, out + err
    said = " ".join(out.split())
    assert "比较规则包：basic → cq40" in said and "规则变化：STD-01 standard 小学 45 人 → 40 人" in said, out
    assert "+ STD-01 5001090001 须整改 3 个班" in said, out


def test_task_7_a_new_rule_on_an_existing_field(office: Path) -> None:
    code, out, _ = run("rules", "fields", "本科", "--rules", office / "rules")
    assert "teachers_above_degree" in out
    layer = _cq40(office, "")
    rule = """area: staffing
area_title: {zh: 教师队伍, en: Teachers}
rules:
  - id: LOC-02
    packs: [cq40]
    subject: school
    severity: 须整改
    title: {zh: "初中本科及以上学历教师比例不低于{threshold:pct}", en: "At least {threshold:pct} of junior teachers hold a degree"}
    basis: {zh: 本地要求（示例）, en: Local requirement (example)}
    params: {threshold: 60}
    units: {threshold: ratio}
    values:
      degree_share: teachers_above_degree / teachers
    applies_when: is_junior == 1
    zero_holds: [teachers]
    violated_when: degree_share < threshold
    message: {zh: "{school_name} 本科及以上学历教师占 {degree_share:pct}", en: "{school_name}: {degree_share:pct} hold a degree"}
    shortfall: {value: ceil(threshold * teachers) - teachers_above_degree, unit: 名教师}
    rectification: {zh: "{school_name} 须再配备 {shortfall} 名本科及以上学历教师", en: "{school_name} needs {shortfall} more"}
"""
    path = layer / "packs" / "cq40" / "teachers.yaml"
    # typed with a Chinese input method on: a full-width colon after a key, in a line that also has a placeholder
    path.write_text(rule.replace("    basis: {zh: 本地要求（示例）", "    basis：{zh: 本地要求（示例）"), encoding="utf-8")
    code, out, err = run("rules", "lint", "--rules", office / "rules", "--rules", layer)
    assert code == 2 and "teachers.yaml:9:10" in out + err and "全角冒号“：”不能当作 YAML 符号" in out + err, out + err
    assert len((out + err).strip().splitlines()) == 1 and "mapping values" not in out + err  # one mistake, one message
    path.write_text(rule, encoding="utf-8")
    code, out, err = run("rules", "lint", "--rules", office / "rules", "--rules", layer)
    assert code == 2 and "teachers.yaml:10:25" in out + err and "比例应在 0 到 1 之间（或写作 60%）" in out + err, out + err
    path.write_text(rule.replace("threshold: 60}", "threshold: 60%}"), encoding="utf-8")
    (layer / "tests").mkdir()
    cases = layer / "tests" / "teachers.yaml"
    cases.write_text("base: ../../rules/tests/base.yaml\ncases:\n  - note: J1 38 of 65\n    standard: cq40\n"
                     "    set: {/schools/J9/teachers_above_degree: 38}\n    expect:\n      - {rule: LOC-02, subject: J1, shortfall: 1}\n",
                     encoding="utf-8")
    code, out, err = run("rules", "test", "--rules", office / "rules", "--rules", layer)
    assert code == 2 and "teachers.yaml:5" in out + err and "J9" in out + err and "Traceback" not in out + err
    cases.write_text(cases.read_text(encoding="utf-8").replace("J9", "J1"), encoding="utf-8")
    code, out, err = run("rules", "test", "--rules", office / "rules", "--rules", layer)
    assert code == 0 and "PASS  local/tests/teachers.yaml" not in out and "J1 38 of 65" in out, out + err
    code, out, _ = run("rules", "list", "--rules", office / "rules", "--rules", layer, "--standard", "cq40")
    assert "初中本科及以上学历教师比例不低于60%" in out
