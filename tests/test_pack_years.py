"""A pack may say which filing years it is for (``valid_from`` / ``valid_to``); ``check`` chooses by the year.

``fixtures/rules-years`` layers two packs over the shipped rules: ``basic`` as shipped but for filings up to
2019, and ``basic-2020`` (which extends it) for 2020 to 2025, where FIN-13 asks 75% instead of 70%. Its two
filings are Yongchuan's clean 2012 figures (72.4% of new funds to rural and weak schools) dated 2019 and 2020,
both naming ``standard: basic``. The rule, as docs/packs.md says it to officers:

- the pack the filing names is used when its years include the filing's year;
- when they do not, the one pack one ``extends`` step away (a pack that extends it, or the pack it extends)
  whose years include the year is used instead — the report names it;
- when there is no such pack, or more than one, the named pack is used with a warning notice at
  ``/district/year``; an explicit ``--standard`` is never replaced, only warned about. A notice is the
  jurisdiction's kind of notice: ``--strict`` makes it an error (exit 2).
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from junheng.check.run import Options, check_source
from junheng.errors import InputErrors
from junheng.filing.forms import write_filing
from junheng.located.read import load_document
from junheng.policy.packs import compile_rules
from junheng.report.schema import SCHEMA_PATH
from shared import FIXTURES, ROOT, RULES, SARIF_SCHEMA, run

YEARS = FIXTURES / "rules-years"
Y2019 = YEARS / "filings" / "yongchuan-2019.yaml"
Y2020 = YEARS / "filings" / "yongchuan-2020.yaml"
LAYERS = ("--rules", RULES, "--rules", YEARS)
JUNIT_XSD = ROOT / ".cache" / "consumers" / "junit-10.xsd"  # fetched by test_consumers.py when it can be


@pytest.fixture(scope="module")
def years_policy():
    return compile_rules([RULES, YEARS], cache=False)


def _dated(tmp_path: Path, year: int, standard: str = "basic", source: Path = Y2020) -> Path:
    """The fixture filing with another ``district.year`` (and ``district.standard``), same figures."""
    text = source.read_text(encoding="utf-8")
    assert text.count("\n  year: ") == 1 and text.count("\n  standard: basic\n") == 1, source
    text = re.sub(r"\n  year: \d+\n", f"\n  year: {year}\n", text).replace("\n  standard: basic\n", f"\n  standard: {standard}\n")
    path = tmp_path / f"yongchuan-{year}-{standard}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _year_place(path: Path) -> tuple[int, int]:
    """Line and column of the value of ``district.year`` in the file."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("  year: "):
            return n, len("  year: ") + 1
    raise AssertionError(f"{path} has no district.year")


def _json(*args: object) -> tuple[int, dict[str, Any], str]:
    code, out, err = run("check", *args, "--format", "json")
    assert out, err
    return code, json.loads(out), err


def _fin13(result: dict[str, Any]) -> list[tuple[str, float | None]]:
    return [(f["subject"], (f.get("shortfall") or {}).get("value")) for f in result["findings"] if f["rule"] == "FIN-13"]


# ---------------------------------------------------------------- the pack chosen by the year


@pytest.mark.parametrize(("year", "pack"), [(2011, "basic"), (2019, "basic"), (2020, "basic-2020"), (2025, "basic-2020")])
def test_a_filing_naming_basic_is_checked_with_the_pack_whose_years_include_its_year(tmp_path, year, pack):
    code, result, err = _json(_dated(tmp_path, year), *LAYERS)
    assert code == 0, err
    assert result["standard"] == pack and "notices" not in result and err == "", (result.get("notices"), err)


def test_across_the_boundary_the_same_figures_meet_70_percent_but_not_75(years_policy):
    before = check_source(str(Y2019), years_policy)
    after = check_source(str(Y2020), years_policy)
    assert (before.standard, before.findings, before.notices) == ("basic", (), ())
    assert after.standard == "basic-2020" and after.notices == ()
    [finding] = after.findings
    assert (finding.rule, finding.subject, finding.severity) == ("FIN-13", "500118", "major")
    assert finding.shortfall is not None and finding.shortfall[0] == pytest.approx(360)
    assert "低于 75%" in finding.message.zh, finding.message.zh


