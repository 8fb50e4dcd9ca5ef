"""``junheng template`` and ``junheng convert``: the filing's forms (YAML, JSON, xlsx, CSV folder) in and out.

Thin commands: parse options, call one library function (``junheng.filing.forms``), exit. Exit status:
0 written, 2 invalid input (a filing that is not well-formed or breaks the schema, named by file and
cell), a bad option, or a template that would overwrite a file (without ``--force``), 3 internal error.
Registered on the ``junheng`` group in ``cli/main.py``.
"""

from __future__ import annotations

import os
from typing import Any

import click

from junheng.cli.bilingual import Command, bad_parameter, lang_option, tr
from junheng.errors import ExitStatus, InputErrors

__all__ = ["template", "convert"]

_FORMS = ("xlsx", "csv", "yaml", "json")
_LANG = lang_option()


def _form(out: str, given: str | None, lang: str) -> str:
    """The form to write: as given by --format, else from OUT's extension."""
    from junheng.filing.forms import form_of  # imported here, not at the top: start-up time of the other commands

    form = given or form_of(out, for_output=True)
    if form is None:
        raise bad_parameter(lang, f"无法从扩展名判断 “{out}” 的格式：请用 .yaml、.yml、.json、.xlsx，或一个文件夹（CSV）",
                            f"cannot tell the form of {out!r} from its extension: use .yaml, .yml, .json, .xlsx, or a folder (CSV)", "OUT")
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


def _occupied(out: str) -> bool:
    """Whether writing OUT would replace something: a file, or a folder that holds anything."""
    if os.path.isdir(out):
        return any(True for _ in os.scandir(out))
    return os.path.lexists(out)


@click.command(cls=Command, short_help=tr("写出空白申报表", "Write a blank filing form."),
               help=tr("把空白申报表写到 OUT。已有的 OUT 不会被覆盖（退出码 2），除非加 --force。\n\n"
                       "xlsx 和 csv：每个工作表都有中文表头和单位、填报说明（说明 表），xlsx 还有下拉列表和数值检查；"
                       "yaml 和 json：申报格式的示例，yaml 的每个字段都注明中文名称和单位。",
                       "Write a blank filing form to OUT. An existing OUT is not overwritten (exit 2) unless --force is given.\n\n"
                       "xlsx and csv: every sheet with its Chinese headers and units, the instructions sheet (说明), and "
                       "(xlsx) drop-down lists and number checks; yaml and json: the contract's example, every field "
                       "commented with its Chinese label and unit (yaml)."))
@click.option("--format", "form", type=click.Choice(_FORMS), default=None,
              help=tr("xlsx | csv（一个文件夹）| yaml | json；默认按 OUT 的扩展名",
                      "xlsx | csv (a folder) | yaml | json; default: from OUT's extension."))
@click.option("--force", is_flag=True,
              help=tr("覆盖已有的 OUT（例如已经填好的申报表）", "Overwrite an existing OUT (a form already filled in, say)."))
@click.argument("out", type=click.Path(path_type=str))
@_LANG
@click.pass_context
def template(ctx: click.Context, form: str | None, force: bool, out: str, lang: str) -> None:
    """Write a blank filing form to OUT (写出空白申报表); an existing OUT only with --force."""
    chosen = _form(out, form, lang)
    if not force and _occupied(out):
        what_zh, what_en = ("文件夹", "folder") if os.path.isdir(out) else ("文件", "file")
        click.echo(f"{out}: the {what_en} already exists and was left as it is; to replace it with a blank form, add --force"
                   if lang == "en" else f"{out}：{what_zh}已存在，未覆盖；如确要用空白申报表替换它，请加 --force", err=True)
        ctx.exit(ExitStatus.INVALID_INPUT)
    _write(ctx, None, out, chosen, lang)
    ctx.exit(ExitStatus.OK)


@click.command(cls=Command, short_help=tr("转换申报文件格式", "Convert a filing to another form."),
               help=tr("把申报 SOURCE 转换为 OUT，格式各按扩展名：.yaml/.yml、.json、.xlsx，或 .csv 文件的文件夹。"
                       "SOURCE 须为有效的申报；有问题时逐条指出文件、行或单元格及位置（退出码 2）。",
                       "Convert the filing SOURCE to OUT, each in the form its extension names: .yaml/.yml, .json, .xlsx, "
                       "or a folder of .csv files. SOURCE must be a valid filing; its problems are reported with file, "
                       "line or cell, and pointer (exit 2)."))
@click.argument("source", type=click.Path(path_type=str))
@click.argument("out", type=click.Path(path_type=str))
@_LANG
@click.pass_context
def convert(ctx: click.Context, source: str, out: str, lang: str) -> None:
    """Convert the filing SOURCE to OUT, each in the form its extension names (转换申报文件格式)."""
    # imported here, not at the top: start-up time of the other commands
    from junheng.filing.load import notices_of
    from junheng.filing.read import read_filing

    form = _form(out, None, lang)
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
    for notice in notices_of(doc):  # a sheet left unread: not converted either
        click.echo(("warning " if lang == "en" else "警告 ") + notice.render(lang), err=True)
    _write(ctx, doc.data, out, form, lang)
    ctx.exit(ExitStatus.OK)
