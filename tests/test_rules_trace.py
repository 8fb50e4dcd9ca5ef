"""`junheng rules explain RULE FILING`: the trace of one rule on one filing, as a policy officer reads it.

Each trace shows every subject the rule concerns with its figures (label, value, where in the filing),
the conditions with the figures filled in, and the outcome the engine's check gives. The filings are the
bundled fixtures, or a copy with one figure changed (``changed``), so that a line number in the
trace can be checked against the line of the YAML that holds the figure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from junheng.authoring.describe import example_finding, explain
from junheng.authoring.trace import OUTCOMES, trace_rule, trace_rules
from junheng.errors import InputErrors
from shared import FIX, explain as failed, invoke, shipped_policy

NANAN = FIX / "nanan-2011.yaml"  # STD-01 at 5001080001; FIN-13 passes (74.2%)
FUNDS = "{total: 5567, rural_weak: 4130}"  # nanan-2011's new education funds, on one line


def changed(tmp_path: Path, old: str, new: str, source: Path = NANAN) -> Path:
    """A copy of a fixture with one piece of text changed (every line stays where it was)."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{source.name} no longer holds {old!r} once"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def where(path: Path, anchor: str, figure: str) -> str:
    """``path:line:column`` of ``figure`` on the first line holding ``anchor``: where a trace must say the figure is."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if anchor in line:
            return f"{path}:{number}:{line.index(figure) + 1}"
    raise AssertionError(f"{path.name} has no line with {anchor!r}")


def trace_text(*args: object) -> str:
    result = invoke("rules", "explain", *args)
    assert result.exit_code == 0, failed(result)
    return result.stdout


def subject_block(out: str, header: str) -> str:
    """The lines of one subject, from its header (``南岸区（500108）：``) to the blank line after it."""
    start = out.index(header)
    end = out.find("\n\n", start)
    return out[start:end if end >= 0 else None]


# ---------------------------------------------------------------- one district rule: 违规, 达标, 数据缺失, 不适用


def test_the_trace_of_fin13_shows_each_figure_with_its_label_and_line_the_comparison_and_the_violation(tmp_path):
    filing = changed(tmp_path, FUNDS, "{total: 5567, rural_weak: 3480}")  # 3480 / 5567 = 62.5%
    out = trace_text("FIN-13", filing)
    assert out.startswith("FIN-13  新增教育经费70%向农村和薄弱学校倾斜\n  规则包: basic"), out
    block = subject_block(out, "南岸区（500108）：违规")
    assert "rural_weak_share = finance.new_education_funds.rural_weak / finance.new_education_funds.total = 62.5%" in block, out
    assert f"新增教育经费·其中用于农村和薄弱学校（万元） = 3,480    {where(filing, 'new_education_funds:', '3480')}" in block, out
    assert f"新增教育经费（万元） = 5,567    {where(filing, 'new_education_funds:', '5567')}" in block, out
    assert "违规条件: rural_weak_share 62.5% < 70%" in block, out
    assert "适用: rural_weak_schools 6 ≥ 1" in block, out
    assert "结果: 违规 — 新增教育经费用于农村和薄弱学校 62.5%，低于 70%" in block, out
    assert out.endswith("合计：违规 1，达标 0，不适用 0，数据缺失 0\n"), out


def test_a_filing_that_meets_fin13_is_traced_as_passed_with_its_share():
    out = trace_text("fin-13", NANAN)  # the rule id in any case, as without a filing
    block = subject_block(out, "南岸区（500108）：达标")
    assert "违规条件: rural_weak_share 74.2% < 70%" in block and "达标要求: rural_weak_share 74.2% ≥ 70%" in block, out
    assert block.endswith("结果: 达标"), out


def test_a_figure_left_out_is_traced_as_data_missing_where_it_belongs(tmp_path):
    filing = changed(tmp_path, FUNDS, "{total: 5567}")
    out = trace_text("FIN-13", filing)
    block = subject_block(out, "南岸区（500108）：数据缺失")
    line = where(filing, "new_education_funds:", "new_education_funds").rsplit(":", 1)[0]  # the pair the figure belongs in
    assert re.search(rf"新增教育经费·其中用于农村和薄弱学校（万元） = 缺失    应填于 {re.escape(line)}:\d+", block), out
    assert "rural_weak_share 缺失 < 70%" in block, out
    assert "结果: 数据缺失 — 规则 FIN-13" in block, out


def test_a_district_without_rural_or_weak_schools_is_traced_as_not_applicable():
    out = trace_text("FIN-13", FIX / "bom-crlf-2011.yaml")
    block = subject_block(out, "双桥区（500111）：不适用")
    assert "适用: rural_weak_schools 0 ≥ 1" in block and "适用条件不成立，规则不适用" in block, out
    # the share itself would pass or fail: the rule does not apply, whatever it is
    assert "rural_weak_share 71% < 70%" in block, out


def test_a_teaching_point_outside_the_balance_set_is_not_applicable_to_a_quality_rule():
    out = trace_text("QLT-01", FIX / "wanzhou-2011.yaml", "--standard", "quality", "--school", "5001010021")
    block = subject_block(out, "万州区分水镇石碾村教学点（5001010021）：不适用")
    assert "适用: in_balance_set 0 = 1" in block, out


# ---------------------------------------------------------------- a school rule: every school, or one


def test_a_school_rule_is_traced_at_every_school_and_school_narrows_it_to_one():
    schools = [line.split('"')[1] for line in NANAN.read_text(encoding="utf-8").splitlines() if line.strip().startswith("- id:")]
    assert len(schools) == 27
    out = trace_text("STD-01", NANAN)
    headers = re.findall(r"^\S.*（(\d{10})）：(\S+)$", out, flags=re.MULTILINE)
    assert [school for school, _ in headers] == schools, out
    assert dict(headers)["5001080001"] == "违规" and {o for s, o in headers if s != "5001080001"} == {"达标"}, out
    block = subject_block(out, "南岸区南坪实验小学（5001080001）：违规")
    assert f"最大班额（人） = 48    {where(NANAN, 'max_class_size: 48', '48')}" in block, out
    assert "违规条件: 最大班额（人） 48 > 45 且 最大班额（人） 48 ≤ 55" in block, out
    one = trace_text("STD-01", NANAN, "--school", "5001080002")
    assert re.findall(r"^\S.*：\S+$", one, flags=re.MULTILINE) == ["南岸区天台岗小学（5001080002）：达标"], one
    assert one.endswith("合计：违规 0，达标 1，不适用 0，数据缺失 0\n"), one


def test_the_json_trace_is_a_stable_structure_with_every_subject_and_the_figures_locations():
    out = trace_text("STD-01", NANAN, "--format", "json")
    trace = json.loads(out)
    assert set(trace) == {"rule", "title", "pack", "file", "subject_kind", "params", "applies_when", "violated_when", "counts",
                          "subjects", "notices"}
    assert (trace["rule"], trace["pack"], trace["subject_kind"]) == ("STD-01", "basic", "school")
    assert trace["counts"] == {"violated": 1, "passed": 26, "not_applicable": 0, "data_missing": 0}
    first = trace["subjects"][0]
    assert (first["subject"], first["outcome"], first["outcome_text"]) == ("5001080001", "violated", {"zh": "违规", "en": "violated"})
    assert first["params"] == {"standard": 45, "upper": 55}
    value = first["values"][0]
    assert (value["name"], value["value"], value["state"]) == ("max_class_size", 48, "ok")
    (figure,) = value["inputs"]
    line = int(where(NANAN, "max_class_size: 48", "48").split(":")[-2])
    assert figure["pointer"] == "/schools/0/max_class_size" and figure["value"] == 48, figure
    assert figure["location"]["line"] == line and figure["label"]["zh"] == "最大班额（人）", figure
    assert first["finding"]["zh"].startswith("南岸区南坪实验小学 最大班额 48 人"), first
    assert out == trace_text("STD-01", NANAN, "--format", "json"), "the same filing gives the same bytes"


def test_a_spreadsheet_filing_is_traced_with_the_cells_of_its_figures(tmp_path):
    filing = changed(tmp_path, FUNDS, "{total: 5567, rural_weak: 3480}")
    workbook = tmp_path / "nanan.xlsx"
    result = invoke("convert", filing, workbook)
    assert result.exit_code == 0, failed(result)
    out = trace_text("FIN-13", workbook)
    found = re.search(rf"新增教育经费·其中用于农村和薄弱学校（万元） = 3,480    {re.escape(str(workbook))} (\S+)!([A-Z]+\d+)", out)
    assert found, out
    assert openpyxl.load_workbook(workbook)[found.group(1)][found.group(2)].value == 3480, out
    assert "南岸区（500108）：违规" in out, out


def test_a_filing_on_standard_input_is_traced_as_stdin():
    result = invoke("rules", "explain", "FIN-13", "-", input=NANAN.read_bytes())
    assert result.exit_code == 0, failed(result)
    assert "<stdin>:" in result.stdout and "南岸区（500108）：达标" in result.stdout, result.stdout


def test_the_trace_speaks_english_with_lang_en(tmp_path):
    filing = changed(tmp_path, FUNDS, "{total: 5567, rural_weak: 3480}")
    out = trace_text("FIN-13", filing, "--lang", "en")
    assert "南岸区 (500108): violated" in out and "violated when: rural_weak_share 62.5% < 70%" in out, out
    assert "outcome: violated — 62.5% of new education funds went to rural and weak schools, below 70%" in out, out
    assert out.endswith("total: violated 1, passed 0, not applicable 0, data missing 0\n"), out


# ---------------------------------------------------------------- the outcomes are the check's


AGREEMENT = [NANAN, FIX / "nanan-2012-missing.yaml", FIX / "yubei-2012.yaml", FIX / "rongchang-2012-quality.yaml",
             FIX / "shapingba-2012-integrity.yaml"]


@pytest.mark.parametrize("filing", AGREEMENT, ids=lambda p: p.name)
@pytest.mark.parametrize("standard", [None, "basic", "quality"])
def test_every_rule_traces_violated_and_data_missing_exactly_where_check_finds_them(filing, standard):
    args = ["check", filing, "--format", "json", "--fail-on", "never"] + (["--standard", standard] if standard else [])
    result = invoke(*args)
    assert result.exit_code == 0, failed(result)
    findings = json.loads(result.stdout)["findings"]
    checked = {(f["rule"], f["subject"], "violated") for f in findings if f["rule"] != "DATA-MISSING"}
    checked |= {(f["for_rule"], f["subject"], "data_missing") for f in findings if f["rule"] == "DATA-MISSING"}
    traces = trace_rules(shipped_policy(), None, filing, standard)
    traced = {(t.rule, s.subject, s.outcome) for t in traces for s in t.subjects if s.outcome in ("violated", "data_missing")}
    assert traced == checked
    # the engine's applicability probe never calls a subject the engine found violated "not applicable"
    assert all(s.applies for t in traces for s in t.subjects if s.outcome == "violated")
    assert {s.outcome for t in traces for s in t.subjects} <= set(OUTCOMES)


def test_every_subject_of_the_rules_kind_is_traced_once():
    traces = {t.rule: t for t in trace_rules(shipped_policy(), None, FIX / "wanzhou-2011.yaml", "quality")}
    assert [s.subject for s in traces["FIN-01"].subjects] == ["500101"]
    assert [s.subject for s in traces["BAL-11"].subjects] == ["500101/primary", "500101/junior"]
    assert [s.subject for s in traces["SOC-01"].subjects] == ["500101/parents", "500101/teachers", "500101/deputies"]
    assert len(traces["STD-08"].subjects) == 36  # a school rule: every school record
    # a unit rule: the nine-year school filed as two records is one campus, its size summed from both records
    units = {s.subject: s for s in traces["STD-12"].subjects}
    assert len(units) == 35 and "5001010123-P" not in units
    (students,) = units["5001010123"].values
    assert students.value == 720 + 480 and [r.pointer for r in students.records] == ["/schools/34", "/schools/35"]


# ---------------------------------------------------------------- what cannot be traced: exit 2, said in Chinese first


def test_an_unknown_rule_exits_2_with_a_suggestion():
    result = invoke("rules", "explain", "FIN-133", NANAN)
    assert result.exit_code == 2, failed(result)
    assert "没有规则 “FIN-133”，是否应为 “FIN-13”？" in result.output and "did you mean 'FIN-13'?" in result.output, result.output


def test_a_rule_the_filings_pack_lacks_exits_2_naming_the_packs_that_hold_it():
    result = invoke("rules", "explain", "QLT-01", NANAN)
    assert result.exit_code == 2, failed(result)
    line = where(NANAN, "standard: basic", "basic")
    assert result.stderr.startswith(f"{NANAN}:{line.split(':', 1)[1]}: /district/standard: 规则包 basic"), result.stderr
    assert "不含规则 QLT-01；含有它的规则包：quality" in result.stderr, result.stderr
    without_filing = invoke("rules", "explain", "QLT-01", "--standard", "basic")
    assert without_filing.exit_code == 2 and "含有它的规则包：quality" in without_filing.output, failed(without_filing)


@pytest.mark.parametrize("name", ["syntax-error.yaml", "unknown-key-typo.yaml", "zero-students.yaml"])
def test_an_invalid_filing_exits_2_with_the_located_messages_check_gives(name):
    filing = FIX.parent / "invalid" / name
    traced = invoke("rules", "explain", "STD-01", filing)
    checked = invoke("check", filing)
    assert traced.exit_code == checked.exit_code == 2, failed(traced)
    assert traced.stderr == checked.stderr and traced.stderr.startswith(f"{filing}:"), failed(traced)
    assert traced.stdout == "", failed(traced)


def test_school_with_a_district_rule_or_an_unknown_school_exits_2():
    district = invoke("rules", "explain", "FIN-13", NANAN, "--school", "5001080001")
    assert district.exit_code == 2 and "规则 FIN-13 的对象是区县，不是学校" in district.stderr, failed(district)
    unknown = invoke("rules", "explain", "STD-01", NANAN, "--school", "5001089999")
    assert unknown.exit_code == 2 and "申报中没有学校标识码为 “5001089999” 的学校" in unknown.stderr, failed(unknown)


def test_trace_options_without_a_filing_exit_2_and_the_explanation_stays_as_it_was():
    result = invoke("rules", "explain", "FIN-13", "--format", "json")
    assert result.exit_code == 2 and "FILING" in result.output, failed(result)
    policy = shipped_policy()
    assert trace_text("FIN-13") == explain(policy, "FIN-13", None, "zh", example_finding(policy, "FIN-13"))


def test_the_library_raises_located_input_errors_for_the_web_to_show():
    with pytest.raises(InputErrors) as caught:
        trace_rule(shipped_policy(), "QLT-01", NANAN.read_bytes(), name="stored.yaml", fmt="yaml")
    (error,) = caught.value.errors
    assert (error.code, error.file, error.pointer) == ("rule_not_in_pack", "stored.yaml", "/district/standard")
    trace = trace_rule(shipped_policy(), "QLT-01", NANAN.read_bytes(), "quality", name="stored.yaml", fmt="yaml")
    assert trace.file == "stored.yaml" and trace.pack == "quality" and len(trace.subjects) == 27


# ---------------------------------------------------------------- docs/rules-explain.md


DOC = FIX.parent.parent / "docs" / "rules-explain.md"


def _doc_examples() -> list[tuple[str, str]]:
    """(command, the text block after it) for every ``junheng rules explain`` command of the page."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"```sh\n(junheng rules explain [^\n]*?)\s+# 退出码 0\n```\n\n```text\n(.*?)```", text, flags=re.DOTALL)
    assert len(found) == 4, "docs/rules-explain.md lost an example"
    return found


@pytest.mark.parametrize(("command", "printed"), _doc_examples(), ids=lambda x: x.split("\n")[0][:60])
def test_every_example_of_the_user_doc_prints_what_the_doc_shows(command, printed):
    result = invoke(*command.split()[1:], cwd=FIX.parent.parent)
    assert result.exit_code == 0, failed(result)
    assert result.stdout == printed, "docs/rules-explain.md no longer shows what the command prints"