def test_the_report_names_the_pack_chosen_with_its_title(tmp_path):
    code, out, err = run("check", Y2020, *LAYERS)
    assert code == 0, err
    assert out.splitlines()[0].startswith("永川区（500118）2020 年 · 规则包：义务教育基本均衡（2020—2025年标准，示例）（basic-2020）"), out
    assert "提示：" not in out and err == "", err  # no notice line (提示：…) in the report


def test_a_filing_naming_the_year_version_is_checked_with_the_pack_it_extends_when_that_covers_the_year(tmp_path):
    code, result, err = _json(_dated(tmp_path, 2016, "basic-2020"), *LAYERS)
    assert code == 0 and result["standard"] == "basic" and "notices" not in result, err


def test_the_shipped_packs_are_for_any_year_and_never_give_the_notice(policy, tmp_path):
    assert {(p.valid_from, p.valid_to) for p in policy.packs.values()} == {(None, None)}
    code, result, err = _json(_dated(tmp_path, 2030), "--strict")
    assert code == 0 and result["standard"] == "basic" and "notices" not in result, err


# ---------------------------------------------------------------- no pack for the year: a located warning


def test_a_year_no_related_pack_is_for_is_checked_with_the_named_pack_and_a_located_notice(tmp_path):
    filing = _dated(tmp_path, 2026)
    code, result, err = _json(filing, *LAYERS)
    assert code == 0, err
    assert result["standard"] == "basic" and result["verdict"] == "qualified" and result["findings"] == [], result
    [notice] = result["notices"]
    line, column = _year_place(filing)
    assert (notice["code"], notice["pointer"], notice["file"], notice["line"], notice["column"]) == \
        ("pack_outside_years", "/district/year", str(filing), line, column), notice
    assert notice["message"] == (
        "申报年度为 2026 年，而 district.standard 指定的规则包 basic（义务教育基本均衡（合格区县））的适用年度为 2019年及以前，"
        "其标准可能不适用于这一年度；与它有继承关系（extends）的规则包也都不适用于 2026 年，"
        "请确认申报年度，或用 --rules 加载适用于该年度的规则包"), notice
    assert err == f"警告 {filing}:{line}:{column}: /district/year: {notice['message']}\n", err


def test_the_notice_is_in_english_with_lang_en(tmp_path):
    filing = _dated(tmp_path, 2026)
    code, out, err = run("check", filing, *LAYERS, "--format", "json", "--lang", "en")
    assert code == 0, err
    assert json.loads(out)["notices"][0]["message"] == (
        "the filing is for 2026, but pack basic (Basic balance (qualified district)), named by district.standard, applies to "
        "2019 and before: its standards may not apply to that year; no pack it extends or that extends it is for 2026: "
        "make sure of the year, or load a pack for it with --rules")
    assert err.startswith(f"warning {filing}:"), err


def test_strict_makes_a_filing_of_a_year_no_pack_is_for_exit_2(tmp_path):
    filing = _dated(tmp_path, 2026)
    code, out, err = run("check", filing, *LAYERS, "--strict")
    assert code == 2, out + err
    assert "/district/year: 申报年度为 2026 年" in err and "警告" not in err, err
    code, out, _ = run("check", filing, *LAYERS, "--strict", "--format", "json")
    assert code == 2 and json.loads(out)["errors"][0]["code"] == "pack_outside_years", out
    with pytest.raises(InputErrors) as caught:
        check_source(str(filing), compile_rules([RULES, YEARS], cache=False), Options(strict=True))
    assert [(e.code, e.pointer) for e in caught.value.errors] == [("pack_outside_years", "/district/year")]


