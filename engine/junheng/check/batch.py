"""Many filings, each checked in a worker process: an engine crash costs one filing, not the run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import overload

from junheng.check import run as _run
from junheng.check.run import Options, internal_failure
from junheng.check.sources import Source
from junheng.check.workers import Task, run_isolated
from junheng.errors import ExitStatus
from junheng.policy.compiled import Policy
from junheng.report.formats import ONE_LANGUAGE, LineFormatter
from junheng.report.result import Failure, Outcome, outcome_status

__all__ = ["Rendered", "check_many"]

_NO_OPTIONS = Options()  # frozen: one shared default is safe


@dataclass(frozen=True)
class Rendered:
    """A filing's outcome already turned into its report text, in the worker (streaming formats).

    The parent only writes ``text`` and keeps counts: neither the findings nor their
    formatting cross the process boundary or cost the parent's time.
    """

    file: str
    text: str
    status: int  # as outcome_status gives it for the run's --fail-on
    verdict: str | None  # qualified | deferred, or None when not checked
    failure_status: int | None  # 2 or 3 when the filing could not be checked
    errors: tuple[str, ...] = ()  # rendered input errors, for stderr


@overload
def check_many(sources: Iterable[str | Source], policy: Policy, options: Options = _NO_OPTIONS, jobs: int | None = None,
               render: None = None, lang: str = "zh", fail_on: str = "blocking") -> Iterator[Outcome]: ...


@overload
def check_many(sources: Iterable[str | Source], policy: Policy, options: Options = _NO_OPTIONS, jobs: int | None = None, *,
               render: LineFormatter, lang: str = "zh", fail_on: str = "blocking") -> Iterator[Rendered]: ...


def check_many(sources: Iterable[str | Source], policy: Policy, options: Options = _NO_OPTIONS, jobs: int | None = None,
               render: LineFormatter | None = None, lang: str = "zh", fail_on: str = "blocking") -> Iterator[Outcome | Rendered]:
    """Check many filings in worker processes; yields one Result or Failure per source, in order.

    With ``render`` (a streaming format's ``line``), each worker renders its filing and
    yields a ``Rendered`` instead.

    A source is a path, or a ``Source`` from ``sources.expand`` (a path, standard input's
    bytes, or an argument that named no filing, which becomes an invalid-input Failure).
    A worker that dies (a crash inside the engine's C extension) costs only the
    filing it held: that filing is reported as an internal error (exit 3).
    """
    if render is not None and options.details is not None and ONE_LANGUAGE in options.details:
        # the format's line shows the findings in ``lang`` alone, and the worker keeps nothing else of the result
        options = replace(options, lang=lang)

    def finish(outcome: Outcome) -> Outcome | Rendered:
        if render is None:
            return outcome
        text = render(outcome, lang=lang, fail_on=fail_on)
        status = outcome_status(outcome, fail_on)
        if isinstance(outcome, Failure):
            return Rendered(outcome.file, text, status, None, outcome.status, tuple(e.render(lang) for e in outcome.errors))
        return Rendered(outcome.file, text, status, outcome.verdict, None)

    def crashed(args: Task, exitcode: int | None) -> Outcome | Rendered:
        source = args[0]
        name = source.name if isinstance(source, Source) else str(source)
        return finish(internal_failure(name, f"the engine process died (exit code {exitcode})"))

    def one(source: str | Source) -> Outcome | Rendered:  # runs in a forked worker: the compiled policy is inherited, never pickled
        if not isinstance(source, Source):
            return finish(_run.check_one_safely(source, policy, options))  # looked up when called: tests replace it
        if source.error is not None:
            return finish(Failure(source.name, ExitStatus.INVALID_INPUT, (source.error,)))
        if source.data is None:
            return finish(_run.check_one_safely(source.name, policy, options))
        return finish(_run.check_one_safely(source.data, policy, options, name=source.name, fmt=source.fmt))

    yield from run_isolated(((s,) for s in sources), one, crashed, jobs=jobs)
