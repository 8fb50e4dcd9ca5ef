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
import traceback
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from junheng import __version__
from junheng.cli.generate import generate
from junheng.cli.rules import rules
from junheng.cli.sheets import convert, template
from junheng.errors import ExitStatus, InputErrors
from junheng.report import formats as _formats

if TYPE_CHECKING:  # for annotations only: at run time each command imports what it calls
    from junheng.check.run import Options, Previous
    from junheng.check.sources import Intake
    from junheng.policy.compiled import Policy
    from junheng.report.formats import LineFormatter
    from junheng.report.output import Progress
    from junheng.report.result import Outcome

__all__ = ["ExitStatus", "junheng", "main"]


_LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of messages: zh (中文) or en (English).",
)


_FILINGS = click.argument("filings", nargs=-1, required=True, metavar="FILING…")
_INPUT_FORMAT = click.option(
    "--input-format",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Format of a filing read from standard input (FILING '-').",
)
_OUTPUT = click.option(
    "--output",
    "-o",
    "output",
    default=None,
    metavar="FILE",
    help="Write the report to FILE (atomically: complete or not at all) instead of standard output.",
)
_STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 when a folder or pattern reaches a file that is not a filing (by default it is listed and skipped).",
)
_FILINGS_HELP = (
    "FILING is a file, a folder (every *.yaml, *.yml, *.json, *.xlsx below it; a folder of CSV sheets is one filing), "
    "a quoted glob pattern ('filings/**/*.xlsx') or '-' for standard input (see --input-format). "
    "Other files a folder or pattern reaches are listed on stderr as skipped."
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


def _write_report(text: str, output: str | None, lang: str) -> int:
    """The report on stdout, or atomically in ``output``; a file that cannot be written is exit 2."""
    from junheng.report.output import encode, write_atomically  # imported here, not at the top: start-up time of the other commands

    if output is None:
        try:
            click.echo(text, nl=False)
        except UnicodeEncodeError:  # a lone surrogate from a JSON filing: never fail at the last step
            click.echo(encode(text), nl=False)
        return ExitStatus.OK
    try:
        write_atomically(output, encode(text))
    except OSError as exc:
        why = exc.strerror or str(exc)
        click.echo(f"{output}: cannot write the report ({why})" if lang == "en" else f"{output}: 无法写入报告（{why}）", err=True)
        return ExitStatus.INVALID_INPUT
    return ExitStatus.OK


def _internal_error(what: str, exc: BaseException, lang: str) -> None:
    """A bug in junheng: say so, say how to report it, and keep the traceback for JUNHENG_DEBUG=1."""
    if _debug():
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="junheng")
def junheng() -> None:
    """junheng（均衡）：义务教育均衡发展督导评估合规检查。

    Checks a district's compulsory-education filing against the balanced-development rules.
    """


@junheng.command()
def schema() -> None:
    """Print the filing's JSON Schema (打印申报数据的 JSON Schema)."""
    from junheng.filing.schema import schema_text  # imported here, not at the top: start-up time of the other commands

    click.echo(schema_text(), nl=False)


@junheng.command(epilog=_FILINGS_HELP)
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
    from junheng.report.output import Progress, validate_summary_line

    sources = expand(filings, _stdin(), input_format)
    progress = Progress(len(sources))
    statuses: list[int] = []
    lines: list[str] = []
    skipped_status = _say_skipped(sources, lang, strict)
    for done, source in enumerate(sources, 1):
        progress.clear()
        try:
            load_source(source)
        except InputErrors as exc:
            for error in exc.errors:
                click.echo(error.render(lang), err=True)
            statuses.append(ExitStatus.INVALID_INPUT)
        except Exception as exc:  # a bug: report it, go on with the other filings
            _internal_error(source.name, exc, lang)
            statuses.append(ExitStatus.INTERNAL_ERROR)
        else:
            lines.append(f"✓ {source.name}: valid\n" if lang == "en" else f"✓ {source.name}: 有效\n")
            statuses.append(ExitStatus.OK)
        progress.show(done, source.name)
    progress.clear()
    status = max(max(statuses, default=ExitStatus.OK), _write_report("".join(lines), output, lang), skipped_status)
    if len(sources) > 1 or sources.skipped:
        click.echo(validate_summary_line(statuses, lang, skipped=len(sources.skipped)), err=True)
    ctx.exit(int(status))


_FAIL_ON = ("blocking", "major", "minor", "info", "never")


@junheng.command(epilog=_FILINGS_HELP)
@_FILINGS
@click.option("--standard", default=None, metavar="NAME", help="Rule pack to use instead of district.standard (basic, quality, …).")
@click.option("--rules", "rules_dir", multiple=True, type=click.Path(file_okay=False, path_type=str),
              help="Rules folder (default: the shipped rules); repeat to layer a local pack over them.")
