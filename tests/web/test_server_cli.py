"""The server's commands as an office runs them: ``users add/token/list/disable``, logging in with the password,
``db upgrade`` (safe to run again, the schema as the models say), and ``junheng serve`` itself on a real port."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import URL

from junheng.web.store.database import MIGRATIONS, Database
from junheng.web.store.models import Base
from serverbench import NANAN, Bench
from shared import EXE, run

PASSWORD = "a long passphrase"
_CONFIG = Config()
_CONFIG.set_main_option("script_location", str(MIGRATIONS))
HEAD = ScriptDirectory.from_config(_CONFIG).get_current_head() or ""  # the newest migration's revision: what db upgrade reaches


def test_users_add_list_token_and_disable_as_the_readme_shows(bench_factory: Callable[..., Bench]) -> None:
    bench = bench_factory(people=False)
    code, out, err = bench.cli("users", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert code == 0, out + err
    code, out, err = bench.cli("users", "add", "nanan", "--role", "filer", "--district", "500108", "--password-stdin", input=PASSWORD)
    assert code == 0 and "500108" in out, out + err
    code, out, err = bench.cli("users", "list", "--format", "json")
    assert code == 0, err
    listed = {u["name"]: u for u in json.loads(out)["users"]}
    assert listed["nanan"]["role"] == "filer" and listed["nanan"]["district"] == "500108" and not listed["nanan"]["disabled"]
    code, token, err = bench.cli("users", "token", "nanan")
    assert code == 0 and token.strip().startswith("jh_"), err
    headers = {"Authorization": f"Bearer {token.strip()}"}
    assert bench.client.get("/api/filings", headers=headers).status_code == 200
    login = bench.client.post("/api/session", json={"name": "nanan", "password": PASSWORD})
    assert login.status_code == 200, login.text
    cookie = login.cookies.get("junheng_session")
    assert cookie and "httponly" in login.headers["set-cookie"].lower() and "samesite=lax" in login.headers["set-cookie"].lower()
    code, out, err = bench.cli("users", "disable", "nanan")
    assert code == 0, out + err
    assert bench.client.get("/api/filings", headers=headers).status_code == 401  # the token stops working
    bench.client.cookies.set("junheng_session", cookie)
    assert bench.client.get("/api/filings").status_code == 401  # and the session ends
    assert bench.client.post("/api/session", json={"name": "nanan", "password": PASSWORD}).status_code == 401
    code, out, _ = bench.cli("users", "list")
    assert "nanan\tfiler\t500108\t已停用" in out
    actions = [e["action"] for e in bench.client.get("/api/audit", headers=_admin(bench)).json()["entries"]]
    assert actions == ["user_added", "user_added", "token_created", "login", "user_disabled", "login_failed", "token_created"]


def _admin(bench: Bench) -> dict[str, str]:
    code, token, err = bench.cli("users", "token", "admin")
    assert code == 0, err
    return {"Authorization": f"Bearer {token.strip()}"}


@pytest.mark.parametrize(("args", "said"), [
    (["users", "add", "x", "--role", "filer"], "--district"),
    (["users", "add", "x", "--role", "officer", "--district", "500108"], "--district"),
    (["users", "add", "x y", "--role", "officer"], "用户名"),
    (["users", "add", "filer", "--role", "officer"], "已存在"),
    (["users", "token", "nobody"], "找不到"),
    (["users", "disable", "nobody"], "找不到"),
])
def test_a_users_command_that_cannot_be_done_says_why_and_exits_2(bench: Bench, args: list[str], said: str) -> None:
    code, out, err = bench.cli(*args)
    assert code == 2 and said in err, out + err


def test_a_short_password_is_refused(bench: Bench) -> None:
    code, _, err = bench.cli("users", "add", "y", "--role", "officer", "--password-stdin", input="short\n")
    assert code == 2 and "密码太短" in err


def test_logging_in_with_the_form_sets_the_cookie_and_a_wrong_password_is_on_record(bench: Bench) -> None:
    code, out, err = bench.cli("users", "add", "li", "--role", "officer", "--password-stdin", input=PASSWORD)
    assert code == 0, out + err
    no_token = bench.client.post("/login", data={"name": "li", "password": PASSWORD}, follow_redirects=False)
    assert no_token.status_code == 403  # every form carries its token
    token = _form_token(bench.client.get("/login").text)
    wrong = bench.client.post("/login", data={"name": "li", "password": "not it at all", "next": "/", "csrf": token})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text and 'value="li"' in wrong.text
    right = bench.client.post("/login", data={"name": "li", "password": PASSWORD, "next": "//evil.example/", "csrf": token},
                              follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/"  # never sent to another host
    assert bench.client.get("/api/me").json()["user"]["name"] == "li"
    assert bench.client.post("/api/filings", files={"file": (NANAN.name, NANAN.read_bytes())}).status_code == 201
    bench.client.post("/logout", data={"csrf": _form_token(bench.client.get("/").text)}, follow_redirects=False)
    assert bench.client.get("/api/me").status_code == 401
    entries = bench.client.get("/api/audit?action=login_failed", headers=bench.auth("officer")).json()["entries"]
    assert [e["object"] for e in entries] == ["user:li"] and "not it" not in json.dumps(entries)


def _form_token(page: str) -> str:
    """The per-session form token a page's forms carry (hidden field ``csrf``)."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def test_db_upgrade_creates_the_schema_and_is_safe_to_run_again(bench_factory: Callable[..., Bench]) -> None:
    bench = bench_factory(people=False)
    code, out, err = bench.cli("db", "upgrade")
    assert code == 0 and HEAD in out, out + err
    code, again, err = bench.cli("db", "upgrade")
    assert code == 0 and again == out, again + err
    database = Database(bench.wb.settings.url)
    try:
        assert database.revision()[0] == database.revision()[1]
        with database.engine.connect() as connection:  # the migrated schema is what the models declare
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        database.dispose()


