"""``junheng rules …``: the policy officer's commands — test, lint, list, explain, impact.

Thin like the rest of the CLI: parse options, call one library function, print, exit.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from junheng.errors import InputErrors

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.policy.compiled import Policy

__all__ = ["rules"]

_LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of messages.")
_RULES = click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
                      help="Rules folder (default: the shipped rules); repeat to layer a local pack over them.")


def _policy(ctx: click.Context, rules_dir: tuple[str, ...], lang: str) -> Policy:
    """The rules folders compiled; a broken rule file is reported and exits 2."""
    from junheng.policy.packs import compile_rules  # imported here, not at the top: start-up time of the other commands

    try:
        return compile_rules(list(rules_dir) or None)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)


@click.group("rules")
def rules() -> None:
    """Work on the rules without code: test, lint, list, explain, impact (规则维护)."""


@rules.command("test")
@_RULES
@click.option("--coverage", is_flag=True, help="Also list the rules that no test makes fire (exit 1 if any).")
@_LANG
@click.pass_context
def test_cmd(ctx: click.Context, rules_dir: tuple[str, ...], coverage: bool, lang: str) -> None:
    """Run the rule tests written as data in <rules>/tests/ (运行规则测试)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.ruletest import coverage as coverage_of
    from junheng.authoring.ruletest import run_all

    policy = _policy(ctx, rules_dir, lang)
    try:
        results = run_all(policy)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)
    failed = [r for r in results if not r.passed]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        click.echo(f"{mark}  {r.name}")
        if not r.passed:
            for p in r.problem_texts(lang):
                click.echo(f"      {p}")
            click.echo("      " + ("实际结果：" if lang == "zh" else "actual findings:"))
            for a in r.actual or []:
                click.echo("        " + json.dumps(a, ensure_ascii=False, sort_keys=True))
            if not r.actual:
                click.echo("        " + ("（无）" if lang == "zh" else "(none)"))
    status = 1 if failed else 0
    if lang == "zh":
        click.echo(f"{len(results) - len(failed)} 项通过，{len(failed)} 项失败")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if coverage:
        status = max(status, _say_coverage(coverage_of(policy, results), lang))
    ctx.exit(status)


def _say_coverage(cov: dict[str, list[str]], lang: str) -> int:
    """The rules no test makes fire, and those no test shows silent: 1 if there are any."""
    zh = lang == "zh"
    if cov["never_fired"]:
        click.echo(("没有测试断言其触发（expect）的规则：" if zh else "rules no test expects to fire: ") + ", ".join(cov["never_fired"]))
    if cov["never_silent"]:
        click.echo(("没有边界（不触发）测试的规则：" if zh else "rules no test shows silent: ") + ", ".join(cov["never_silent"]))
    if cov["never_fired"] or cov["never_silent"]:
        return 1
    click.echo("覆盖完整：每条规则都有触发和不触发的测试" if zh
               else "full coverage: every rule has a test that fires it and one that does not")
    return 0


@rules.command("lint")
@_RULES
@_LANG
@click.pass_context
def lint_cmd(ctx: click.Context, rules_dir: tuple[str, ...], lang: str) -> None:
    """Check the rule files beyond the schema (检查规则文件). Exit 0 clean, 1 warnings only, 2 errors."""
    from junheng.authoring.lint import lint_rules  # imported here, not at the top: start-up time of the other commands

    report = lint_rules(list(rules_dir) or None)
    for e in report.errors:
        click.echo(("错误 " if lang == "zh" else "error ") + e.render(lang), err=True)
    for w in report.warnings:
        click.echo(("警告 " if lang == "zh" else "warning ") + w.render(lang), err=True)
    if report.status == 0:
        click.echo("规则文件检查通过" if lang == "zh" else "rules are clean")
    ctx.exit(report.status)


@rules.command("list")
@_RULES
@click.option("--standard", default=None, metavar="NAME", help="Only this pack, with its overrides.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_LANG
@click.pass_context
def list_cmd(ctx: click.Context, rules_dir: tuple[str, ...], standard: str | None, fmt: str, lang: str) -> None:
    """A table of the rules: id, packs, subject, severity, thresholds (规则一览)."""
    from junheng.authoring.describe import render_table, rule_rows  # imported here, not at the top: start-up time of the other commands

    policy = _policy(ctx, rules_dir, lang)
    if standard is not None and standard not in policy.packs:
        raise click.BadParameter(f"unknown standard {standard!r} (known: {', '.join(sorted(policy.packs))})", param_hint="--standard")
    rows = rule_rows(policy, standard)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_table(rows, lang), nl=False)


@rules.command("explain")
@click.argument("rule_id")
@_RULES
@click.option("--standard", default=None, metavar="NAME", help="Explain the rule as this pack has it.")
@_LANG
@click.pass_context
def explain_cmd(ctx: click.Context, rule_id: str, rules_dir: tuple[str, ...], standard: str | None, lang: str) -> None:
    """Explain one rule in words, with an example finding from its tests (解释规则)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.describe import example_finding, explain, find_rule

    policy = _policy(ctx, rules_dir, lang)
    if not find_rule(policy, rule_id, standard):
        ids = sorted({r.id for p in policy.packs.values() for r in p.rules})
        close = difflib.get_close_matches(rule_id, ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise click.BadParameter(f"no rule {rule_id!r}{' in pack ' + standard if standard else ''}{hint}", param_hint="RULE_ID")
    click.echo(explain(policy, rule_id, standard, lang, example_finding(policy, rule_id, standard)), nl=False)


@rules.command("impact")
@click.option("--baseline", required=True, metavar="DIR_OR_GIT_REV",
              help="The rules to compare with: a folder, or a git revision (HEAD, main~1, a tag).")
@click.argument("filings", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@_RULES
@click.option("--standard", default=None, metavar="NAME", help="Check every filing against this pack.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_LANG
@click.pass_context
def impact_cmd(ctx: click.Context, baseline: str, filings: tuple[str, ...], rules_dir: tuple[str, ...], standard: str | None, fmt: str,
               lang: str) -> None:
    """Show what changes between the baseline rules and the current ones over FILINGS (规则修改影响分析).

    Exit status: 0 every filing compared, 2 a filing or the baseline could not be read, 3 internal error.
    """
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.impact import impact_status, render_text, run_impact, totals
    from junheng.policy.load import default_rules_dir

    roots = [Path(r) for r in rules_dir] or [default_rules_dir()]
    files = _expand(filings)
    try:
        items = run_impact(baseline, roots, files, standard)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)
    for item in items:
        if item.error:
            click.echo(item.error[lang], err=True)
    if fmt == "json":
        report = {"filings": [i.to_json() for i in items], "totals": totals(items)}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_text(items, lang), nl=False)
    ctx.exit(impact_status(items))


def _expand(paths: tuple[str, ...]) -> list[str]:
    """Files as given; a folder stands for the filings inside it."""
    out = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(str(x) for x in path.rglob("*") if x.suffix.lower() in (".yaml", ".yml", ".json"))
        else:
            out.append(p)
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(rules())
