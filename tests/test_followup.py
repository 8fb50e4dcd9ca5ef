"""The rectification ledger (整改台账, follow-up.md §1): last year's findings, one by one, against a later check of the same
district — its properties, golden ledgers of the fixture pairs, its formats, exit statuses, and the letter's 上年整改情况."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document
from hypothesis import HealthCheck, given, settings

from filing_strategies import as_json, filings
from junheng.authoring.ruletest import case_data, find_test_files, load_test_file
from junheng.check.run import Options, check_source
from junheng.followup.ledger import STATUSES, compare
from junheng.followup.ledger_formats import LEDGER_COLUMNS, LEDGER_SHEET
from shared import FIX, FIXTURE_FILINGS, FIXTURES, GOLDEN, RULES, ROOT, compare_golden, explain, invoke, run, shipped_policy

PAIRS = FIXTURES / "follow-up"
# (earlier, later): the seed districts' 2012 filings and their 2013 follow-ups
YUBEI = ("fixtures/filings/yubei-2012.yaml", "fixtures/follow-up/yubei-2013.yaml")
BEIBEI = ("fixtures/filings/beibei-2012.yaml", "fixtures/follow-up/beibei-2013.yaml")
GOLDEN_LEDGERS = GOLDEN / "follow-up"
INDICATORS = Options(details=frozenset({"indicators"}))


def _check(data: dict, name: str = "generated.json"):
    return check_source(as_json(data), shipped_policy(), INDICATORS, name=name)


def _ledger(earlier: str, later: str, *args: object) -> tuple[int, dict, str]:
    code, out, err = run("follow-up", earlier, later, "--format", "json", *args, cwd=ROOT)
    return code, (json.loads(out) if out else {}), err


def _statuses(doc: dict) -> dict[tuple[str, str, str], str]:
    return {(i["rule"], i.get("for_rule", ""), i["subject"]): i["status"] for i in doc["items"]}


# ---------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=filings())
def test_a_later_filing_identical_to_the_earlier_leaves_every_finding_open_and_nothing_new(data):
    result = _check(data)
    pack = shipped_policy().packs[result.standard]
    items = compare(result.findings, result, pack)
    assert [i.status for i in items] == ["open"] * len(result.findings)
    assert [i.earlier for i in items] == sorted(result.findings, key=lambda f: f.sort_key())


@pytest.mark.parametrize("path", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_a_fixture_filed_again_unchanged_a_year_later_leaves_every_finding_open(tmp_path, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) if path.suffix != ".json" else json.loads(path.read_text())
    later = copy.deepcopy(data)
    later["district"]["year"] += 1
    (tmp_path / "later.json").write_text(json.dumps(later, ensure_ascii=False), encoding="utf-8")
    code, doc, err = _ledger(str(path), str(tmp_path / "later.json"), "--fail-on", "never")
    assert code == 0, err
    earlier = json.loads(run("check", path, "--format", "json")[1])
    assert doc["summary"] == {"resolved": 0, "partly": 0, "open": len(earlier["findings"]), "unknown": 0, "new": 0}


def _pointers_of(finding) -> set[str]:
    return {loc.pointer for loc in finding.locations} | set(finding.missing or ())


def _get(data, pointer: str):
    obj = data
    for token in pointer.split("/")[1:]:
        if isinstance(obj, list):
            if not token.isdigit() or int(token) >= len(obj):
                return KeyError
            obj = obj[int(token)]
        elif isinstance(obj, dict) and token in obj:
            obj = obj[token]
        else:
            return KeyError
    return obj


def _put(data, pointer: str, value) -> None:
    tokens = pointer.split("/")[1:]
    obj = data
    for token in tokens[:-1]:
        obj = obj[int(token)] if isinstance(obj, list) else obj.setdefault(token, {})
    if isinstance(obj, list):
        obj[int(tokens[-1])] = value
    else:
        obj[tokens[-1]] = value


def _rule_test_cases():
    for path in find_test_files(RULES):
        spec, _ = load_test_file(path)
        for i, case in enumerate(spec.cases):
            if case.expect and case.previous is None and not case.verified and case.filing is None:
                yield pytest.param(path, spec, case, id=f"{path.name}#{i}")


def _same_record(data: dict, base: dict, pointer: str) -> bool:
    """Whether a /schools/<k>… pointer means the same school in both filings (the record at k has the same id)."""
    if not pointer.startswith("/schools/"):
        return True
    k = pointer.split("/")[2]
    return _get(data, f"/schools/{k}/id") == _get(base, f"/schools/{k}/id") is not KeyError


CASES = list(_rule_test_cases())


@pytest.mark.parametrize("path, spec, case", CASES)
def test_fixing_every_figure_a_finding_names_makes_it_resolved(path, spec, case):
    """Each rule test's findings: put back, from the clean base filing, every figure (object) a finding names, and it is resolved."""
    base = yaml.safe_load((path.parent / spec.base).read_text(encoding="utf-8"))
    data = case_data(spec, case, path)
    earlier = _check(data, "earlier.json")
    pack = shipped_policy().packs[earlier.standard]
    for finding in earlier.findings:
        pointers = _pointers_of(finding)
        if "" in pointers or any(_get(base, p) is KeyError or not _same_record(data, base, p) for p in pointers):
            continue  # the whole filing, a figure the clean filing lacks, or a record it has under another id: nothing to put back
        later = copy.deepcopy(data)
        later["district"]["year"] += 1
        for pointer in sorted(pointers):
            _put(later, pointer, copy.deepcopy(_get(base, pointer)))
        (item,) = compare([finding], _check(later, "later.json"), pack)[:1]
        assert item.earlier is finding
        assert item.status == "resolved", (case.note, finding.rule, finding.for_rule, finding.subject, sorted(pointers))


