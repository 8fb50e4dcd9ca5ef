"""A rule pack says which provinces it is written for; a filing from elsewhere is checked with a notice.

The shipped packs cite 《重庆市义务教育条例》 and Chongqing's standards, so they declare
``jurisdiction: ["50"]``. A Sichuan county (51xxxx) is still checked against them — the findings and the
exit status are what they were — but the result carries a located notice pointing at ``/district/code``
(JSON ``notices``), the notice is said on stderr, and ``--strict`` makes it an error (exit 2). A pack
without ``jurisdiction`` applies anywhere; a pack that extends another inherits its jurisdiction unless it
declares its own.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from junheng.check.run import Options, check_source
from junheng.errors import InputErrors
from junheng.filing.forms import write_filing
from junheng.located.read import load_document
from junheng.policy.packs import compile_rules
from shared import FIX, FIXTURES, RULES, run

QUALIFIED = FIX / "nanan-2011.yaml"  # 南岸区 500108: qualified, exit 0
DEFERRED = FIX / "yubei-2012.yaml"  # 渝北区 500112: deferred, exit 1
LOCAL = FIXTURES / "rules-local"


def _moved(tmp_path: Path, filing: Path, code: str) -> Path:
    """The filing with its district code replaced (a Sichuan county: 51…), same figures."""
    text = filing.read_text(encoding="utf-8")
    old = re.search(r'code: "(\d{6})"', text)
    assert old, filing
    path = tmp_path / f"{code}-{filing.name}"
    path.write_text(text.replace(old.group(0), f'code: "{code}"', 1), encoding="utf-8")
    return path


def _json(*args: object) -> tuple[int, dict, str]:
    code, out, err = run("check", *args, "--format", "json")
    return code, json.loads(out), err


def test_the_shipped_packs_are_for_chongqing(policy):
    assert {name: pack.pack.jurisdiction for name, pack in policy.packs.items()} == {"basic": ["50"], "quality": ["50"]}


@pytest.mark.parametrize(("filing", "status"), [(QUALIFIED, 0), (DEFERRED, 1)], ids=["qualified", "deferred"])
def test_a_sichuan_filing_is_checked_as_before_with_a_located_notice(tmp_path, filing, status):
    sichuan = _moved(tmp_path, filing, "510104")
    code, result, err = _json(sichuan)
    assert code == status, err
    [notice] = result["notices"]
    line = next(n for n, text in enumerate(sichuan.read_text(encoding="utf-8").splitlines(), 1) if 'code: "510104"' in text)
    assert notice["code"] == "pack_outside_jurisdiction" and notice["pointer"] == "/district/code", notice
    assert notice["file"] == str(sichuan) and notice["line"] == line and notice["column"] > 1, notice
    assert notice["message"].startswith(
        "区县代码 510104 属于四川省（51），而规则包 basic（义务教育基本均衡（合格区县））是为重庆市（50）制定的"), notice
    same = _json(filing)[1]
    def essence(doc: dict) -> list:  # a subject names the district: its code changed with the province
        return [(f["rule"], f["severity"], f.get("shortfall")) for f in doc["findings"]]

    assert essence(result) == essence(same) and result["summary"] == same["summary"]
    assert result["verdict"] == same["verdict"]
    assert err == f"警告 {sichuan}:{line}:{notice['column']}: /district/code: {notice['message']}\n", err


@pytest.mark.parametrize(("filing", "status"), [(QUALIFIED, 0), (DEFERRED, 1)], ids=["qualified", "deferred"])
def test_strict_makes_a_filing_from_another_province_exit_2(tmp_path, filing, status):
    sichuan = _moved(tmp_path, filing, "510104")
    assert run("check", sichuan)[0] == status
    code, out, err = run("check", sichuan, "--strict")
    assert code == 2, out + err
    assert "/district/code: 区县代码 510104 属于四川省（51）" in err and "警告" not in err, err
    code, out, _ = run("check", sichuan, "--strict", "--format", "json")
    assert code == 2 and json.loads(out)["errors"][0]["code"] == "pack_outside_jurisdiction", out


def test_a_chongqing_filing_gets_no_notice(tmp_path):
    for filing in (QUALIFIED, DEFERRED, _moved(tmp_path, QUALIFIED, "500240")):
        code, result, err = _json(filing)
        assert "notices" not in result and "警告" not in err, err
        assert run("check", filing, "--strict")[0] == code


def test_the_notice_is_in_english_with_lang_en(tmp_path):
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, out, err = run("check", sichuan, "--format", "json", "--lang", "en")
    assert code == 0, err
    message = json.loads(out)["notices"][0]["message"]
    assert message.startswith("district code 510104 is in Sichuan (51), but pack basic (Basic balance (qualified district)) "
                              "is written for Chongqing (50)"), message
    assert err.startswith(f"warning {sichuan}:"), err


def test_a_code_of_no_known_province_is_named_by_its_digits(tmp_path):
    code, result, _ = _json(_moved(tmp_path, QUALIFIED, "990101"))
    assert code == 0 and result["notices"][0]["message"].startswith("区县代码 990101 属于省级代码 99，"), result


def test_every_format_streams_or_not_carries_the_notice(tmp_path):
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, out, err = run("check", sichuan, QUALIFIED, "--format", "jsonl")
    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["notices"][0]["code"] == "pack_outside_jurisdiction" and "notices" not in second
    assert err.count("警告 ") == 1 and "区县代码 510104" in err, err
    assert run("check", sichuan, QUALIFIED, "--format", "jsonl", "--strict")[0] == 2
    for fmt in ("text", "markdown", "html", "junit", "sarif", "github", "letter"):
        code, _, err = run("check", sichuan, "--format", fmt)
        assert code == 0 and "区县代码 510104" in err, (fmt, err)


def test_a_spreadsheet_filing_names_the_cell_of_the_code(tmp_path):
    workbook = tmp_path / "sichuan.xlsx"
    write_filing(load_document(_moved(tmp_path, QUALIFIED, "510104")).data, workbook)
    code, result, _ = _json(workbook)
    assert code == 0 and result["notices"][0]["cell"] == "区县!B3", result


def test_a_pack_that_extends_a_chongqing_pack_inherits_its_jurisdiction(tmp_path):
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, result, _ = _json(sichuan, "--rules", RULES, "--rules", LOCAL, "--standard", "cq-strict")
    assert code == run("check", QUALIFIED, "--rules", RULES, "--rules", LOCAL, "--standard", "cq-strict")[0]
    assert result["standard"] == "cq-strict", result
    assert "重庆市从严标准（示例）" in result["notices"][0]["message"]


def _local_pack(tmp_path: Path, pack: str) -> Path:
    folder = tmp_path / "rules-sc"
    (folder / "packs" / "sc-basic").mkdir(parents=True)
    (folder / "packs" / "sc-basic" / "pack.yaml").write_text(pack, encoding="utf-8")
    return folder


def test_a_pack_that_declares_its_own_jurisdiction_replaces_the_inherited_one(tmp_path):
    local = _local_pack(tmp_path, 'name: sc-basic\ntitle: {zh: 四川省标准（示例）, en: Sichuan standard (example)}\n'
                                  'extends: basic\njurisdiction: ["51"]\n')
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, result, err = _json(sichuan, "--rules", RULES, "--rules", local, "--standard", "sc-basic")
    assert code == 0 and "notices" not in result, err
    code, result, _ = _json(QUALIFIED, "--rules", RULES, "--rules", local, "--standard", "sc-basic")
    assert code == 0 and result["notices"][0]["message"].startswith("区县代码 500108 属于重庆市（50），而规则包 sc-basic"), result


def test_a_pack_without_jurisdiction_applies_anywhere(tmp_path, policy):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    for pack in (rules / "packs").glob("*/pack.yaml"):
        text = pack.read_text(encoding="utf-8")
        assert 'jurisdiction: ["50"]\n' in text, pack
        pack.write_text(text.replace('jurisdiction: ["50"]\n', ""), encoding="utf-8")
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, result, err = _json(sichuan, "--rules", rules, "--strict")
    assert code == 0 and "notices" not in result and err == "", err
    anywhere = compile_rules(rules, cache=False)
    assert all(pack.pack.jurisdiction is None for pack in anywhere.packs.values())
    assert check_source(str(sichuan), anywhere).notices == ()
    assert check_source(str(sichuan), policy).notices[0].code == "pack_outside_jurisdiction"
    with pytest.raises(InputErrors) as caught:
        check_source(str(sichuan), policy, Options(strict=True))
    assert caught.value.errors[0].pointer == "/district/code"


@pytest.mark.parametrize("written", ['"5"', "[sichuan]", "[51]", "[]"])
def test_a_jurisdiction_that_is_not_a_list_of_province_codes_is_a_located_rule_error(tmp_path, written):
    local = _local_pack(tmp_path, f'name: sc-basic\ntitle: {{zh: 四川, en: Sichuan}}\nextends: basic\njurisdiction: {written}\n')
    code, out, err = run("check", QUALIFIED, "--rules", RULES, "--rules", local)
    assert code == 2, out + err
    assert re.search(r"packs/sc-basic/pack\.yaml:4:\d+: /jurisdiction", err), err


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "junit", "sarif", "github", "json"])
def test_the_report_itself_carries_the_notice_in_every_format_people_and_ci_read(tmp_path, fmt):
    sichuan = _moved(tmp_path, QUALIFIED, "510104")
    code, out, err = run("check", sichuan, "--format", fmt)
    assert code == 0, err
    assert "区县代码 510104" in out, out[:2000]
    assert "/district/code" not in out or fmt in ("json", "sarif"), out[:2000]  # machine formats keep the pointer
