"""The benchmark's hook: the time of the overview of a folder of filings, for ``bench/run.py`` to print against the check's.

``measure`` builds the overview of the national set exactly as ``junheng overview DIR --format html``
does (the same worker processes; the page rendered, not written) and reports the wall time, how many
filings it summed, and the peak resident memory of this process — the parent, which holds only the
summaries: it should not grow with the number of schools per filing. ``command`` is the same run as a
process, for a benchmark that times whole commands.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from junheng.check.sources import expand
from junheng.overview.build import overview_of, render
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules

__all__ = ["Measurement", "command", "measure"]


@dataclass(frozen=True)
class Measurement:
    seconds: float  # wall time: checking, summing up, rendering the page
    filings: int
    districts: int
    peak_rss_mib: float  # this process's peak resident memory (the workers' is their own)
    page_bytes: int


def measure(paths: Sequence[str | Path], policy: Policy | None = None, jobs: int | None = None, fmt: str = "html") -> Measurement:
    """Build (and render) the overview of ``paths``, timed."""
    policy = policy or compile_rules(None)
    start = time.perf_counter()
    sources = expand([str(p) for p in paths])
    overview, _ = overview_of(sources, policy, jobs=jobs)
    page = render(overview, fmt)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mib = rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux
    return Measurement(seconds, overview.filings, len(overview.districts), mib, len(page))


def command(junheng: Sequence[str], folder: str | Path, output: str | Path, fmt: str = "html") -> list[str]:
    """The command line of the same run, for timing the whole process: ``junheng overview DIR --format … --output …``."""
    return [*junheng, "overview", str(folder), "--format", fmt, "--output", str(output), "--fail-on", "never"]
