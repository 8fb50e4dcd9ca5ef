"""Warm checker processes: an upload is read and checked in one of them, so that the checks of different uploads run
on every core instead of taking turns in the server's process (durable_rules is not thread-safe: in one process,
checks hold ``Workbench.check_lock``).

``CheckerPool`` keeps ``size`` worker processes (``Settings.checkers``, else ``JUNHENG_CHECKERS``, else the number of
cores; 0: none, every check in the server's process). Each is a new interpreter (``python -c`` running ``_main``),
started as ``subprocess`` starts one (fork and exec at once: safe in the server, which has threads by then, where a
plain ``fork`` may copy a lock another thread held), with one end of a socket pair as its only inherited file: not the
listening socket, not the database. multiprocessing's ``spawn`` and ``forkserver`` would do the same, but they run the
parent's ``__main__`` again in every worker, which fails for a program that starts the app without the
``if __name__ == "__main__"`` guard: every upload would meet a dead worker. A worker compiles the rules itself, from
the copy of a rules version that ``ruleset.py`` keeps under ``DATA/versions/<version>/`` (what reproduces an old
result), and keeps the compiled policies of its last few versions; it is handed one upload at a time.

A worker that dies (durable_rules' C extension can crash) or does not answer within ``timeout`` costs the upload it
held and nothing else: that upload gets ``CheckerFailed``, which the app answers as every unexpected error (500
``internal_error``, logged), and a new worker takes the dead one's place. The other workers and their uploads go on.
A worker ends when its pool closes, or when the server is gone (its end of the socket reads as closed).

``check_upload`` is the one function that reads and checks an upload, in a worker or (no pool) in the server's own
process, so that both give the same result; the result crosses the process boundary as the JSON object that is
stored (``Result.to_json("zh")``), and pickling copies it exactly. ``render_report`` checks a stored filing again and
renders one of the CLI's report formats, in a worker too (``CheckerPool.report``): reading reports, like uploading,
runs on every core, and never waits for the server's one in-process check at a time.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from junheng.check.run import Options, check_source
from junheng.errors import InputErrors
from junheng.filing.read import read_filing_data
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules
from junheng.report import formats

__all__ = ["ENV_SIZE", "CheckerFailed", "CheckerPool", "Checked", "check_upload", "pool_size", "render_report"]

log = logging.getLogger("junheng.web")

ENV_SIZE = "JUNHENG_CHECKERS"
TIMEOUT = 300.0  # seconds a check may take before its worker is taken for hung (a 20 MiB workbook takes a few)
_POLICIES = 3  # compiled rules versions a worker keeps (an upload uses the current one; a change makes a second)
_STOP_SECONDS = 5.0
_NO_DETAILS = frozenset[str]()


class CheckerFailed(RuntimeError):
    """A worker died or hung while it held a check: a fault of junheng's, not of the upload (a 500)."""


@dataclass(frozen=True)
class Checked:
    """An upload read and checked: its district, the filing as the store keeps it (``parsed``), and the result's JSON.

    ``result`` (and ``standard``, ``verdict``) are None when the check was skipped: the filing is of a district outside
    ``districts`` (the caller refuses it)."""

    code: str
    name: str
    year: int
    parsed: dict[str, Any]
    standard: str | None = None
    verdict: str | None = None
    result: dict[str, Any] | None = None


def check_upload(policy: Policy, name: str, data: bytes, districts: frozenset[str] | None = None) -> Checked:
    """Read ``data`` (shown as ``name``) once and check it as ``junheng check --format json`` would; ``InputErrors`` for
    broken input. ``districts``: the codes whose filings are checked (None: any); another's is read, not checked."""
    doc, parsed = read_filing_data(data, name=name)  # the one way every command reads a filing
    district = parsed["district"]
    code, shown, year = district["code"], district["name"], district["year"]
    if districts is not None and code not in districts:
        return Checked(code, shown, year, parsed)
    result = check_source(data, policy, Options(details=_NO_DETAILS), name=name, read=(doc, parsed))
    return Checked(code, shown, year, parsed, result.standard, result.verdict, result.to_json("zh"))


