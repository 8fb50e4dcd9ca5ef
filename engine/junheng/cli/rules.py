"""``junheng rules …``: the policy officer's commands — test, lint, list, explain, impact.

Thin like the rest of the CLI: parse options, call one library function, print, exit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from junheng.cli.bilingual import Group, lang_option, tr, unknown_standard
from junheng.errors import InputErrors, suggest

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.authoring.ruletest import CaseResult, Proposal
    from junheng.policy.compiled import Policy

__all__ = ["rules"]

_LANG = lang_option()
_RULES = click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
                      help=tr("规则目录（默认：随程序安装的规则）；可重复，把本地规则包叠加在上面",
                              "Rules folder (default: the shipped rules); repeat to layer a local pack over them."))


def _policy(ctx: click.Context, rules_dir: tuple[str, ...], lang: str) -> Policy:
    """The rules folders compiled; a broken rule file is reported and exits 2."""
    from junheng.policy.packs import compile_rules  # imported here, not at the top: start-up time of the other commands

    try:
        return compile_rules(list(rules_dir) or None)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)


@click.group("rules", cls=Group,
             short_help=tr("规则维护：测试、检查、一览、解释、影响分析", "Work on the rules: test, lint, list, explain, impact."),
             help=tr("不写代码维护规则：test 运行规则测试，lint 检查规则文件，list 规则一览，explain 解释一条规则，"
                     "impact 看规则修改对申报的影响，fields 规则可用的申报字段（见 docs/policy-guide.md）。",
                     "Work on the rules without code: test, lint, list, explain, impact, fields (see docs/policy-guide.md)."))
def rules() -> None:
    """Work on the rules without code: test, lint, list, explain, impact (规则维护)."""


@rules.command("test", short_help=tr("运行规则测试", "Run the rule tests."),
               help=tr("运行 <规则目录>/tests/ 中用数据写成的规则测试。退出码：0 全部通过，1 有失败"
                       "（加 --coverage 时：或有规则缺少测试），2 规则文件或测试文件有错。",
                       "Run the rule tests written as data in <rules>/tests/. Exit status: 0 all pass, 1 a failure "
                       "(with --coverage: or a rule without tests), 2 a broken rule or test file."))
@_RULES
@click.option("--coverage", is_flag=True,
              help=tr("同时列出没有测试使其触发（或不触发）的规则（有则退出码 1）",
                      "Also list the rules that no test makes fire, or shows silent (exit 1 if any)."))
@click.option("--accept", is_flag=True,
              help=tr("有意修改规则之后：把失败用例中的期望缺口改写为实际值（只改这些数字，注释和格式不变），再运行一遍测试",
                      "After a deliberate rule change: rewrite the failing cases' expected shortfalls to the actual ones "
                      "(only those numbers; comments and layout stay), then run the tests again."))
@_LANG
@click.pass_context
def test_cmd(ctx: click.Context, rules_dir: tuple[str, ...], coverage: bool, accept: bool, lang: str) -> None:
    """Run the rule tests written as data in <rules>/tests/ (运行规则测试)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.ruletest import accept as accept_figures
    from junheng.authoring.ruletest import coverage as coverage_of

    policy = _policy(ctx, rules_dir, lang)
    results = _run_tests(ctx, policy, lang)
    _say_results(results, lang)
    if accept:
        written = accept_figures(results)
        _say_accepted(written, lang)
        if written:
            results = _run_tests(ctx, policy, lang)
            still = [r for r in results if not r.passed]
            for r in still:
                click.echo(("仍然失败（需要人工判断）：" if lang == "zh" else "still failing (a person decides): ") + r.name)
            _say_totals(results, lang, "改写后：" if lang == "zh" else "after rewriting: ")
    status = 1 if any(not r.passed for r in results) else 0
    if coverage:
        status = max(status, _say_coverage(coverage_of(policy, results), lang))
    ctx.exit(status)


def _run_tests(ctx: click.Context, policy: Policy, lang: str) -> list[CaseResult]:
    """Every case of the policy's rules folders; a broken test file is reported and exits 2."""
    from junheng.authoring.ruletest import run_all  # imported here, not at the top: start-up time of the other commands

    try:
        return run_all(policy)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)


def _say_results(results: list[CaseResult], lang: str) -> None:
    """PASS or FAIL for each case; for a failure, what it expected, each figure expected → actual, and the actual findings."""
    for r in results:
        if r.skipped:
            off = "、".join(r.skipped)
            click.echo(f"SKIP  {r.name}" + (f"（规则 {off} 已停用）" if lang == "zh" else f" (rule {off} is switched off)"))
            continue
        mark = "PASS" if r.passed else "FAIL"
        click.echo(f"{mark}  {r.name}")
        if not r.passed:
            for p in r.problem_texts(lang):
                click.echo(f"      {p}")
            for proposal in r.proposals:
                click.echo("      " + ("期望 → 实际：" if lang == "zh" else "expected → actual: ") + proposal.text(lang))
            click.echo("      " + ("实际结果：" if lang == "zh" else "actual findings:"))
            for a in r.actual or []:
                click.echo("        " + json.dumps(a, ensure_ascii=False, sort_keys=True))
            if not r.actual:
                click.echo("        " + ("（无）" if lang == "zh" else "(none)"))
    _say_totals(results, lang)


