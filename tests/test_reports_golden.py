"""Golden files of the reports people read: the HTML report and the 督导反馈 letter of every fixture.

Regenerate on purpose with ``UPDATE_GOLDEN=1 python -m pytest tests/test_reports_golden.py`` and
review the diff (open the HTML in a browser).
"""

from __future__ import annotations

import pytest

from shared import FIXTURE_FILINGS, GOLDEN, ROOT, compare_golden, run

REPORTS = [("html", "zh", "html"), ("letter", "zh", "letter.md"), ("letter", "en", "letter.en.md")]


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt,lang,ext", REPORTS, ids=[r[2] for r in REPORTS])
def test_fixture_report_for_people_matches_its_golden_file(filing, fmt, lang, ext):
    code, out, _ = run("check", filing.relative_to(ROOT).as_posix(), "--format", fmt, "--lang", lang, cwd=ROOT)
    assert code in (0, 1), out
    assert str(ROOT) not in out
    compare_golden(GOLDEN / "reports", f"{filing.name}.{ext}", out)
