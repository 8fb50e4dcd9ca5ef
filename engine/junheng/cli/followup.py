"""``junheng follow-up``, ``junheng sample`` and ``junheng verify``: the supervision loop across years (follow-up.md).

Thin commands: parse options, call one library function (``junheng.followup``), pick a format, write, exit.
Exit status: ``follow-up`` 0, or 1 when a finding of the earlier year at or above ``--fail-on`` is not
resolved or a new one is at or above it; ``verify`` as ``check``; ``sample`` 0; all of them 2 for invalid
input (a filing, a form, a rules folder, an option), 3 for an internal error. Registered on the ``junheng``
group in ``cli/main.py``; ``previous_result_letter`` is the letter's 上年整改情况 for ``check --previous-result``.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

import click

from junheng.cli.bilingual import Command, bad_parameter, lang_option, tr, unknown_standard
from junheng.errors import ExitStatus, InputErrors
from junheng.report import formats as _formats  # the registry of check's formats (each imported when used)

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.check.run import Options
    from junheng.policy.compiled import Policy
    from junheng.report.result import Outcome

__all__ = ["follow_up", "previous_result_letter", "read_previous_result", "sample", "verify"]

_LANG = lang_option()
_FAIL_ON = ("blocking", "major", "minor", "info", "never")
_OUTPUT = click.option("--output", "-o", "output", default=None, metavar="FILE", type=click.Path(path_type=str),
                       help=tr("写入 FILE（原子写入），而不是标准输出", "Write to FILE (atomically) instead of standard output."))
_RULES = click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
                      help=tr("规则目录（默认：随程序安装的规则）；可重复，把本地规则包叠加在上面",
                              "Rules folder (default: the shipped rules); repeat to layer a local pack over them."))
_STANDARD = click.option("--standard", default=None, metavar="NAME",
                         help=tr("使用这个规则包，而不是申报中 district.standard 指定的", "Rule pack to use instead of district.standard."))
_FAIL = click.option("--fail-on", default="blocking", type=click.Choice(_FAIL_ON), show_default=True,
                     help=tr("退出码为 1 的最低严重程度（never：从不）",
                             "Lowest severity that makes the exit status 1 (never: none does)."))
_PATH = click.Path(path_type=str)


def _stop(ctx: click.Context, errors: InputErrors, lang: str) -> NoReturn:
    """Invalid input: every error on stderr (file, line or sheet!cell, field, message), exit 2."""
    for error in errors.errors:
        click.echo(error.render(lang), err=True)
    ctx.exit(int(ExitStatus.INVALID_INPUT))


def _bug(ctx: click.Context, what: str, exc: BaseException, lang: str) -> NoReturn:
    """A bug in junheng: say so and how to report it (the traceback with JUNHENG_DEBUG=1), exit 3."""
    if os.environ.get("JUNHENG_DEBUG") == "1":
        traceback.print_exception(exc)
    detail = f"{type(exc).__name__}: {exc}"
    click.echo(f"{what}: internal error (a bug in junheng, not in your file): {detail}; please report it with the file "
               "(set JUNHENG_DEBUG=1 for details)" if lang == "en" else
               f"{what}: 内部错误（junheng 自身的缺陷，不是文件的问题）：{detail}；"
               "请附上该文件报告此问题（设置 JUNHENG_DEBUG=1 可查看详情）",
               err=True)
    ctx.exit(int(ExitStatus.INTERNAL_ERROR))


def _policy(ctx: click.Context, rules_dir: tuple[str, ...], standard: str | None, lang: str) -> Policy:
    """The compiled rules; a broken rule file or an unknown --standard stops the command (exit 2)."""
    from junheng.policy.packs import compile_rules  # imported here, not at the top: start-up time of the other commands

    try:
        policy = compile_rules(list(rules_dir) or None)
    except InputErrors as exc:
        _stop(ctx, exc, lang)
    if standard is not None and standard not in policy.packs:
        raise unknown_standard(lang, standard, list(policy.packs))
    return policy


def _write(ctx: click.Context, report: str | bytes, output: str | None, lang: str) -> None:
    """The report on stdout, or atomically in ``output`` (a binary one only there); a file that cannot be written is exit 2."""
    from junheng.report.output import encode, write_atomically  # imported here, not at the top: start-up time of the other commands

    if output is None:
        click.echo(report if isinstance(report, str) else "", nl=False)
        return
    try:
        write_atomically(output, report if isinstance(report, bytes) else encode(report))
    except OSError as exc:
        why = exc.strerror or str(exc)
        click.echo(f"{output}: cannot write ({why})" if lang == "en" else f"{output}: 无法写入（{why}）", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    click.echo(f"written to {output}" if lang == "en" else f"已写入：{output}", err=True)


def _needs_output(ctx: click.Context, fmt: str, output: str | None, lang: str) -> None:
    """A binary format (xlsx, docx) is a file: without --output it is exit 2, never bytes on a terminal."""
    if output is None:
        click.echo(f"--format {fmt} writes a file: name it with --output FILE" if lang == "en"
                   else f"--format {fmt} 生成的是文件，请用 --output 文件名 指定保存位置", err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))


def _run(ctx: click.Context, what: str, lang: str, call: Callable[[], object]) -> object:
    """Call the library: invalid input is exit 2 with every error, anything else a bug (exit 3)."""
    try:
        return call()
    except InputErrors as exc:
        _stop(ctx, exc, lang)
    except click.exceptions.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - anything else is a bug, reported as such (exit 3)
        _bug(ctx, what, exc, lang)


# ---------------------------------------------------------------- junheng follow-up EARLIER LATER


@click.command("follow-up", cls=Command,
               short_help=tr("整改台账：上年问题逐项复查", "The rectification ledger: last year's findings, one by one."),
               help=tr("对照同一区县前后两年的申报（EARLIER、LATER，任何 check 能读的格式），逐项列出上年每个问题的整改情况："
                       "已整改、部分整改、未整改、无法判断，以及新增问题。\n\n"
                       "退出码：0 上年 --fail-on 及以上的问题均已整改且没有这样的新增问题，1 否则，2 输入有误，3 内部错误。",
                       "Compare two filings of one district (EARLIER, LATER, in any format check reads) and list what became of each "
                       "of last year's findings: resolved, partly resolved, not resolved, cannot tell; and the new ones.\n\n"
                       "Exit status: 0 when every earlier finding at or above --fail-on is resolved and no new one is at or above it, "
                       "1 otherwise, 2 invalid input, 3 internal error."))
@click.argument("earlier", metavar="EARLIER", type=_PATH)
@click.argument("later", metavar="LATER", type=_PATH)
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json", "xlsx", "html", "markdown"]), show_default=True,
              help=tr("台账格式（xlsx：整改台账工作簿，须加 --output）", "Ledger format (xlsx: the ledger workbook, with --output)."))
@_OUTPUT
@_FAIL
@_STANDARD
@_RULES
@_LANG
@click.pass_context
def follow_up(ctx: click.Context, earlier: str, later: str, fmt: str, output: str | None, fail_on: str, standard: str | None,
              rules_dir: tuple[str, ...], lang: str) -> None:
    """The rectification ledger of two filings of one district (整改台账)."""
    from junheng.followup import ledger_formats  # imported here, not at the top: start-up time of the other commands
    from junheng.followup.ledger import Ledger, follow_up as compare_filings

    if fmt in ledger_formats.BINARY:
        _needs_output(ctx, fmt, output, lang)
    policy = _policy(ctx, rules_dir, standard, lang)
    ledger = _run(ctx, later, lang, lambda: compare_filings(earlier, later, policy, standard))
    if not isinstance(ledger, Ledger):  # never: _run returns what the library gave, or exits
        raise TypeError(ledger)
    binary = ledger_formats.BINARY.get(fmt)
    report = binary(ledger, lang) if binary is not None else ledger_formats.FORMATS[fmt](ledger, lang)
    _write(ctx, report, output, lang)
    ctx.exit(int(ledger.status(fail_on)))


# ---------------------------------------------------------------- junheng sample FILING


@click.command(cls=Command, short_help=tr("抽签选点：随机抽取实地核查的学校", "Draw the schools for an on-site visit."),
               help=tr("按公布的算法从 FILING 中分层随机抽取 N 所学校（学段、城区/镇区/乡村、教学点），供实地核查；"
                       "持有申报和种子的任何人都能复现。默认种子为“区县代码-年度”。--format xlsx 写出核查表。\n\n"
                       "退出码：0 完成，2 输入有误，3 内部错误。",
                       "Draw N schools of FILING for an on-site visit, stratified by level, urban/town/rural and teaching points, "
                       "by the published algorithm: anyone holding the filing and the seed can reproduce it. The default seed is "
                       "'<district code>-<year>'. --format xlsx writes the verification form (核查表).\n\n"
                       "Exit status: 0 done, 2 invalid input, 3 internal error."))
@click.argument("filing", metavar="FILING", type=_PATH)
@click.option("--schools", "wanted", default=10, show_default=True, type=click.IntRange(min=1),
              help=tr("抽取的学校数 N", "How many schools to draw (N)."))
@click.option("--seed", default=None, metavar="TEXT",
              help=tr("随机种子（默认：区县代码-年度）", "The seed (default: '<district code>-<year>')."))
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json", "xlsx"]), show_default=True,
              help=tr("输出格式（xlsx：核查表，须加 --output）", "Output format (xlsx: the verification form, with --output)."))
@_OUTPUT
@_LANG
@click.pass_context
def sample(ctx: click.Context, filing: str, wanted: int, seed: str | None, fmt: str, output: str | None, lang: str) -> None:
    """Draw the schools for an on-site visit (抽签选点)."""
    from junheng.followup import sample as sample_formats  # imported here, not at the top: start-up time of the other commands

    if fmt == "xlsx":
        _needs_output(ctx, fmt, output, lang)
    drawn = _run(ctx, filing, lang, lambda: sample_formats.draw_filing(filing, wanted, seed))
    if not isinstance(drawn, sample_formats.Drawing):  # never: _run returns what the library gave, or exits
        raise TypeError(drawn)
    if fmt == "xlsx" and output is not None:
        _write(ctx, sample_formats.form_bytes(drawn), output, lang)
        click.echo(sample_formats.seed_line(drawn.sample, lang), err=True)
    else:
        _write(ctx, sample_formats.render(drawn.sample, fmt, lang), output, lang)
    ctx.exit(int(ExitStatus.OK))


# ---------------------------------------------------------------- junheng verify FILING FORM.xlsx


@click.command(cls=Command, short_help=tr("实地核查：用核查数检查申报", "Check a filing with the figures verified on site."),
               help=tr("用核查表 FORM.xlsx 中填写的核查数代替申报数，按规则检查 FILING；核查数与申报数相差超过 0.5 的，"
                       "每项报告一个 DATA-06（核查数与申报数不符）。\n\n"
                       "退出码：同 check：0 没有 --fail-on 及以上的问题，1 有，2 输入有误（含核查表有误），3 内部错误。",
                       "Check FILING with the figures verified on site (FORM.xlsx, the 核查表 with 核查数 filled in) in place of the "
                       "filed ones; each figure that differs by more than 0.5 is a DATA-06 finding.\n\n"
                       "Exit status as check: 0 no finding at or above --fail-on, 1 some, 2 invalid input (the form included), "
                       "3 internal error."))
@click.argument("filing", metavar="FILING", type=_PATH)
@click.argument("form", metavar="FORM.xlsx", type=_PATH)
@click.option("--format", "fmt", default="text", show_default=True, type=click.Choice(sorted([*_formats.FORMATS, *_formats.BINARY])),
              help=tr("报告格式（同 check）", "Output format (as check's)."))
@_OUTPUT
@_FAIL
@_STANDARD
@_RULES
@_LANG
@click.pass_context
def verify(ctx: click.Context, filing: str, form: str, fmt: str, output: str | None, fail_on: str, standard: str | None,
           rules_dir: tuple[str, ...], lang: str) -> None:
    """Check a filing with the figures verified on site (实地核查)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.followup.verify import verify as verify_filing
    from junheng.report.result import Result

    formats = _formats
    binary = formats.BINARY.get(fmt)
    if binary is not None:
        _needs_output(ctx, fmt, output, lang)
    policy = _policy(ctx, rules_dir, standard, lang)
    result = _run(ctx, filing, lang, lambda: verify_filing(filing, form, policy, standard, details=formats.NEEDS.get(fmt, frozenset())))
    if not isinstance(result, Result):  # never: _run returns what the library gave, or exits
        raise TypeError(result)
    for notice in result.notices:
        click.echo(("warning " if lang == "en" else "警告 ") + notice.render(lang), err=True)
    report = binary([result], lang=lang, fail_on=fail_on) if binary is not None else formats.get(fmt)([result], lang=lang, fail_on=fail_on)
    _write(ctx, report, output, lang)
    ctx.exit(int(result.status(fail_on)))


