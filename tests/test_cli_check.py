"""`junheng check` as its users run it: exit codes, formats, broken rules, several filings, crashes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shared import EXE, FIX, INVALID, RULES, ROOT, base_filing, run


def write_filing(tmp_path: Path, name: str, change=None) -> Path:
    data = base_filing()
    if change:
        change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "filing,args,status",
    [
        ("yongchuan-2012.yaml", [], 0),
        ("yubei-2012.yaml", [], 1),
        ("nanan-2011.yaml", [], 0),
        ("nanan-2011.yaml", ["--fail-on", "major"], 1),
        ("shapingba-2011.yaml", ["--fail-on", "major"], 0),
        ("shapingba-2011.yaml", ["--fail-on", "minor"], 1),
        ("yubei-2012.yaml", ["--fail-on", "never"], 0),
    ],
)
def test_exit_status_follows_the_findings_and_fail_on(filing, args, status):
    code, out, err = run("check", FIX / filing, *args)
    assert code == status, out + err


def test_exit_status_is_the_same_for_every_format():
    for fmt in ("text", "json"):
        code, out, err = run("check", FIX / "yubei-2012.yaml", "--format", fmt)
        assert code == 1, out + err


def test_an_invalid_filing_exits_2_with_located_messages_and_no_traceback():
    code, out, err = run("check", INVALID / "unknown-key-typo.yaml")
    assert code == 2, out + err
    assert "unknown-key-typo.yaml:" in err and "/schools/0/teacher" in err
    assert "Traceback" not in err + out


def test_an_unknown_standard_option_is_a_bad_option():
    code, out, err = run("check", FIX / "nanan-2011.yaml", "--standard", "qualty")
    assert code == 2, out + err
    assert "qualty" in err


def test_a_filing_naming_an_unknown_pack_is_rejected_with_the_packs_known(tmp_path):
    path = write_filing(tmp_path, "f.json", lambda d: d["district"].update(standard="strict"))
    code, out, err = run("check", path)
    assert code == 2, out + err
    assert "basic" in err and "quality" in err and "/district/standard" in err
    code, out, err = run("check", path, "--standard", "basic")
    assert code == 0, out + err


def test_several_filings_give_the_highest_status_and_a_results_document(tmp_path):
    code, out, err = run("check", FIX / "nanan-2011.yaml", INVALID / "quoted-count.yaml", FIX / "yubei-2012.yaml", "--format", "json")
    assert code == 2, out + err
    doc = json.loads(out)
    assert [r.get("verdict") for r in doc["results"]] == ["qualified", None, "deferred"]
    failed = doc["results"][1]
    assert failed["status"] == 2 and failed["errors"][0]["pointer"] == "/schools/0/students"
    assert set(failed["errors"][0]) == {"code", "message", "file", "line", "column", "pointer"}
    assert "quoted-count.yaml:" in err


def test_json_output_is_sorted_indented_and_ends_with_one_newline():
    code, out, _ = run("check", FIX / "yubei-2012.yaml", "--format", "json")
    doc = json.loads(out)
    assert out == json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ranks = {"blocking": 0, "major": 1, "minor": 2, "info": 3}
    keys = [(ranks[f["severity"]], f["rule"], f.get("for_rule", ""), f["subject"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert doc["summary"] == {s: sum(f["severity"] == s for f in doc["findings"]) for s in ranks}


def _without_locations(doc: dict) -> dict:
    for f in doc["findings"]:
        f.pop("locations")
    doc.pop("file")
    return doc


def test_the_same_filing_with_schools_and_keys_in_another_order_gives_the_same_findings(tmp_path):
    data = yaml.safe_load((FIX / "yubei-2012.yaml").read_text(encoding="utf-8"))
    a = tmp_path / "a.json"
    a.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shuffled = dict(reversed(list(data.items())))
    shuffled["schools"] = [dict(reversed(list(s.items()))) for s in reversed(data["schools"])]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(shuffled, ensure_ascii=False), encoding="utf-8")
    _, out_a, _ = run("check", a, "--format", "json")
    _, out_b, _ = run("check", b, "--format", "json")
    assert _without_locations(json.loads(out_a)) == _without_locations(json.loads(out_b))
    _, out_a2, _ = run("check", a, "--format", "json")
    assert out_a == out_a2


def test_a_broken_rule_file_stops_the_run_with_a_located_error_before_any_filing(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    text = (rules / "funding.yaml").read_text(encoding="utf-8")
    typo = text.replace("capital_share: finance.capital_budget.education / finance.capital_budget.total",
                        "capital_share: finance.capital_budget.educaton / finance.capital_budget.total")
    (rules / "funding.yaml").write_text(typo, encoding="utf-8")
    code, out, err = run("check", FIX / "nanan-2011.yaml", "--rules", rules)
    assert code == 2, out + err
    assert out == ""
    assert "funding.yaml:" in err and "educaton" in err and "finance.capital_budget.education" in err


def test_a_policy_number_changed_in_the_rules_changes_the_result_without_code(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    text = (rules / "schools.yaml").read_text(encoding="utf-8")
    changed = text.replace("threshold: {primary: 25, junior: 35}", "threshold: {primary: 31, junior: 35}")
    (rules / "schools.yaml").write_text(changed, encoding="utf-8")
    path = write_filing(tmp_path, "f.json")
    code, out, err = run("check", path, "--rules", rules, "--format", "json")
    findings = json.loads(out)["findings"]
    assert {(f["rule"], f["subject"]) for f in findings} >= {("STD-05", "P1"), ("STD-05", "P2")}, out


def test_english_output_comes_from_the_rule_files():
    code, out, _ = run("check", FIX / "yubei-2012.yaml", "--format", "json", "--lang", "en")
    doc = json.loads(out)
    fin01 = next(f for f in doc["findings"] if f["rule"] == "FIN-01")
    assert fin01["title"] == "Education appropriation grows faster than regular fiscal revenue"
    assert "万元" in fin01["rectification"] and fin01["shortfall"]["unit"] == "万元"


def test_a_crash_in_one_filing_costs_that_filing_only(tmp_path, monkeypatch, policy):
    import junheng.check.run as check_module
    from junheng.check.batch import check_many
    from junheng.check.run import Options

    original = check_module.check_one_safely

    def crash_on_b(source, policy, options, name=None):
        if str(source).endswith("b.json"):
            import faulthandler
            import signal

            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(source, policy, options, name)

    monkeypatch.setattr(check_module, "check_one_safely", crash_on_b)
    paths = [write_filing(tmp_path, n) for n in ("a.json", "b.json", "c.json")]
    outcomes = list(check_many([str(p) for p in paths], policy, Options(), jobs=2))
    assert [getattr(o, "verdict", None) for o in outcomes] == ["qualified", None, "qualified"]
    assert outcomes[1].status == 3 and "internal error" in outcomes[1].errors[0].en


def test_the_installed_command_runs_end_to_end_on_the_fixtures():
    if not EXE.exists():
        pytest.skip("junheng is not installed in this environment")
    files = sorted(str(p.relative_to(ROOT)) for p in FIX.glob("*.yaml"))
    proc = subprocess.run([str(EXE), "check", *files, "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert len(results) == len(files)
    assert {r["verdict"] for r in results} == {"qualified", "deferred"}
    assert "Traceback" not in proc.stderr


def test_the_installed_command_leaves_at_once_with_every_byte_of_its_report_out(tmp_path):
    """``check`` and ``validate`` end their process without the interpreter's teardown (``cli/main.py: _leave``):
    what they print on a pipe is all there, byte for byte what ``--output`` writes, with the exit status."""
    if not EXE.exists():
        pytest.skip("junheng is not installed in this environment")
    folder = tmp_path / "set"
    generated = subprocess.run([str(EXE), "generate", str(folder), "--districts", "40", "--schools", "60", "--violations", "0.05"],
                               capture_output=True, text=True, timeout=120)
    assert generated.returncode == 0, generated.stderr
    for fmt in ("jsonl", "json", "text"):
        piped = subprocess.run([str(EXE), "check", str(folder), "--format", fmt], capture_output=True, timeout=300)
        written = subprocess.run([str(EXE), "check", str(folder), "--format", fmt, "--output", str(tmp_path / f"r.{fmt}")],
                                 capture_output=True, timeout=300)
        assert piped.returncode == written.returncode == 1, piped.stderr.decode()
        assert piped.stdout == (tmp_path / f"r.{fmt}").read_bytes() and len(piped.stdout) > 10_000
        assert "共 40 份申报" in piped.stderr.decode()
    assert len(piped.stdout.splitlines()) > 40
    valid = subprocess.run([str(EXE), "validate", str(folder)], capture_output=True, text=True, timeout=120)
    assert valid.returncode == 0 and valid.stdout.count("有效") == 40, valid.stderr


def test_previous_compares_last_years_figures_and_locates_both_filings(tmp_path):
    def last_year(d):
        d["district"]["year"] = 2015
        d["finance"]["teacher_salary"]["current"] = 64000  # this year's filing says 65000 for 2015
    current = write_filing(tmp_path, "2016.json")
    before = write_filing(tmp_path, "2015.json", last_year)
    code, out, err = run("check", current, "--previous", before, "--format", "json")
    doc = json.loads(out)
    data05 = [f for f in doc["findings"] if f["rule"] == "DATA-05"]
    assert code == 1 and len(data05) == 1, out + err
    files = {loc["file"] for loc in data05[0]["locations"]}
    assert files == {str(current), str(before)}, data05[0]["locations"]
    assert data05[0]["observed"]["teacher_salary.previous"] == 65000 and data05[0]["observed"]["prior.teacher_salary.current"] == 64000
    code, out, err = run("check", current, "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["rule"] == "DATA-05"]


def test_an_invalid_previous_filing_is_a_bad_option(tmp_path):
    current = write_filing(tmp_path, "2016.json")
    code, out, err = run("check", current, "--previous", INVALID / "quoted-count.yaml")
    assert code == 2, out + err
    assert "quoted-count.yaml:" in err and "--previous" in err