def _say_totals(results: list[CaseResult], lang: str, before: str = "") -> None:
    failed = sum(1 for r in results if not r.passed)
    skipped = sum(1 for r in results if r.skipped)
    if lang == "zh":
        tail = f"，{skipped} 项跳过（规则已停用）" if skipped else ""
        click.echo(f"{before}{len(results) - failed - skipped} 项通过，{failed} 项失败{tail}")
    else:
        tail = f", {skipped} skipped (rule switched off)" if skipped else ""
        click.echo(f"{before}{len(results) - failed - skipped} passed, {failed} failed{tail}")


def _say_accepted(written: list[Proposal], lang: str) -> None:
    """Each figure rewritten, old → new, where; a reminder that notes and comments may cite the old figures."""
    zh = lang == "zh"
    for p in written:
        click.echo(("已改写 " if zh else "rewrote ") + f"{p.file}:{p.line}:{p.column} {p.text(lang)}")
    if not written:
        click.echo("没有可以改写的期望值（只改写缺口、严重程度和结论；其他失败需要人工判断）" if zh
                   else "nothing to rewrite (only shortfalls, severities and verdicts are rewritten; other failures need a person)")
    else:
        click.echo(f"共改写 {len(written)} 处；用例说明（note）和注释中若写有旧数值，请人工核对" if zh
                   else f"{len(written)} figure(s) rewritten; check the notes and comments that may cite the old figures")


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


@rules.command("lint", short_help=tr("检查规则文件", "Check the rule files."),
               help=tr("在格式之外检查规则文件（比例写成百分数、永远不成立的条件、中英文占位符不一致 …）。"
                       "退出码：0 没有问题，1 只有警告，2 有错误。",
                       "Check the rule files beyond the schema (a share written as a percentage, a condition that never holds, "
                       "placeholders that differ between languages …). Exit status: 0 clean, 1 warnings only, 2 errors."))
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


@rules.command("list", short_help=tr("规则一览", "A table of the rules."),
               help=tr("规则一览：先列规则包（名称、继承、适用年度），再列规则（编号、规则包、对象、严重程度、阈值、要求）。",
                       "A table of the packs (title, extends, the filing years each is for), then of the rules: id, packs, "
                       "subject, severity, thresholds, requirement."))
