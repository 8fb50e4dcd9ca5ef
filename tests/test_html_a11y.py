"""The HTML report is accessible, checked by axe-core in the real headless Chromium, and reads as a person needs it.

axe-core (Deque's accessibility engine, the one browser devtools use) runs inside the page: the test
writes a copy of the report with axe's script and a few lines that put its verdict into the page,
and reads it back from Chromium's ``--dump-dom``. Every fixture's report, and the report of all of
them at once, must have no ``serious`` or ``critical`` violation (contrast, names, landmarks …).

axe-core comes from the npm registry, never at import time and never from the network during a
test run when it is already there: ``AXE`` (``tests/.cache/axe``, git-ignored) is filled once with
``npm install`` (``.ci/run`` does it before the tests), or ``JUNHENG_AXE`` names an ``axe.min.js``
to use. Without Chromium, or without axe-core and npm to fetch it, the browser tests are skipped,
saying which. The other tests here read the HTML itself: the table of contents, the standards in
words and numbers, the totals that add up and those that do not, the notices.
"""

from __future__ import annotations

import dataclasses
import html as html_text
import json
import math
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from junheng.check.run import Options, check_one_safely
from junheng.errors import InputError
from junheng.report.formats import html
from junheng.report.result import Failure, Outcome, Result
from shared import FIX, FIXTURE_FILINGS, INVALID, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)")

AXE_VERSION = "4.14.1"  # pinned: a newer axe may add rules, and a report's verdict should change only on purpose
AXE = ROOT / "tests" / ".cache" / "axe"  # npm install --prefix here (git-ignored)
AXE_SCRIPT = AXE / "node_modules" / "axe-core" / "axe.min.js"
NPM_SECONDS = 300

# Run inside the page once it has loaded: axe's violations, trimmed to what a failure message needs, as JSON in a <pre>.
_RUNNER = """
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  var out = r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(function (n) {
      return {target: n.target, summary: n.failureSummary};
    }), count: v.nodes.length};
  });
  var pre = document.createElement('pre'); pre.id = 'axe-results'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, function (e) {
  var pre = document.createElement('pre'); pre.id = 'axe-results'; pre.textContent = JSON.stringify({error: String(e)});
  document.body.appendChild(pre);
});
"""


