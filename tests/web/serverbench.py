"""What the server's tests share: the people of a bench, the bench itself (a workbench, its app, a client, tokens),
and a throw-away PostgreSQL cluster. The fixtures built on them are in ``conftest.py``; import these by name
(``from serverbench import Bench``), never from ``conftest``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from junheng.web.app import create_app
from junheng.web.service import accounts
from junheng.web.settings import Settings
from junheng.web.workbench import Workbench, open_workbench
from shared import FIX, INVALID, run

with warnings.catch_warnings():  # starlette's test client warns that it will move to httpx2 one day
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BACKENDS = ("sqlite", "postgresql")
NO_POSTGRES = "PostgreSQL 未安装（Debian 包 postgresql）：跳过 / PostgreSQL is not installed (Debian package postgresql): skipped"
PG_SECONDS = 60

# The people of every bench: (name, role, district).
PEOPLE = (
    ("filer", "filer", "500108"),  # 南岸区: nanan-2011.yaml is theirs
    ("filer2", "filer", "500109"),  # 北碚区: beibei-2012.yaml
    ("officer", "officer", None),
    ("reviewer", "reviewer", None),
    ("reviewer2", "reviewer", None),
    ("admin", "admin", None),
)
NANAN = FIX / "nanan-2011.yaml"
BEIBEI = FIX / "beibei-2012.yaml"
BROKEN_FILING = INVALID / "missing-required.yaml"


# ---------------------------------------------------------------- PostgreSQL


def pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found and shutil.which("pg_ctl") else None


def as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: as root, run the cluster as the ``postgres`` account (Debian's package makes it)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser") or next((p for p in ("/usr/sbin/runuser", "/sbin/runuser") if Path(p).exists()), "runuser")
    return [runuser, "-u", "postgres", "--", *command]


@dataclass
class Postgres:
    """A PostgreSQL server the tests may create databases on."""

    admin_url: str  # a database to connect to for CREATE DATABASE
    made: list[str] = field(default_factory=list)

    def new_database(self) -> str:
        import psycopg  # here: only the PostgreSQL runs need the driver

        name = f"junheng_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        base, _, query = self.admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def start_cluster(bindir: Path, root: Path) -> str:
    """initdb and pg_ctl start a cluster in ``root``, on a unix socket there; its URL (trust authentication, local only)."""
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, log = root / "data", root / "log"
    subprocess.run(as_postgres([str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), check=True, capture_output=True, timeout=PG_SECONDS)
    subprocess.run(as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(PG_SECONDS),
                                 "-o", f"-k {root} -c listen_addresses='' -c fsync=off", "start"]), check=True, capture_output=True,
                   timeout=PG_SECONDS + 10)
    return f"postgresql://postgres@/postgres?host={root}"


def database_for(backend: str, postgres: Postgres | str | None) -> str | None:
    """``--db`` for a new bench: None (SQLite in the data folder) or a new PostgreSQL database; skips without PostgreSQL
    (``postgres`` None: not installed; a text: why its cluster could not be started)."""
    if backend == "sqlite":
        return None
    if not isinstance(postgres, Postgres):
        pytest.skip(postgres or NO_POSTGRES)
    return postgres.new_database()


# ---------------------------------------------------------------- the bench


@dataclass
class Bench:
    """A workbench with its app, a client and the people's tokens."""

    data: Path
    db: str | None
    wb: Workbench
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # named stored filings (nanan, beibei)

    def auth(self, person: str | None) -> dict[str, str]:
        """The headers a request of ``person`` carries (None: anonymous)."""
        return {"Authorization": f"Bearer {self.tokens[person]}"} if person else {}

    def upload(self, person: str | None, path: Path, name: str | None = None, **headers: str) -> Any:
        return self.client.post("/api/filings", files={"file": (name or path.name, path.read_bytes())},
                                headers=self.auth(person) | headers)

    def cli(self, *args: object, input: str | None = None) -> tuple[int, str, str]:
        """``junheng ARGS… --data DIR [--db URL]`` in this process."""
        where: list[object] = ["--data", self.data] + (["--db", self.db] if self.db else [])
        return run(*args, *where, input=input)


def make_bench(data: Path, db: str | None, people: bool = True, **settings: Any) -> Bench:
    """A fresh workbench in ``data`` with the people of ``PEOPLE`` (tokens only: argon2 is slow on purpose)."""
    wb = open_workbench(Settings(data=data, db=db, **settings))
    client = TestClient(create_app(wb.settings, wb))
    bench = Bench(data, db, wb, client)
    if people:
        for name, role, district in PEOPLE:
            accounts.add_user(wb, "test", name, role, district)
            bench.tokens[name] = accounts.create_token(wb, "test", name)
    return bench