@_RULES
@click.option("--standard", default=None, metavar="NAME",
              help=tr("只列这个规则包的规则（含它的覆盖设置）", "Only this pack, with its overrides."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=tr("输出格式（json 中的对象、严重程度为英文键名）",
                      "Output format (json keeps the subject kinds and severities as keys)."))
@_LANG
@click.pass_context
def list_cmd(ctx: click.Context, rules_dir: tuple[str, ...], standard: str | None, fmt: str, lang: str) -> None:
    """The packs with their years, then a table of the rules: id, packs, subject, severity, thresholds (规则一览)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.describe import pack_rows, render_packs, render_table, rule_rows

    policy = _policy(ctx, rules_dir, lang)
    if standard is not None and standard not in policy.packs:
        raise unknown_standard(lang, standard, list(policy.packs))
    packs, rows = pack_rows(policy, standard), rule_rows(policy, standard)
    if fmt == "json":
        click.echo(json.dumps({"packs": [p.to_json() for p in packs], "rules": [r.to_json() for r in rows]},
                              ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_packs(packs, lang) + "\n" + render_table(rows, lang, policy.vocabulary), nl=False)


@rules.command("fields", short_help=tr("规则可用的申报字段", "The filing fields a rule may name."),
               help=tr("列出规则公式中可以使用的每个申报字段：名称、表头（单位）、层级（区县 / 学校）、示例值（取自申报示例）。"
                       "QUERY 按中文或英文筛选，不区分大小写（如：junheng rules fields 学历）。",
                       "List every filing field a rule's formulas may name: its name, its label and unit as the form prints "
                       "them, its level (district / school) and an example value from the contract's example filing. QUERY "
                       "keeps the fields whose Chinese or English text contains it, in any case (junheng rules fields degree)."))
@click.argument("query", required=False)
@_RULES
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=tr("输出格式（json 中的层级为英文键名）", "Output format (json keeps the levels as keys)."))
@_LANG
@click.pass_context
def fields_cmd(ctx: click.Context, query: str | None, rules_dir: tuple[str, ...], fmt: str, lang: str) -> None:
    """List the filing fields a rule may name, with label, unit, level and an example (规则可用的申报字段).

    ``--rules`` is accepted as by every ``rules`` command and only checked: the fields come from the filing model.
    """
    from junheng.authoring.fields import field_rows, render_text  # imported here, not at the top: start-up time of the other commands

    if rules_dir:
        _policy(ctx, rules_dir, lang)  # a broken rule folder says so (exit 2), as every rules command does
    rows = field_rows(query)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(rows, lang), nl=False)


@rules.command("explain", short_help=tr("解释一条规则；给出申报时，看它在申报上的试运行",
                                         "Explain one rule; with a filing, trace it on the filing."),
               help=tr("用文字解释规则 RULE_ID（如 FIN-13，大小写均可），并给出规则测试中的一个示例问题。\n\n"
                       "给出 FILING（.yaml、.yml、.json、.xlsx 或 CSV 工作表文件夹，读法与 check 相同）时，改为打印该规则在这份"
                       "申报上的试运行：规则涉及的每个对象（区县、学段、每所学校 …）的各项数值及其来源（表头、填报值、所在行或单元格），"
                       "代入数值的条件与阈值，以及结果——违规、达标、不适用或数据缺失（结果来自规则引擎对这份申报的检查）。"
                       "见 docs/rules-explain.md。\n\n"
                       "退出码：0 正常，2 规则、规则包、申报或选项有误。",
                       "Explain the rule RULE_ID (FIN-13, in any case) in words, with an example finding from its tests.\n\n"
                       "With FILING (.yaml, .yml, .json, .xlsx or a folder of CSV sheets, read as check reads it), print the "
                       "rule's trace on that filing instead: for every subject the rule concerns (the district, each level, each "
                       "school …) each value with the figures it came from (label, filed value, line or cell), the conditions "
                       "with the figures filled in, and the outcome — violated, passed, not applicable or data missing (as the "
                       "rule engine's check of the filing decides). See docs/rules-explain.md.\n\n"
                       "Exit status: 0 done, 2 a bad rule, pack, filing or option."))
@click.argument("rule_id")
@click.argument("filing", required=False)
@_RULES
@click.option("--standard", default=None, metavar="NAME",
              help=tr("按这个规则包中的样子解释（含覆盖设置）；给出 FILING 时按它检查申报（默认：与 check 相同，用申报中 "
                      "district.standard 指定的规则包）",
                      "Explain the rule as this pack has it; with FILING, check the filing against it (default: as check "
                      "does, the pack the filing's district.standard names)."))
@click.option("--school", default=None, metavar="ID",
              help=tr("只看这所学校（学校标识码）；仅用于学校层面的规则，须给出 FILING",
                      "Only this school (its id); for school-level rules, with FILING."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=tr("试运行的输出格式（json 须给出 FILING；其中的结果为英文键名）",
                      "Output format of the trace (json needs FILING; it keeps the outcomes as keys)."))
@_LANG
@click.pass_context
def explain_cmd(ctx: click.Context, rule_id: str, filing: str | None, rules_dir: tuple[str, ...], standard: str | None,
                school: str | None, fmt: str, lang: str) -> None:
    """Explain one rule in words, with an example finding from its tests; with FILING, its trace on the filing (解释规则)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.describe import example_finding, explain, find_rule

    policy = _policy(ctx, rules_dir, lang)
    ids = sorted({r.id for p in policy.packs.values() for r in p.rules})
    # ids are upper case (FIN-13); what a person types need not be: fin-13 is FIN-13
    rule_id = next((i for i in ids if i.casefold() == rule_id.strip().casefold()), rule_id)
    held_by = [pack for pack, _ in find_rule(policy, rule_id)]
    if not held_by:
        hint = suggest(rule_id.strip().upper(), ids)
        said = f"no rule {rule_id!r}{hint.en}"
        raise click.BadParameter(said if lang == "en" else f"没有规则 “{rule_id}”{hint.zh}（{said}）", param_hint="RULE_ID")
    if standard is not None and standard not in policy.packs:
        hint = suggest(standard, policy.packs)
        known = ", ".join(sorted(policy.packs))
        said = f"unknown standard {standard!r}{hint.en} (known: {known})"
        raise click.BadParameter(said if lang == "en" else f"未知规则包 “{standard}”{hint.zh}（{said}）", param_hint="--standard")
    if filing is not None:
        _explain_trace(ctx, policy, rule_id, filing, standard, school, fmt, lang)
        return
    if school is not None or fmt != "text":
        said = "--school and --format json are for a trace: name a FILING"
        raise click.UsageError(said if lang == "en" else f"--school 和 --format json 用于试运行，须给出申报 FILING（{said}）")
    if standard is not None and standard not in held_by:
        said = f"no rule {rule_id!r} in pack {standard}; the packs that hold it: {', '.join(held_by)}"
        zh = f"规则包 {standard} 不含规则 {rule_id}，含有它的规则包：{'、'.join(held_by)}（{said}）"
        raise click.BadParameter(said if lang == "en" else zh, param_hint="--standard")
    click.echo(explain(policy, rule_id, standard, lang, example_finding(policy, rule_id, standard)), nl=False)


def _explain_trace(ctx: click.Context, policy: Policy, rule_id: str, filing: str, standard: str | None, school: str | None, fmt: str,
                   lang: str) -> None:
    """``rules explain RULE FILING``: the rule's trace on the filing; what cannot be traced is said as check says it (exit 2)."""
    from junheng.authoring.trace import filing_source, render_text, trace_rule  # imported here, not at the top: start-up time

    try:
        stdin = getattr(sys.stdin, "buffer", sys.stdin)  # read only for "-", as check reads it
        trace = trace_rule(policy, rule_id, filing_source(filing, stdin), standard, school=school)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)
    for notice in trace.notices:  # as check warns: a sheet left unread, a pack written for another province
        click.echo(("warning " if lang == "en" else "警告 ") + notice.render(lang), err=True)
    if fmt == "json":
        click.echo(json.dumps(trace.to_json(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_text(trace, lang), nl=False)


@rules.command("impact", short_help=tr("规则修改影响分析", "What a rule change does to filings."),
               help=tr("在 FILINGS 上比较基准规则和当前规则：先列出规则本身的变化（数值、严重程度、启用、文字），"
                       "再列出每份申报新增、消除、变化的问题，说明或整改文字改变的问题，以及结论。\n\n"
                       "基准可以是一个规则目录或 git 版本（--baseline），也可以是另一个规则包（--baseline-standard，"
                       "与 --standard 比较两个规则包）；两者至少给一个（见 docs/impact.md）。\n\n"
                       "退出码：0 每份申报都已比较，2 有申报或基线无法读取（或选项有误），3 内部错误。",
                       "Show what changes between the baseline rules and the current ones: first the rules themselves "
                       "(numbers, severity, switched on or off, texts), then over FILINGS the findings each filing gains, "
                       "loses or changes, those whose texts change, and its verdict.\n\n"
                       "The baseline is a rules folder or git revision (--baseline), or another pack (--baseline-standard, "
                       "compared with --standard); give at least one (see docs/impact.md).\n\n"
                       "Exit status: 0 every filing compared, 2 a filing or the baseline could not be read (or a bad option), "
                       "3 internal error."))
@click.option("--baseline", default=None, metavar="DIR_OR_GIT_REV",
              help=tr("比较的基准：一个规则目录，或 git 版本（HEAD、main~1、标签）；不给时基准即当前规则",
                      "The rules to compare with: a folder, or a git revision (HEAD, main~1, a tag); without it, the current rules."))
@click.option("--baseline-standard", "baseline_standard", default=None, metavar="NAME",
              help=tr("基准一侧按这个规则包检查每份申报（与 --standard 比较两个规则包）",
                      "Check every filing against this pack on the baseline side (compare it with --standard's pack)."))
@click.argument("filings", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@_RULES
@click.option("--standard", default=None, metavar="NAME",
              help=tr("每份申报都按这个规则包检查（当前一侧；没有 --baseline-standard 时也是基准一侧）",
                      "Check every filing against this pack (the current side; the baseline side too without --baseline-standard)."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=tr("输出格式（json 中的结论、严重程度为英文键名）", "Output format (json keeps verdicts and severities as keys)."))
@_LANG
@click.pass_context
def impact_cmd(ctx: click.Context, baseline: str | None, baseline_standard: str | None, filings: tuple[str, ...],
               rules_dir: tuple[str, ...], standard: str | None, fmt: str, lang: str) -> None:
    """Show what changes between the baseline rules and the current ones over FILINGS (规则修改影响分析).

    Exit status: 0 every filing compared, 2 a filing or the baseline could not be read, 3 internal error.
    """
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.impact import render_text, run_impact
    from junheng.policy.load import default_rules_dir

    roots = [Path(r) for r in rules_dir] or [default_rules_dir()]
    files = _expand(filings)
    current = _policy(ctx, rules_dir, lang)  # a broken rule file: exit 2 before any filing is read
    try:
        impact = run_impact(baseline, roots, files, standard, after=current, baseline_standard=baseline_standard)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(2)
    for item in impact.filings:
        if item.error:
            click.echo(item.error[lang], err=True)
    if fmt == "json":
        click.echo(json.dumps(impact.to_json(), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_text(impact.filings, lang, current.vocabulary, impact.rules), nl=False)
    ctx.exit(impact.status)


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
