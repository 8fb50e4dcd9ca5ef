"""Every consumer accepts every output: each machine format checked against what its real reader demands.

- JUnit XML against the Jenkins xUnit plugin's ``junit-10.xsd`` (the strictest schema CI systems
  read: it rejects a ``file`` attribute on a test case). The plugin's own file cannot be copied
  into this repository; the PyPI package pytest ships a copy in its source distribution
  (``testing/example_scripts/junit-10.xsd``, MIT, Gregory Boissinot), which pytest's own tests
  validate its JUnit output with. The test fetches pytest 9.2.0's sdist with pip into
  ``.cache/consumers/`` (gitignored) when it is missing — bounded by a timeout, checked by its
  SHA-256 — and validates with ``xmlschema``; offline, or without ``xmlschema``, it is skipped,
  saying why. That copy differs from the plugin's current one only in its ``time`` pattern and a
  ``version`` attribute of ``testsuite``, neither of which junheng writes; a structural test of the
  exact junit-10 rules (written out below, stricter than either copy) runs always.
- SARIF against the official OASIS SARIF 2.1.0 schema (``tests/data``, see test_formats.py), and
  what code scanning reads: rule help and its URI, URIs relative to the repository, the
  invocation's success, messages for people.
- GitHub annotations within what a step shows (10 of each kind), and the job summary.
- JSON against the published result schema (``engine/junheng/schemas/result.schema.json``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from junheng.check.run import Options, check_one_safely, internal_failure
from junheng.errors import InputError
from junheng.report.formats import github, json_format, jsonl, junit, sarif
from junheng.report.formats._plain import finding_message
from junheng.report.result import SEVERITY_RANK, Failure, Result
from junheng.report.rulepage import rules_page
from junheng.report.schema import SCHEMA_PATH, result_json_schema, schema_text
from shared import FIX, FIXTURE_FILINGS, GOLDEN, INVALID, ROOT, SARIF_SCHEMA, compare_golden, invoke, run, shipped_policy

CACHE = ROOT / ".cache" / "consumers"  # gitignored: what the tests fetch from a package registry
JUNIT_XSD = CACHE / "junit-10.xsd"
JUNIT_XSD_PACKAGE = "pytest==9.2.0"  # its sdist ships the Jenkins xUnit plugin's junit-10.xsd
JUNIT_XSD_MEMBER = "pytest-9.2.0/testing/example_scripts/junit-10.xsd"
JUNIT_XSD_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"
FETCH_TIMEOUT = 180  # seconds: pip resolves the sdist's build requirements to read its metadata

# A run of every bundled filing, one that cannot be read and one that does not exist.
ALL = [p.relative_to(ROOT).as_posix() for p in FIXTURE_FILINGS] + ["fixtures/invalid/quoted-count.yaml", "fixtures/no-such-filing.yaml"]
SNAKE_OR_POINTER = re.compile(r"(?<![\w/.])/[a-z_]+(/[\w~]+)*|\b[a-z]+_[a-z0-9_]+\b")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def outcomes() -> list:
    """Every bundled filing checked, one invalid filing and one internal error, as the CLI names them."""
    policy = shipped_policy()
    out = [check_one_safely(str(p), policy, Options(details=frozenset({"checks"})), name=p.relative_to(ROOT).as_posix())
           for p in FIXTURE_FILINGS]
    out.append(check_one_safely(str(INVALID / "quoted-count.yaml"), policy, Options(), name="fixtures/invalid/quoted-count.yaml"))
    out.append(internal_failure("fixtures/filings/crash.yaml", "RuntimeError: boom"))
    return out


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    """yubei-2012 as an .xlsx filing (the spreadsheet form), so that its findings are located by sheet and cell."""
    path = tmp_path_factory.mktemp("xlsx") / "yubei-2012.xlsx"
    code, out, err = run("convert", FIX / "yubei-2012.yaml", path)
    assert code == 0, out + err
    return path


@pytest.fixture(scope="module")
def spreadsheet(workbook) -> Result:
    result = check_one_safely(str(workbook), shipped_policy(), Options(details=frozenset({"checks"})), name="filings/yubei-2012.xlsx")
    assert isinstance(result, Result) and result.findings and all(loc.cell for f in result.findings for loc in f.locations)
    return result


# ---------------------------------------------------------------- JUnit: the Jenkins xUnit plugin's junit-10.xsd


def _fetch_junit_xsd() -> Path:
    """junit-10.xsd from pytest's sdist on PyPI, into the gitignored cache; skips the test, saying why, when it cannot."""
    if JUNIT_XSD.exists() and hashlib.sha256(JUNIT_XSD.read_bytes()).hexdigest() == JUNIT_XSD_SHA256:
        return JUNIT_XSD
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--disable-pip-version-check",
                   "--quiet", "--timeout", "30", "--retries", "1", "-d", folder, JUNIT_XSD_PACKAGE]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=FETCH_TIMEOUT)
            (sdist,) = Path(folder).glob("pytest-*.tar.gz")
            with tarfile.open(sdist) as archive:
                member = archive.extractfile(JUNIT_XSD_MEMBER)
                data = member.read() if member is not None else b""
        except (subprocess.SubprocessError, OSError, ValueError, KeyError, tarfile.TarError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            pytest.skip(f"junit-10.xsd could not be fetched ({JUNIT_XSD_PACKAGE} sdist from PyPI, offline?): "
                        f"{type(exc).__name__}: {detail.decode(errors='replace')[-300:] or exc}")
    if hashlib.sha256(data).hexdigest() != JUNIT_XSD_SHA256:
        pytest.fail(f"{JUNIT_XSD_MEMBER} in {JUNIT_XSD_PACKAGE} is not the junit-10.xsd this test was written against")
    CACHE.mkdir(parents=True, exist_ok=True)
    JUNIT_XSD.write_bytes(data)
    return JUNIT_XSD


@pytest.fixture(scope="module")
def junit_xsd():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (PyPI) validates JUnit XML against junit-10.xsd; it is not installed")
    return xmlschema.XMLSchema(str(_fetch_junit_xsd()))


def _junit_documents(outcomes) -> dict[str, str]:
    """Every JUnit document to hold to the schema: the golden files and a run of everything with hostile text."""
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted((GOLDEN / "formats").glob("*.junit.xml"))}
    hostile = dataclasses.replace(outcomes[0], file='a "quoted" <file> & \x01.yaml')
    for fail_on in ("blocking", "minor", "never"):
        docs[f"run, --fail-on {fail_on}"] = junit.render([*outcomes, hostile], lang="en", fail_on=fail_on)
    return docs


