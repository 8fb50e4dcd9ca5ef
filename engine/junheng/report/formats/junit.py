"""``--format junit``: JUnit XML, for CI systems that show test reports.

One ``testsuite`` per filing, one ``testcase`` per (rule, subject) the pack judged —
every one, passed or not, so that the counts say how much was checked. A finding at
or above ``--fail-on`` is a ``failure`` of its test case (a DATA-MISSING finding, of
the case of the rule it could not judge); a finding below it is written to the case's
``system-out``, so nothing is lost. A filing that could not be checked is a suite with
one test case in ``error``. No timestamps and no durations: the same run gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from junheng.report.formats._shared import district_title, pick, rectification, rule_label, vocab, where
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Outcome, Result

__all__ = ["render"]

_LABELS = {
    "zh": {"severity": "严重程度", "subject": "对象", "message": "问题", "rect": "整改", "basis": "依据", "where": "位置",
           "invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）", "sep": "："},
    "en": {"severity": "Severity", "subject": "Subject", "message": "Finding", "rect": "Rectify", "basis": "Basis", "where": "Where",
           "invalid": "not checked (invalid input)", "internal": "not checked (internal error)", "sep": ": "},
}
# XML 1.0 cannot carry these at all, not even as character references; a JSON filing can.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _fails(finding: Finding, fail_on: str) -> bool:
    return fail_on != "never" and SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[fail_on]


def _details(result: Result, finding: Finding, lang: str) -> str:
    L = _LABELS[lang]
    sep = L["sep"]
    lines = [
        f"{rule_label(finding)} {finding.subject} {pick(finding.title, lang)}",
        f"{L['severity']}{sep}{vocab(result, 'severities', finding.severity, lang)} ({finding.severity})",
        f"{L['message']}{sep}{pick(finding.message, lang)}",
        f"{L['rect']}{sep}{rectification(finding, lang)}",
        f"{L['basis']}{sep}{pick(finding.basis, lang)}",
        f"{L['where']}{sep}",
    ]
    lines += [f"  {line}" for line in where(finding).splitlines()]
    return "\n".join(lines)


def _suite(root: ET.Element, result: Result, lang: str, fail_on: str) -> None:
    by_case: dict[tuple[str, str], list[Finding]] = {}
    for finding in result.findings:
        by_case.setdefault((finding.for_rule or finding.rule, finding.subject), []).append(finding)
    cases = list(result.checks) + sorted(set(by_case) - set(result.checks))  # a finding never goes unreported
    failing = sum(any(_fails(f, fail_on) for f in by_case.get(case, ())) for case in cases)
    suite = ET.SubElement(root, "testsuite", {
        "name": _x(result.file), "tests": str(len(cases)), "failures": str(failing), "errors": "0", "skipped": "0",
    })
    props = ET.SubElement(suite, "properties")
    for name, value in (("district.code", result.district["code"]), ("district.name", result.district["name"]),
                        ("district.year", result.district["year"]), ("district", district_title(result, lang)),
                        ("standard", result.standard), ("standard.title", pick(result.standard_title, lang)),
                        ("verdict", result.verdict), ("verdict.label", vocab(result, "verdicts", result.verdict, lang))):
        ET.SubElement(props, "property", {"name": name, "value": _x(value)})
    for rule, subject in cases:
        case = ET.SubElement(suite, "testcase", {"name": _x(f"{rule} {subject}"), "classname": _x(rule), "file": _x(result.file)})
        findings = by_case.get((rule, subject), [])
        failed = [f for f in findings if _fails(f, fail_on)]
        if failed:
            first = failed[0]
            failure = ET.SubElement(case, "failure", {
                "type": first.severity,
                "message": _x(f"{rule_label(first)} {first.subject}: {pick(first.message, lang)}"),
            })
            failure.text = _x("\n\n".join(_details(result, f, lang) for f in failed))
        passed = [f for f in findings if not _fails(f, fail_on)]
        if passed:
            ET.SubElement(case, "system-out").text = _x("\n\n".join(_details(result, f, lang) for f in passed))


def _failed_suite(root: ET.Element, failure: Failure, lang: str) -> None:
    L = _LABELS[lang]
    suite = ET.SubElement(root, "testsuite", {"name": _x(failure.file), "tests": "1", "failures": "0", "errors": "1", "skipped": "0"})
    what = L["invalid"] if failure.status == 2 else L["internal"]
    case = ET.SubElement(suite, "testcase", {"name": _x(what), "classname": "junheng", "file": _x(failure.file)})
    first = failure.errors[0] if failure.errors else None
    error = ET.SubElement(case, "error", {
        "type": first.code if first else "internal_error",
        "message": _x(first.render(lang) if first else what),
    })
    error.text = _x("\n".join(e.render(lang) for e in failure.errors))


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    root = ET.Element("testsuites", {"name": "junheng"})
    for outcome in outcomes:
        if isinstance(outcome, Result):
            _suite(root, outcome, lang, fail_on)
        else:
            _failed_suite(root, outcome, lang)
    suites = list(root)
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))  # every suite sets all three
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
