"""Worker processes: run checks where a crash of the engine's C extension costs one filing.

durable_rules can segfault on inputs nobody foresaw, and a segfault cannot be
caught in Python. Each worker is a forked process (it inherits the compiled
policy, so nothing is recompiled or pickled on the way in) that takes one task
at a time over a pipe; if it dies, the task it held is reported as an internal
error, a new worker takes its place, and the run goes on. Results come back in
the order the tasks were given, as soon as each is ready (streaming).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

__all__ = ["Task", "run_isolated"]

_CTX = multiprocessing.get_context("fork")
_T = TypeVar("_T")
Task = tuple[Any, ...]  # the arguments of one call of the workers' function


def _serve(conn: Connection, fn: Callable[..., object]) -> None:
    # Ctrl-C on a terminal reaches every process of the group. The parent stops the run, says so and
    # ends its workers; in a worker the interrupt would only print tracebacks (multiprocessing's, and
    # durable_rules' own when it lands inside an engine action).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the worker inherited (the compiled policy, the engine) lives as long as it does: keep it out
    # of the cycle collector, and collect less often — a check allocates many short-lived objects and
    # few cycles, and collections were a large share of a filing's time.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, args = task
        conn.send((index, fn(*args)))


class _Worker:
    """A forked process that runs ``fn`` on one task at a time, sent over its pipe."""

    def __init__(self, fn: Callable[..., object]):
        self.conn, child = _CTX.Pipe()
        self.process = _CTX.Process(target=_serve, args=(child, fn), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Task] | None = None  # (index, args) of the task it holds, None when idle

    def give(self, index: int, args: Task) -> None:
        self.task = (index, args)
        self.conn.send((index, args))

    def stop(self, now: bool = False) -> None:
        """Let the worker finish its task and leave; `now`: end it at once (the run was interrupted)."""
        if now:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


def run_isolated(tasks: Iterable[Task], fn: Callable[..., _T], on_crash: Callable[[Task, int | None], _T],
                 jobs: int | None = None) -> Iterator[_T]:
    """Yield ``fn(*task)`` for every task, in order, computed in ``jobs`` worker processes.

    A task whose worker dies yields ``on_crash(task, exitcode)`` instead.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    numbered = enumerate(tasks)
    workers: list[_Worker] = []
    done: dict[int, _T] = {}
    next_out = 0
    pending = 0
    exhausted = False
    finished = False  # False when the run ends early: Ctrl-C, an error, or a reader that stopped reading
    try:
        while True:
            # keep every idle worker busy
            while not exhausted and (len(workers) < jobs or any(w.task is None for w in workers)):
                try:
                    index, args = next(numbered)
                except StopIteration:
                    exhausted = True
                    break
                worker = next((w for w in workers if w.task is None), None)
                if worker is None:
                    worker = _Worker(fn)
                    workers.append(worker)
                worker.give(index, args)
                pending += 1
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if pending == 0 and exhausted:
                finished = True
                return
            ready = wait([w.conn for w in workers if w.task is not None])
            for conn in ready:
                worker = next(w for w in workers if w.conn is conn)
                try:
                    index, result = worker.conn.recv()
                    worker.task = None
                except (EOFError, OSError):
                    assert worker.task is not None  # only workers holding a task are waited on
                    index, args = worker.task
                    worker.process.join(timeout=5)
                    result = on_crash(args, worker.process.exitcode)
                    workers.remove(worker)
                    worker.conn.close()
                done[index] = result
                pending -= 1
    finally:
        for w in workers:
            w.stop(now=not finished)
