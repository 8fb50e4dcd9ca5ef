"""``junheng rules export-xlsx`` / ``import-xlsx``: the rule settings workbook (docs/workbook.md).

Thin like the rest of the CLI: parse options, call ``authoring.workbook``, print, exit. Registered on the
``rules`` group by being imported (``cli/main.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import click

from junheng.cli.bilingual import lang_option, tr
from junheng.cli.rules import rules
from junheng.errors import InputErrors

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.authoring.ruletest import CaseResult
    from junheng.authoring.workbook import ImportResult

__all__ = ["export_cmd", "import_cmd"]

_LANG = lang_option()
_RULES = click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
                      help=tr("规则目录（默认：随程序安装的规则）；可重复，把本地规则包叠加在上面；导入时写入最后一个",
                              "Rules folder (default: the shipped rules); repeat to layer a local pack over them; the import writes "
                              "into the last one."))


def _say_errors(ctx: click.Context, exc: InputErrors, lang: str) -> NoReturn:
    for error in exc.errors:
        click.echo(error.render(lang), err=True)
    ctx.exit(2)


@rules.command("export-xlsx", short_help=tr("导出规则设置工作簿（Excel）", "Export the rule settings workbook (Excel)."),
               help=tr("把规则的数值和中文文字导出为 Excel 工作簿 OUT（说明、规则、参数三张表），供修改后用 import-xlsx 写回。"
                       "加 --standard 时，表中是该规则包中的取值（含它的覆盖设置）。退出码：0 已导出，2 规则有错或无法写入。",
                       "Export the rules' numbers and Chinese texts to the Excel workbook OUT (sheets 说明, 规则, 参数), to edit and "
                       "apply back with import-xlsx. With --standard, the values as that pack has them (its overrides applied). "
                       "Exit status: 0 exported, 2 broken rules or OUT cannot be written."))
@click.argument("out", type=click.Path(dir_okay=False, path_type=str))
@_RULES
@click.option("--standard", default=None, metavar="NAME",
              help=tr("按这个规则包导出取值（含覆盖设置）；导入时修改写回该规则包", "Show the values as this pack has them; "
                      "the import writes changes of its overrides back into it."))
@_LANG
@click.pass_context
def export_cmd(ctx: click.Context, out: str, rules_dir: tuple[str, ...], standard: str | None, lang: str) -> None:
    """Export the rule settings workbook (导出规则设置工作簿)."""
    from junheng.authoring.workbook import export_workbook  # imported here, not at the top: start-up time of the other commands

    try:
        settings = export_workbook(out, list(rules_dir) or None, standard)
    except InputErrors as exc:
        _say_errors(ctx, exc, lang)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        click.echo(f"{out}: " + (f"无法写入：{reason}" if lang == "zh" else f"cannot be written: {reason}"), err=True)
        ctx.exit(2)
    pack = f"（规则包 {standard}）" if standard and lang == "zh" else f" (pack {standard})" if standard else ""
    click.echo(f"已导出 {out}{pack}：规则 {len(settings.rules)} 条，参数 {len(settings.params)} 行" if lang == "zh"
               else f"exported {out}{pack}: {len(settings.rules)} rules, {len(settings.params)} parameter rows")


@rules.command("import-xlsx", short_help=tr("把修改过的规则设置工作簿写回规则文件", "Apply an edited rule settings workbook."),
               help=tr("比较工作簿 WORKBOOK 与规则文件，把改动写入最后一个 --rules 目录（默认：源码中的 rules/），"
                       "保留注释和格式；全部写入或一个都不写。每处问题给出单元格（如 参数!D14）。写入后编译规则并运行规则测试。"
                       "退出码：0 已写入（或没有修改）且规则测试通过，1 已写入但有规则测试不再通过，2 工作簿或规则有错（没有写入）。",
                       "Compare WORKBOOK with the rule files and write what changed into the last --rules folder (default: rules/ of "
                       "a source checkout), keeping comments and layout; all or nothing. Every problem names its cell (参数!D14). "
                       "After writing, the rules are compiled and their tests run. Exit status: 0 written (or nothing to change) and "
                       "the rule tests pass, 1 written but a rule test fails, 2 a problem in the workbook or the rules (nothing written)."))
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=str))
@_RULES
@click.option("--dry-run", is_flag=True, help=tr("只列出会做的修改，不写入任何文件", "List the changes only; write nothing."))
@_LANG
@click.pass_context
def import_cmd(ctx: click.Context, workbook: str, rules_dir: tuple[str, ...], dry_run: bool, lang: str) -> None:
    """Apply an edited rule settings workbook to the rule files (写回规则设置工作簿)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.authoring.edits import rule_test_failures
    from junheng.authoring.workbook import WorkbookRejected, import_workbook

    zh = lang == "zh"
    roots = list(rules_dir) or None
    try:
        result = import_workbook(workbook, roots, dry_run=dry_run)
    except InputErrors as exc:
        _say_errors(ctx, exc, lang)
    except WorkbookRejected as exc:
        for problem in exc.problems:
            click.echo(problem.render(lang), err=True)
        click.echo(f"{workbook}：共 {len(exc.problems)} 处问题，没有写入任何文件" if zh
                   else f"{workbook}: {len(exc.problems)} problem(s); nothing was written", err=True)
        ctx.exit(2)
    _say_changes(result, lang)
    if not result.changes or dry_run:
        ctx.exit(0)
    try:
        failures = rule_test_failures(roots)
    except InputErrors as exc:
        _say_errors(ctx, exc, lang)
    _say_tests(failures, rules_dir, lang)
    ctx.exit(1 if failures else 0)


