"""Golden files of the reports people read: the HTML report and the 督导反馈 letter of every fixture.

Regenerate on purpose with ``UPDATE_GOLDEN=1 python -m pytest tests/test_reports_golden.py`` and
review the diff (open the HTML in a browser).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from junheng.cli.main import junheng

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "reports"
FILINGS = sorted(p for p in (ROOT / "fixtures" / "filings").iterdir() if p.suffix in (".yaml", ".json"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
REPORTS = [("html", "zh", "html"), ("letter", "zh", "letter.md"), ("letter", "en", "letter.en.md")]


def _run(*args: str) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(ROOT)  # file names in reports are relative to where junheng runs
    try:
        result = CliRunner().invoke(junheng, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; review and commit it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file (UPDATE_GOLDEN=1 to regenerate)"


@pytest.mark.parametrize("filing", FILINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt,lang,ext", REPORTS, ids=[r[2] for r in REPORTS])
def test_fixture_report_for_people_matches_its_golden_file(filing, fmt, lang, ext):
    code, out = _run("check", filing.relative_to(ROOT).as_posix(), "--format", fmt, "--lang", lang)
    assert code in (0, 1), out
    assert str(ROOT) not in out
    _compare(f"{filing.name}.{ext}", out)
