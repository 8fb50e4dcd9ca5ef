"""Help texts in Chinese or English: ``junheng … --help`` speaks the language the messages speak.

Every help text is written in both languages (``tr``); the Chinese one is the text click holds, so
that anything reading the commands without this module (shell completion's descriptions, a test)
sees Chinese, and ``tr`` remembers its English. ``Command`` and ``Group`` show the English one
instead, for as long as they write their help, when the language is English:

- ``--lang en`` written before ``--help`` (``junheng check --lang en --help``): ``--lang`` is eager,
  so click reads it before it prints the help;
- else the environment variable ``JUNHENG_LANG=en``, which is also ``--lang``'s default, so that one
  setting gives English help, messages and reports.

``LANG``/``LC_ALL`` are not read: servers often run with ``en_US.UTF-8`` whoever uses them, and the
tool's users read Chinese first. What click itself prints (``Usage:``, ``Options``, ``[default: …]``, its
usage errors such as "No such option") speaks the same language: click takes those words from ``gettext``, so
its modules are handed one that looks them up in ``clickzh`` unless the language is English. A usage error can
come before click has read ``--lang``, so ``main`` tells this module the ``--lang`` written on the command line
first (``said_language``).
"""

from __future__ import annotations

import gettext
import importlib
import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from junheng.cli.clickzh import PLURAL, WORDS
from junheng.errors import suggest

__all__ = ["ENV", "Command", "Group", "bad_parameter", "click_word", "lang_option", "language", "said_language", "tr",
           "unknown_standard"]

ENV = "JUNHENG_LANG"  # zh | en: the default of --lang, and the language of --help

# Chinese help text → its English. Keyed by the text as click keeps it: click cleans a parameter's help
# (inspect.cleandoc) when it is made, so the text itself, not an object made here, is what comes back.
_ENGLISH: dict[str, str] = {}


def tr(zh: str, en: str) -> str:
    """A help text in both languages: the Chinese one, whose English ``Command`` and ``Group`` know."""
    _ENGLISH[inspect.cleandoc(zh)] = en
    return zh


def language(ctx: click.Context | None) -> str:
    """The language help is shown in: ``--lang`` when click has read it already (a command's, else its group's), else
    the ``--lang`` written on the command line (``said_language``), else ``JUNHENG_LANG``."""
    while ctx is not None:
        lang = ctx.params.get("lang")
        if lang in ("zh", "en") and ctx.get_parameter_source("lang") in _WRITTEN:
            return str(lang)  # written on the command line (JUNHENG_LANG comes last)
        ctx = ctx.parent
    if _SAID:
        return _SAID[-1]
    return "en" if os.environ.get(ENV, "").strip().lower() == "en" else "zh"


_WRITTEN = (click.core.ParameterSource.COMMANDLINE,)
_META = "junheng.lang"  # ctx.meta's key for the --lang written before the command (``Group.resolve_command``)
_SAID: list[str] = []  # the --lang of the command line main() runs, before click has read it (a usage error)


def said_language(args: Sequence[str]) -> None:
    """Note the last ``--lang zh|en`` (or ``--lang=…``) of a command line, for click's words said before click reads
    it; a command line without one leaves the language to ``JUNHENG_LANG``."""
    _SAID.clear()
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg[7:] if arg.startswith("--lang=") else ""
        if value.strip().lower() in ("zh", "en"):
            _SAID.append(value.strip().lower())


def _english_words() -> bool:
    return bool(_IN_ENGLISH) or language(click.get_current_context(silent=True)) == "en"


def click_word(message: str) -> str:
    """click's ``gettext``: its English ``message`` in the language of the command line (``clickzh``)."""
    return message if _english_words() else WORDS.get(message, message)


def _click_words(singular: str, plural: str, n: int) -> str:
    """click's ``ngettext``."""
    english = singular if n == 1 else plural
    chinese = None if _english_words() else PLURAL.get((singular, plural))
    return english if chinese is None else chinese[0 if n == 1 else 1]


def _hand_click_its_words() -> None:
    """Replace ``gettext``'s functions in click's modules by ``click_word`` and ``_click_words`` (each module bound them
    under ``_`` and ``ngettext`` when it was imported; they are looked up there at each call)."""
    for name, module in list(sys.modules.items()):
        if name == "click" or not name.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_word  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = _click_words  # type: ignore[attr-defined]


