"""``junheng template`` and ``junheng convert``: the filing's forms (YAML, JSON, xlsx, CSV folder) in and out.

Thin commands: parse options, call one library function (``junheng.filing.forms``), exit. Exit status:
0 written, 2 invalid input (a filing that is not well-formed or breaks the schema, named by file and
cell) or a bad option, 3 internal error. Registered on the ``junheng`` group in ``cli/main.py``.
"""

from __future__ import annotations

from typing import Any

import click

from junheng.errors import ExitStatus, InputErrors

__all__ = ["template", "convert"]

_FORMS = ("xlsx", "csv", "yaml", "json")
_LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                     help="Language of messages: zh (中文) or en (English).")


def _form(out: str, given: str | None) -> str:
    """The form to write: as given by --format, else from OUT's extension."""
    from junheng.filing.forms import form_of  # imported here, not at the top: start-up time of the other commands

    form = given or form_of(out, for_output=True)
    if form is None:
        raise click.BadParameter(f"cannot tell the form of {out!r} from its extension: use .yaml, .yml, .json, .xlsx, "
                                 "or a folder (CSV) / 无法从扩展名判断输出格式", param_hint="OUT")
    return form


def _write(ctx: click.Context, data: dict[str, Any] | None, out: str, form: str, lang: str) -> None:
    """Write the filing (None: the blank form) to OUT; a file that cannot be written is exit 2."""
    from junheng.filing.forms import write_filing  # imported here, not at the top: start-up time of the other commands

    try:
        write_filing(data, out, form)
    except OSError as exc:
        why = exc.strerror or exc
        click.echo(f"{out}: cannot write ({why})" if lang == "en" else f"{out}: 无法写入（{why}）", err=True)
        ctx.exit(ExitStatus.INVALID_INPUT)
    click.echo(f"✓ {out} ({form})" if lang == "en" else f"✓ 已写入 {out}（{form}）")


@click.command()
@click.option("--format", "form", type=click.Choice(_FORMS), default=None,
              help="xlsx | csv (a folder) | yaml | json; default: from OUT's extension.")
@click.argument("out", type=click.Path(path_type=str))
@_LANG
@click.pass_context
def template(ctx: click.Context, form: str | None, out: str, lang: str) -> None:
    """Write a blank filing form to OUT (写出空白申报表).

    xlsx and csv: every sheet with its Chinese headers and units, the instructions sheet (说明), and
    (xlsx) drop-down lists and number checks; yaml and json: the contract's example, every field
    commented with its Chinese label and unit (yaml).
    """
    _write(ctx, None, out, _form(out, form), lang)
    ctx.exit(ExitStatus.OK)


@click.command()
@click.argument("source", type=click.Path(path_type=str))
@click.argument("out", type=click.Path(path_type=str))
@_LANG
@click.pass_context
def convert(ctx: click.Context, source: str, out: str, lang: str) -> None:
    """Convert the filing SOURCE to OUT, each in the form its extension names (转换申报文件格式).

    Forms: .yaml/.yml, .json, .xlsx, or a folder of .csv files. SOURCE must be a valid filing; its
    problems are reported with file, line or cell, and pointer (exit 2).
    """
    from junheng.filing.read import read_filing  # imported here, not at the top: start-up time of the other commands

    form = _form(out, None)
    try:
        doc, _ = read_filing(source)
    except InputErrors as exc:
        for error in exc.errors:
            click.echo(error.render(lang), err=True)
        ctx.exit(ExitStatus.INVALID_INPUT)
    except Exception as exc:  # a bug: say so, without a traceback
        click.echo(f"{source}: internal error (a bug in junheng): {type(exc).__name__}: {exc}" if lang == "en"
                   else f"{source}: 内部错误（junheng 自身的缺陷）：{type(exc).__name__}: {exc}", err=True)
        ctx.exit(ExitStatus.INTERNAL_ERROR)
    _write(ctx, doc.data, out, form, lang)
    ctx.exit(ExitStatus.OK)
