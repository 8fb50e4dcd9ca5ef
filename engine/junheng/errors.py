"""Located input errors: what is wrong with a filing or a rule file, and exactly where.

A violated rule is a Finding (see ``result.py``); broken input is an ``InputError``.
Errors are collected (all of them, not just the first), sorted by location, and
carry a stable ``code`` so that machines can tell kinds apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class ExitStatus(IntEnum):
    """The process exit status, decided in one place (the output contract): the highest over all filings."""

    OK = 0  # every filing checked, no finding at or above --fail-on
    FINDINGS = 1  # a finding at or above --fail-on
    INVALID_INPUT = 2  # a filing, a rule file or an option that cannot be used: InputErrors
    INTERNAL_ERROR = 3  # a bug in junheng or its engine


@dataclass(frozen=True)
class InputError:
    """One problem with one input file, located by line, column and JSON pointer.

    ``zh`` and ``en`` are the message in Chinese and English; ``line`` and
    ``column`` are 1-based and ``None`` when the problem is about the whole file
    (unreadable, too large, wrong extension).
    """

    code: str
    file: str
    line: int | None
    column: int | None
    pointer: str
    zh: str
    en: str
    # A spreadsheet filing's cell ("学校!F12", or a sheet name), shown instead of line and column.
    cell: str | None = None

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.pointer, self.code, self.zh)

    def render(self, lang: str = "zh") -> str:
        """``file:line:col: /pointer: message`` — the one-line form used on stderr
        (``file:学校!F12: /pointer: message`` for a spreadsheet's cell)."""
        where = self.file
        if self.cell is not None:
            where += f":{self.cell}"
        elif self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if not self.pointer and self.line is None and self.cell is None:
            return f"{where}: {self.message(lang)}"  # about a whole file, or an option
        pointer = self.pointer if self.pointer else "/"
        return f"{where}: {pointer}: {self.message(lang)}"

    def to_json(self, lang: str = "zh") -> dict[str, str | int | None]:
        out: dict[str, str | int | None] = {
            "code": self.code,
            "message": self.message(lang),
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
        }
        if self.cell is not None:  # only for spreadsheets: other filings' output stays as it was
            out["cell"] = self.cell
        return out


@dataclass
class InputErrors(Exception):
    """Raised by a loading or validation stage with every error it found."""

    errors: list[InputError] = field(default_factory=list)
    exit_status = ExitStatus.INVALID_INPUT  # what broken input makes the run exit with

    def __post_init__(self) -> None:
        self.errors = sorted(self.errors, key=InputError.sort_key)
        super().__init__(self.errors[0].render("en") if self.errors else "invalid input")

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return "\n".join(e.render("en") for e in self.errors)


def escape_pointer_token(token: object) -> str:
    """RFC 6901: '~' → '~0', '/' → '~1'."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_join(parent: str, token: object) -> str:
    return f"{parent}/{escape_pointer_token(token)}"


class Hint(NamedTuple):
    """A "did you mean …?" to append to a message, in both languages; empty strings when nothing is close."""

    zh: str
    en: str
    match: str | None


def suggest(word: str, pool: Iterable[str], own: Iterable[str] = (), cutoff: float = 0.6) -> Hint:
    """The one "did you mean": the closest of ``own`` (a rule's own names, say) first, then of ``pool``."""
    import difflib  # imported here: only a mistake's suggestion needs it, not every start

    close = difflib.get_close_matches(word, list(own), n=1, cutoff=cutoff) or \
        difflib.get_close_matches(word, list(pool), n=1, cutoff=cutoff)
    if not close:
        return Hint("", "", None)
    return Hint(f"，是否应为 “{close[0]}”？", f"; did you mean {close[0]!r}?", close[0])
