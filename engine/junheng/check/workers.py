"""Worker processes: run checks where a crash of the engine's C extension costs one filing.

durable_rules can segfault on inputs nobody foresaw, and a segfault cannot be
caught in Python. Each worker is a forked process (it inherits the compiled
policy, so nothing is recompiled or pickled on the way in) that takes one task
at a time over a pipe; if it dies, the task it held is reported as an internal
error, a new worker takes its place, and the run goes on. Results come back in
the order the tasks were given, as soon as each is ready (streaming).

A worker is given its next task before it has finished the one in hand (``DEPTH``
tasks in flight): the next one waits in the pipe, so that a worker never sits idle
while the parent reads and writes a result. When a worker dies, the task it was on
is the oldest it holds (results come back in the order given); the others it never
started, and they are given again, to another worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

__all__ = ["DEPTH", "Task", "run_isolated"]

DEPTH = 2  # tasks in flight per worker: the one in hand and the next (measured: a findings-heavy national run idled 0.2–0.5 s, now 0.15 s)

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
    """A forked process that runs ``fn`` on one task at a time, sent over its pipe; ``tasks`` are those it holds, oldest first."""

    def __init__(self, fn: Callable[..., object]):
        self.conn, child = _CTX.Pipe()
        self.process = _CTX.Process(target=_serve, args=(child, fn), daemon=True)
        self.process.start()
        child.close()
        self.tasks: deque[tuple[int, Task]] = deque()  # (index, args) of each task it holds, the one in hand first

    def give(self, index: int, args: Task) -> None:
        self.tasks.append((index, args))
        try:
            self.conn.send((index, args))
        except OSError:  # it has just died (a broken pipe): the wait for its results finds out, and gives this task again
            pass

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
    again: deque[tuple[int, Task]] = deque()  # tasks a dead worker held but never started
    workers: list[_Worker] = []
    done: dict[int, _T] = {}
    next_out = 0
    pending = 0
    exhausted = False
    finished = False  # False when the run ends early: Ctrl-C, an error, or a reader that stopped reading
    try:
        while True:
            # keep every worker busy, and its next task waiting
            while (again or not exhausted) and (len(workers) < jobs or any(len(w.tasks) < DEPTH for w in workers)):
                task = again.popleft() if again else next(numbered, None)
                if task is None:
                    exhausted = True
                    break
                _worker_for(workers, jobs, fn).give(*task)
                pending += 1
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if pending == 0 and exhausted and not again:
                finished = True
                return
            for conn in wait([w.conn for w in workers if w.tasks]):
                worker = next(w for w in workers if w.conn is conn)
                try:
                    index, result = worker.conn.recv()
                    worker.tasks.popleft()  # the oldest: results come back in the order given
                except (EOFError, OSError):
                    (index, args), *unstarted = worker.tasks
                    worker.process.join(timeout=5)
                    result = on_crash(args, worker.process.exitcode)
                    workers.remove(worker)
                    worker.conn.close()
                    again.extend(unstarted)
                    pending -= len(unstarted)
                done[index] = result
                pending -= 1
    finally:
        for w in workers:
            w.stop(now=not finished)


def _worker_for(workers: list[_Worker], jobs: int, fn: Callable[..., object]) -> _Worker:
    """The worker to give the next task: an idle one, else a new one (up to ``jobs``), else the one with the fewest
    (the caller makes sure one has room: fewer than ``DEPTH``)."""
    idle = next((w for w in workers if not w.tasks), None)
    if idle is not None:
        return idle
    if len(workers) < jobs:
        workers.append(_Worker(fn))
        return workers[-1]
    return min(workers, key=lambda w: len(w.tasks))