def test_the_login_throttles_migration_goes_down_and_up_again(bench_factory: Callable[..., Bench]) -> None:
    bench = bench_factory(people=False)
    database = Database(bench.wb.settings.url)
    try:
        with database.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        assert database.revision() == ("0002", HEAD) and "login_failures" not in inspect(database.engine).get_table_names()
        assert database.upgrade() == ("0002", HEAD) and "login_failures" in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_db_upgrade_on_a_new_folder_makes_the_sqlite_database_in_wal_mode(tmp_path: Path) -> None:
    code, out, err = run("db", "upgrade", "--data", tmp_path / "d")
    assert code == 0 and HEAD in out, out + err
    database = Database(URL.create("sqlite", database=str(tmp_path / "d" / "junheng.db")))
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_junheng_serve_answers_on_a_real_port(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out, err = run("users", "add", "li", "--role", "officer", "--data", data, "--password-stdin", input=PASSWORD)
    assert code == 0, out + err
    _, token, _ = run("users", "token", "li", "--data", data)
    port = _free_port()
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([str(EXE) if EXE.exists() else sys.executable, *([] if EXE.exists() else ["-m", "junheng.cli.main"]),
                               "serve", "--data", str(data), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        body = _get(f"http://127.0.0.1:{port}/api/filings", token.strip(), deadline=time.monotonic() + 30)
        assert body == {"filings": []}
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(f"http://127.0.0.1:{port}/api/filings", "jh_wrong", deadline=time.monotonic() + 5)
        assert refused.value.code == 401
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=15)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate(timeout=5)[0].decode("utf-8", "replace")
    assert f"http://127.0.0.1:{port}/" in output, output


def _get(url: str, token: str, deadline: float) -> object:
    """GET ``url`` with a bearer token, retrying while the server is still starting."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError:
            raise
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_warns_when_it_listens_beyond_this_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn  # here: the one test that stops the server from starting

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    code, out, err = run("serve", "--data", tmp_path / "d", "--host", "0.0.0.0", "--port", "8123", "--max-upload", "5MiB")
    assert code == 0, out + err
    assert "HTTPS" in err and started[0]["host"] == "0.0.0.0" and started[0]["port"] == 8123
    assert (tmp_path / "d" / "rules" / "vocabulary.yaml").is_file()  # the first start copied the shipped rules
    code, _, err = run("serve", "--data", tmp_path / "d", "--max-upload", "lots")
    assert code == 2 and "lots" in err


def test_the_session_cookie_is_secure_when_the_request_came_over_https(bench: Bench) -> None:
    from serverbench import TestClient  # here: a second client of the same app, as seen through an HTTPS proxy

    code, out, err = bench.cli("users", "add", "li", "--role", "officer", "--password-stdin", input=PASSWORD)
    assert code == 0, out + err
    plain = bench.client.post("/api/session", json={"name": "li", "password": PASSWORD})
    assert "secure" not in plain.headers["set-cookie"].lower()
    with TestClient(bench.client.app, base_url="https://workbench.example") as https:
        secure = https.post("/api/session", json={"name": "li", "password": PASSWORD})
        assert secure.status_code == 200 and "; secure" in secure.headers["set-cookie"].lower()


def test_the_pages_carry_a_policy_that_forbids_inline_script_and_other_hosts(bench: Bench) -> None:
    for path in ("/", "/login"):
        page = bench.client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text
    assert bench.client.get("/docs").status_code == 404  # FastAPI's docs would load from a CDN: off
    assert bench.client.get("/api/openapi.json").status_code == 200
