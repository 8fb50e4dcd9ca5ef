"""Where a report goes: a file written atomically, a progress line and a closing summary on stderr.

A report written with ``--output`` is either complete or absent: it is written to a
temporary file in the same folder (same file system, so the rename is atomic) and
renamed over the target only once fully written and flushed; an error or Ctrl-C on
the way removes the temporary file. A progress line appears only on a terminal, so
logs and pipes see none of it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import BinaryIO, TextIO

from junheng.errors import ExitStatus
from junheng.report.result import Failure, Outcome, Result

__all__ = ["Progress", "ReportStream", "Tally", "encode", "summary_line", "validate_summary_line", "write_atomically"]


def encode(text: str) -> bytes:
    """UTF-8; a file name that is not valid UTF-8 keeps its bytes, any other odd character is escaped.

    A report must never fail at the last step: a JSON filing can carry a lone surrogate
    (``"\\ud800"``) into a school's name, which UTF-8 cannot encode.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace")


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never seen half written.

    The temporary file is created with the mode a new file gets (0666 less the umask)
    and, when ``path`` exists, takes its mode, so replacing a report keeps its permissions.
    """
    path = os.fspath(path)
    tmp, fd = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_all(stream, data)
            stream.flush()
            os.fsync(stream.fileno())
        _replace(tmp, path)
    except BaseException:  # KeyboardInterrupt too: no temporary file is left behind
        _remove(tmp)
        raise


class ReportStream:
    """A report written as it is produced (``--format jsonl``): to stdout, or to ``path`` atomically.

    Used as a context manager: on a clean exit the temporary file is renamed over
    ``path``; on an exception (Ctrl-C included) it is removed, so no partial file that
    looks complete is ever left behind.
    """

    def __init__(self, path: str | os.PathLike[str] | None, stdout: BinaryIO | None = None):
        self.path = os.fspath(path) if path is not None else None
        self._stdout = stdout
        self._tmp = ""  # the temporary file beside ``path``, while the report is written there
        self._stream: BinaryIO | None = None  # set on entering the ``with`` block

    def __enter__(self) -> ReportStream:
        if self.path is None:
            self._stream = self._stdout if self._stdout is not None else sys.stdout.buffer
            return self
        self._tmp, fd = _create_beside(self.path)
        self._stream = os.fdopen(fd, "wb")
        return self

    @property
    def stream(self) -> BinaryIO:
        """Where the report goes; only inside the ``with`` block."""
        if self._stream is None:
            raise RuntimeError("a ReportStream is written inside its with block")
        return self._stream

    def write(self, text: str) -> None:
        _write_all(self.stream, encode(text))
        if self.path is None:
            self.stream.flush()  # a line as soon as its filing is checked

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        stream = self.stream
        if self.path is None:
            stream.flush()
            return
        try:
            if exc_type is None:
                stream.flush()
                os.fsync(stream.fileno())
            stream.close()
            if exc_type is None:
                _replace(self._tmp, self.path)
                return
        except BaseException:
            _remove(self._tmp)
            raise
        _remove(self._tmp)


def _create_beside(path: str) -> tuple[str, int]:
    """A new temporary file in ``path``'s folder (same file system: the rename is atomic): its name and descriptor."""
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{os.urandom(4).hex()}.tmp")
    return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def _replace(tmp: str, path: str) -> None:
    """Rename the written temporary file over ``path``, keeping the mode of the file it replaces."""
    try:
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
    except FileNotFoundError:
        pass
    os.replace(tmp, path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_all(stream: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[stream.write(view[: 1 << 20]) :]


# ---------------------------------------------------------------- progress and summary on stderr


class Progress:
    """``[3/12] path`` on one line of stderr, redrawn in place; silent unless stderr is a terminal.

    Only with several filings: for one filing there is nothing to count.
    """

    def __init__(self, total: int, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = total > 1 and callable(isatty) and bool(isatty())
        self._shown = False

    def show(self, done: int, name: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[K[{done}/{self.total}] {name}")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Erase the line, before anything else is written to stderr."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def _tally(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = {"qualified": 0, "deferred": 0, "invalid": 0, "internal": 0}
    for outcome in outcomes:
        if isinstance(outcome, Result):
            counts[outcome.verdict] = counts.get(outcome.verdict, 0) + 1
        elif isinstance(outcome, Failure):
            counts["invalid" if outcome.status == ExitStatus.INVALID_INPUT else "internal"] += 1
    return counts


class Tally:
    """Counts of a run's outcomes, kept instead of the outcomes when a report streams."""

    def __init__(self) -> None:
        self.counts = {"qualified": 0, "deferred": 0, "invalid": 0, "internal": 0}
        self.n = 0

    def add(self, outcome: Outcome) -> None:
        self.n += 1
        for key, value in _tally([outcome]).items():
            self.counts[key] = self.counts.get(key, 0) + value

    def add_counts(self, verdict: str | None, failure_status: int | None) -> None:
        """One filing, from what a worker reported: its verdict, or why it was not checked."""
        self.n += 1
        if verdict is not None:
            self.counts[verdict] = self.counts.get(verdict, 0) + 1
        elif failure_status is not None:
            self.counts["invalid" if failure_status == ExitStatus.INVALID_INPUT else "internal"] += 1


def summary_line(outcomes: Sequence[Outcome] | Tally, lang: str = "zh", skipped: int = 0) -> str:
    """The closing line of a check of several filings (from the outcomes, or a Tally).

    ``skipped`` counts the files a folder or pattern reached that are not filings.
    """
    c = outcomes.counts if isinstance(outcomes, Tally) else _tally(outcomes)
    n = outcomes.n if isinstance(outcomes, Tally) else len(outcomes)
    if lang == "en":
        line = (f"{n} filings, {c['qualified']} qualified, {c['deferred']} deferred, "
                f"{c['invalid']} invalid, {c['internal']} internal errors")
        return line + (f"; {skipped} skipped file{'s' if skipped != 1 else ''} not a filing" if skipped else "")
    line = f"共 {n} 份申报：合格 {c['qualified']}，推迟认定 {c['deferred']}，无效 {c['invalid']}，内部错误 {c['internal']}"
    return line + (f"；跳过 {skipped} 个非申报文件" if skipped else "")


def validate_summary_line(statuses: Sequence[int], lang: str = "zh", skipped: int = 0) -> str:
    """The closing line of a validation of several filings; ``statuses`` are 0, 2 or 3, one per filing."""
    n = len(statuses)
    valid = sum(s == 0 for s in statuses)
    invalid = sum(s == ExitStatus.INVALID_INPUT for s in statuses)
    internal = sum(s == ExitStatus.INTERNAL_ERROR for s in statuses)
    if lang == "en":
        line = f"{n} filings, {valid} valid, {invalid} invalid, {internal} internal errors"
        return line + (f"; {skipped} skipped file{'s' if skipped != 1 else ''} not a filing" if skipped else "")
    line = f"共 {n} 份申报：有效 {valid}，无效 {invalid}，内部错误 {internal}"
    return line + (f"；跳过 {skipped} 个非申报文件" if skipped else "")
