"""Many filings, each checked in a worker process: an engine crash costs one filing, not the run."""

from __future__ import annotations

from dataclasses import dataclass

from junheng.check import run as _run
from junheng.check.run import Options, internal_failure
from junheng.check.sources import Source
from junheng.check.workers import run_isolated
from junheng.errors import ExitStatus
from junheng.policy.compiled import Policy
from junheng.report.result import Failure, outcome_status

__all__ = ["Rendered", "check_many"]


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


def check_many(sources: list[str | Source], policy: Policy, options: Options = Options(), jobs: int | None = None,
               render=None, lang: str = "zh", fail_on: str = "blocking"):
    """Check many filings in worker processes; yields one Result or Failure per source, in order.

    With ``render`` (a streaming format's ``line``), each worker renders its filing and
    yields a ``Rendered`` instead.

    A source is a path, or a ``Source`` from ``sources.expand`` (a path, standard input's
    bytes, or an argument that named no filing, which becomes an invalid-input Failure).
    A worker that dies (a crash inside the engine's C extension) costs only the
    filing it held: that filing is reported as an internal error (exit 3).
    """
    def finish(outcome):
        if render is None:
            return outcome
        failed = isinstance(outcome, Failure)
        return Rendered(outcome.file, render(outcome, lang=lang, fail_on=fail_on), outcome_status(outcome, fail_on),
                        None if failed else outcome.verdict, outcome.status if failed else None,
                        tuple(e.render(lang) for e in outcome.errors) if failed else ())

    def crashed(args, exitcode):
        source = args[0]
        name = source.name if isinstance(source, Source) else str(source)
        return finish(internal_failure(name, f"the engine process died (exit code {exitcode})"))

    def one(source):  # runs in a forked worker: the compiled policy is inherited, never pickled
        if not isinstance(source, Source):
            return finish(_run.check_one_safely(source, policy, options))  # looked up when called: tests replace it
        if source.error is not None:
            return finish(Failure(source.name, ExitStatus.INVALID_INPUT, (source.error,)))
        if source.data is None:
            return finish(_run.check_one_safely(source.name, policy, options))
        return finish(_run.check_one_safely(source.data, policy, options, name=source.name, fmt=source.fmt))

    yield from run_isolated(((s,) for s in sources), one, crashed, jobs=jobs)