def test_the_rule_tests_give_the_fixing_property_many_findings():
    assert len(CASES) > 150


# ---------------------------------------------------------------- the fixture pairs


def test_the_yubei_pair_gives_every_status():
    code, doc, err = _ledger(*YUBEI)
    assert code == 1, err  # STD-02 (blocking) is only partly resolved
    got = _statuses(doc)
    assert got[("FIN-01", "", "500112")] == "resolved"
    assert got[("STD-02", "", "5001120001")] == "partly"  # 7 classes short, now 4
    assert got[("STD-03", "", "5001120101")] == "resolved"
    assert got[("STD-09", "", "5001120011")] == got[("STD-10", "", "5001120011")] == "resolved"
    assert got[("STD-09", "", "5001120002")] == "open"
    assert got[("STD-09", "", "5001120105")] == got[("STD-10", "", "5001120105")] == "unknown"  # the school is gone
    assert got[("STD-09", "", "5001120103")] == "unknown"  # its land area is missing now …
    assert got[("DATA-MISSING", "STD-09", "5001120103")] == "new"  # … which is itself a new finding
    assert got[("STD-10", "", "5001120103")] == "open"
    assert got[("FIN-06", "", "500112")] == "open"  # 73,300 万元 short, now 76,000: not smaller
    assert got[("STD-04", "", "5001120101")] == "new"
    assert doc["summary"] == {s: sum(1 for v in got.values() if v == s) for s in STATUSES}
    assert doc["earlier"] == {"file": YUBEI[0], "year": 2012, "verdict": "deferred"}
    assert doc["later"] == {"file": YUBEI[1], "year": 2013, "verdict": "deferred"}
    assert doc["district"] == {"code": "500112", "name": "渝北区"}


def test_items_follow_the_contract_order_and_key_presence():
    _, doc, _ = _ledger(*YUBEI)
    rank = {"blocking": 0, "major": 1, "minor": 2, "info": 3}
    earlier = [i for i in doc["items"] if i["status"] != "new"]
    new = [i for i in doc["items"] if i["status"] == "new"]
    assert doc["items"] == earlier + new
    for group in (earlier, new):
        keys = [(rank[i["severity"]], i["rule"], i.get("for_rule", ""), i["subject"]) for i in group]
        assert keys == sorted(keys)
    for item in doc["items"]:
        assert ("for_rule" in item) == (item["rule"] == "DATA-MISSING")
        assert ("earlier" in item) == (item["status"] != "new")
        assert ("later" in item) == (item["status"] in ("partly", "open", "new"))
        for side in ("earlier", "later"):
            if side in item:
                assert set(item[side]) <= {"message", "shortfall"} and item[side]["message"]
    partly = next(i for i in doc["items"] if i["rule"] == "STD-02")
    assert partly["earlier"]["shortfall"] == {"value": 7, "unit": "个班"} and partly["later"]["shortfall"] == {"value": 4, "unit": "个班"}


FORMATS = [("text", "txt", "zh"), ("text", "en.txt", "en"), ("json", "json", "zh"), ("markdown", "md", "zh"), ("html", "html", "zh")]


@pytest.mark.parametrize("pair", [YUBEI, BEIBEI], ids=["yubei", "beibei"])
@pytest.mark.parametrize("fmt, suffix, lang", FORMATS, ids=[f"{f}-{lang}" for f, _, lang in FORMATS])
def test_the_ledger_of_a_fixture_pair_matches_its_golden_file(pair, fmt, suffix, lang):
    result = invoke("follow-up", *pair, "--format", fmt, "--lang", lang, "--fail-on", "never", cwd=ROOT)
    assert result.exit_code == 0, explain(result)
    name = Path(pair[0]).stem.split("-")[0]
    compare_golden(GOLDEN_LEDGERS, f"{name}-2012-2013.{suffix}", result.stdout)


