"""``junheng overview``: every district at a glance — one page (or workbook, JSON, Markdown) over many filings.

Thin: parse the options, call ``overview.build.overview_of``, write, exit. Each filing is checked as
``junheng check`` checks it, with the same exit status (output.md): 0, 1 with a finding at or above
``--fail-on``, 2 when a filing (or an earlier result) could not be read — the overview still lists every
filing that could, and names the one that could not — 3 on an internal error.

Where it writes (docs/overview.md): ``--output FILE`` writes the overview there; with ``--format html`` each
district's own report is written beside it, in the folder ``<FILE's stem>-districts/`` (``<code>-<year>.html``),
and the overview links to it. ``--output DIR`` (an existing folder, or a path ending in ``/``) writes
``DIR/overview.<ext>`` and, whatever the format, the districts' reports in ``DIR/overview-districts/``, linked
from the overview (a hyperlink in the workbook). Without ``--output`` the overview goes to standard output
(not the workbook, which is a file), and no district report is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from junheng.cli.bilingual import Command, lang_option, tr, unknown_standard
from junheng.errors import ExitStatus, InputErrors

if TYPE_CHECKING:  # for annotations only: at run time the command imports what it calls
    from junheng.overview.stream import Checked, DistrictReports
    from junheng.policy.compiled import Policy

__all__ = ["overview"]

_FORMATS = ("html", "xlsx", "json", "markdown")


def _policy(ctx: click.Context, rules_dir: tuple[str, ...], standard: str | None, no_cache: bool, lang: str) -> Policy:
    """The compiled rules; a broken rule file stops the run (exit 2) before any filing is read."""
    from junheng.policy.packs import compile_rules  # imported here, not at the top: start-up time of the other commands

    try:
        policy = compile_rules(list(rules_dir) or None, cache=not no_cache)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    if standard is not None and standard not in policy.packs:
        raise unknown_standard(lang, standard, list(policy.packs))
    return policy


def _targets(output: str | None, fmt: str) -> tuple[Path | None, Path | None]:
    """Where the overview goes (None: standard output) and the folder of the districts' reports (None: none written)."""
    from junheng.overview.build import SUFFIXES  # imported here: start-up time of the other commands

    if output is None:
        return None, None
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        return path / f"overview{SUFFIXES[fmt]}", path / "overview-districts"
    return path, (path.parent / f"{path.stem}-districts" if fmt == "html" else None)


def _say(c: Checked, lang: str) -> None:
    """A filing's errors (it could not be checked) or its notices (how it was checked), on stderr, as ``check`` says them."""
    from junheng.overview.summary import Failed  # imported here, not at the top: start-up time of the other commands

    if isinstance(c.item, Failed):
        for error in c.item.errors:
            click.echo(error.render(lang), err=True)
    for notice in c.notices:
        click.echo(("warning " if lang == "en" else "警告 ") + notice.render(lang), err=True)


def _write(target: Path | None, report: str | bytes, lang: str) -> int:
    from junheng.report.output import encode, write_atomically  # imported here: start-up time of the other commands

    if target is None:
        click.echo(report if isinstance(report, str) else "", nl=False)
        return ExitStatus.OK
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, report if isinstance(report, bytes) else encode(report))
    except OSError as exc:
        why = exc.strerror or str(exc)
        click.echo(f"{target}: cannot write the overview ({why})" if lang == "en" else f"{target}: 无法写入概览（{why}）", err=True)
        return ExitStatus.INVALID_INPUT
    click.echo(f"overview written to {target}" if lang == "en" else f"已写入概览：{target}", err=True)
    return ExitStatus.OK


@click.command("overview", cls=Command,
               short_help=tr("多个区县（多个年度）的概览：一页看全", "Every district (and year) at a glance."),
               help=tr("检查每份 FILING（文件、文件夹、通配符；一个年度，或同一批区县的多个年度），汇总成一份概览："
                       "各区县结论、按严重程度的问题数、否决项、可合计的整改量（链接到各区县报告），各领域每条规则有多少区县和学校未达标，"
                       "差异系数、三个增长、学校达标率的图表，多个年度时的趋势与整改进展。\n\n"
                       "--output 为 .html 文件时，各区县报告写在旁边的 <文件名>-districts/ 文件夹并加链接；为文件夹时写出 overview.<格式> "
                       "和 overview-districts/。\n\n"
                       "退出码：0 没有 --fail-on 及以上的问题，1 有，2 输入有误（概览仍列出其余申报），3 内部错误。",
                       "Check each FILING (files, folders, globs; one year, or several years of the same districts) and sum them up: "
                       "every district's verdict, findings by severity, blocking findings by name, the amounts to make up where they add "
                       "up (linking to each district's report); per area, how many districts and schools fall short of each rule; charts "
                       "of the difference coefficients, the three growths and the schools meeting each standard; with several years, "
                       "each district's trend and rectification.\n\nWith --output FILE.html the districts' reports are written beside it "
                       "in <stem>-districts/ and linked; with --output DIR, DIR/overview.<format> and DIR/overview-districts/.\n\n"
                       "Exit status: 0 no finding at or above --fail-on, 1 some, 2 invalid input (the overview still lists the other "
                       "filings), 3 internal error."))
