"""Golden files of the machine formats (junit, sarif, github, markdown) over every bundled filing.

One golden file per filing and format (Chinese), and one per format for a run of three
filings, an invalid one and a path that does not exist (English, ``--fail-on major``), so
that failures and the multi-filing layout are pinned too. Every SARIF output is validated against the
official SARIF 2.1.0 schema (see ``test_formats.py`` for where it comes from).

Regenerate on purpose with ``UPDATE_GOLDEN=1 python -m pytest tests/test_formats_golden.py``
and review the diff. The outputs hold no timestamp and no absolute path; junheng's own
version, which SARIF names, is replaced by ``<version>`` so that a release does not touch them.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from junheng import __version__
from shared import FIXTURE_FILINGS, GOLDEN, ROOT, SARIF_SCHEMA, compare_golden, run

FORMATS = {"junit": "junit.xml", "sarif": "sarif.json", "github": "github.txt", "markdown": "md"}


def _normalised(fmt: str, out: str) -> str:
    if fmt == "sarif":
        doc = json.loads(out)
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
        driver = doc["runs"][0]["tool"]["driver"]
        assert driver["version"] == driver["semanticVersion"] == __version__
        out = out.replace(f'"version": "{__version__}"', '"version": "<version>"')
        out = out.replace(f'"semanticVersion": "{__version__}"', '"semanticVersion": "<version>"')
    assert str(ROOT) not in out
    return out


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_fixture_report_in_a_machine_format_matches_its_golden_file(filing, fmt):
    code, out, _ = run("check", filing.relative_to(ROOT).as_posix(), "--format", fmt, cwd=ROOT)
    assert code in (0, 1), out
    compare_golden(GOLDEN / "formats", f"{filing.name}.{FORMATS[fmt]}", _normalised(fmt, out))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_run_of_every_fixture_with_failures_matches_its_golden_file(fmt):
    args = ["fixtures/filings/yubei-2012.yaml", "fixtures/invalid/quoted-count.yaml", "fixtures/filings/nanan-2012-missing.yaml",
            "fixtures/no-such-filing.yaml", "fixtures/filings/yongchuan-2012.yaml"]
    code, out, _ = run("check", *args, "--format", fmt, "--lang", "en", "--fail-on", "major", cwd=ROOT)
    assert code == 2, out
    compare_golden(GOLDEN / "formats", f"all.en.{FORMATS[fmt]}", _normalised(fmt, out))