def test_junit_is_valid_under_the_jenkins_xunit_plugins_junit_10_xsd(junit_xsd, outcomes):
    for name, text in _junit_documents(outcomes).items():
        errors = list(junit_xsd.iter_errors(text.encode("utf-8")))
        assert not errors, f"{name}: {len(errors)} errors, the first: {errors[0]}"


# The exact rules of junit-10.xsd, written out: which attributes each element may have (and must), which children.
_CASE_CHILDREN = {"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"}
_RULES = {  # element → (required attributes, allowed attributes, allowed children)
    "testsuites": (set(), {"name", "time", "tests", "failures", "errors"}, {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors"},
                  {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id", "package", "file",
                   "log", "url"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, {"name", "value"}, set()),
    "testcase": ({"name"}, {"name", "time", "classname", "group"}, _CASE_CHILDREN),
    "failure": (set(), {"type", "message"}, set()),
    "error": (set(), {"type", "message"}, set()),
    "skipped": (set(), {"type", "message"}, set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def _junit_10_problems(element: ET.Element, path: str = "") -> list[str]:
    here = f"{path}/{element.tag}"
    if element.tag not in _RULES:
        return [f"{here}: no such element in junit-10"]
    required, allowed, children = _RULES[element.tag]
    problems = [f"{here}: attribute {a!r} is not allowed" for a in sorted(set(element.attrib) - allowed)]
    problems += [f"{here}: attribute {a!r} is required" for a in sorted(required - set(element.attrib))]
    for child in element:
        if child.tag not in children:
            problems.append(f"{here}: child <{child.tag}> is not allowed")
        else:
            problems += _junit_10_problems(child, here)
    if element.tag in ("testsuites", "testsuite"):
        problems += [f"{here}: {a}={element.get(a)!r} is not a count" for a in ("tests", "failures", "errors", "skipped")
                     if a in element.attrib and not element.get(a, "").isdigit()]
    return problems


def test_junit_follows_the_exact_junit_10_rules_for_every_element_and_attribute(outcomes):
    for name, text in _junit_documents(outcomes).items():
        root = ET.fromstring(text.encode("utf-8"))
        assert root.tag == "testsuites"
        assert _junit_10_problems(root) == [], name


def test_junit_makes_each_filing_its_own_suite_and_never_merges_districts_in_a_class(outcomes):
    root = ET.fromstring(junit.render(outcomes, lang="zh").encode("utf-8"))
    suites = root.findall("testsuite")
    names = [s.get("name") for s in suites]
    assert len(set(names)) == len(names) == len(outcomes)
    classes_of: dict[str, set[str]] = {}
    for suite, outcome in zip(suites, outcomes, strict=True):
        if not isinstance(outcome, Result):
            continue
        d = outcome.district
        assert d["name"] in suite.get("name") and d["code"] in suite.get("name") and str(d["year"]) in suite.get("name")
        for case in suite.findall("testcase"):
            prefix, _, rule = case.get("classname").rpartition(".")
            assert prefix == f"{d['code']}-{d['year']}" and case.get("name").startswith(rule + " ")
            classes_of.setdefault(case.get("classname"), set()).add(d["code"])
    assert all(len(codes) == 1 for codes in classes_of.values())  # a class (a rule) never spans two districts
    # two filings of the same district and year (nanan-2011 in YAML and JSON) are told apart by their files
    nanan = [n for n in names if n.startswith("南岸区（500108）2011 年")]
    assert len(nanan) == 2 and all("fixtures/filings/nanan-2011." in n for n in nanan)


def test_junit_names_a_spreadsheets_cells_and_no_json_pointer(spreadsheet):
    root = ET.fromstring(junit.render([spreadsheet], lang="zh", fail_on="info").encode("utf-8"))
    failures = root.findall(".//failure")
    assert len(failures) == len({(f.for_rule or f.rule, f.subject) for f in spreadsheet.findings})
    text = "\n".join((f.text or "") + f.get("message") for f in failures)
    assert "经费!B" in text and "学校!A" in text
    assert not any(loc.pointer and loc.pointer in text for f in spreadsheet.findings for loc in f.locations)


# ---------------------------------------------------------------- SARIF: what code scanning reads


def _sarif(outcomes, lang="zh", root: str | None = None) -> dict:
    doc = json.loads(sarif.render(outcomes, lang=lang, root=root))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    return doc


def test_sarif_gives_the_tool_an_information_uri_and_every_rule_help_on_the_rules_page(outcomes):
    (run_,) = _sarif(outcomes)["runs"]
    driver = run_["tool"]["driver"]
    assert driver["informationUri"] == sarif.HOME_URI and driver["informationUri"].startswith("https://")
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert driver["rules"]
    for rule in driver["rules"]:
        assert rule["helpUri"] == f"{sarif.HOME_URI}docs/rules.md#{rule['id'].lower()}"
        assert f'<a id="{rule["id"].lower()}"></a>' in page, f"docs/rules.md has no section for {rule['id']}"
        assert rule["shortDescription"]["text"] in rule["fullDescription"]["text"]
        assert rule["properties"]["basis"] in rule["fullDescription"]["text"]
        assert rule["helpUri"] in rule["help"]["text"] and rule["helpUri"] in rule["help"]["markdown"]


def test_the_rules_page_is_generated_from_the_rules_and_covers_every_rule(policy):
    page = rules_page(policy)
    ids = {rule.id for pack in policy.packs.values() for rule in pack.rules} | {"DATA-MISSING"}
    assert {m for m in re.findall(r'<a id="([a-z0-9-]+)"></a>', page)} == {i.lower() for i in ids}
    for pack in policy.packs.values():
        for rule in pack.rules:
            section = page.split(f'<a id="{rule.id.lower()}"></a>', 1)[1].split("<a id=", 1)[0]
            assert rule.rule.title.en.replace("[", "\\[").replace("]", "\\]") in section or rule.id.startswith("DATA")
            assert f"({rule.rule.severity})" in section and "依据 / basis" in section
    compare_golden(ROOT / "docs", "rules.md", page)  # UPDATE_GOLDEN=1 rewrites the committed page


def test_sarif_uris_are_relative_to_the_sarif_root_not_to_where_junheng_runs(tmp_path, monkeypatch):
    filings = tmp_path / "repo" / "filings"
    filings.mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()  # a work tree
    (filings / "yubei 2012.yaml").write_bytes((FIX / "yubei-2012.yaml").read_bytes())
    monkeypatch.chdir(filings)
    result = check_one_safely("yubei 2012.yaml", shipped_policy(), Options(), name="yubei 2012.yaml")
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in _sarif([result])["runs"][0]["results"] for loc in r["locations"]}
    assert uris == {"filings/yubei%202012.yaml"}  # by default: the git work tree holding the current folder
    assert sarif.default_root() == str(tmp_path / "repo")
    doc = _sarif([result], root=str(filings))
    assert {loc["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"] for loc in r["locations"]} == \
        {"yubei%202012.yaml"}
    assert sarif.default_root(str(tmp_path)) == str(tmp_path)  # no work tree: the folder itself


def test_sarif_says_the_run_did_not_succeed_when_a_filing_could_not_be_checked(outcomes):
    results = [o for o in outcomes if isinstance(o, Result)]
    assert _sarif(results)["runs"][0]["invocations"][0]["executionSuccessful"] is True
    invalid = [o for o in outcomes if isinstance(o, Failure) and o.status == 2]
    (invocation,) = _sarif(results + invalid, "en")["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "fixtures/invalid/quoted-count.yaml" in note["message"]["text"]
    assert "/schools/0/students" not in note["message"]["text"]  # no JSON pointer in what a person reads


def test_sarif_and_github_messages_carry_no_json_pointer_and_no_contract_key(outcomes):
    texts = []
    for lang in ("zh", "en"):
        doc = _sarif(outcomes, lang)
        texts += [r["message"]["text"] for r in doc["runs"][0]["results"]]
        texts += [n["message"]["text"] for n in doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
        texts += [line.split("::", 2)[-1] for line in github.render(outcomes, lang=lang).splitlines()]
    assert len(texts) > 100
    bad = [t for t in texts if SNAKE_OR_POINTER.search(t.replace("junheng:", ""))]
    assert bad == []


def test_sarif_names_a_spreadsheets_sheet_and_cell(spreadsheet):
    doc = _sarif([spreadsheet], "zh", root=str(ROOT))
    for result, finding in zip(doc["runs"][0]["results"], spreadsheet.findings, strict=True):
        cell = finding.locations[0].cell
        (logical,) = result["locations"][0]["logicalLocations"]
        assert logical["fullyQualifiedName"] == cell and cell.startswith(("经费!", "学校!", "区县!", "教师队伍!", "社会认可!", "弱势群体!"))
        assert f"（位置：{cell} " in result["message"]["text"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding.locations[0].line, finding.locations[0].column)
    assert any(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("经费!B") for r in doc["runs"][0]["results"])


# ---------------------------------------------------------------- GitHub annotations


def _annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


def test_github_shows_the_most_severe_first_ten_of_each_kind_and_says_where_the_rest_are(outcomes):
    out = github.render(outcomes, lang="en")
    notes = _annotations(out)
    kinds = [line[2:].split(" ", 1)[0].split("::", 1)[0] for line in notes]
    findings = sum(len(o.findings) for o in outcomes if isinstance(o, Result))
    errors = sum(len(o.errors) for o in outcomes if isinstance(o, Failure))
    assert findings + errors > 30  # more than one step can show
    assert kinds == sorted(kinds, key=("error", "warning", "notice").index)  # errors, then warnings, then notices
    assert kinds.count("error") == 10 and kinds.count("warning") == 10 and kinds.count("notice") <= 10
    summary = notes[-1]
    left = findings + errors - (len(notes) - 1)
    assert summary.startswith("::notice title=junheng%3A ") and f"{left} more findings are not shown" in summary
    assert "step's log" in summary and "job summary" in summary
    logged = [line for line in out.splitlines() if re.match(r"junheng: .+: (error|warning|notice) ", line)]
    assert len(logged) == left  # every finding left out is a line of the log
    assert notes[0].startswith("::error file=fixtures/invalid/quoted-count.yaml")  # a filing not checked comes first


def test_github_keeps_every_annotation_when_a_step_can_show_them_all(outcomes):
    few = [o for o in outcomes if isinstance(o, Result) and len(o.findings) <= 5][:3]
    out = github.render(few, lang="zh")
    assert len(_annotations(out)) == sum(len(o.findings) for o in few) and "more" not in out


def test_github_names_a_spreadsheets_cell_in_the_message(spreadsheet):
    lines = _annotations(github.render([spreadsheet], lang="zh"))
    first = spreadsheet.findings[0]
    assert lines[0].startswith(f"::error file=filings/yubei-2012.xlsx,line={first.locations[0].line},")
    assert f"（位置：{first.locations[0].cell} " in lines[0]


def test_github_writes_the_job_summary_as_a_markdown_table_appended_to_the_file_named(outcomes, tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    assert github.write_step_summary(outcomes, lang="zh", environ={}) is None  # outside GitHub Actions: nothing
    assert github.write_step_summary(outcomes, lang="zh", environ={"GITHUB_STEP_SUMMARY": str(target)}) == str(target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## junheng 检查结果\n")  # appended, never overwritten
    assert "| 申报文件 | 区县 | 结论 | 否决项 | 须整改 | 建议 | 提示 |" in text
    yubei = next(o for o in outcomes if o.file == "fixtures/filings/yubei-2012.yaml")
    counts = " | ".join(str(n) for n in yubei.summary.values())
    assert f"| fixtures/filings/yubei-2012.yaml | 渝北区（500112）2012 年 | 推迟认定 | {counts} |" in text
    findings = sum(len(o.findings) for o in outcomes if isinstance(o, Result))
    errors = sum(len(o.errors) for o in outcomes if isinstance(o, Failure))
    assert f"### 全部结果（{findings + errors}）" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.count(" | ") == 5 and "---" not in line]
    assert len(rows) == findings + errors + 1  # and the header
    assert text == "earlier step\n" + github.step_summary(outcomes, lang="zh")


def test_github_job_summary_stays_within_what_github_takes(outcomes):
    result = next(o for o in outcomes if isinstance(o, Result) and o.findings)
    many = dataclasses.replace(result, findings=result.findings * 4000)
    text = github.step_summary([many], lang="en")
    assert len(text.encode("utf-8")) <= github.SUMMARY_BUDGET
    assert "more findings do not fit in the job summary" in text


# ---------------------------------------------------------------- JSON: the published result schema


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_result_schema_is_what_the_code_generates():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        "regenerate it: junheng schema --output > engine/junheng/schemas/result.schema.json (or python -m junheng.report.schema)"
    assert json.loads(schema_text()) == result_json_schema()


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.name)
def test_every_golden_json_output_follows_the_result_schema(golden):
    errors = [e.message for e in _validator().iter_errors(json.loads(golden.read_text(encoding="utf-8")))]
    assert errors == []


def test_a_run_of_several_filings_with_failures_follows_the_result_schema():
    code, out, _ = run("check", *ALL, "--format", "json", cwd=ROOT)
    assert code == 2, out
    doc = json.loads(out)
    assert len(doc["results"]) == len(ALL) and {r.get("status") for r in doc["results"]} == {None, 2}
    _validator().validate(doc)


def test_each_jsonl_line_and_a_spreadsheet_with_notices_follows_the_result_schema(outcomes, spreadsheet):
    validator = _validator()
    notice = InputError("sheet_ignored", spreadsheet.file, 1, 1, "", "工作表 “备注” 未读取", "sheet '备注' was not read", cell="备注")
    noticed = dataclasses.replace(spreadsheet, notices=(notice,))
    doc = json_format.document([noticed], "zh")
    assert doc["notices"][0]["cell"] == "备注" and doc["findings"][0]["locations"][0]["cell"].startswith("经费!")
    validator.validate(doc)
    for line in jsonl.render([*outcomes, noticed], lang="en").splitlines():
        validator.validate(json.loads(line))  # a result or a failure, each one


@pytest.mark.parametrize("change, why", [
    (lambda d: d.pop("verdict"), "a result has a verdict"),
    (lambda d: d.update(verdict="passed"), "qualified or deferred"),
    (lambda d: d["findings"][0].pop("locations"), "a finding is located"),
    (lambda d: d["findings"][0].update(for_rule="FIN-01"), "only DATA-MISSING names the rule it is for"),
    (lambda d: d["findings"][0]["locations"][0].update(pointer="finance"), "a pointer starts with /"),
    (lambda d: d.update(extra=1), "nothing beyond the contract"),
    (lambda d: d.update(notices=[]), "notices only when there are some"),
])
def test_the_result_schema_rejects_what_the_contract_forbids(change, why):
    doc = json.loads((GOLDEN / "yubei-2012.yaml.json").read_text(encoding="utf-8"))
    change(doc)
    assert list(_validator().iter_errors(doc)), why


def test_the_result_schema_rejects_a_failure_with_a_verdict_or_another_status():
    failure = {"file": "a.yaml", "status": 2, "errors": [{"code": "filing_parse_error", "message": "m", "file": "a.yaml",
                                                          "line": None, "column": None, "pointer": ""}]}
    _validator().validate(failure)
    _validator().validate({"results": [failure, failure]})
    assert list(_validator().iter_errors({**failure, "status": 1}))
    assert list(_validator().iter_errors({**failure, "verdict": "deferred"}))


def test_severities_of_the_schema_are_the_results():
    assert result_json_schema()["$defs"]["finding"]["properties"]["severity"]["enum"] == list(SEVERITY_RANK)


def test_sarif_messages_are_the_plain_finding_messages(outcomes):
    result = next(o for o in outcomes if isinstance(o, Result) and any(f.rule == "DATA-MISSING" for f in o.findings))
    doc = _sarif([result], "en")
    for sarif_result, finding in zip(doc["runs"][0]["results"], result.findings, strict=True):
        assert sarif_result["message"]["text"].startswith(finding_message(finding, "en"))


def test_the_consumers_cache_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/.cache/" in ignored
    if (ROOT / ".git").exists() and shutil.which("git"):
        check = subprocess.run(["git", "check-ignore", "-q", ".cache/consumers/junit-10.xsd"], cwd=ROOT)
        assert check.returncode == 0


# ---------------------------------------------------------------- the command line: --sarif-root, schema --output, the job summary


def _cli_has(command: str, option: str) -> bool:
    return option in invoke(command, "--help").output


_NO_SARIF_ROOT = "cli/main.py has no --sarif-root yet (the patch is in the issue 12 report)"
_NO_SCHEMA_OUTPUT = "cli/main.py has no `schema --output` yet (the patch is in the issue 12 report)"


@pytest.mark.skipif(not _cli_has("schema", "--output"), reason=_NO_SCHEMA_OUTPUT)
def test_junheng_schema_output_prints_the_result_schema_and_schema_alone_the_filings():
    code, out, err = run("schema", "--output")
    assert code == 0, err
    assert out == SCHEMA_PATH.read_text(encoding="utf-8")
    code, out, err = run("schema")
    assert code == 0 and json.loads(out)["$id"].endswith("/filing.schema.json"), err


@pytest.mark.skipif(not _cli_has("check", "--sarif-root"), reason=_NO_SARIF_ROOT)
def test_check_writes_sarif_paths_relative_to_the_work_tree_or_to_sarif_root():
    def uris(*extra: str) -> set[str]:
        code, out, err = run("check", "filings/yubei-2012.yaml", "--format", "sarif", *extra, cwd=ROOT / "fixtures")
        assert code == 1, err
        return {loc["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(out)["runs"][0]["results"] for loc in r["locations"]}

    assert uris() == {"fixtures/filings/yubei-2012.yaml"}  # this checkout is a git work tree: relative to its root
    assert uris("--sarif-root", ".") == {"filings/yubei-2012.yaml"}


@pytest.mark.skipif(not _cli_has("check", "--sarif-root"), reason=_NO_SARIF_ROOT)
def test_check_in_github_actions_appends_the_job_summary_and_keeps_the_exit_status(tmp_path):
    summary = tmp_path / "step-summary.md"
    result = invoke("check", "fixtures/filings/yubei-2012.yaml", "--format", "github", cwd=ROOT, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1, result.output
    assert summary.read_text(encoding="utf-8").startswith("## junheng 检查结果\n")
    broken = invoke("check", "fixtures/filings/yubei-2012.yaml", "--format", "github", cwd=ROOT,
                    env={"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "folder.md")})
    assert broken.exit_code == 1 and "GITHUB_STEP_SUMMARY" in broken.stderr  # said, and the run's status unchanged
    quiet = invoke("check", "fixtures/filings/yubei-2012.yaml", "--format", "github", cwd=ROOT, env={"GITHUB_STEP_SUMMARY": None})
    assert quiet.exit_code == 1 and "GITHUB_STEP_SUMMARY" not in quiet.stderr