def test_the_json_ledger_is_byte_identical_whatever_the_order_of_the_later_schools(tmp_path):
    data = yaml.safe_load((ROOT / YUBEI[1]).read_text(encoding="utf-8"))
    data["schools"].reverse()
    moved = tmp_path / "yubei-2013.json"
    moved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    first = run("follow-up", *YUBEI, "--format", "json", cwd=ROOT)[1]
    second = run("follow-up", YUBEI[0], moved, "--format", "json", cwd=ROOT)[1]
    assert first.replace(YUBEI[1], "LATER") == second.replace(str(moved), "LATER")
    assert first == run("follow-up", *YUBEI, "--format", "json", cwd=ROOT)[1]


def test_either_filing_may_be_any_format_check_reads(tmp_path):
    earlier_xlsx, later_csv = tmp_path / "beibei-2012.xlsx", tmp_path / "beibei-2013"
    assert run("convert", ROOT / BEIBEI[0], earlier_xlsx)[0] == 0
    later_csv.mkdir()  # an existing folder: the CSV form
    assert run("convert", ROOT / BEIBEI[1], later_csv)[0] == 0
    _, from_yaml, _ = _ledger(*BEIBEI)
    code, doc, err = _ledger(str(earlier_xlsx), str(later_csv))
    assert code == 0, err
    assert _statuses(doc) == _statuses(from_yaml) == {("SOC-01", "", "500109/parents"): "resolved", ("FIN-12", "", "500109"): "partly",
                                                      ("STD-07", "", "5001090001"): "new"}


# ---------------------------------------------------------------- exit status and --fail-on


def test_exit_status_follows_fail_on():
    assert _ledger(*BEIBEI)[0] == 0  # SOC-01 (blocking) resolved; FIN-12 partly and STD-07 new are major
    assert _ledger(*BEIBEI, "--fail-on", "major")[0] == 1
    assert _ledger(*BEIBEI, "--fail-on", "never")[0] == 0
    assert _ledger(*YUBEI)[0] == 1  # STD-02 (blocking) partly
    assert _ledger(*YUBEI, "--fail-on", "never")[0] == 0


def test_an_unknown_finding_counts_as_not_resolved(tmp_path):
    data = yaml.safe_load((ROOT / BEIBEI[0]).read_text(encoding="utf-8"))
    data["district"]["year"] = 2013
    del data["survey"]["parents"]  # SOC-01 for parents cannot be judged: DATA-MISSING (blocking), SOC-01 unknown
    later = tmp_path / "later.json"
    later.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, doc, _ = _ledger(BEIBEI[0], str(later))
    assert _statuses(doc)[("SOC-01", "", "500109/parents")] == "unknown"
    assert code == 1


def test_a_pair_of_different_districts_or_years_is_exit_2_at_the_later_filings_code_or_year(tmp_path):
    code, out, err = run("follow-up", *BEIBEI[:1], YUBEI[1], cwd=ROOT)
    assert code == 2 and out == ""
    assert f"{YUBEI[1]}:16:" in err and "/district/code" in err and "不是同一区县" in err
    code, _, err = run("follow-up", BEIBEI[1], BEIBEI[0], cwd=ROOT)
    assert code == 2 and "/district/year" in err and "应晚于" in err
    code, _, err = run("follow-up", BEIBEI[0], BEIBEI[0], cwd=ROOT)
    assert code == 2 and "/district/year" in err


def test_an_invalid_filing_is_exit_2_with_its_place_and_both_files_are_read():
    bad = "fixtures/invalid/quoted-count.yaml"
    code, out, err = run("follow-up", bad, "fixtures/invalid/nan-number.yaml", cwd=ROOT)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "quoted-count.yaml:" in err and "nan-number.yaml:" in err
    code, _, err = run("follow-up", BEIBEI[0], "fixtures/no-such-file.yaml", cwd=ROOT)
    assert code == 2 and "no-such-file.yaml" in err


def test_xlsx_needs_output(tmp_path):
    code, _, err = run("follow-up", *BEIBEI, "--format", "xlsx", cwd=ROOT)
    assert code == 2 and "--output" in err


# ---------------------------------------------------------------- the xlsx ledger, as an officer reads it