@click.argument("filings", nargs=-1, required=True, metavar="FILING…", type=click.Path(path_type=str))
@click.option("--previous-results", "previous_results", default=None, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=str),
              help=tr("上次检查的结果（junheng check --format json 或 jsonl 的输出，*.json、*.jsonl）所在文件夹：用于历年趋势与整改进展",
                      "Folder of earlier results (the output of junheng check --format json or jsonl, *.json, *.jsonl): for the trend."))
@click.option("--format", "fmt", default="html", show_default=True, type=click.Choice(_FORMATS), help=tr("概览格式", "Output format."))
@click.option("--output", "-o", "output", default=None, metavar="FILE|DIR", type=click.Path(path_type=str),
              help=tr("写入 FILE（原子写入），或文件夹 DIR（overview.<格式> 和各区县报告）；不写则输出到标准输出（xlsx 必须指定）",
                      "Write to FILE (atomically), or into the folder DIR (overview.<format> and the districts' reports); "
                      "default standard output (xlsx needs a file)."))
@click.option("--standard", default=None, metavar="NAME",
              help=tr("使用这个规则包，而不是申报中 district.standard 指定的", "Rule pack to use instead of district.standard."))
@click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
              help=tr("规则目录（默认：随程序安装的规则）；可重复", "Rules folder (default: the shipped rules); repeat to layer packs."))
@click.option("--fail-on", default="blocking", show_default=True, type=click.Choice(["blocking", "major", "minor", "info", "never"]),
              help=tr("退出码为 1 的最低严重程度（never：从不）", "Lowest severity that makes the exit status 1 (never: none does)."))
@click.option("--jobs", default=None, type=click.IntRange(1, 64),
              help=tr("工作进程数（默认：每个 CPU 核一个）", "Worker processes (default: one per core)."))
@click.option("--no-cache", is_flag=True, help=tr("重新读取规则文件，不使用缓存", "Read the rule files again instead of the cached copy."))
@click.option("--strict", is_flag=True, help=tr("把警告当作错误（退出码 2）", "Treat warnings as errors (exit 2)."))
@lang_option()
@click.pass_context
def overview(ctx: click.Context, filings: tuple[str, ...], previous_results: str | None, fmt: str, output: str | None,
             standard: str | None, rules_dir: tuple[str, ...], fail_on: str, jobs: int | None, no_cache: bool, strict: bool,
             lang: str) -> None:
    """Every district (and year) at a glance (多个区县的概览)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.run import Options
    from junheng.check.sources import expand, skipped_lines
    from junheng.overview.build import overview_of, render
    from junheng.overview.stream import NEEDS, DistrictReports, read_previous
    from junheng.overview.summary import Failed, Summary
    from junheng.report.output import Progress, Tally, summary_line

    if fmt == "xlsx" and output is None:
        click.echo("--format xlsx writes a file: name it with --output FILE" if lang == "en"
                   else "--format xlsx 生成的是文件，请用 --output 文件名 指定保存位置", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    policy = _policy(ctx, rules_dir, standard, no_cache, lang)
    target, folder = _targets(output, fmt)
    sources = expand(filings, None)
    for line in skipped_lines(sources.skipped, lang):
        click.echo(line, err=True)
    previous = list(read_previous(previous_results)) if previous_results else []
    for item in previous:
        _say_previous(item, lang)
    tally, progress = Tally(), Progress(len(sources))

    def each(c: Checked, link: str | None) -> None:
        progress.clear()
        _say(c, lang)
        tally.add_counts(c.item.verdict if isinstance(c.item, Summary) else None, c.item.status if isinstance(c.item, Failed) else None)
        progress.show(tally.n, c.file)

    reports = DistrictReports(folder) if folder is not None else None
    options = Options(standard=standard, details=NEEDS, strict=strict)
    try:
        result, status = overview_of(sources, policy, options=options, jobs=jobs, previous=previous, reports=reports, lang=lang,
                                     fail_on=fail_on, skipped=len(sources.skipped), each=each)
    except OSError as exc:
        progress.clear()
        ctx.exit(_unwritable(reports, exc, lang))
    progress.clear()
    status = max(status, _write(target, render(result, fmt, lang), lang))
    if strict and sources.skipped:
        status = max(status, ExitStatus.INVALID_INPUT)
    click.echo(summary_line(tally, lang, skipped=len(sources.skipped)), err=True)
    ctx.exit(int(status))


def _say_previous(item: object, lang: str) -> None:
    from junheng.overview.summary import Failed  # imported here, not at the top: start-up time of the other commands

    if isinstance(item, Failed):
        for error in item.errors:
            click.echo(error.render(lang), err=True)


def _unwritable(reports: DistrictReports | None, exc: OSError, lang: str) -> int:
    where = reports.folder if reports is not None else ""
    why = exc.strerror or str(exc)
    click.echo(f"{where}: cannot write the districts' reports ({why})" if lang == "en" else f"{where}: 无法写入各区县报告（{why}）",
               err=True)
    return int(ExitStatus.INVALID_INPUT)
