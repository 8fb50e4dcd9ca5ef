"""The synthetic filings of `junheng generate`: valid, seeded, and failing about as often as asked."""

from __future__ import annotations

from click.testing import CliRunner

from junheng.check.run import Options, check_one_safely
from junheng.cli.main import junheng
from junheng.synthetic import Spec, filing, write


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    a = write(Spec(districts=2, schools=5, seed=7), tmp_path / "a")
    b = write(Spec(districts=2, schools=5, seed=7), tmp_path / "b")
    c = write(Spec(districts=2, schools=5, seed=8), tmp_path / "c")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_generated_filings_are_valid_and_clean_without_violations(tmp_path, policy):
    for path in write(Spec(districts=4, schools=30, violation_share=0.0), tmp_path, "yaml"):
        result = check_one_safely(str(path), policy, Options())
        assert getattr(result, "verdict", None) == "qualified", getattr(result, "errors", None) or [f.rule for f in result.findings]
        assert not result.findings


def test_the_violation_share_breaks_about_that_share_of_the_checks(policy):
    spec = Spec(districts=12, schools=40, violation_share=0.05)
    findings = checks = 0
    for k in range(spec.districts):
        import json

        result = check_one_safely(json.dumps(filing(k, spec)).encode(), policy, Options(), name=f"g{k}.json")
        findings += len(result.findings)
        checks += len(result.checks)
    assert 0.005 < findings / checks < 0.1, findings / checks


def test_the_generate_command_writes_the_folder(tmp_path):
    result = CliRunner().invoke(junheng, ["generate", str(tmp_path / "g"), "--districts", "3", "--schools", "4", "--format", "yaml"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "g").glob("*.yaml"))) == 3