def test_the_xlsx_ledger_is_a_row_per_item_with_empty_columns_for_the_office(tmp_path):
    out = tmp_path / "整改台账.xlsx"
    result = invoke("follow-up", *YUBEI, "--format", "xlsx", "--output", out, cwd=ROOT)
    assert result.exit_code == 1, explain(result)  # the same status as every format
    _, doc, _ = _ledger(*YUBEI)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == LEDGER_SHEET
    rows = list(book[LEDGER_SHEET].iter_rows(values_only=True))
    assert rows[0] == LEDGER_COLUMNS
    header = {name: i for i, name in enumerate(LEDGER_COLUMNS)}
    assert {"整改要求", "整改情况", "上年缺口", "本年缺口", "整改措施", "责任单位", "完成时限"} <= set(header)
    body = rows[1:]
    assert len(body) == len(doc["items"])
    words = {"resolved": "已整改", "partly": "部分整改", "open": "未整改", "unknown": "无法判断", "new": "新增问题"}
    for n, (row, item) in enumerate(zip(body, doc["items"], strict=True), 1):
        assert row[header["序号"]] == n
        assert row[header["整改情况"]] == words[item["status"]]
        assert row[header["整改措施"]] is None and row[header["责任单位"]] is None and row[header["完成时限"]] is None
        assert row[header["整改要求"]]
    std02 = next(r for r in body if r[header["规则"]] == "STD-02")
    assert std02[header["对象"]] == "渝北区两路小学（5001120001）"
    assert (std02[header["上年缺口"]], std02[header["本年缺口"]]) == ("7 个班", "4 个班")
    gone = next(r for r in body if r[header["规则"]] == "STD-09" and "5001120105" in r[header["对象"]])
    assert gone[header["整改情况"]] == "无法判断" and gone[header["对象"]] == "渝北区龙塔中学（5001120105）"
    missing = next(r for r in body if r[header["规则"]] == "DATA-MISSING/STD-09")
    assert "/schools/" not in missing[header["本年情况"]] and "占地面积" in missing[header["本年情况"]]


# ---------------------------------------------------------------- the letter: 上年整改情况


@pytest.fixture(scope="module")
def earlier_json(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("earlier") / "2012.json"
    code, out, err = run("check", FIX / "beibei-2012.yaml", FIX / "yubei-2012.yaml", "--format", "json", cwd=ROOT)
    assert code == 1, err
    path.write_text(out, encoding="utf-8")
    return path


def test_the_letter_with_the_previous_result_gains_the_rectification_section(earlier_json):
    code, out, err = run("check", BEIBEI[1], "--previous-result", earlier_json, "--format", "letter", cwd=ROOT)
    assert code == 0, err
    compare_golden(GOLDEN_LEDGERS, "beibei-2013.letter.md", out)
    assert "## 二、上年整改情况" in out and "## 三、存在的主要问题" in out
    assert "已整改" in out and "部分整改" in out and "新增问题" in out
    plain = run("check", BEIBEI[1], "--format", "letter", cwd=ROOT)[1]
    assert "上年整改情况" not in plain and "## 二、存在的主要问题" in plain
    code, en, _ = run("check", BEIBEI[1], "--previous-result", earlier_json, "--format", "letter", "--lang", "en", cwd=ROOT)
    assert "II. Rectification of last year's problems" in en and "partly resolved" in en


def test_the_letter_sections_statuses_match_the_ledger(earlier_json):
    _, out, _ = run("check", YUBEI[1], "--previous-result", earlier_json, "--format", "letter", cwd=ROOT)
    section = out.split("## 二、上年整改情况", 1)[1].split("## 三、", 1)[0]
    _, doc, _ = _ledger(*YUBEI)
    words = {"resolved": "已整改", "partly": "部分整改", "open": "未整改", "unknown": "无法判断", "new": "新增问题"}
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.rstrip(" |").rsplit("| ", 1)[1] for r in rows] == [words[i["status"]] for i in doc["items"]]
    assert "上年指出的24项问题中" in section and "已整改4项" in section
    assert "STD-09" not in section  # a letter names problems, never rule ids


def test_the_word_letter_has_the_section_too(earlier_json, tmp_path):
    out = tmp_path / "letter.docx"
    code, _, err = run("check", BEIBEI[1], "--previous-result", earlier_json, "--format", "docx", "--output", out, cwd=ROOT)
    assert code == 0, err
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert "二、上年整改情况" in texts


def test_previous_result_is_for_the_letter_only_and_must_be_a_result(earlier_json, tmp_path):
    code, _, err = run("check", BEIBEI[1], "--previous-result", earlier_json, cwd=ROOT)
    assert code == 2 and "--previous-result" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "file": "x", "findings": 3}\n', encoding="utf-8")
    code, _, err = run("check", BEIBEI[1], "--previous-result", bad, "--format", "letter", cwd=ROOT)
    assert code == 2 and "bad.json:1:" in err and "junheng check --format json" in err and "Traceback" not in err


def test_a_filing_without_an_earlier_result_of_its_district_gets_the_plain_letter_and_a_line_on_stderr(earlier_json):
    code, out, err = run("check", "fixtures/filings/nanan-2011.yaml", "--previous-result", earlier_json, "--format", "letter", cwd=ROOT)
    assert code == 0
    assert "上年整改情况" not in out and "500108" in err and "上年整改情况" in err