def test_strict_leaves_a_filing_whose_pack_was_chosen_by_its_year_alone(tmp_path):
    code, result, err = _json(Y2020, *LAYERS, "--strict")
    assert code == 0 and result["standard"] == "basic-2020" and "notices" not in result, err


def test_two_related_packs_for_the_year_are_a_warning_and_the_named_pack_is_used(tmp_path):
    layer = tmp_path / "rules-more"
    pack = layer / "packs" / "basic-2020b"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: basic-2020b\ntitle: {zh: 又一版本, en: another version}\nextends: basic\n"
                                    "valid_from: 2021\nvalid_to: 2030\n", encoding="utf-8")
    code, result, err = _json(_dated(tmp_path, 2022), *LAYERS, "--rules", layer)
    assert code == 0 and result["standard"] == "basic", err
    [notice] = result["notices"]
    assert notice["code"] == "pack_outside_years" and notice["pointer"] == "/district/year", notice
    assert "有多个适用于 2022 年：basic-2020、basic-2020b，请用 --standard 指定其一" in notice["message"], notice
    code, result, err = _json(_dated(tmp_path, 2026), *LAYERS, "--rules", layer)
    assert result["standard"] == "basic-2020b" and "notices" not in result, err  # only one of them is for 2026


# ---------------------------------------------------------------- an explicit --standard is warned about, never replaced


def test_an_explicit_standard_outside_its_years_is_used_with_a_located_warning(tmp_path):
    code, result, err = _json(Y2019, *LAYERS, "--standard", "basic-2020")
    assert code == 0, err
    assert result["standard"] == "basic-2020" and _fin13(result) == [("500118", 360)], result  # checked as asked: 75%
    [notice] = result["notices"]
    line, column = _year_place(Y2019)
    assert (notice["pointer"], notice["line"], notice["column"]) == ("/district/year", line, column), notice
    assert notice["message"] == (
        "申报年度为 2019 年，而 --standard 指定的规则包 basic-2020（义务教育基本均衡（2020—2025年标准，示例））的适用年度为 "
        "2020—2025年，其标准可能不适用于这一年度；请确认 --standard（与它有继承关系、适用于 2019 年的规则包：basic）"), notice
    assert err.startswith(f"警告 {Y2019}:{line}:{column}: /district/year: "), err


def test_strict_makes_an_explicit_standard_outside_its_years_exit_2():
    code, out, err = run("check", Y2020, *LAYERS, "--standard", "basic", "--strict")
    assert code == 2, out + err
    assert "/district/year: 申报年度为 2020 年，而 --standard 指定的规则包 basic" in err and "basic-2020" in err, err


def test_an_explicit_standard_within_its_years_gives_no_notice():
    for filing, standard in ((Y2019, "basic"), (Y2020, "basic-2020")):
        code, result, err = _json(filing, *LAYERS, "--standard", standard, "--strict")
        assert code == 0 and result["standard"] == standard and "notices" not in result, err


def test_a_spreadsheet_filing_names_the_cell_of_the_year(tmp_path):
    workbook = tmp_path / "yongchuan-2026.xlsx"
    write_filing(load_document(_dated(tmp_path, 2026)).data, workbook)  # 区县 sheet: code B3, name B4, year B5
    code, result, err = _json(workbook, *LAYERS)
    assert code == 0 and result["notices"][0]["cell"] == "区县!B5", (result.get("notices"), err)


def test_several_filings_each_get_their_own_pack(tmp_path):
    late = _dated(tmp_path, 2026)
    code, out, err = run("check", Y2019, Y2020, late, *LAYERS, "--format", "json")
    assert code == 0, err
    results = json.loads(out)["results"]
    assert [r["standard"] for r in results] == ["basic", "basic-2020", "basic"]
    assert ["notices" in r for r in results] == [False, False, True] and err.count("警告 ") == 1, err


# ---------------------------------------------------------------- report formats carry the notice


def test_the_json_report_with_the_notice_follows_the_result_schema(tmp_path):
    code, result, _ = _json(_dated(tmp_path, 2026), *LAYERS)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(result)
    assert result["notices"][0]["code"] == "pack_outside_years"


