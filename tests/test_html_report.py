"""The HTML report: self-contained, escaped, deterministic — and rendered by a real headless browser.

The browser tests drive Debian's Chromium from the command line (``--screenshot``, ``--dump-dom``,
console logging on stderr); ``.ci/run`` installs it when missing. Without Chromium they are skipped,
saying so. Accessibility (axe-core), the table of contents, the standards and the totals are in
``test_html_a11y.py``; the letter's own tests are in ``test_letter.py``.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from junheng.check.run import Options, check_one_safely
from junheng.policy.model import Text
from junheng.report.formats import html
from junheng.report.result import Result
from shared import FIX
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)")


def _result(policy, name: str) -> Result:
    result = check_one_safely(str(FIX / name), policy, Options(), name=f"fixtures/filings/{name}")
    assert isinstance(result, Result), result
    return result


def _browser(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _charts(result: Result) -> int:
    """How many charts the report should draw: one per school indicator and level, one per level of coefficients."""
    ind = result.indicators
    school = {(left, ind.subjects[row[0]][2]) for s in ind.series if s.kind in ("school", "unit")
              for left, _, _ in s.limits for row in s.rows if row[1] is not False}
    levels = {ind.subjects[row[0]][2] for s in ind.series if s.kind == "level" and s.labels for row in s.rows}
    return len(school) + len(levels)


@needs_chromium
@pytest.mark.parametrize("name", ["yubei-2012.yaml", "rongchang-2012-quality.yaml"])
def test_the_report_renders_in_a_headless_browser_without_console_errors(tmp_path, policy, name):
    result = _result(policy, name)
    page = tmp_path / "report.html"
    page.write_text(html.render([result], lang="zh"), encoding="utf-8")
    shot = tmp_path / "report.png"
    run = _browser(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.exists() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console

    dom = _browser(tmp_path, page, "--dump-dom").stdout
    assert "推迟认定" in dom and 'data-verdict="deferred"' in dom
    for finding in result.findings:
        assert finding.rule in dom
    assert dom.count("<svg") == _charts(result) > 0
    assert dom.count('data-chart="') == _charts(result)


@needs_chromium
def test_a_clean_filing_renders_as_qualified(tmp_path, policy):
    page = tmp_path / "clean.html"
    page.write_text(html.render([_result(policy, "yongchuan-2012.yaml")], lang="en"), encoding="utf-8")
    dom = _browser(tmp_path, page, "--dump-dom").stdout
    assert 'data-verdict="qualified"' in dom and "No findings." in dom and "<svg" in dom


def test_the_report_is_self_contained(policy):
    out = html.render([_result(policy, "yubei-2012.yaml")], lang="zh")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", out, re.I)
    assert "@import" not in out and "url(" not in out and "<link" not in out and "<script" not in out


def test_every_text_is_escaped(policy):
    result = _result(policy, "beibei-2012.yaml")
    findings = list(result.findings)
    findings[0] = dataclasses.replace(findings[0], message=Text(zh="<script>alert(1)</script>", en="<b>&</b>"))
    result = dataclasses.replace(result, findings=tuple(findings), district={**result.district, "name": '"><img src=x>'})
    for lang in ("zh", "en"):
        page = html.render([result], lang=lang)
        assert "<script>alert" not in page and "<b>&</b>" not in page and '"><img' not in page
        several = html.render([result, result], lang=lang)  # the table of contents names the district too
        assert '"><img' not in several and "&quot;&gt;&lt;img src=x&gt;" in several
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.render([result], lang="zh")


def test_the_report_is_the_same_bytes_every_time_and_has_no_timestamp(policy):
    first = html.render([_result(policy, "rongchang-2012-quality.yaml")], lang="zh")
    assert first == html.render([_result(policy, "rongchang-2012-quality.yaml")], lang="zh")
    assert not re.search(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]", first)


def test_a_result_without_indicators_still_renders(policy):
    result = dataclasses.replace(_result(policy, "yubei-2012.yaml"), indicators=None)
    out = html.render([result], lang="zh")
    assert "推迟认定" in out and "<svg" not in out


def test_a_chart_says_in_words_which_schools_fail_not_by_colour_alone(policy):
    result = _result(policy, "yubei-2012.yaml")
    out = html.render([result], lang="zh")
    chart = re.search(r'<figure data-chart="land_per_student-primary">(.*?)</figure>', out, re.S)
    assert chart, "no chart of 生均占地面积 for the primary schools"
    failing = {f.subject for f in result.findings if f.rule == "STD-09"}
    bars = re.findall(r'<text [^>]*class="v">(.*?)</text>', chart.group(1))  # the value written beside each bar
    marked = [b for b in bars if b.endswith("（须整改）")]
    assert len(marked) == len([s for s in failing if s.startswith("50011200")]) > 0, bars
    assert "5 所未达标" in chart.group(1)
