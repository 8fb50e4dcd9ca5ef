"""The checker processes (``web/checkers.py``): an upload checked in one stores what a check in the server stores, a
worker killed in the middle of a check costs that upload only, the pool ends with the app, and without a pool the
server checks uploads itself.

The apps here run their lifespan (``with client``): that is what starts and stops the pool. Every wait is bounded.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from junheng.web import checkers
from junheng.web.app import create_app
from serverbench import BEIBEI, BROKEN_FILING, NANAN, Bench, make_bench
from shared import FIX

with warnings.catch_warnings():  # starlette's test client warns that it will move to httpx2 one day
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECONDS = 30  # the longest any wait here may take
FILINGS = sorted(FIX.glob("*.yaml")) + sorted(FIX.glob("*.json"))


@contextmanager
def running(bench: Bench) -> Iterator[TestClient]:
    """The bench's app with its lifespan run (the pool started, and stopped at the end); a 500 is answered, not raised."""
    with TestClient(create_app(bench.wb.settings, bench.wb), raise_server_exceptions=False) as client:
        yield client


def _upload(client: TestClient, bench: Bench, path: Path, person: str = "officer") -> Any:
    return client.post("/api/filings", files={"file": (path.name, path.read_bytes())}, headers=bench.auth(person))


def _stored_results(data: Path) -> list[str]:
    """The ``result`` column as SQLite holds it (the JSON text), in upload order."""
    with sqlite3.connect(data / "junheng.db") as db:
        return [row[0] for row in db.execute("SELECT result FROM results ORDER BY id")]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _checker_children() -> list[int]:
    """This process's children that are checker processes (their command line names ``junheng.web.checkers``)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"junheng.web.checkers" in command and _alive(int(entry)):
            found.append(int(entry))
    return found


def test_a_result_checked_in_a_worker_is_stored_byte_for_byte_as_one_checked_in_the_server(tmp_path: Path) -> None:
    pooled, inline = make_bench(tmp_path / "pooled", None, checkers=2), make_bench(tmp_path / "inline", None, checkers=0)
    try:
        for bench, pool in ((pooled, True), (inline, False)):
            with running(bench) as client:
                assert (bench.wb.checkers is not None) is pool
                for path in FILINGS:
                    response = _upload(client, bench, path)
                    assert response.status_code in (201, 422), response.text
        assert _stored_results(pooled.data) == _stored_results(inline.data)
        assert len(_stored_results(pooled.data)) >= 5
    finally:
        for bench in (pooled, inline):
            bench.client.close()
            bench.wb.close()


def test_an_invalid_filing_checked_in_a_worker_gets_the_same_problems(tmp_path: Path) -> None:
    bench = make_bench(tmp_path / "d", None, checkers=1)
    try:
        with running(bench) as client:
            pooled = _upload(client, bench, BROKEN_FILING)
        inline = _upload(bench.client, bench, BROKEN_FILING)  # no lifespan: checked in this process
        assert pooled.status_code == inline.status_code == 422
        assert pooled.json() == inline.json()
        refused = _upload(bench.client, bench, BEIBEI, person="filer")  # 南岸区's filer, 北碚区's filing
        with running(bench) as client:
            assert _upload(client, bench, BEIBEI, person="filer").json() == refused.json()
        assert refused.status_code == 403
    finally:
        bench.client.close()
        bench.wb.close()


def test_a_worker_killed_in_the_middle_of_a_check_costs_that_upload_only(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    bench = make_bench(tmp_path / "d", None, checkers=1)
    try:
        with running(bench) as client:
            pool = bench.wb.checkers
            assert pool is not None
            assert _upload(client, bench, NANAN).status_code == 201  # the worker warm and answering
            (victim,) = pool.pids()
            os.kill(victim, signal.SIGSTOP)  # it holds the next upload and cannot answer it ...
            answers: list[Any] = []
            sent = threading.Thread(target=lambda: answers.append(_upload(client, bench, BEIBEI)))
            with caplog.at_level(logging.ERROR, logger="junheng.web"):
                sent.start()
                time.sleep(0.5)
                os.kill(victim, signal.SIGKILL)  # ... and dies with it
                sent.join(SECONDS)
            assert not sent.is_alive()
            failed = answers[0]
            assert failed.status_code == 500, failed.text
            assert failed.json()["error"]["code"] == "internal_error"
            assert any("killed by signal 9" in r.getMessage() for r in caplog.records)
            assert _upload(client, bench, BEIBEI).status_code == 201  # a new worker took its place
            assert pool.pids() != [victim] and len(pool.pids()) == 1
        assert len(_stored_results(bench.data)) == 2  # the failed upload stored nothing
    finally:
        bench.client.close()
        bench.wb.close()


def test_the_checker_processes_end_with_the_app(tmp_path: Path) -> None:
    bench = make_bench(tmp_path / "d", None, checkers=2)
    try:
        with running(bench) as client:
            assert _upload(client, bench, NANAN).status_code == 201
            pool = bench.wb.checkers
            assert pool is not None
            pids = pool.pids()
            assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        assert bench.wb.checkers is None
        assert not [pid for pid in pids if _alive(pid)]
        assert not _checker_children()
    finally:
        bench.client.close()
        bench.wb.close()


def test_without_checker_processes_the_server_checks_uploads_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    def refused(*_: Any, **__: Any) -> checkers.CheckerPool:
        raise OSError("no processes here")

    monkeypatch.setattr(checkers.CheckerPool, "start", refused)
    bench = make_bench(tmp_path / "d", None, checkers=2)
    try:
        with caplog.at_level(logging.WARNING, logger="junheng.web"), running(bench) as client:
            assert bench.wb.checkers is None
            assert _upload(client, bench, NANAN).status_code == 201
        assert any("checker processes could not be started" in r.getMessage() for r in caplog.records)
    finally:
        bench.client.close()
        bench.wb.close()


def test_the_pool_size_comes_from_the_setting_then_the_environment_then_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(checkers.ENV_SIZE, "3")
    assert checkers.pool_size(1) == 1
    assert checkers.pool_size(None) == 3
    monkeypatch.delenv(checkers.ENV_SIZE)
    assert checkers.pool_size(None) == (os.cpu_count() or 1)
    monkeypatch.setenv(checkers.ENV_SIZE, "-1")
    with pytest.raises(ValueError):
        checkers.pool_size(None)


def test_a_report_a_preview_and_a_recheck_run_in_a_worker_and_read_as_in_the_server(tmp_path: Path,
                                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a report checks the stored filing again: with a pool, in a worker (the server's own check is not
    called), every format byte for byte what the server renders itself; so are a recheck's preview and result."""
    from junheng.web.service import filings as service

    bench = make_bench(tmp_path / "d", None, checkers=2)
    formats = sorted(service.REPORT_FORMATS)
    try:
        with running(bench) as client:
            ids = [_upload(client, bench, path).json()["id"] for path in (NANAN, BEIBEI)]
        inline = {(i, fmt, lang): bench.client.get(f"/api/filings/{i}/report/{fmt}?lang={lang}", headers=bench.auth("officer"))
                  for i in ids for fmt in formats for lang in ("zh", "en")}
        preview = {i: bench.client.get(f"/api/filings/{i}/recheck", headers=bench.auth("officer")).json() for i in ids}

        def in_the_server(*args: object) -> str:
            raise AssertionError("checked in the server's process, not in a worker")
        monkeypatch.setattr(service, "render_report_in", in_the_server)
        monkeypatch.setattr(service, "check_upload", in_the_server)
        with running(bench) as client:
            for (i, fmt, lang), expected in inline.items():
                got = client.get(f"/api/filings/{i}/report/{fmt}?lang={lang}", headers=bench.auth("officer"))
                assert got.status_code == expected.status_code == 200, got.text
                assert got.content == expected.content and got.headers["content-type"] == expected.headers["content-type"]
            for i in ids:
                assert client.get(f"/api/filings/{i}/recheck", headers=bench.auth("officer")).json() == preview[i]
                rechecked = client.post(f"/api/filings/{i}/recheck", headers=bench.auth("officer"))
                assert rechecked.status_code == 200 and rechecked.json()["result"] == preview[i]["result"]
        assert len(inline) == 2 * len(formats) * 2
    finally:
        bench.client.close()
        bench.wb.close()