def render_report(policy: Policy, name: str, data: bytes, fmt: str, lang: str) -> str | bytes:
    """The stored filing ``data`` (shown as ``name``) checked again and its report in ``fmt``, one of the CLI's formats,
    as ``junheng check --format FMT --lang LANG`` prints it (``InputErrors`` when it can no longer be read)."""
    result = check_source(data, policy, Options(details=formats.NEEDS.get(fmt, _NO_DETAILS)), name=name)
    binary = formats.BINARY.get(fmt)
    return binary([result], lang=lang) if binary is not None else formats.get(fmt)([result], lang=lang)


def pool_size(setting: int | None) -> int:
    """Workers to start: the setting, else ``JUNHENG_CHECKERS``, else the number of cores (ValueError: not a number ≥ 0)."""
    if setting is None:
        said = os.environ.get(ENV_SIZE, "").strip()
        setting = int(said) if said else (os.cpu_count() or 1)
    if setting < 0:
        raise ValueError(f"{ENV_SIZE} must be 0 or more, not {setting}")
    return setting


# ---------------------------------------------------------------- the worker's side


def _main(fd: int) -> None:
    """A worker process's entry (``CheckerPool._spawn``): serve the socket ``fd`` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal stops the server, which stops us
    with Connection(fd) as conn:
        _serve(conn)


def _serve(conn: Connection) -> None:
    """A worker's life: one message at a time until ``None`` or the server's end of the pipe is gone."""
    policies: OrderedDict[str, Policy] = OrderedDict()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the server is gone (even SIGKILLed): so is its worker
            return
        if message is None:
            return
        kind, version, folder, *job = message
        try:
            policy = _policy(policies, version, Path(folder))
        except Exception:  # noqa: BLE001 - the server compiled this version already: a bug, said as one
            if kind != "warm":
                conn.send(("error", traceback.format_exc()))
            continue
        if kind != "warm":
            conn.send(_answer(policy, kind, job))


def _answer(policy: Policy, kind: str, job: list[Any]) -> tuple[Any, ...]:
    """A "check" (``check_upload``) or a "report" (``render_report``), and its outcome as the server reads it."""
    try:
        return ("ok", check_upload(policy, *job) if kind == "check" else render_report(policy, *job))
    except InputErrors as exc:
        return ("invalid", list(exc.errors))
    except Exception:  # noqa: BLE001 - anything else is a bug in junheng, answered as one (500)
        return ("error", traceback.format_exc())


def _policy(policies: OrderedDict[str, Policy], version: str, folder: Path) -> Policy:
    """The compiled rules of ``version`` from their kept copy (``ruleset.py``: one folder per layer, numbered)."""
    policy = policies.get(version)
    if policy is None:
        layers = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: int(p.name))
        policy = policies[version] = compile_rules(layers)
        while len(policies) > _POLICIES:
            policies.popitem(last=False)
    policies.move_to_end(version)
    return policy


# ---------------------------------------------------------------- the server's side


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection


class CheckerPool:
    """``size`` warm worker processes, each lent to one check at a time (thread-safe)."""

    def __init__(self, size: int, warm: tuple[str, Path] | None = None, timeout: float = TIMEOUT):
        self.size, self.timeout = size, timeout
        self._warm = (warm[0], str(warm[1])) if warm is not None else None
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.closed = False

    @classmethod
    def start(cls, size: int, warm: tuple[str, Path] | None = None, timeout: float = TIMEOUT) -> CheckerPool:
        """``size`` workers started, each told to compile ``warm`` (a version and its folder) meanwhile; OSError when
        they cannot be (no processes allowed here)."""
        pool = cls(size, warm, timeout)
        try:
            for _ in range(size):
                pool._idle.put(pool._spawn())
        except BaseException:
            pool.close()
            raise
        return pool

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all]

    def check(self, version: str, folder: Path, name: str, data: bytes, districts: frozenset[str] | None) -> Checked:
        """``check_upload`` in a worker with the rules of ``version`` (kept in ``folder``): its answer, or ``InputErrors``
        for broken input, or ``CheckerFailed`` when the worker crashed, hung or raised."""
        checked: Checked = self._ask(("check", version, str(folder), name, data, districts), name)
        return checked

    def report(self, version: str, folder: Path, name: str, data: bytes, fmt: str, lang: str) -> str | bytes:
        """``render_report`` in a worker with the rules of ``version`` (kept in ``folder``); fails as ``check`` does."""
        body: str | bytes = self._ask(("report", version, str(folder), name, data, fmt, lang), name)
        return body

    def _ask(self, message: tuple[Any, ...], name: str) -> Any:
        """Send ``message`` to an idle worker and return what it answers ("ok"), or raise what its answer says."""
        worker = self._borrow()
        try:
            worker.conn.send(message)
            if not worker.conn.poll(self.timeout):
                raise TimeoutError(f"no answer within {self.timeout:.0f} s")
            answer = worker.conn.recv()
        except (EOFError, OSError, TimeoutError) as exc:
            said = self._lost(worker, exc)
            raise CheckerFailed(f"the checker process {worker.process.pid} {said} while checking {name}") from None
        self._return(worker)
        kind, payload = answer
        if kind == "ok":
            return payload
        if kind == "invalid":
            raise InputErrors(list(payload))
        raise CheckerFailed(f"the check of {name} failed in checker process {worker.process.pid}:\n{payload}")

    def close(self) -> None:
        """Stop every worker: asked to, then terminated, then killed (a worker never outlives its pool)."""
        with self._lock:
            self.closed = True
            workers, self._all = self._all, []
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass  # gone already, or busy in another thread: stopped below all the same
        for worker in workers:
            _stop(worker)

    # ------------------------------------------------------------ the workers

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            start = f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); from {__name__} import _main; _main({theirs.fileno()})"
            process = subprocess.Popen([sys.executable, "-c", start], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()  # the worker's end lives in the worker alone: its death is an EOF here
        worker = _Worker(process, Connection(ours.detach()))
        if self._warm is not None:
            worker.conn.send(("warm", *self._warm))
        with self._lock:
            if self.closed:  # closed meanwhile: this one too
                _stop(worker)
                raise CheckerFailed("the checker pool is closed")
            self._all.append(worker)
        return worker

    def _borrow(self) -> _Worker:
        while True:
            if self.closed:
                raise CheckerFailed("the checker pool is closed")
            try:
                return self._idle.get(timeout=1.0)  # woken now and then to see a close
            except queue.Empty:
                continue

    def _return(self, worker: _Worker) -> None:
        if self.closed:
            _stop(worker)
        else:
            self._idle.put(worker)

    def _lost(self, worker: _Worker, exc: BaseException) -> str:
        """Put a dead (or hung: killed now) worker out and a new one in its place; what happened, in words."""
        _stop(worker, patience=0.5)
        code = worker.process.returncode
        said = (f"was killed by signal {-code}" if code is not None and code < 0 else
                f"exited ({code})" if code is not None else f"failed ({type(exc).__name__}: {exc})")
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            closed = self.closed
        log.error("checker process %s %s; %s", worker.process.pid, said, "not replaced: the pool is closed" if closed else "replaced")
        if not closed:
            try:
                self._idle.put(self._spawn())
            except (OSError, CheckerFailed):
                log.exception("a new checker process could not be started: the pool has one fewer")
        return said


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds junheng/: a worker imports this copy


def _stop(worker: _Worker, patience: float = _STOP_SECONDS) -> None:
    """Wait ``patience`` for the worker to end (it was told to, or is dead), then terminate it, then kill it."""
    for stop in (None, worker.process.terminate, worker.process.kill):
        if stop is not None:
            stop()
        try:
            worker.process.wait(patience if stop is None else _STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    worker.conn.close()
