"""``--format junit``: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines …).

One ``testsuite`` per filing, named after its district and year (``渝北区（500112）2012 年``;
followed by the file when two filings of a run name the same district and year), so that
every viewer shows each filing as its own suite. One ``testcase`` per (rule, subject) the pack
judged — every one, passed or not, so that the counts say how much was checked — its
``classname`` the filing's district code and year, then the rule (``500112-2012.FIN-01``:
Jenkins shows the filing as the package and the rule as the class, and viewers that group
cases by class never merge two districts). A finding at or above ``--fail-on`` is a
``failure`` of its test case (a DATA-MISSING finding, of the case of the rule it could not
judge); a finding below it is written to the case's ``system-out``, so nothing is lost. A
filing that could not be checked is a suite with one test case in ``error``.

The XML follows the Jenkins xUnit plugin's ``junit-10.xsd``, the strictest schema CI systems
read: a test case carries only ``name``, ``classname`` (and ``time``, ``group``), a suite
``name``, ``tests``, ``failures``, ``errors`` and ``skipped``; the filing's path and district
are the suite's properties. Texts name places as the filing form does (``_plain``). No
timestamps and no durations: the same run gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

from junheng.report.formats._plain import error_text, finding_message, finding_rectification, position
from junheng.report.formats._shared import district_title, pick, rule_label, vocab, notice_lines
from junheng.report.labels import pointer_label
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Outcome, Result

__all__ = ["classname", "render", "suite_names"]

_LABELS = {
    "zh": {"severity": "严重程度", "subject": "对象", "message": "问题", "rect": "整改", "basis": "依据", "where": "位置",
           "invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）", "sep": "：", "dot": " · "},
    "en": {"severity": "Severity", "subject": "Subject", "message": "Finding", "rect": "Rectify", "basis": "Basis", "where": "Where",
           "invalid": "not checked (invalid input)", "internal": "not checked (internal error)", "sep": ": ", "dot": " · "},
}
# XML 1.0 cannot carry these at all, not even as character references; a JSON filing can.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _fails(finding: Finding, fail_on: str) -> bool:
    return fail_on != "never" and SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[fail_on]


def classname(result: Result, rule: str) -> str:
    """``500112-2012.FIN-01``: the filing's district code and year (Jenkins' package), then the rule (its class)."""
    return f"{result.district['code']}-{result.district['year']}.{rule}"


def suite_names(outcomes: Sequence[Outcome], lang: str) -> list[str]:
    """Each outcome's suite name: the district and year, followed by the file when another filing of the run has the same."""
    titles = [district_title(o, lang) if isinstance(o, Result) else o.file for o in outcomes]
    seen = Counter(titles)
    dot = _LABELS[lang]["dot"]
    return [f"{t}{dot}{o.file}" if isinstance(o, Result) and seen[t] > 1 else t for t, o in zip(titles, outcomes, strict=True)]


def _details(result: Result, finding: Finding, lang: str) -> str:
    L = _LABELS[lang]
    sep = L["sep"]
    lines = [
        f"{rule_label(finding)} {finding.subject} {pick(finding.title, lang)}",
        f"{L['severity']}{sep}{vocab(result, 'severities', finding.severity, lang)} ({finding.severity})",
        f"{L['message']}{sep}{finding_message(finding, lang)}",
        f"{L['rect']}{sep}{finding_rectification(finding, lang)}",
        f"{L['basis']}{sep}{pick(finding.basis, lang)}",
        f"{L['where']}{sep}",
    ]
    lines += [f"  {position(loc)} {pointer_label(loc.pointer, lang)}" for loc in finding.locations]
    return "\n".join(lines)


def _suite(root: ET.Element, result: Result, name: str, lang: str, fail_on: str) -> None:
    by_case: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.findings:
        by_case.setdefault((finding.for_rule or finding.rule, finding.subject), []).append(finding)
    cases = list(result.checks) + sorted(set(by_case) - set(result.checks))  # a finding never goes unreported
    failing = sum(any(_fails(f, fail_on) for f in by_case.get(case, ())) for case in cases)
    suite = ET.SubElement(root, "testsuite", {
        "name": _x(name), "tests": str(len(cases)), "failures": str(failing), "errors": "0", "skipped": "0",
    })
    props = ET.SubElement(suite, "properties")
    for key, value in (("file", result.file), ("district.code", result.district["code"]), ("district.name", result.district["name"]),
                       ("district.year", result.district["year"]), ("district", district_title(result, lang)),
                       ("standard", result.standard), ("standard.title", pick(result.standard_title, lang)),
                       ("verdict", result.verdict), ("verdict.label", vocab(result, "verdicts", result.verdict, lang))):
        ET.SubElement(props, "property", {"name": key, "value": _x(value)})
    if result.notices:  # how the filing was checked (an ignored sheet, a pack for another province): the suite's own output
        ET.SubElement(suite, "system-err").text = _x("\n".join(notice_lines(result, lang)))
    for rule, subject in cases:
        case = ET.SubElement(suite, "testcase", {"name": _x(f"{rule} {subject}"), "classname": _x(classname(result, rule))})
        findings = by_case.get((rule, subject), [])
        failed = [f for f in findings if _fails(f, fail_on)]
        if failed:
            first = failed[0]
            failure = ET.SubElement(case, "failure", {
                "type": first.severity,
                "message": _x(f"{rule_label(first)} {first.subject}: {finding_message(first, lang)}"),
            })
            failure.text = _x("\n\n".join(_details(result, f, lang) for f in failed))
        passed = [f for f in findings if not _fails(f, fail_on)]
        if passed:
            ET.SubElement(case, "system-out").text = _x("\n\n".join(_details(result, f, lang) for f in passed))


def _error_line(failure: Failure, index: int, lang: str) -> str:
    """``file:line:col: message`` (``file 经费!B3: message`` for a spreadsheet) for one of a failure's errors."""
    e = failure.errors[index]
    where = e.file or failure.file
    if e.cell:
        where += f" {e.cell}"
    elif e.line is not None:
        where += f":{e.line}" + (f":{e.column}" if e.column is not None else "")
    return f"{where}: {error_text(e, lang)}"


def _failed_suite(root: ET.Element, failure: Failure, name: str, lang: str) -> None:
    L = _LABELS[lang]
    suite = ET.SubElement(root, "testsuite", {"name": _x(name), "tests": "1", "failures": "0", "errors": "1", "skipped": "0"})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "file", "value": _x(failure.file)})
    what = L["invalid"] if failure.status == 2 else L["internal"]
    case = ET.SubElement(suite, "testcase", {"name": _x(f"{failure.file}{L['sep']}{what}"), "classname": "junheng"})
    lines = [_error_line(failure, i, lang) for i in range(len(failure.errors))]
    error = ET.SubElement(case, "error", {
        "type": failure.errors[0].code if failure.errors else "internal_error",
        "message": _x(lines[0] if lines else what),
    })
    error.text = _x("\n".join(lines))


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    root = ET.Element("testsuites", {"name": "junheng"})
    for outcome, name in zip(outcomes, suite_names(outcomes, lang), strict=True):
        if isinstance(outcome, Result):
            _suite(root, outcome, name, lang, fail_on)
        else:
            _failed_suite(root, outcome, name, lang)
    suites = list(root)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))  # every suite sets all three
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
