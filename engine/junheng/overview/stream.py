"""Where the summaries come from: filings checked on the batch path ``junheng check`` uses, and earlier results.

``checked`` runs ``check.batch.check_many`` (worker processes, a crash costs one filing) with a
"formatter" that, in the worker, turns each filing's result into its ``Summary`` — and, when asked,
the district's own HTML report — and sends that as JSON: the findings, indicators and schools never
reach the parent, which keeps only the summary. ``DistrictReports`` writes the reports beside the
overview, one file per district and year. ``read_previous`` reads the results of an earlier
``junheng check --format json`` (or ``jsonl``) run for the trend.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from junheng.check.batch import check_many
from junheng.check.run import Options
from junheng.check.sources import Source
from junheng.errors import InputError
from junheng.overview.summary import Failed, Summary, error_json, from_check_json, summarise
from junheng.policy.compiled import Policy
from junheng.report.formats import LineFormatter
from junheng.report.output import encode, write_atomically
from junheng.report.result import Failure, Outcome

__all__ = ["NEEDS", "Checked", "DistrictReports", "checked", "read_previous"]

# What the overview needs of each check beyond the findings: the indicators (coefficients, growth, schools judged).
NEEDS = frozenset({"indicators"})


@dataclass(frozen=True)
class Checked:
    """One filing given to the overview: its summary or why it could not be checked, and what to say about it."""

    file: str
    item: Summary | Failed
    status: int  # the exit status it earns (output.md), for the run's --fail-on
    notices: tuple[InputError, ...] = ()  # how it was checked (a pack for another province …), for stderr
    report: str | None = None  # the district's own HTML report, when asked for


def _summariser(policy: Policy, reports: bool) -> LineFormatter:
    """The function each worker applies to its filing's outcome: the summary (and report) as JSON text."""
    def line(outcome: Outcome, *, lang: str = "zh", fail_on: str = "blocking") -> str:
        if isinstance(outcome, Failure):
            return json.dumps({"failed": Failed.of(outcome).to_json()}, ensure_ascii=False)
        summary = summarise(outcome, policy.packs.get(outcome.standard))
        payload: dict[str, Any] = {"summary": summary.to_json(),
                                   "notices": [error_json(n) for n in outcome.notices]}
        if reports:
            from junheng.report.formats import html  # imported here: only a run that writes the districts' reports needs it

            payload["report"] = html.render([outcome], lang=lang, fail_on=fail_on)
        return json.dumps(payload, ensure_ascii=False)

    return line


def checked(sources: Iterable[str | Source], policy: Policy, options: Options | None = None, *, jobs: int | None = None,
            reports: bool = False, lang: str = "zh", fail_on: str = "blocking") -> Iterator[Checked]:
    """Check every source as ``junheng check`` does and yield one ``Checked`` per source, in order, as each is done."""
    options = options or Options(details=NEEDS)
    for rendered in check_many(sources, policy, options, jobs=jobs, render=_summariser(policy, reports), lang=lang, fail_on=fail_on):
        payload = json.loads(rendered.text)
        if "failed" in payload:
            yield Checked(rendered.file, Failed.from_json(payload["failed"]), rendered.status)
            continue
        notices = tuple(InputError(**n) for n in payload["notices"])
        yield Checked(rendered.file, Summary.from_json(payload["summary"]), rendered.status, notices, payload.get("report"))


class DistrictReports:
    """The folder of the districts' own reports beside the overview: ``<code>-<year>.html``, a second one ``-2``, ….

    ``folder`` is where they are written; a link is ``folder``'s name and the file's, relative to the overview.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._taken: set[str] = set()

    def write(self, summary: Summary, text: str) -> str:
        """Write one district's report (atomically); returns the link to it from the overview. OSError when it cannot be."""
        stem = f"{summary.code}-{summary.year}"
        name, n = f"{stem}.html", 1
        while name in self._taken:
            n += 1
            name = f"{stem}-{n}.html"
        self._taken.add(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.folder / name, encode(text))
        return f"{self.folder.name}/{name}"


def _previous_error(file: str, zh: str, en: str, line: int | None = None, column: int | None = None) -> Failed:
    return Failed(file, 2, (InputError("previous_result_invalid", file, line, column, "", zh, en),))


def _results_of(data: Any) -> list[Any] | None:
    """The results one JSON document holds: ``{"results": […]}`` or one result; None when it is neither."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return list(data["results"])
    if isinstance(data, dict) and "district" in data:
        return [data]
    return None


def _read_one(path: Path, name: str) -> Iterator[Summary | Failed]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        yield _previous_error(name, f"无法读取上次的检查结果：{exc}", f"cannot read the earlier result: {exc}")
        return
    documents = [line for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" else [text]
    for number, document in enumerate(documents, 1):
        try:
            results = _results_of(json.loads(document))
        except json.JSONDecodeError as exc:
            line = number if path.suffix == ".jsonl" else exc.lineno
            yield _previous_error(name, f"不是有效的 JSON：{exc.msg}", f"not valid JSON: {exc.msg}", line, exc.colno)
            continue
        if results is None:
            yield _previous_error(name, "不是 junheng check --format json 的检查结果", "not a result of junheng check --format json")
            continue
        for result in results:
            if isinstance(result, dict) and "verdict" not in result and "errors" in result:
                continue  # a filing that earlier run could not check: nothing to compare with
            try:
                yield from_check_json(result)
            except (KeyError, TypeError, ValueError) as exc:
                yield _previous_error(name, f"检查结果缺少或写错了字段 {exc}", f"a result lacks or misstates the field {exc}")


def read_previous(folder: str | os.PathLike[str]) -> Iterator[Summary | Failed]:
    """Every result in the ``*.json`` and ``*.jsonl`` files below ``folder`` (sorted by path), each as a summary;
    a file that is not such a result is a ``Failed`` naming it."""
    root = Path(folder)
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl")
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    for path in paths:
        yield from _read_one(path, str(path))