def _say_changes(result: ImportResult, lang: str) -> None:
    zh = lang == "zh"
    if not result.changes:
        click.echo("工作簿与规则文件一致：没有修改" if zh else "the workbook matches the rule files: nothing to change")
        return
    if result.stale:
        click.echo("注意：导出此工作簿之后规则文件有过改动；工作簿中与当前规则文件不同的值都会写入" if zh
                   else "note: the rule files changed since this workbook was exported; every value that differs from them is written",
                   err=True)
    for change in result.changes:
        click.echo(change.line(lang))
    texts = list(dict.fromkeys(c.file for c in result.changes if c.kind == "text"))
    if texts:
        click.echo(("中文文字已修改，请同时修改英文（en）文字：" if zh else "Chinese texts changed; update their English (en) texts too: ")
                   + "、".join(texts))
    files = "、".join(result.files) if zh else ", ".join(result.files)
    if result.dry_run:
        click.echo(f"（--dry-run：没有写入；会写入 {files}）" if zh else f"(--dry-run: nothing written; would write {files})")
    else:
        click.echo(f"已写入 {files}" if zh else f"wrote {files}")


def _say_tests(failures: list[CaseResult], rules_dir: tuple[str, ...], lang: str) -> None:
    """The rule tests that no longer pass, with their new figures, and how to accept them."""
    zh = lang == "zh"
    if not failures:
        click.echo("规则测试全部通过" if zh else "the rule tests pass")
        return
    click.echo(f"修改后有 {len(failures)} 项规则测试不再通过：" if zh else f"{len(failures)} rule test(s) no longer pass:")
    for r in failures:
        click.echo(f"FAIL  {r.name}")
        for p in r.problem_texts(lang):
            click.echo(f"      {p}")
        for proposal in r.proposals:
            click.echo("      " + ("期望 → 实际：" if zh else "expected → actual: ") + proposal.text(lang))
    command = "junheng rules test --accept" + "".join(f" --rules {d}" for d in rules_dir)
    click.echo(f"核对新的数值无误后，运行 {command} 改写这些测试的期望值" if zh
               else f"when the new figures are right, run {command} to rewrite these tests' expected figures")
