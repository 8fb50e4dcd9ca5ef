"""Fixtures of the server's tests: a fresh workbench on SQLite and on PostgreSQL, its people, and its client.

Every test that takes ``bench`` runs twice, once per backend. SQLite always; PostgreSQL when ``JUNHENG_TEST_PG`` names
a server (a URL whose role may create databases), or else when PostgreSQL's ``initdb`` and ``pg_ctl`` are installed
(``/usr/lib/postgresql/*/bin``, Debian's package ``postgresql``): a throw-away cluster is started for the session in a
temporary folder, listening on a unix socket only, and removed at the end. Each bench gets a database of its own.
Without PostgreSQL the PostgreSQL runs are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from serverbench import (BACKENDS, BEIBEI, NANAN, PG_SECONDS, Bench, Postgres, as_postgres, database_for, make_bench, pg_bin,
                         start_cluster)
from shared import run


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres | str | None]:
    """The session's PostgreSQL; else None (not installed) or why it could not be started."""
    given = os.environ.get("JUNHENG_TEST_PG")
    if given:
        yield Postgres(given)
        return
    bindir = pg_bin()
    if bindir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="junheng-pg-"))
    root.chmod(0o755)
    try:
        url = start_cluster(bindir, root)
    except (subprocess.SubprocessError, OSError) as exc:  # said as the PostgreSQL runs' skip reason; SQLite runs go on
        shutil.rmtree(root, ignore_errors=True)
        said = exc.stderr.decode("utf-8", "replace").strip() if isinstance(exc, subprocess.CalledProcessError) and exc.stderr else ""
        yield f"PostgreSQL 已安装（{bindir}）但无法启动测试集群：跳过 / could not start a test cluster: {exc!r} {said}"
        return
    try:
        yield Postgres(url)
    finally:
        subprocess.run(as_postgres([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=PG_SECONDS)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def bench_factory(request: pytest.FixtureRequest, postgres: Postgres | str | None, tmp_path: Path) -> Iterator[Callable[..., Bench]]:
    """Make benches (each with its own data folder and database) on this test's backend; closed at the end."""
    made: list[Bench] = []

    def make(people: bool = True, **settings: Any) -> Bench:
        bench = make_bench(tmp_path / f"data{len(made)}", database_for(request.param, postgres), people, **settings)
        made.append(bench)
        return bench

    yield make
    for bench in made:
        bench.client.close()
        bench.wb.close()


@pytest.fixture
def bench(bench_factory: Callable[..., Bench]) -> Bench:
    """A fresh bench with its people, on each backend."""
    return bench_factory()


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, postgres: Postgres | str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """One bench per module and backend with two stored filings (nanan by its filer, beibei by the officer): for
    tests that only read, or whose writes the others do not mind."""
    bench = make_bench(tmp_path_factory.mktemp("seeded"), database_for(request.param, postgres))
    for key, person, path in (("nanan", "filer", NANAN), ("beibei", "officer", BEIBEI)):
        response = bench.upload(person, path)
        assert response.status_code == 201, response.text
        bench.ids[key] = response.json()["id"]
    yield bench
    bench.client.close()
    bench.wb.close()


@pytest.fixture(scope="session")
def xlsx_filing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nanan-2011.yaml as the .xlsx workbook a district fills in (``junheng convert``)."""
    out = tmp_path_factory.mktemp("xlsx") / "nanan-2011.xlsx"
    code, stdout, stderr = run("convert", NANAN, out)
    assert code == 0, stdout + stderr
    return out


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The security tests' tallies (``hostile/tally.py``): printed at the end of the run, and kept in pytest's cache
    folder as JSON (``.pytest_cache/v/junheng/security``) for CI to pick up."""
    from hostile import tally  # here: a run that ran no security test has nothing to say

    lines = tally.summary()
    if not lines:
        return
    if config.cache is not None:
        config.cache.set(tally.KEY, tally.counts())
    terminalreporter.section("security")
    for line in lines:
        terminalreporter.write_line(line)
