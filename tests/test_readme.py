"""The README's example is the tool's real output, byte for byte."""

from __future__ import annotations

import re

from shared import ROOT, RULES, invoke


def test_the_readme_example_shows_the_exact_output_of_its_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ junheng ([^\n]+)\n(.*?)```", readme, re.S)
    assert block, "the README has no ```console example"
    args, shown = block.group(1).split(), block.group(2)
    result = invoke(*args, cwd=ROOT)
    assert result.exit_code == 0, result.output
    assert result.stdout == shown


def test_the_readme_shows_the_rule_as_it_is_in_the_rule_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```yaml\n(  - id: FIN-07\n.*?)```", readme, re.S).group(1)
    assert shown in (RULES / "funding.yaml").read_text(encoding="utf-8")


def test_the_readme_shows_the_line_of_the_filing_that_matters():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "  capital_budget: {total: 10000, education: 1500}\n" in (ROOT / "docs" / "example" / "filing.yaml").read_text(encoding="utf-8")
    assert "  capital_budget: {total: 10000, education: 1500}" in readme


def test_the_readme_ci_workflow_is_valid_yaml_and_runs_junheng_with_a_format_ci_understands():
    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(re.search(r"```yaml\n(name: filings\n.*?)```", readme, re.S).group(1))
    runs = [step.get("run", "") for step in workflow["jobs"]["check"]["steps"]]
    assert any(r.startswith("junheng check filings/ --format github") for r in runs)
    assert any("--format sarif" in r for r in runs)


def test_the_readme_sampling_example_is_what_the_command_prints():
    """The worked example of the site sampling (抽签选点) is the command's real output, byte for byte."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ junheng (sample [^\n]+)\n(.*?)```", readme, re.S)
    assert block, "the README has no worked sampling example"
    result = invoke(*block.group(1).split(), cwd=ROOT)
    assert result.exit_code == 0, result.output
    assert result.stdout == block.group(2)
    for school in ("5009990004", "5009990003", "5009990005", "5009990101"):
        assert f"**{school}**" in readme and school in block.group(2)
