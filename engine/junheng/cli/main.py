"""The ``junheng`` command line: parse options, call one library function, print, exit.

No policy lives here. Exit status: 0 all good, 2 invalid input (a filing that is
not well-formed or breaks the schema, or a bad option), 3 internal error (a bug
in junheng). With several filings the status is the highest any of them earns.

The commands on filings (schema, validate, check) are here; the others live in
their own modules (``rules``, ``sheets``, ``generate``) and are registered on the
group at the end. Each command imports the library code it calls inside its
function: ``junheng --help`` and ``junheng validate`` then start without the
checker, durable_rules or any report format's module.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from junheng import __version__
from junheng.cli.bilingual import Group, bad_parameter, click_word, lang_option, said_language, tr, unknown_standard
from junheng.errors import ExitStatus, InputErrors
from junheng.report import formats as _formats

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.check.run import Options, Previous
    from junheng.check.sources import Intake
    from junheng.errors import InputError
    from junheng.policy.compiled import Policy
    from junheng.report.formats import LineFormatter
    from junheng.report.output import Progress
    from junheng.report.result import Outcome

__all__ = ["ExitStatus", "junheng", "main"]


_LANG = lang_option()

# FILING is a path for click (so that shell completion offers files), never checked by click: '-' and globs pass.
_FILINGS = click.argument("filings", nargs=-1, required=True, metavar="FILING…", type=click.Path(path_type=str))
_INPUT_FORMAT = click.option(
    "--input-format",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help=tr("从标准输入读取的申报（FILING 为 '-'）的格式", "Format of a filing read from standard input (FILING '-')."),
)
_OUTPUT = click.option(
    "--output",
    "-o",
    "output",
    default=None,
    metavar="FILE",
    type=click.Path(path_type=str),
    help=tr("把报告写入 FILE（原子写入：要么完整，要么没有），而不是标准输出；写好后在标准错误上说一声",
            "Write the report to FILE (atomically: complete or not at all) instead of standard output, and say so on stderr."),
)
_STRICT = click.option(
    "--strict",
    is_flag=True,
    help=tr("把警告当作错误（退出码 2）：文件夹或通配符匹配到的非申报文件、申报表中不属于申报表的工作表、"
            "规则包不适用于区县所在的省份（默认只提示，照常检查）",
            "Treat warnings as errors (exit 2): a file a folder or pattern reaches that is not a filing, a sheet that is not "
            "part of the form, a rule pack written for another province (by default each is said on stderr and the check goes on)."),
)
_FILINGS_HELP = tr(
    "FILING 是一个文件、一个文件夹（其中所有 *.yaml、*.yml、*.json、*.xlsx；只含 CSV 工作表的文件夹是一份申报）、"
    "加引号的通配符（'filings/**/*.xlsx'），或 '-' 表示标准输入（见 --input-format）。"
    "文件夹或通配符匹配到的其他文件会在标准错误上列为已跳过。",
    "FILING is a file, a folder (every *.yaml, *.yml, *.json, *.xlsx below it; a folder of CSV sheets is one filing), "
    "a quoted glob pattern ('filings/**/*.xlsx') or '-' for standard input (see --input-format). "
    "Other files a folder or pattern reaches are listed on stderr as skipped.",
)


def _say_skipped(sources: Intake, lang: str, strict: bool) -> int:
    """Name every file a folder or pattern reached that is not a filing; with --strict that is exit 2."""
    from junheng.check.sources import skipped_lines  # imported here, not at the top: start-up time of the other commands

    for line in skipped_lines(sources.skipped, lang):
        click.echo(line, err=True)
    return ExitStatus.INVALID_INPUT if strict and sources.skipped else ExitStatus.OK


def _debug() -> bool:
    return os.environ.get("JUNHENG_DEBUG") == "1"


def _stdin() -> BinaryIO | None:
    """Standard input as bytes (``-`` reads it); None when the process has none."""
    stdin: Any = sys.stdin  # None when the process has none; a stand-in without ``buffer`` (a test's) is read as it is
    return getattr(stdin, "buffer", stdin)


def _one_terminal() -> bool:
    """Whether standard output and standard error are the same terminal: what both say, a person reads twice."""
    try:
        if not (sys.stdout.isatty() and sys.stderr.isatty()):
            return False
    except (AttributeError, ValueError):  # a stand-in stream without isatty, or a closed one
        return False
    try:
        return os.ttyname(sys.stdout.fileno()) == os.ttyname(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no ttyname (Windows), or a stand-in without a descriptor
        return True


def _notice_line(notice: InputError, lang: str) -> str:
    """A warning about how a filing was read or checked (a sheet left unread, a pack for another province), as stderr says it."""
    return ("warning " if lang == "en" else "警告 ") + notice.render(lang)


def _say_notices(notices: tuple[InputError, ...], lang: str) -> None:
    for notice in notices:
        click.echo(_notice_line(notice, lang), err=True)


def _report_written(output: str, lang: str) -> None:
    click.echo(f"report written to {output}" if lang == "en" else f"已写入报告：{output}", err=True)


def _write_report(text: str | bytes, output: str | None, lang: str) -> int:
    """The report on stdout, or atomically in ``output`` (and a line on stderr saying so); a file that cannot be written is exit 2.

    A binary report (``--format docx``: bytes) goes to ``output`` only: ``check`` refuses it without one.
    """
    from junheng.report.output import encode, write_atomically  # imported here, not at the top: start-up time of the other commands

    if output is None:
        if isinstance(text, bytes):
            raise ValueError("a binary report is written to a file, never to standard output")
        try:
            click.echo(text, nl=False)
        except UnicodeEncodeError:  # a lone surrogate from a JSON filing: never fail at the last step
            click.echo(encode(text), nl=False)
        return ExitStatus.OK
    try:
        write_atomically(output, text if isinstance(text, bytes) else encode(text))
    except OSError as exc:
        why = exc.strerror or str(exc)
        click.echo(f"{output}: cannot write the report ({why})" if lang == "en" else f"{output}: 无法写入报告（{why}）", err=True)
        return ExitStatus.INVALID_INPUT
    _report_written(output, lang)
    return ExitStatus.OK


def _internal_error(what: str, exc: BaseException, lang: str) -> None:
    """A bug in junheng: say so, say how to report it, and keep the traceback for JUNHENG_DEBUG=1."""
    if _debug():
        import traceback  # imported here: only a bug's report with JUNHENG_DEBUG=1 needs it (~5 ms of every start)

        traceback.print_exception(exc)
    detail = f"{type(exc).__name__}: {exc}"
    if lang == "en":
        click.echo(
            f"{what}: internal error (a bug in junheng, not in your file): {detail}; "
            "please report it with the file (set JUNHENG_DEBUG=1 for details)",
            err=True,
        )
    else:
        click.echo(
            f"{what}: 内部错误（junheng 自身的缺陷，不是文件的问题）：{detail}；"
            "请附上该文件报告此问题（设置 JUNHENG_DEBUG=1 可查看详情）",
            err=True,
        )


# The other commands, imported when they are run or listed (``Group.lazy``): ``junheng check`` starts without them.
_ELSEWHERE = {
    "rules": "junheng.cli.rules_workbook:rules",  # the policy officer's commands; rules_workbook adds export-xlsx, import-xlsx
    "generate": "junheng.cli.generate:generate",  # synthetic filings for load tests
    "overview": "junheng.cli.overview:overview",  # every district at a glance
    "template": "junheng.cli.sheets:template",  # the filing's forms in and out
    "convert": "junheng.cli.sheets:convert",
    "follow-up": "junheng.cli.followup:follow_up",  # the supervision loop across years: ledger, site sample, verification
    "sample": "junheng.cli.followup:sample",
    "verify": "junheng.cli.followup:verify",
    "serve": "junheng.cli.serve:serve",  # the workbench server and its store (docs/server.md)
    "users": "junheng.cli.serve:users",
    "db": "junheng.cli.serve:db",
    "audit": "junheng.cli.serve:audit",
}


@click.group(cls=Group, lazy=_ELSEWHERE, context_settings={"help_option_names": ["-h", "--help"]},
             help=tr("junheng（均衡）：义务教育均衡发展督导评估合规检查。\n\n"
                     "按规则检查区县的义务教育均衡发展申报数据。帮助默认为中文；"
                     "英文帮助：设置环境变量 JUNHENG_LANG=en，或在 --help 之前写 --lang en。",
                     "junheng (均衡): compliance checks for the supervision of balanced compulsory education.\n\n"
                     "Checks a district's compulsory-education filing against the balanced-development rules. "
                     "Help is in Chinese by default; in English with JUNHENG_LANG=en, or --lang en before --help."))
@click.version_option(__version__, prog_name="junheng", help=tr("显示版本并退出", "Show the version and exit."))
@lang_option()
def junheng(lang: str) -> None:
    """junheng（均衡）：义务教育均衡发展督导评估合规检查 (the group's help is given above, in both languages).
    ``junheng --lang en …`` is the language of its command too (``bilingual.Group``)."""


@junheng.command(help=tr("打印申报数据的 JSON Schema；加 --output：打印检查结果（--format json、jsonl）的 JSON Schema",
                         "Print the filing's JSON Schema; with --output, the JSON Schema of the check's result "
                         "(--format json, jsonl)."))
@click.option("--output", "result", is_flag=True,
              help=tr("打印检查结果的 JSON Schema，而不是申报数据的",
                      "Print the schema of the check's JSON output instead of the filing's."))
def schema(result: bool) -> None:
    """Print the filing's JSON Schema, or with --output the check result's (打印 JSON Schema)."""
    if result:
        from junheng.report.schema import schema_text as result_schema_text  # imported here: start-up time of the other commands

        click.echo(result_schema_text(), nl=False)
        return
    from junheng.filing.schema import schema_text  # imported here, not at the top: start-up time of the other commands

    click.echo(schema_text(), nl=False)


@junheng.command(epilog=_FILINGS_HELP, short_help=tr("检查申报文件的格式", "Check that filings are well-formed."),
                 help=tr("检查每份 FILING 格式是否正确、是否符合申报格式（不检查规则）。\n\n"
                         "退出码：0 全部有效，2 有无效的申报，3 内部错误。",
                         "Check that each FILING is well-formed and follows the schema (no rules are checked).\n\n"
                         "Exit status: 0 when every filing is valid, 2 when any is not, 3 on an internal error."))
@_FILINGS
@_INPUT_FORMAT
@_OUTPUT
@_STRICT
@_LANG
@click.pass_context
def validate(ctx: click.Context, filings: tuple[str, ...], input_format: str, output: str | None, strict: bool,
             lang: str) -> None:
    """Check that each FILING is well-formed and follows the schema (检查申报文件格式).

    Exit status: 0 when every filing is valid, 2 when any is not, 3 on an internal error.
    """
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.sources import expand, load_source
    from junheng.filing.load import notices_of
    from junheng.report.output import Progress, validate_summary_line

    sources = expand(filings, _stdin(), input_format)
    progress = Progress(len(sources))
    statuses: list[int] = []
    lines: list[str] = []
    skipped_status = _say_skipped(sources, lang, strict)
    for done, source in enumerate(sources, 1):
        progress.clear()
        try:
            doc, _ = load_source(source)
            notices = notices_of(doc)
            if notices and strict:  # --strict: a sheet left unread is an error, as it was before notices
                raise InputErrors(list(notices))
        except InputErrors as exc:
            for error in exc.errors:
                click.echo(error.render(lang), err=True)
            statuses.append(ExitStatus.INVALID_INPUT)
        except Exception as exc:  # a bug: report it, go on with the other filings
            _internal_error(source.name, exc, lang)
            statuses.append(ExitStatus.INTERNAL_ERROR)
        else:
            _say_notices(notices, lang)
            lines.append(f"✓ {source.name}: valid\n" if lang == "en" else f"✓ {source.name}: 有效\n")
            statuses.append(ExitStatus.OK)
        progress.show(done, source.name)
    progress.clear()
    status = max(max(statuses, default=ExitStatus.OK), _write_report("".join(lines), output, lang), skipped_status)
    if len(sources) > 1 or sources.skipped:
        click.echo(validate_summary_line(statuses, lang, skipped=len(sources.skipped)), err=True)
    _done()
    ctx.exit(int(status))


_FAIL_ON = ("blocking", "major", "minor", "info", "never")


@junheng.command(epilog=_FILINGS_HELP, short_help=tr("检查申报数据是否达标", "Check filings against the rules."),
                 help=tr("按规则包检查每份 FILING，报告问题、整改要求和结论。\n\n"
                         "退出码：0 没有 --fail-on 及以上的问题，1 有，2 输入有误，3 内部错误。",
                         "Check each FILING against its rule pack and report findings, rectifications and the verdict.\n\n"
                         "Exit status: 0 no finding at or above --fail-on, 1 some, 2 invalid input, 3 internal error."))
@_FILINGS
@click.option("--standard", default=None, metavar="NAME",
              help=tr("使用这个规则包，而不是申报中 district.standard 指定的（basic、quality …）",
                      "Rule pack to use instead of district.standard (basic, quality, …)."))
@click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
              help=tr("规则目录（默认：随程序安装的规则）；可重复，把本地规则包叠加在上面",
                      "Rules folder (default: the shipped rules); repeat to layer a local pack over them."))
@click.option("--format", "fmt", default="text", type=click.Choice(sorted([*_formats.FORMATS, *_formats.BINARY])), show_default=True,
              help=tr("报告格式", "Output format."))
@click.option("--fail-on", default="blocking", type=click.Choice(_FAIL_ON), show_default=True,
              help=tr("退出码为 1 的最低严重程度（blocking 否决项、major 须整改、minor 建议、info 提示；never 从不）",
                      "Lowest severity that makes the exit status 1 (never: none does)."))
@click.option("--jobs", default=None, type=click.IntRange(1, 64),
              help=tr("工作进程数（默认：每个 CPU 核一个）", "Worker processes (default: one per core)."))
@click.option("--previous", multiple=True, metavar="PATH", type=click.Path(path_type=str),
              help=tr("上一年的申报（文件、文件夹、通配符）：其中的本年数须与今年申报的上年数一致（DATA-05）",
                      "Last year's filings (files, folders, globs): their figures must match this year's `previous` ones (DATA-05)."))
@click.option("--previous-result", default=None, metavar="EARLIER.json", type=click.Path(dir_okay=False, path_type=str),
              help=tr("上年的检查结果（check --format json 的输出）：督导意见书（--format letter、docx）增加“上年整改情况”",
                      "Last year's results (the output of check --format json): the letter (--format letter, docx) gains a "
                      "section on the rectification of last year's problems."))
@click.option("--no-cache", is_flag=True,
              help=tr("重新读取规则文件，不使用上次运行缓存的副本（JUNHENG_NO_CACHE=1 效果相同）",
                      "Read the rule files again instead of using the copy cached from an earlier run (JUNHENG_NO_CACHE=1 does the same)."))
@click.option("--sarif-root", default=None, metavar="DIR", type=click.Path(file_okay=False, path_type=str),
              help=tr("--format sarif 中文件路径相对的目录（默认：当前目录所在 git 工作区的根目录，不在工作区时为当前目录）",
                      "Folder the paths of --format sarif are relative to (default: the root of the git work tree holding "
                      "the current folder, else the current folder)."))
@_INPUT_FORMAT
@_OUTPUT
@_STRICT
@_LANG
@click.pass_context
def check(ctx: click.Context, filings: tuple[str, ...], standard: str | None, rules_dir: tuple[str, ...], fmt: str, fail_on: str,
          jobs: int | None, previous: tuple[str, ...], previous_result: str | None, no_cache: bool, sarif_root: str | None,
          input_format: str, output: str | None, strict: bool, lang: str) -> None:
    """Check each FILING against its rule pack and report findings (检查申报数据是否达标).

    Exit status: 0 no finding at or above --fail-on, 1 some, 2 invalid input, 3 internal error.
    """
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.batch import check_many
    from junheng.check.run import Options
    from junheng.check.sources import expand
    from junheng.report.output import Progress, summary_line
    from junheng.report.result import run_status

    binary = _formats.BINARY.get(fmt)
    if binary is not None and output is None:  # a Word document is a file: on a terminal it is noise, in a pipe easily lost
        said = (f"--format {fmt} writes a file: name it with --output FILE (a .{fmt} is never written to standard output)"
                if lang == "en" else f"--format {fmt} 生成的是文件，请用 --output 文件名 指定保存位置（.{fmt} 文件不能输出到终端）")
        click.echo(said, err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    earlier = _earlier(ctx, previous_result, fmt, lang)
    policy = _policy(ctx, rules_dir, standard, no_cache, lang)
    options = Options(standard=standard, previous=_previous(previous, lang), details=_formats.NEEDS.get(fmt, frozenset()),
                      strict=strict)
    sources = expand(filings, _stdin(), input_format)
    skipped_status = _say_skipped(sources, lang, strict)
    progress = Progress(len(sources))  # on a terminal only
    streamer = _formats.STREAMING.get(fmt)
    if streamer is not None:  # each filing's line as soon as it is checked; nothing kept
        status = _check_streaming(sources, policy, options, jobs, streamer, output, lang, fail_on, progress)
        _done()
        ctx.exit(int(max(status, skipped_status)))
    # A text report on the terminal shows each filing's errors and notices: stderr, the same terminal, does not say them
    # again. They are held until the report is rendered, and what it does not show is said on stderr all the same.
    said_by_report = fmt == "text" and output is None and _one_terminal()
    held: list[Outcome] = []
    outcomes: list[Outcome] = []
    for outcome in check_many(sources, policy, options, jobs=jobs):
        progress.clear()
        if said_by_report:
            held.append(outcome)
        else:
            _say_errors_and_notices(outcome, lang)
        outcomes.append(outcome)
        progress.show(len(outcomes), outcome.file)
    progress.clear()
    color = fmt == "text" and output is None and sys.stdout.isatty()
    report: str | bytes = (_letter_with_earlier(fmt, outcomes, earlier, policy, options, lang, fail_on) if earlier is not None
                           else binary(outcomes, lang=lang, fail_on=fail_on) if binary is not None
                           else _render(fmt, outcomes, lang=lang, color=color, fail_on=fail_on, sarif_root=sarif_root))
    for outcome in held:
        _say_errors_and_notices(outcome, lang, unless_in=report if isinstance(report, str) else "")
    status = max(run_status(outcomes, fail_on), _write_report(report, output, lang), skipped_status)
    if len(outcomes) > 1 or sources.skipped:
        click.echo(summary_line(outcomes, lang, skipped=len(sources.skipped)), err=True)
    _done()
    ctx.exit(int(status))


def _earlier(ctx: click.Context, previous_result: str | None, fmt: str, lang: str) -> object:
    """--previous-result: last year's results, for the letter's 上年整改情况 (None without the option)."""
    if previous_result is None:
        return None
    from junheng.cli.followup import read_previous_result  # imported here: only --previous-result needs the follow-up's commands

    return read_previous_result(ctx, previous_result, fmt, lang)


def _letter_with_earlier(fmt: str, outcomes: list[Outcome], earlier: object, policy: Policy, options: Options, lang: str,
                         fail_on: str) -> str | bytes:
    """The letter (text or docx) with its 上年整改情况, from last year's results."""
    from junheng.cli.followup import previous_result_letter  # imported here: only --previous-result needs it

    return previous_result_letter(fmt, outcomes, earlier, policy, options, lang, fail_on)


def _policy(ctx: click.Context, rules_dir: tuple[str, ...], standard: str | None, no_cache: bool, lang: str) -> Policy:
    """The compiled rules of the run; a broken rule file stops it (exit 2) before any filing is read."""
    from junheng.policy.packs import compile_rules  # imported here, not at the top: start-up time of the other commands

    try:
        policy = compile_rules(list(rules_dir) or None, cache=not no_cache, frozen=True)  # a check reads records, no models
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    if standard is not None and standard not in policy.packs:
        raise unknown_standard(lang, standard, list(policy.packs))
    return policy


def _render(fmt: str, outcomes: list[Outcome], *, lang: str, color: bool, fail_on: str, sarif_root: str | None) -> str:
    """The report in format ``fmt``: SARIF relative to ``--sarif-root``; for ``github`` inside GitHub Actions, the job
    summary appended to ``$GITHUB_STEP_SUMMARY`` too (a warning on stderr when it cannot be: the report still goes out)."""
    # imported here, not at the top: start-up time of the other commands
    if fmt == "sarif":
        from junheng.report.formats import sarif  # imported here, not at the top: start-up time of the other formats

        return sarif.render(outcomes, lang=lang, color=color, fail_on=fail_on, root=sarif_root)
    report = _formats.get(fmt)(outcomes, lang=lang, color=color, fail_on=fail_on)
    if fmt == "github":
        from junheng.report.formats.github import write_step_summary  # imported here: start-up time of the other formats

        try:
            write_step_summary(outcomes, lang=lang, fail_on=fail_on)
        except OSError as exc:
            why = exc.strerror or str(exc)
            click.echo(f"GITHUB_STEP_SUMMARY: cannot write the job summary ({why})" if lang == "en"
                       else f"GITHUB_STEP_SUMMARY：无法写入作业摘要（{why}）", err=True)
    return report


def _say_errors_and_notices(outcome: Outcome, lang: str, unless_in: str = "") -> None:
    """A filing's errors (it could not be checked), or its notices (it was checked, see them), on stderr;
    with ``unless_in`` (a report on the same terminal), only those whose message the report does not show."""
    from junheng.report.result import Failure  # imported here, not at the top: start-up time of the other commands

    def unsaid(errors: tuple[InputError, ...]) -> tuple[InputError, ...]:
        return tuple(e for e in errors if not unless_in or e.message(lang) not in unless_in)

    if isinstance(outcome, Failure):
        for error in unsaid(outcome.errors):
            click.echo(error.render(lang), err=True)
    else:
        _say_notices(unsaid(outcome.notices), lang)


# What a streamed filing's notices travel behind, from the worker that rendered its line to this process: NUL,
# which no line of a streaming format holds (JSON escapes it), so the line itself is never split.
_NOTICES_END = "\0"


def _with_notices(streamer: LineFormatter) -> LineFormatter:
    """A streaming format whose rendered text also carries the filing's notices for stderr (``_NOTICES_END``)."""
    def line(outcome: Outcome, *, lang: str = "zh", fail_on: str = "blocking") -> str:
        text = streamer(outcome, lang=lang, fail_on=fail_on)
        notices = getattr(outcome, "notices", ())  # a Failure has none
        if not notices:
            return text
        said = "".join(_notice_line(n, lang) + "\n" for n in notices)
        return said + _NOTICES_END + text

    return line


def _check_streaming(sources: Intake, policy: Policy, options: Options, jobs: int | None, streamer: LineFormatter, output: str | None,
                     lang: str, fail_on: str, progress: Progress) -> int:
    """Check and write each filing's part of the report as soon as it is done; keep only the counts."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.batch import check_many
    from junheng.report.output import ReportStream, Tally, summary_line

    tally = Tally()
    status: int = ExitStatus.OK
    try:
        with ReportStream(output) as out:
            for rendered in check_many(sources, policy, options, jobs=jobs, render=_with_notices(streamer), lang=lang, fail_on=fail_on):
                progress.clear()
                for line in rendered.errors:
                    click.echo(line, err=True)
                said, _, text = rendered.text.rpartition(_NOTICES_END)
                if said:
                    click.echo(said, nl=False, err=True)
                out.write(text)
                tally.add_counts(rendered.verdict, rendered.failure_status)
                status = max(status, rendered.status)
                progress.show(tally.n, rendered.file)
    except BrokenPipeError:  # the reader (head, a closed pipe) has gone: stop quietly, like any Unix tool
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return status
    except OSError as exc:
        why = exc.strerror or str(exc)
        click.echo(f"{output}: cannot write the report ({why})" if lang == "en" else f"{output}: 无法写入报告（{why}）", err=True)
        return ExitStatus.INVALID_INPUT
    progress.clear()
    if output is not None:
        _report_written(output, lang)
    if tally.n > 1 or sources.skipped:
        click.echo(summary_line(tally, lang, skipped=len(sources.skipped)), err=True)
    return status


def _previous(paths: tuple[str, ...], lang: str) -> Previous:
    """--previous: index last year's filings (files, folders, globs) by district and year."""
    if not paths:
        return ()
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.run import previous_index
    from junheng.check.sources import expand

    sources = expand(paths, None, "yaml")
    _say_skipped(sources, lang, strict=False)
    bad = [s.error for s in sources if s.error is not None]
    for error in bad:
        click.echo(error.render(lang), err=True)
    index, failures = previous_index([s.name for s in sources if s.error is None])
    for failure in failures:
        for error in failure.errors:
            click.echo(error.render(lang), err=True)
    if bad or failures:
        raise bad_parameter(lang, "上年申报须为有效文件（问题见上）", "last year's filings must be valid (see above)", "--previous")
    return index


# Set by a command whose process has nothing left to do once its report and messages are out (check, validate).
_DONE: list[bool] = []


def _done() -> None:
    """This command's process may end without the interpreter's teardown (``main``)."""
    _DONE.append(True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``junheng`` console script."""
    _DONE.clear()
    said_language(sys.argv[1:] if argv is None else argv)  # click's own words (a usage error) in that language
    try:
        status = junheng.main(args=argv, prog_name="junheng", standalone_mode=False)
    except click.ClickException as exc:  # a usage error or a bad option: exit 2
        exc.show()
        status = exc.exit_code
    except click.Abort:
        click.echo(click_word("Aborted!"), err=True)
        status = 130
    except Exception as exc:
        _internal_error("junheng", exc, "zh")
        status = ExitStatus.INTERNAL_ERROR
    finally:
        said_language(())
    status = int(status or 0)
    if argv is None and _DONE and status <= ExitStatus.INVALID_INPUT:  # the console script, after check or validate
        _leave(status)
    sys.exit(status)


def _leave(status: int) -> None:
    """End the process at once, its output flushed: the interpreter's teardown (freeing every module and object
    of the run, nothing of which is read again) is a tenth of a one-filing check. The workers are gone already
    (``check_many`` ends them), nothing else waits for an exit handler, and a flush that fails returns to the
    usual exit, which reports it."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a full disk, a closed stream: Python's own exit says so
        return
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
