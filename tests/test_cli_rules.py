"""`junheng rules …` as policy staff run it: test, lint, list, explain and impact, with their exit codes and messages.

Broken rule folders are copies of the shipped ``rules/`` with one line changed
(``change``), so each test shows one mistake and where the tool says it is.
The tests run from inside their temporary folder, so messages name
``rules/funding.yaml:LINE:COL`` as a person would see it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shared import FIX, FIXTURES, RULES, invoke

LOCAL = FIXTURES / "rules-local"

# Every rule id of the rules catalogue, version 1 (DATA-MISSING is a finding, not a rule).
CATALOGUE_IDS = (
    [f"FIN-{n:02d}" for n in range(1, 15)]
    + [f"STAFF-{n:02d}" for n in range(1, 7)]
    + ["SOC-01"] + [f"EQ-{n:02d}" for n in range(1, 6)]
    + [f"STD-{n:02d}" for n in range(1, 13)]
    + [f"QLT-{n:02d}" for n in range(1, 9)]
    + ["BAL-01"] + [f"BAL-{n}" for n in range(11, 18)]
    + [f"DATA-{n:02d}" for n in range(1, 5)]
)


def run(*args) -> tuple[int, str]:
    """The exit code and what a person sees: stdout and stderr as they came."""
    result = invoke(*args)
    return result.exit_code, result.output


def copy_rules(folder: Path) -> Path:
    shutil.copytree(RULES, folder / "rules")
    return folder / "rules"


def change(path: Path, anchor: str, old: str, new: str) -> tuple[int, int]:
    """Replace the first ``old`` on or after the first line holding ``anchor``; the 1-based line and column of the change."""
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines) if anchor in line]
    assert starts, f"{path.name} has no line with {anchor!r}; the shipped rules changed under this test"
    for i in range(starts[0], len(lines)):
        col = lines[i].find(old)
        if col >= 0:
            lines[i] = lines[i][:col] + new + lines[i][col + len(old):]
            path.write_text("\n".join(lines), encoding="utf-8")
            return i + 1, col + 1
    raise AssertionError(f"{path.name} has no {old!r} after {anchor!r}")


def line_of(path: Path, anchor: str, text: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if anchor in line)
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- rules test


def test_rules_test_passes_on_the_shipped_rules_and_sums_up_once_in_the_chosen_language():
    code, out = run("rules", "test")
    assert code == 0, out
    assert re.search(r"^\d+ 项通过，0 项失败$", out, re.M) and "passed" not in out, out
    code, out = run("rules", "test", "--lang", "en")
    assert code == 0, out
    assert re.search(r"^\d+ passed, 0 failed$", out, re.M) and "项通过" not in out, out


def test_a_failing_rule_test_names_its_case_the_expectation_and_the_actual_findings(in_tmp: Path):
    rules = copy_rules(in_tmp)
    line, _ = change(rules / "tests" / "society.yaml", "SOC-01 deputies 30 of 50", "shortfall: 13}", "shortfall: 14}")
    code, out = run("rules", "test", "--rules", "rules")
    assert code == 1, out
    fail = [text for text in out.splitlines() if text.startswith("FAIL")]
    assert len(fail) == 1 and re.match(r"FAIL  rules/tests/society\.yaml:\d+ SOC-01 deputies 30 of 50", fail[0]), out
    assert "应有问题 {rule=SOC-01, subject=500108/deputies, severity=blocking, shortfall=14}，但没有出现" in out, out
    assert '"rule": "SOC-01"' in out and '"shortfall": 13' in out and '"subject": "500108/deputies"' in out, out
    assert re.search(r"^\d+ 项通过，1 项失败$", out, re.M) and not re.search(r"^\d+ passed", out, re.M), out


def test_coverage_is_complete_on_the_shipped_rules():
    code, out = run("rules", "test", "--coverage")
    assert code == 0, out
    assert "覆盖完整" in out, out


def _drop_cases_naming(path: Path, rule_id: str) -> int:
    """Remove every case (a `  - ` item under `cases:`) whose text names rule_id; how many were removed."""
    kept, case, removed = [], [], 0
    in_cases = False

    def flush():
        nonlocal removed
        if any(re.search(rf"\b{re.escape(rule_id)}\b", text) for text in case):
            removed += 1
        else:
            kept.extend(case)
        case.clear()

    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("cases:"):
            in_cases = True
            kept.append(line)
            continue
        if in_cases and line.startswith("  - "):
            flush()
        if in_cases and (case or line.startswith("  - ")):
            case.append(line)
        else:
            kept.append(line)
    flush()
    path.write_text("\n".join(kept), encoding="utf-8")
    return removed


def test_coverage_names_a_rule_whose_tests_are_removed(in_tmp: Path):
    rules = copy_rules(in_tmp)
    removed = sum(_drop_cases_naming(p, "STD-04") for p in (rules / "tests").glob("*.yaml") if p.name != "base.yaml")
    assert removed, "no rule test names STD-04"
    code, out = run("rules", "test", "--rules", "rules", "--coverage")
    assert code == 1, out
    # a case about another rule may still make STD-04 fire on the way, so it may be named
    # as never fired, or only as never shown silent; either way it is named and the run fails
    headings = ("没有测试使其触发的规则：", "没有边界（不触发）测试的规则：")
    gaps = [text.split("：", 1)[1].split(", ") for text in out.splitlines() if text.startswith(headings)]
    assert any("STD-04" in ids for ids in gaps), out
    code, out = run("rules", "test", "--rules", "rules", "--coverage", "--lang", "en")
    assert code == 1, out
    assert re.search(r"^rules no test (makes fire|shows silent): .*\bSTD-04\b", out, re.M), out


def test_the_local_pack_folder_brings_its_own_tests(in_tmp: Path):
    code, out = run("rules", "test", "--rules", RULES, "--rules", LOCAL)
    assert code == 0, out
    local = [text for text in out.splitlines() if "cq-strict.yaml:" in text]
    assert local and all(text.startswith("PASS") for text in local), out
    assert any("LOC-01" in text for text in local), out


# ---------------------------------------------------------------- rules lint


def test_lint_is_clean_on_the_shipped_rules():
    code, out = run("rules", "lint")
    assert code == 0, out
    assert "规则文件检查通过" in out, out


@pytest.mark.parametrize(
    "file,anchor,old,new,message,exact_column",
    [
        pytest.param("funding.yaml", "- id: FIN-12", "0.10", "-0.10",
                     "/params/threshold: 规则 FIN-12：参数 threshold 为负数 -0.1：政策数值不能小于 0", True,
                     id="negative-threshold"),
        pytest.param("funding.yaml", "- id: FIN-13", "0.70", "70",
                     "/params/threshold: 规则 FIN-13：参数 threshold = 70：比例应在 0 到 1 之间（或写作 70%）", True,
                     id="share-threshold-above-1"),
        pytest.param("schools.yaml", "books_per_student: books / students", "students", "studnets",
                     "/values/books_per_student: 规则 STD-05：未知名称 “studnets”，是否应为 “students”？", True,
                     id="misspelt-field"),
        pytest.param("funding.yaml", "- id: FIN-12", "低于 {threshold:pct}", "低于 {threshhold:pct}",
                     "/message/zh: 规则 FIN-12：文本中的占位符 {threshhold} 不存在，是否应为 “threshold”？", False,
                     id="unknown-placeholder"),
        pytest.param("funding.yaml", "- id: FIN-01", "quality", "qualty",
                     "/packs/1: 规则 FIN-01：未知规则包 “qualty”，是否应为 “quality”？", True,
                     id="unknown-pack"),
        pytest.param("funding.yaml", "- id: FIN-14", "FIN-14", "FIN-13",
                     "/id: 规则 FIN-13（district）重复定义（首次在 rules/funding.yaml:", True,
                     id="duplicate-id"),
        pytest.param("funding.yaml", "- id: FIN-14", "severity: major", "severity: blocker",
                     "/severity: “severity” 的值 “blocker” 无效，是否应为 “blocking”？", False,
                     id="wrong-severity-word"),
    ],
)
def test_lint_reports_a_mistake_as_a_located_error(in_tmp: Path, file, anchor, old, new, message, exact_column):
    rules = copy_rules(in_tmp)
    line, col = change(rules / file, anchor, old, new)
    code, out = run("rules", "lint", "--rules", "rules")
    assert code == 2, out
    errors = [text for text in out.splitlines() if text.startswith("错误 ")]
    assert len(errors) == 1, out
    column = str(col) if exact_column else r"\d+"
    where = rf"错误 rules/{re.escape(file)}:{line}:{column}: /rules/\d+"
    assert re.match(where, errors[0]), f"expected {where!r}:\n{out}"
    assert message in errors[0], out


def test_a_wrong_severity_word_points_at_the_word_and_suggests_the_right_one(in_tmp: Path):
    rules = copy_rules(in_tmp)
    line, col = change(rules / "funding.yaml", "- id: FIN-14", "major", "blocker")
    code, out = run("rules", "lint", "--rules", "rules", "--lang", "en")
    assert code == 2, out
    assert f"rules/funding.yaml:{line}:{col}:" in out, out
    assert "did you mean 'blocking'?" in out, out


def test_a_condition_that_can_never_hold_is_a_located_warning(in_tmp: Path):
    rules = copy_rules(in_tmp)
    change(rules / "schools.yaml", "- id: STD-01", "upper: 55", "upper: 45")
    where = line_of(rules / "schools.yaml", "- id: STD-01", "violated_when:")
    code, out = run("rules", "lint", "--rules", "rules")
    assert code == 1, out
    warnings = [text for text in out.splitlines() if text.startswith("警告 ")]
    never = rf"警告 rules/schools\.yaml:{where}:\d+: /rules/\d+/violated_when: 规则 STD-01（(primary|junior)）：违规条件永远不成立"
    assert warnings and all(re.match(never, w) for w in warnings), out
    assert not any(text.startswith("错误 ") for text in out.splitlines()), out


# ---------------------------------------------------------------- rules list / explain


def _rows(out: str) -> dict[str, list[list[str]]]:
    rows: dict[str, list[list[str]]] = {}
    for line in out.splitlines()[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        rows.setdefault(cells[0], []).append(cells)
    return rows


def test_list_shows_every_rule_of_the_catalogue():
    code, out = run("rules", "list")
    assert code == 0, out
    rows = _rows(out)
    missing = [rid for rid in CATALOGUE_IDS if rid not in rows]
    assert not missing, f"not listed: {missing}\n{out}"
    assert rows["FIN-13"][0][1:5] == ["basic,quality", "区县", "须整改", "threshold: 70%"], out
    assert rows["BAL-01"][0][2:4] == ["学段", "否决项"] and rows["SOC-01"][0][2] == "问卷群体", out
    assert rows["STD-05"][0][2] == "学校" and {r[2] for r in rows["DATA-01"]} == {"学校标识码"}, out


def test_list_in_english_names_subjects_and_severities_in_english():
    code, out = run("rules", "list", "--lang", "en")
    assert code == 0, out
    rows = _rows(out)
    assert rows["FIN-13"][0][1:5] == ["basic,quality", "district", "major", "threshold: 70%"], out
    assert rows["BAL-01"][0][2:4] == ["level", "blocking"], out


def test_list_of_a_layered_local_pack_shows_its_overrides_and_its_own_rule():
    code, out = run("rules", "list", "--rules", RULES, "--rules", LOCAL, "--standard", "cq-strict")
    assert code == 0, out
    rows = _rows(out)
    assert rows["FIN-13"][0][1:5] == ["cq-strict", "区县", "须整改", "threshold: 75%"], out
    assert rows["STD-01"][0][1:4] == ["cq-strict", "学校", "否决项"], out
    assert rows["STD-06"][0][4] == "threshold: primary 8, junior 12", out
    assert rows["LOC-01"][0][1:4] == ["cq-strict", "学段", "须整改"], out
    assert "QLT-01" not in rows, "cq-strict extends basic, not quality"


def test_list_of_an_unknown_standard_exits_2_naming_the_known_ones():
    code, out = run("rules", "list", "--standard", "qualty")
    assert code == 2, out
    assert "没有规则包 “qualty”（可用：basic、quality），是否应为 “quality”？" in out, out
    code, out = run("rules", "list", "--standard", "qualty", "--lang", "en")
    assert code == 2 and "unknown standard 'qualty' (known: basic, quality); did you mean 'quality'?" in out, out


def test_explain_shows_the_basis_the_thresholds_per_level_and_an_example_finding():
    code, out = run("rules", "explain", "STD-05")
    assert code == 0, out
    assert out.startswith("STD-05  生均图书达标"), out
    assert "依据: 《中小学图书馆（室）规程》（2018）：小学25册，初中35册" in out, out
    assert "阈值: threshold: primary 25, junior 35" in out, out
    assert "违规条件: books_per_student < threshold" in out, out
    example = out.split("示例", 1)
    assert len(example) == 2, f"no example finding:\n{out}"
    assert re.search(r"STD-05  \S+  major", example[1]) and "须增购图书" in example[1], out


def test_explain_of_an_unknown_rule_exits_2_with_a_suggestion():
    code, out = run("rules", "explain", "STD-5")
    assert code == 2, out
    assert "no rule 'STD-5'; did you mean 'STD-05'?" in out, out


# ---------------------------------------------------------------- rules impact


def _fin13_at_75(folder: Path) -> Path:
    rules = copy_rules(folder)
    change(rules / "funding.yaml", "- id: FIN-13", "threshold: 0.70", "threshold: 0.75")
    return rules


def _impact(*args) -> dict:
    code, out = run("rules", "impact", *args, FIX, "--format", "json")
    assert code == 0, out
    return json.loads(out)


def test_impact_against_a_baseline_folder_lists_the_findings_gained_and_the_totals(in_tmp: Path):
    rules = _fin13_at_75(in_tmp)
    report = _impact("--baseline", RULES, "--rules", rules)
    gained = [(f["file"], g) for f in report["filings"] for g in f["gained"]]
    assert gained and all(g["rule"] == "FIN-13" and g["unit"] == "万元" and g["shortfall"] > 0 for _, g in gained), report
    yubei = [g for file, g in gained if file.endswith("yubei-2012.yaml")]
    # 渝北区: new funds 24800 万元, 17600 to rural and weak schools: 0.75 × 24800 − 17600 = 1000
    assert yubei == [{"rule": "FIN-13", "subject": "500112", "severity": "major", "shortfall": 1000, "unit": "万元"}], report
    assert report["totals"] == {"filings": len(report["filings"]), "gained": len(gained), "lost": 0, "changed": 0,
                                "texts_changed": 0, "verdicts_flipped": 0, "not_checked": 0}, report
    code, out = run("rules", "impact", "--baseline", RULES, "--rules", rules, FIX)
    assert code == 0, out
    assert "+ FIN-13  500112  须整改  1,000 万元" in out, out
    assert "渝北区（500112）  结论不变：推迟认定" in out and "deferred" not in out and "major" not in out, out
    assert f"合计：{len(report['filings'])} 份申报，新增问题 {len(gained)}，消除问题 0，变化 0，结论改变 0，无法检查 0" in out, out
    code, out = run("rules", "impact", "--baseline", RULES, "--rules", rules, FIX, "--lang", "en")
    assert code == 0, out
    assert "+ FIN-13  500112  major  1,000 万元" in out and "verdict unchanged: deferred" in out, out


def test_impact_against_a_git_revision_gives_the_same_report_as_against_a_folder(in_tmp: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = in_tmp / "repo"
    repo.mkdir()
    rules = copy_rules(repo)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shipped rules"], cwd=repo, check=True)
    change(rules / "funding.yaml", "- id: FIN-13", "threshold: 0.70", "threshold: 0.75")
    from_git = _impact("--baseline", "HEAD", "--rules", rules)
    from_folder = _impact("--baseline", RULES, "--rules", rules)
    assert from_git == from_folder
    assert from_git["totals"]["gained"] > 0, from_git


def test_a_baseline_that_is_neither_a_folder_nor_a_revision_exits_2_saying_so(in_tmp: Path):
    rules = _fin13_at_75(in_tmp)
    code, out = run("rules", "impact", "--baseline", "no-such-rules", "--rules", rules, FIX)
    assert code == 2, out
    assert "基线 “no-such-rules” 既不是规则目录，也不是" in out and "git" in out, out
    code, out = run("rules", "impact", "--baseline", "no-such-rules", "--rules", rules, FIX, "--lang", "en")
    assert code == 2, out
    assert "baseline 'no-such-rules' is neither a rules folder nor a git revision" in out, out


# ---------------------------------------------------------------- rule-test pointers


def _write_cases(rules: Path, text: str) -> Path:
    """A test file of its own beside the shipped ones (the cases start from rules/tests/base.yaml)."""
    path = rules / "tests" / "pointers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pointer_may_name_a_school_by_its_id_as_well_as_by_its_index(in_tmp: Path):
    rules = copy_rules(in_tmp)
    _write_cases(rules, (
        "cases:\n"
        "  - note: J1 by id (index 2) fires STD-05 for 8 volumes\n"
        "    set: {/schools/J1/books: 27992}\n"
        "    expect:\n"
        "      - {rule: STD-05, subject: J1, shortfall: 8}\n"
        "  - note: J1 by index gives the same\n"
        "    set: {/schools/2/books: 27992}\n"
        "    expect:\n"
        "      - {rule: STD-05, subject: J1, shortfall: 8}\n"
        "  - note: P2's books removed by id is DATA-MISSING at P2\n"
        "    remove: [/schools/P2/books]\n"
        "    expect:\n"
        "      - {rule: DATA-MISSING, for_rule: STD-05, subject: P2, missing: [/schools/1/books]}\n"))
    code, out = run("rules", "test", "--rules", "rules")
    assert code == 0, out
    assert "PASS  rules/tests/pointers.yaml:2 J1 by id" in out, out
    assert "PASS  rules/tests/pointers.yaml:10 P2's books removed by id" in out, out


def test_a_school_id_the_filing_lacks_is_a_located_error_with_exit_2(in_tmp: Path):
    rules = copy_rules(in_tmp)
    _write_cases(rules, (
        "cases:\n"
        "  - note: a typo in the school id\n"
        "    set: {/schools/J11/books: 27992}\n"
        "    forbid: [{rule: STD-05}]\n"
        "  - note: a record past the end\n"
        "    remove: [/schools/9/books]\n"))
    code, out = run("rules", "test", "--rules", "rules")
    assert code == 2, out
    assert "invalid literal" not in out and "Traceback" not in out, out
    assert "rules/tests/pointers.yaml:3:11: /cases/0/set/~1schools~1J11~1books: 用例 “a typo in the school id”：" in out, out
    assert "没有标识码为 “J11” 的学校，是否应为 “J1”？" in out, out
    assert "rules/tests/pointers.yaml:6:14: /cases/1/remove/0:" in out, out
    assert "没有第 9 条记录（共 4 条，从 0 数起），也没有这个标识码的学校" in out, out
    assert "PASS" not in out, out  # a broken test file stops the run before any case is reported


def test_a_field_the_filing_does_not_have_is_a_located_error_with_a_suggestion(in_tmp: Path):
    rules = copy_rules(in_tmp)
    _write_cases(rules, (
        "cases:\n"
        "  - note: a typo in the field\n"
        "    set: {/schools/J1/bokks: 1}\n"
        "    forbid: [{rule: STD-05}]\n"
        "  - note: last year's filing, a typo too\n"
        "    previous:\n"
        "      set: {/finance/teacher_salry/current: 1}\n"))
    code, out = run("rules", "test", "--rules", "rules", "--lang", "en")
    assert code == 2, out
    assert ("rules/tests/pointers.yaml:3:11: /cases/0/set/~1schools~1J1~1bokks: case 'a typo in the field': "
            "/schools/J1/bokks: the filing has no field 'bokks'; did you mean 'books'?") in out, out
    assert "rules/tests/pointers.yaml:7:13: /cases/1/previous/set/~1finance~1teacher_salry~1current:" in out, out
    assert "did you mean 'teacher_salary'?" in out, out