# ---------------------------------------------------------------- check --previous-result EARLIER.json --format letter


def read_previous_result(ctx: click.Context, path: str, fmt: str, lang: str) -> object:
    """--previous-result: last year's results, read before any filing is checked; only the letter shows them (else exit 2)."""
    from junheng.followup.ledger import read_result_json  # imported here, not at the top: start-up time of the other commands

    if fmt not in ("letter", "docx"):
        raise bad_parameter(lang, f"只用于 --format letter 或 docx（督导意见书），不用于 {fmt}",
                            f"only for --format letter or docx, not {fmt}", "--previous-result")
    return _run(ctx, path, lang, lambda: read_result_json(path))


def previous_result_letter(fmt: str, outcomes: Sequence[Outcome], earlier: object, policy: Policy, options: Options,
                           lang: str, fail_on: str) -> str | bytes:
    """The letter (Markdown or Word) of checked filings, each with 上年整改情况 against its district's earlier result."""
    from junheng.followup.letter import render_letter  # imported here, not at the top: start-up time of the other commands

    said: list[str] = []  # what render_letter could not match: a filing without an earlier result of its district
    report = render_letter(fmt, outcomes, earlier, policy, options, lang=lang, fail_on=fail_on, unmatched=said)
    for line in said:
        click.echo(line, err=True)
    return report