def _cached_version() -> str | None:
    try:
        return str(json.loads((AXE_SCRIPT.parent / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def _install_axe() -> Path:
    """axe.min.js: ``JUNHENG_AXE``, else the cached copy, else installed into the cache with npm (bounded in time)."""
    given = os.environ.get("JUNHENG_AXE")
    if given:
        if not Path(given).is_file():
            pytest.fail(f"JUNHENG_AXE={given} is not a file")
        return Path(given)
    if AXE_SCRIPT.is_file() and _cached_version() == AXE_VERSION:
        return AXE_SCRIPT
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"axe-core is not in {AXE} and npm is not installed to fetch it (.ci/run installs it)")
    AXE.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(AXE), "--no-audit", "--no-fund", "--no-save", "--ignore-scripts",
               "--loglevel=error", f"axe-core@{AXE_VERSION}"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=NPM_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm could not install axe-core@{AXE_VERSION} within {NPM_SECONDS} s (no registry?)")
    if run.returncode != 0 or _cached_version() != AXE_VERSION:
        pytest.skip(f"npm could not install axe-core@{AXE_VERSION}: {(run.stderr or run.stdout)[-500:]}")
    return AXE_SCRIPT


@pytest.fixture(scope="module")
def axe_script() -> str:
    return _install_axe().read_text(encoding="utf-8")


def _result(policy: Any, name: str, data: dict[str, Any] | None = None, tmp_path: Path | None = None) -> Result:
    """A fixture checked in this process, or ``data`` (a changed fixture) written to ``tmp_path`` and checked."""
    path = FIX / name
    if data is not None and tmp_path is not None:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = check_one_safely(str(path), policy, Options(), name=f"fixtures/filings/{name}")
    assert isinstance(result, Result), result
    return result


def _failure(policy: Any, name: str) -> Failure:
    failure = check_one_safely(str(INVALID / name), policy, Options(), name=f"fixtures/invalid/{name}")
    assert isinstance(failure, Failure), failure
    return failure


def _axe(tmp_path: Path, page: str, script: str) -> list[dict[str, Any]]:
    """axe-core's violations of ``page``, as run in headless Chromium."""
    assert "</body>" in page
    injected = page.replace("</body>", f"<script>{script}</script><script>{_RUNNER}</script></body>")
    path = tmp_path / "page.html"
    path.write_text(injected, encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000", "--virtual-time-budget=60000",
               "--dump-dom", path.as_uri()]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', run.stdout, re.S)
    assert found, f"axe did not report (Chromium exit {run.returncode}): {run.stderr[-2000:]}"
    violations = json.loads(html_text.unescape(found.group(1)))
    assert isinstance(violations, list), violations
    return violations


def _serious(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['impact']} {v['id']} ({v['count']}×): {v['help']} — " + "; ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"])
            for v in violations if v["impact"] in ("serious", "critical")]


@needs_chromium
@pytest.mark.parametrize("name", [p.name for p in FIXTURE_FILINGS])
def test_each_fixture_report_has_no_serious_accessibility_violation(tmp_path, policy, axe_script, name):
    violations = _axe(tmp_path, html.render([_result(policy, name)], lang="zh"), axe_script)
    assert not _serious(violations), "\n".join(_serious(violations))


@needs_chromium
def test_the_report_of_every_filing_at_once_has_no_serious_violation_and_unique_landmarks(tmp_path, policy, axe_script):
    results: list[Outcome] = [_result(policy, p.name) for p in FIXTURE_FILINGS]
    results.append(_failure(policy, "bad-enum.yaml"))  # a filing that could not be checked has its part and its row too
    violations = _axe(tmp_path, html.render(results, lang="zh"), axe_script)
    assert not _serious(violations), "\n".join(_serious(violations))
    assert not [v for v in violations if v["id"] == "landmark-unique"], violations


@needs_chromium
def test_the_english_report_has_no_serious_violation(tmp_path, policy, axe_script):
    violations = _axe(tmp_path, html.render([_result(policy, "rongchang-2012-quality.yaml")], lang="en"), axe_script)
    assert not _serious(violations), "\n".join(_serious(violations))


# -- the page itself -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """The ids of a page, its in-page links, and the text of every table cell with the attributes of its row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, dict[str, str | None]] = {}
        self.links: list[str] = []
        self.rows: list[tuple[dict[str, str | None], list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[str(a["id"])] = a
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(str(a["href"])[1:])
        if tag == "tr":
            self.rows.append((a, []))
        if tag in ("td", "th"):
            self._cell = []
        if tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def test_a_report_of_several_filings_opens_with_contents_that_link_to_each_filing(policy):
    names = ["yubei-2012.yaml", "nanan-2011.yaml", "nanan-2011.json", "rongchang-2012-quality.yaml"]
    results = [_result(policy, n) for n in names]
    page = _page(html.render([*results, _failure(policy, "bad-enum.yaml")], lang="zh"))
    assert "contents" in page.ids
    toc = [(a, cells) for a, cells in page.rows if len(cells) == 7 and cells[0].isdigit()]
    assert [int(cells[0]) for _, cells in toc] == [1, 2, 3, 4, 5]
    assert toc[4][1][1] == "fixtures/invalid/bad-enum.yaml" and toc[4][1][3] == "无法检查（输入有误）"
    for (_, cells), result, number in zip(toc[:4], results, range(1, 5), strict=True):
        d = result.district
        assert cells[1] == f"{d['name']}（{d['code']}）" and cells[2] == f"{d['year']} 年"
        assert cells[3] == {"qualified": "合格", "deferred": "推迟认定"}[result.verdict]
        section = page.ids[f"r{number}"]  # the row's link leads to the filing's part, which says the same verdict
        assert section.get("data-verdict") == result.verdict
    for target in page.links:  # every in-page link, the contents' and the parts', leads somewhere
        assert target in page.ids, target
    assert {f"r{n}" for n in range(1, 6)} <= set(page.links)


def test_a_report_of_one_filing_has_no_contents_table(policy):
    page = _page(html.render([_result(policy, "yubei-2012.yaml")], lang="zh"))
    assert "contents" not in page.ids
    for target in page.links:
        assert target in page.ids, target


def _standard(page: _Page, rule: str, subject: str) -> str:
    """The 标准 (standard) cell of the district table's row of ``rule`` at ``subject``."""
    for attrs, cells in page.rows:
        if attrs.get("data-rule") == rule and len(cells) == 6 and cells[2] == subject:
            return cells[4]
    raise AssertionError(f"no row {rule} {subject}")


def test_the_standard_column_reads_as_words_and_numbers_not_as_a_formula(policy):
    data = yaml.safe_load((FIX / "yubei-2012.yaml").read_text(encoding="utf-8"))
    students = sum(s["students"] for s in data["schools"] if s["level"] == "primary")
    page = _page(html.render([_result(policy, "yubei-2012.yaml")], lang="zh"))
    # STAFF-01 (教职工编制 1:19): the quota the primary schools' students need, and how it is worked out
    assert _standard(page, "STAFF-01", "小学") == f"≥ {math.ceil(students / 19):,} 人（在校生数 ÷ 19，向上取整）"
    assert _standard(page, "FIN-14", "渝北区") == f"≥ {data['finance']['civil_servant_salary']:,} 元（当地公务员年平均工资）"
    assert _standard(page, "FIN-07", "渝北区") == "≥ 20%"
    for attrs, cells in page.rows:  # no cell of the column holds a formula's name, function or operator
        if attrs.get("data-rule") and len(cells) == 6:
            assert not re.search(r"[A-Za-z_]{2,}|>=|<=|\*|\(|\)", cells[4]), (attrs["data-rule"], cells[4])


def _totals(page: _Page) -> dict[str, tuple[dict[str, str | None], list[str]]]:
    return {str(a["data-rule"]): (a, cells) for a, cells in page.rows if a.get("data-summed")}


def test_the_totals_add_up_amounts_but_list_a_raise_per_teacher_per_item(policy, tmp_path):
    data = yaml.safe_load((FIX / "yubei-2012.yaml").read_text(encoding="utf-8"))
    salary = data["finance"]["teacher_salary"]["current"]
    data["finance"]["civil_servant_salary"] = salary + 1600  # FIN-14: teachers earn 1,600 元 a year less
    data["finance"]["teacher_salary"]["previous"] = salary + 900  # FIN-03: and 900 元 less than last year
    result = _result(policy, "yubei-2012.yaml", data, tmp_path)
    assert {f.rule: f.shortfall for f in result.findings if f.rule in ("FIN-03", "FIN-14")} == {"FIN-03": (900, "元"),
                                                                                                 "FIN-14": (1600, "元")}
    for lang, per in (("zh", "每名教师每年"), ("en", "per teacher per year")):
        totals = _totals(_page(html.render([result], lang=lang)))
        for rule, amount in (("FIN-14", "1,600 元"), ("FIN-03", "900 元")):
            attrs, cells = totals[rule]
            assert attrs["data-summed"] == "no" and cells[3].startswith(f"{per} {amount}"), cells
            assert ("按项列出，不合计" if lang == "zh" else "per item, not summed") in cells[3]
        attrs, cells = totals["STD-09"]  # ten schools' missing land: one sum
        shortfalls = [f.shortfall[0] for f in result.findings if f.rule == "STD-09" and f.shortfall]
        assert attrs["data-summed"] == "yes" and cells[2] == "10" and cells[3] == f"{sum(shortfalls):,} ㎡"


def test_a_total_in_yuan_that_adds_up_is_summed(policy):
    totals = _totals(_page(html.render([_result(policy, "rongchang-2012-quality.yaml")], lang="zh")))
    attrs, cells = totals["QLT-06"]  # equipment to buy, in 元: an amount, not a rate
    assert attrs["data-summed"] == "yes" and cells[3].endswith(" 元") and "不合计" not in cells[3]


def test_notices_are_shown_in_a_box_per_filing_with_where_and_what(policy):
    result = _result(policy, "yubei-2012.yaml")
    notice = InputError("pack_jurisdiction", result.file, 3, 9, "/district/code", "规则包为重庆市编写，本申报属于其他省份",
                        "The pack is written for Chongqing; this filing is from another province")
    page = html.render([dataclasses.replace(result, notices=(notice,))], lang="zh")
    box = re.search(r'<div class="notices"[^>]*data-notices="1">(.*?)</div>', page, re.S)
    assert box, page[:3000]
    text = re.sub(r"<[^>]+>", "", box.group(1))
    assert "关于本次检查的提示（1）" in text and "第 3 行" in text and "规则包为重庆市编写" in text and "/district" not in text
    assert 'class="notices"' not in html.render([result], lang="zh")  # no notices, no box