_hand_click_its_words()


def bad_parameter(lang: str, zh: str, en: str, hint: str | None = None) -> click.BadParameter:
    """A bad option or argument, said in ``lang`` (click adds "错误：… 的值无效：" or "Error: Invalid value for …")."""
    return click.BadParameter(en if lang == "en" else zh, param_hint=hint)


def unknown_standard(lang: str, standard: str, known: Sequence[str]) -> click.BadParameter:
    """``--standard`` names no rule pack of the rules loaded: the known ones, and the one it may have meant."""
    hint = suggest(standard, known)
    return bad_parameter(lang, f"没有规则包 “{standard}”（可用：{'、'.join(sorted(known))}）{hint.zh}",
                         f"unknown standard {standard!r} (known: {', '.join(sorted(known))}){hint.en}", "--standard")


def lang_option() -> Any:
    """``--lang zh|en``: eager (read before ``--help``), with ``JUNHENG_LANG`` as its default."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en"], case_sensitive=False), default="zh", show_default=True,
        envvar=ENV, show_envvar=True, is_eager=True,
        help=tr("信息和报告的语言：zh（中文）或 en（英文）；也决定 --help 的语言（写在 --help 之前时）",
                "Language of messages and reports: zh (Chinese) or en (English); also of --help, when written before it"))


_HELP_OPTION = tr("显示本帮助并退出", "Show this message and exit.")
_IN_ENGLISH: list[bool] = []  # not empty while a help is being written in English (the help option is made then too)


def _help_option_text() -> str:
    return _ENGLISH[_HELP_OPTION] if _IN_ENGLISH else _HELP_OPTION


@contextmanager
def _english(objects: list[Any]) -> Iterator[None]:
    """The English help of each command and parameter in ``objects``, for as long as the help is being written."""
    saved: list[tuple[Any, str, str]] = []
    for obj in objects:
        for attr in ("help", "short_help", "epilog"):
            value = getattr(obj, attr, None)
            english = _ENGLISH.get(inspect.cleandoc(value)) if isinstance(value, str) else None
            if isinstance(value, str) and english is not None:
                saved.append((obj, attr, value))
                setattr(obj, attr, english)
    _IN_ENGLISH.append(True)
    try:
        yield
    finally:
        _IN_ENGLISH.pop()
        for obj, attr, value in saved:
            setattr(obj, attr, value)


class Command(click.Command):
    """A click command whose help is Chinese, or English (see the module's docstring)."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _help_option_text()
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if language(ctx) == "zh":
            super().format_help(ctx, formatter)
            return
        with _english([self, *self.get_params(ctx)]):
            super().format_help(ctx, formatter)


class Group(click.Group):
    """A click group whose help, and its commands' short help, is Chinese or English; its commands are ``Command``s.

    ``lazy`` names commands by where they are (``{"serve": "junheng.cli.serve:serve"}``): each module is imported
    when its command is run or listed, so that ``junheng check`` starts without the server's, the workbook's or
    the follow-up's command modules and what they import.
    """

    command_class = Command
    group_class = type  # a group made inside a Group is of the same class (click's convention for ``type``)

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self.lazy.get(cmd_name)
        if where is not None and cmd_name not in self.commands:
            module, _, attr = where.partition(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{where} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """The command, given the group's ``--lang`` as its own first option (``junheng --lang en check …`` is
        ``junheng check --lang en …``; a ``--lang`` written after it still wins). ``ctx.meta``, which the contexts of
        one command line share, carries it through a group without the option (``junheng --lang en rules list``)."""
        name, command, rest = super().resolve_command(ctx, args)
        if ctx.params.get("lang") in ("zh", "en") and ctx.get_parameter_source("lang") in _WRITTEN:
            ctx.meta[_META] = ctx.params["lang"]
        lang = ctx.meta.get(_META)
        if lang is not None and command is not None and any(p.name == "lang" for p in command.params):
            rest = ["--lang", lang, *rest]
        return name, command, rest

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _help_option_text()
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if language(ctx) == "zh":
            super().format_help(ctx, formatter)
            return
        commands = [self.get_command(ctx, name) for name in self.list_commands(ctx)]
        with _english([self, *self.get_params(ctx), *(c for c in commands if c is not None)]):
            super().format_help(ctx, formatter)