def test_the_sarif_report_carries_the_notice_as_a_warning_and_follows_the_schema(tmp_path):
    filing = _dated(tmp_path, 2026)
    code, out, err = run("check", filing, *LAYERS, "--format", "sarif")
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    [warning] = [n for inv in doc["runs"][0]["invocations"] for n in inv.get("toolExecutionNotifications", [])
                 if n["descriptor"]["id"] == "pack_outside_years"]
    assert warning["level"] == "warning" and "申报年度为 2026 年" in warning["message"]["text"], warning
    assert warning["locations"][0]["physicalLocation"]["region"]["startLine"] == _year_place(filing)[0], warning


def test_the_junit_report_carries_the_notice_in_the_suites_output(tmp_path):
    code, out, err = run("check", _dated(tmp_path, 2026), *LAYERS, "--format", "junit")
    assert code == 0, err
    [suite] = ET.fromstring(out).iter("testsuite")
    assert "申报年度为 2026 年" in (suite.findtext("system-err") or ""), out[:2000]
    if JUNIT_XSD.exists():  # the schema CI systems hold JUnit XML to, when test_consumers.py could fetch it
        xmlschema = pytest.importorskip("xmlschema")
        assert not list(xmlschema.XMLSchema(str(JUNIT_XSD)).iter_errors(out.encode("utf-8")))


# ---------------------------------------------------------------- rules list shows the years


def test_rules_list_shows_each_pack_with_what_it_extends_and_its_years():
    code, out, err = run("rules", "list", *LAYERS)
    assert code == 0, err
    head = [re.split(r"\s{2,}", line) for line in out.split("\n\n", 1)[0].splitlines()]
    assert head == [["规则包", "名称", "继承", "适用年度"],
                    ["basic", "义务教育基本均衡（合格区县）", "—", "2019年及以前"],
                    ["basic-2020", "义务教育基本均衡（2020—2025年标准，示例）", "basic", "2020—2025年"],
                    ["quality", "义务教育优质均衡", "—", "不限"]], out
    assert out.split("\n\n", 1)[1].startswith("规则 "), out


def test_rules_list_in_english_and_for_one_standard():
    code, out, err = run("rules", "list", *LAYERS, "--standard", "basic-2020", "--lang", "en")
    assert code == 0, err
    head = [re.split(r"\s{2,}", line) for line in out.split("\n\n", 1)[0].splitlines()]
    assert head == [["pack", "title", "extends", "years"],
                    ["basic-2020", "Basic balance (standard of 2020–2025, example)", "basic", "2020–2025"]], out


