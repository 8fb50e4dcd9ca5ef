"""The overview of a run, in one call: check the filings, stream their summaries into the builder, render.

``overview_of`` is what ``junheng overview`` (and the benchmark) calls; ``render`` picks a format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from junheng.check.run import Options
from junheng.check.sources import Source
from junheng.overview.aggregate import OverviewBuilder, ProgressHook
from junheng.overview.catalogue import Catalogue, catalogue
from junheng.overview.model import Overview
from junheng.overview.progress import ledger_counts
from junheng.overview.stream import Checked, DistrictReports, checked
from junheng.overview.summary import Failed, Summary
from junheng.policy.compiled import Policy

__all__ = ["FORMATS", "SUFFIXES", "overview_of", "render"]

FORMATS = ("html", "xlsx", "json", "markdown")
SUFFIXES = {"html": ".html", "xlsx": ".xlsx", "json": ".json", "markdown": ".md"}


def overview_of(sources: Iterable[str | Source], policy: Policy, *, options: Options | None = None, jobs: int | None = None,
                previous: Iterable[Summary | Failed] = (), reports: DistrictReports | None = None, lang: str = "zh",
                fail_on: str = "blocking", skipped: int = 0, progress: ProgressHook | None = None,
                each: Callable[[Checked, str | None], None] | None = None, rules: Catalogue | None = None,
                ledger: bool = True) -> tuple[Overview, int]:
    """Check every source as ``junheng check`` does (worker processes), keep each filing's summary, build the overview.

    ``previous``: earlier results for the trend (``stream.read_previous``). ``reports``: where each district's own HTML
    report is written (an ``OSError`` there stops the run). ``each(checked, link)`` is called once per filing, in order,
    as it is done (the command line says its errors and notices, and shows progress). ``ledger``: for each district
    whose two latest years were both filed, the follow-up ledger's counts (``progress.ledger_counts``: the pair checked
    again). Returns the overview and the exit
    status the run earns (output.md: the highest over the filings; an unreadable earlier result is 2).
    """
    builder = OverviewBuilder(rules or catalogue(policy), progress)
    builder.skipped = skipped
    status = 0
    for item in previous:
        builder.add_previous(item)
        if isinstance(item, Failed):
            status = max(status, item.status)
    for c in checked(sources, policy, options, jobs=jobs, reports=reports is not None, lang=lang, fail_on=fail_on):
        link = reports.write(c.item, c.report) if reports is not None and c.report is not None and isinstance(c.item, Summary) else None
        builder.add(c.item, link)
        status = max(status, c.status)
        if each is not None:
            each(c, link)
    if ledger:
        builder.ledgers = ledger_counts(builder.pairs(), policy, options.standard if options else None, jobs)
    return builder.build(), status


def render(o: Overview, fmt: str, lang: str = "zh") -> str | bytes:
    """The overview in ``fmt`` (one of ``FORMATS``): text, or the workbook's bytes for xlsx."""
    if fmt == "json":
        return json.dumps(o.to_json(lang), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "xlsx":
        from junheng.overview import xlsx  # imported here: openpyxl only for the workbook

        return xlsx.render(o, lang)
    if fmt == "markdown":
        from junheng.overview import markdown  # imported here: each format only when used

        return markdown.render(o, lang)
    if fmt == "html":
        from junheng.overview import html  # imported here: each format only when used

        return html.render(o, lang)
    raise ValueError(f"unknown overview format {fmt!r}")