@click.option("--format", "fmt", default="text", type=click.Choice(sorted(_formats.FORMATS)), show_default=True, help="Output format.")
@click.option("--fail-on", default="blocking", type=click.Choice(_FAIL_ON), show_default=True,
              help="Lowest severity that makes the exit status 1.")
@click.option("--jobs", default=None, type=click.IntRange(1, 64), help="Worker processes (default: one per core).")
@click.option("--previous", multiple=True, metavar="PATH",
              help="Last year's filings (files, folders, globs): their figures must match this year's `previous` ones (DATA-05).")
@click.option("--no-cache", is_flag=True,
              help="Read the rule files again instead of using the copy cached from an earlier run (JUNHENG_NO_CACHE=1 does the same).")
@_INPUT_FORMAT
@_OUTPUT
@_STRICT
@_LANG
@click.pass_context
def check(ctx: click.Context, filings: tuple[str, ...], standard: str | None, rules_dir: tuple[str, ...], fmt: str, fail_on: str,
          jobs: int | None, previous: tuple[str, ...], no_cache: bool, input_format: str, output: str | None, strict: bool,
          lang: str) -> None:
    """Check each FILING against its rule pack and report findings (检查申报数据是否达标).

    Exit status: 0 no finding at or above --fail-on, 1 some, 2 invalid input, 3 internal error.
    """
    # imported here, not at the top: start-up time of the other commands
    from junheng.check.batch import check_many
    from junheng.check.run import Options
    from junheng.check.sources import expand
    from junheng.policy.packs import compile_rules
    from junheng.report.output import Progress, summary_line
    from junheng.report.result import run_status

    try:
        policy = compile_rules(list(rules_dir) or None, cache=not no_cache)
    except InputErrors as exc:  # a broken rule file stops the run before any filing is read
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(int(ExitStatus.INVALID_INPUT))
    if standard is not None and standard not in policy.packs:
        known = ", ".join(sorted(policy.packs))
        raise click.BadParameter(f"unknown standard {standard!r} (known: {known}) / 未知规则包", param_hint="--standard")
    options = Options(standard=standard, previous=_previous(previous, lang), details=_formats.NEEDS.get(fmt, frozenset()))
    sources = expand(filings, _stdin(), input_format)
    skipped_status = _say_skipped(sources, lang, strict)
    progress = Progress(len(sources))  # on a terminal only
    streamer = _formats.STREAMING.get(fmt)
    if streamer is not None:  # each filing's line as soon as it is checked; nothing kept
        status = _check_streaming(sources, policy, options, jobs, streamer, output, lang, fail_on, progress)
        ctx.exit(int(max(status, skipped_status)))
    outcomes: list[Outcome] = []
    for outcome in check_many(sources, policy, options, jobs=jobs):
        progress.clear()
        _report_failure(outcome, lang)
        outcomes.append(outcome)
        progress.show(len(outcomes), outcome.file)
    progress.clear()
    color = fmt == "text" and output is None and sys.stdout.isatty()
    report = _formats.get(fmt)(outcomes, lang=lang, color=color, fail_on=fail_on)
    status = max(run_status(outcomes, fail_on), _write_report(report, output, lang), skipped_status)
    if len(outcomes) > 1 or sources.skipped:
        click.echo(summary_line(outcomes, lang, skipped=len(sources.skipped)), err=True)
    ctx.exit(int(status))


def _report_failure(outcome: Outcome, lang: str) -> None:
    from junheng.report.result import Failure  # imported here, not at the top: start-up time of the other commands

    if isinstance(outcome, Failure):
        for error in outcome.errors:
            click.echo(error.render(lang), err=True)


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
            for rendered in check_many(sources, policy, options, jobs=jobs, render=streamer, lang=lang, fail_on=fail_on):
                progress.clear()
                for line in rendered.errors:
                    click.echo(line, err=True)
                out.write(rendered.text)
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
        raise click.BadParameter("last year's filings must be valid / 上年申报须为有效文件", param_hint="--previous")
    return index


junheng.add_command(rules)  # the policy officer's commands
junheng.add_command(generate)  # synthetic filings for load tests
junheng.add_command(template)  # the filing's forms in and out
junheng.add_command(convert)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``junheng`` console script."""
    try:
        status = junheng.main(args=argv, prog_name="junheng", standalone_mode=False)
    except click.ClickException as exc:  # a usage error or a bad option: exit 2
        exc.show()
        status = exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        status = 130
    except Exception as exc:
        _internal_error("junheng", exc, "zh")
        status = ExitStatus.INTERNAL_ERROR
    sys.exit(int(status or 0))


if __name__ == "__main__":  # pragma: no cover
    main()