def test_rules_list_as_json_gives_each_packs_years():
    code, out, err = run("rules", "list", *LAYERS, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert [(p["name"], p["extends"], p["valid_from"], p["valid_to"]) for p in doc["packs"]] == \
        [("basic", None, None, 2019), ("basic-2020", "basic", 2020, 2025), ("quality", None, None, None)]
    assert doc["packs"][1]["title"] == {"zh": "义务教育基本均衡（2020—2025年标准，示例）",
                                        "en": "Basic balance (standard of 2020–2025, example)"}
    fin13 = [r for r in doc["rules"] if r["id"] == "FIN-13"]
    assert {r["thresholds"]: tuple(r["packs"]) for r in fin13} == {"threshold: 70%": ("basic", "quality"),
                                                                    "threshold: 75%": ("basic-2020",)}


def test_rules_list_of_the_shipped_rules_says_any_year():
    code, out, err = run("rules", "list", "--rules", RULES)
    assert code == 0, err
    assert re.search(r"^basic\s+义务教育基本均衡（合格区县）\s+—\s+不限$", out, re.M), out[:600]


# ---------------------------------------------------------------- the fixture and the rule files


def test_the_fixture_basic_is_the_shipped_basic_with_its_years_added():
    shipped = (RULES / "packs" / "basic" / "pack.yaml").read_text(encoding="utf-8")
    layered = (YEARS / "packs" / "basic" / "pack.yaml").read_text(encoding="utf-8")
    body = "\n".join(line for line in layered.splitlines() if not line.startswith("#") or line in shipped.splitlines())
    assert body.replace("\nvalid_to: 2019", "") + "\n" == shipped, "fixtures/rules-years/packs/basic/pack.yaml drifted from rules/"


def test_the_layers_rule_tests_pass_with_the_shipped_ones():
    code, out, err = run("rules", "test", *LAYERS)
    assert code == 0, out + err
    assert len(re.findall(r"^PASS .*rules-years/tests/basic-2020\.yaml:\d+ ", out, re.M)) == 4, out[-1500:]
    assert re.search(r"^\d+ 项通过，0 项失败$", out, re.M), out[-500:]


def _layer(tmp_path: Path, pack: str) -> Path:
    folder = tmp_path / "rules-bad"
    (folder / "packs" / "bad").mkdir(parents=True)
    (folder / "packs" / "bad" / "pack.yaml").write_text(pack, encoding="utf-8")
    return folder


def test_a_pack_whose_valid_from_is_after_its_valid_to_is_a_located_rule_error(tmp_path):
    layer = _layer(tmp_path, "name: bad\ntitle: {zh: 错, en: wrong}\nextends: basic\nvalid_from: 2025\nvalid_to: 2020\n")
    code, out, err = run("check", Y2019, "--rules", RULES, "--rules", layer)
    assert code == 2, out + err
    assert re.search(r"packs/bad/pack\.yaml:4:\d+: /valid_from: 规则包 bad 的适用年度为空", err), err


@pytest.mark.parametrize("written", ["valid_from: 1900", "valid_to: twenty", "valid_from: 2020.5"])
def test_a_year_that_is_not_a_year_is_a_located_rule_error(tmp_path, written):
    layer = _layer(tmp_path, f"name: bad\ntitle: {{zh: 错, en: wrong}}\nextends: basic\n{written}\n")
    code, out, err = run("check", Y2019, "--rules", RULES, "--rules", layer)
    assert code == 2, out + err
    assert re.search(rf"packs/bad/pack\.yaml:4:\d+: /{written.split(':')[0]}", err), err


def test_a_pack_that_declares_one_end_of_its_years_leaves_the_other_open(tmp_path):
    layer = _layer(tmp_path, "name: bad\ntitle: {zh: 新版, en: new}\nextends: basic\nvalid_from: 2020\n")
    policy = compile_rules([RULES, YEARS, layer], cache=False)
    assert (policy.packs["bad"].valid_from, policy.packs["bad"].valid_to) == (2020, None)


# ---------------------------------------------------------------- docs/packs.md says what the commands print


def _doc_examples() -> list[tuple[str, list[str]]]:
    """Each ``sh`` block of docs/packs.md that a ``text`` block follows: (its one command, the lines shown)."""
    blocks = re.findall(r"```(\w+)\n(.*?)```", (ROOT / "docs" / "packs.md").read_text(encoding="utf-8"), re.S)
    return [(body.strip(), shown.splitlines()) for (lang, body), (next_lang, shown) in zip(blocks, blocks[1:], strict=False)
            if lang == "sh" and next_lang == "text"]


def test_the_packs_doc_shows_what_its_commands_print():
    examples = _doc_examples()
    assert len(examples) == 3
    for command, shown in examples:
        words = shlex.split(command)
        assert words[0] == "junheng", command
        code, out, err = run(*words[1:], cwd=ROOT)
        assert code == 0, out + err
        said = [" ".join(line.split()) for line in (out + err).splitlines()]
        at = 0
        for line in shown:  # in order, runs of spaces as one, a line of … for lines left out
            if line == "…":
                continue
            wanted = " ".join(line.split())
            found = [i for i in range(at, len(said)) if said[i] == wanted]
            assert found, f"{command}: not printed (in this order): {line}\n" + out + err
            at = found[0] + 1
