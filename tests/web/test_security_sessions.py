"""Passwords and sessions (OWASP ASVS level 2, V2 and V3): argon2id hashes and nothing else kept, 12 to 128 characters,
no password in any log line or in the database, logins throttled per account and per address while a legitimate login
still works, and the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, a new id at every login, gone after
idle time and at logout. The throttle is kept in the database: a restart forgets nothing, and every 429 says in
``Retry-After`` when to try again."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hostile import tally
from junheng.web.credentials import MAX_PASSWORD, MIN_PASSWORD
from junheng.web.app import create_app
from junheng.web.middleware import JsonLines
from junheng.web.problems import Refused, too_many
from junheng.web.service import accounts
from junheng.web.settings import Settings
from junheng.web.store.models import AuditEntry, LoginFailure, LoginSession, Token, User
from junheng.web.workbench import Workbench, open_workbench
from serverbench import Bench, TestClient, make_bench

PASSWORD = "Tr0ub4dor&3-horse-battery"


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    """A bench on SQLite with the officer li and the reviewer wang, who log in with passwords."""
    bench = make_bench(tmp_path / "data", None)
    accounts.add_user(bench.wb, "test", "li", "officer", None, PASSWORD)
    accounts.add_user(bench.wb, "test", "wang", "reviewer", None, PASSWORD)
    yield bench
    bench.client.close()
    bench.wb.close()


def _login(client: TestClient, name: str = "li", password: str = PASSWORD) -> object:
    return client.post("/api/session", json={"name": name, "password": password})


def test_passwords_are_kept_as_argon2id_hashes_and_tokens_and_sessions_as_sha256(bench: Bench) -> None:
    client = TestClient(bench.client.app)
    cookie = _login(client).cookies["junheng_session"]  # type: ignore[attr-defined]
    with bench.wb.db.reading() as session:
        stored = session.query(User).filter_by(name="li").one().password_hash or ""
        tokens = [t.token_hash for t in session.query(Token)]
        sessions = [s.token_hash for s in session.query(LoginSession)]
    assert stored.startswith("$argon2id$v=19$") and PASSWORD not in stored
    assert all(len(t) == 64 for t in tokens) and not set(bench.tokens.values()) & set(tokens)
    assert cookie not in sessions and len(sessions) == 1
    stored_bytes = b"".join(p.read_bytes() for p in bench.data.glob("junheng.db*"))
    for secret in (PASSWORD, cookie, *bench.tokens.values()):
        assert secret.encode() not in stored_bytes, secret  # the database file holds no secret in the clear


def test_a_password_is_12_to_128_characters(bench: Bench) -> None:
    assert (MIN_PASSWORD, MAX_PASSWORD) == (12, 128)
    for name, password, ok in (("a1", "x" * 11, False), ("a2", "x" * 12, True), ("a3", "长" * 12, True), ("a4", "x" * 128, True),
                               ("a5", "x" * 129, False)):
        try:
            accounts.add_user(bench.wb, "test", name, "officer", None, password)
            made = True
        except Refused as refused:
            assert refused.status == 422 and refused.code == "invalid_password"
            made = False
        assert made == ok, (name, len(password))


class _Everything(logging.Handler):
    """Every record any logger makes, formatted as the server writes it (JSON lines)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonLines())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(record.args) + " " + repr(record.__dict__))


def test_no_password_reaches_any_log_line_the_audit_log_or_the_database(bench: Bench) -> None:
    root = logging.getLogger()
    catcher, level = _Everything(), root.level
    root.addHandler(catcher)
    root.setLevel(logging.DEBUG)  # every logger, SQLAlchemy's statements and their parameters included
    try:
        client = TestClient(bench.client.app)
        wrong = "Wr0ng-but-close-" + PASSWORD[:6]
        assert _login(client).status_code == 200  # type: ignore[attr-defined]
        assert _login(client, "li", wrong).status_code == 401  # type: ignore[attr-defined]
        assert _login(client, "nobody", wrong).status_code == 401  # type: ignore[attr-defined]
        assert client.post("/api/session", json={"name": "li", "password": wrong * 100}).status_code == 422
        assert client.post("/login", data={"name": "wang", "password": PASSWORD}, follow_redirects=False).status_code in (303, 403)
        for _ in range(6):  # into the throttle
            _login(client, "wang", wrong)
        accounts.add_user(bench.wb, "test", "zhou", "officer", None, PASSWORD + "-zhou")
    finally:
        root.removeHandler(catcher)
        root.setLevel(level)
    said = "\n".join(catcher.lines)
    assert catcher.lines and "junheng.access" in said  # the catcher did see the server's logging
    audit = bench.client.get("/api/audit", headers=bench.auth("officer")).text
    stored = b"".join(p.read_bytes() for p in bench.data.glob("junheng.db*")).decode("latin-1")
    for secret in (PASSWORD, wrong, PASSWORD + "-zhou", *bench.tokens.values()):
        leaked = secret in said or secret in audit or secret in stored
        tally.attack(not leaked)
        assert not leaked, secret


def test_logins_are_throttled_per_account_and_per_address_and_a_legitimate_login_still_works(bench: Bench) -> None:
    limit = accounts.limits(bench.wb)
    assert (limit.failures_per_account, limit.failures_per_address, limit.window_seconds) == (5, 20, 15 * 60)
    # Per account: 50 guesses at li's password from one address; only the first five are checked at all.
    answers = [_status(bench, "li", f"guess number {i:03d}", "10.0.0.1") for i in range(50)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}, answers
    assert _status(bench, "li", PASSWORD, "10.0.0.9") == 429  # even the right password, from elsewhere: li is locked for now
    assert _status(bench, "wang", PASSWORD, "10.0.0.1") == 200  # another account from the same address is not
    # Per address: one address guessing many names is stopped after 20 failures, whatever the names.
    answers = [_status(bench, f"user{i}", "guessing away", "10.0.0.2") for i in range(40)]
    assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}, answers
    assert _status(bench, "wang", PASSWORD, "10.0.0.2") == 429
    assert _status(bench, "wang", PASSWORD, "10.0.0.3") == 200  # a colleague at another address logs in
    tally.attack(True, n=90)  # 90 guesses: 25 checked and wrong, 65 refused unchecked
    with bench.wb.db.reading() as session:
        failed = session.query(AuditEntry).filter_by(action="login_failed").count()
        throttled = [e.object for e in session.query(AuditEntry).filter_by(action="login_throttled")]
    assert failed == 25 and throttled == ["user:li", "user:user19"]  # the refused attempts are not written one by one
    limit.window_seconds = 1.0  # the window, narrowed, passes
    time.sleep(1.1)
    assert _status(bench, "li", PASSWORD, "10.0.0.1") == 200 and _status(bench, "wang", PASSWORD, "10.0.0.2") == 200


def _status(bench: Bench | Workbench, name: str, password: str, address: str) -> int:
    try:
        accounts.log_in(bench.wb if isinstance(bench, Bench) else bench, name, password, address)
        return 200
    except Refused as refused:
        return refused.status


def test_a_throttled_login_is_a_429_that_says_when_to_try_again(bench: Bench) -> None:
    client = TestClient(bench.client.app, client=("192.0.2.7", 40000))
    statuses = [_login(client, "li", f"not the password {i}").status_code for i in range(6)]  # type: ignore[attr-defined]
    assert statuses == [401] * 5 + [429]
    refused = _login(client, "li", PASSWORD)
    body = refused.json()["error"]  # type: ignore[attr-defined]
    assert refused.status_code == 429 and body["code"] == "too_many_attempts" and 0 < body["retry_after"] <= 15 * 60  # type: ignore[attr-defined]
    assert refused.headers["retry-after"] == str(body["retry_after"])  # type: ignore[attr-defined]
    assert _login(TestClient(bench.client.app), "wang").status_code == 200  # type: ignore[attr-defined]


def test_every_429_says_in_retry_after_when_to_try_again_the_login_page_as_the_api(bench: Bench) -> None:
    browser = TestClient(bench.client.app, client=("192.0.2.8", 40000))
    found = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text)
    assert found, "the login form has no form token"

    def form(password: str) -> object:
        return browser.post("/login", data={"name": "li", "password": password, "next": "/", "csrf": found.group(1)},
                            follow_redirects=False)

    assert [form(f"not the password {i}").status_code for i in range(5)] == [401] * 5  # type: ignore[attr-defined]
    for answer in (form(PASSWORD), _login(browser, "li", PASSWORD)):  # the page, then the API: the right password, li locked
        assert answer.status_code == 429, answer.text  # type: ignore[attr-defined]
        wait = answer.headers["retry-after"]  # type: ignore[attr-defined]
        assert wait.isdigit() and 1 <= int(wait) <= 15 * 60, wait
    assert "登录失败次数过多" in form(PASSWORD).text  # type: ignore[attr-defined]
    # Whole seconds, rounded up and never 0, however little is left of the wait.
    assert [too_many("too_many_attempts", "", "", wait).headers for wait in (0.01, 1.0, 1.2, 899.5)] == [
        {"Retry-After": "1"}, {"Retry-After": "1"}, {"Retry-After": "2"}, {"Retry-After": "900"}]
    assert Refused(409, "x", "", "").headers == {}


def test_the_throttle_is_kept_in_the_database_and_survives_a_restart(bench_factory: Callable[..., Bench]) -> None:
    bench = bench_factory(people=False)
    accounts.add_user(bench.wb, "test", "li", "officer", None, PASSWORD)
    accounts.add_user(bench.wb, "test", "wang", "reviewer", None, PASSWORD)
    assert [_status(bench, "li", f"guess number {i}", "10.0.0.1") for i in range(5)] == [401] * 5
    assert {_status(bench, f"user{i}", "guessing away", "10.0.0.2") for i in range(19)} == {401}  # 19 of the address's 20
    bench.client.close()
    bench.wb.close()  # the server stops; a new one starts on the same data folder and database
    wb = open_workbench(Settings(data=bench.data, db=bench.db))
    try:
        app = TestClient(create_app(wb.settings, wb), client=("10.0.0.1", 40000))
        refused = app.post("/api/session", json={"name": "li", "password": PASSWORD})
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"  # li is still locked
        assert 1 <= int(refused.headers["retry-after"]) <= 15 * 60
        assert _status(wb, "user19", "guessing away", "10.0.0.2") == 401  # the address's twentieth failure, counted on
        assert _status(wb, "wang", PASSWORD, "10.0.0.2") == 429
        assert _status(wb, "wang", PASSWORD, "10.0.0.3") == 200  # a legitimate login still works
        with wb.db.reading() as session:
            throttled = [e.object for e in session.query(AuditEntry).filter_by(action="login_throttled")]
        assert throttled == ["user:li", "user:user19"]  # each once, across the restart
        accounts.limits(wb).window_seconds = 1.0  # the window, narrowed, passes: the failures are pruned as it goes
        time.sleep(1.1)
        assert _status(wb, "li", PASSWORD, "10.0.0.1") == 200
        with wb.db.reading() as session:
            assert session.query(LoginFailure).count() == 0  # the old failures deleted, the success's own attempt taken back
    finally:
        wb.close()


def test_a_success_clears_the_accounts_failures_but_not_the_addresss(bench: Bench) -> None:
    assert [_status(bench, "li", f"typo {i}", "10.0.0.5") for i in range(4)] == [401] * 4
    assert _status(bench, "li", PASSWORD, "10.0.0.5") == 200
    assert [_status(bench, "li", f"typo again {i}", "10.0.0.6") for i in range(5)] == [401] * 5  # five more: the count began again
    with bench.wb.db.reading() as session:
        kept = {(f.name, f.address) for f in session.query(LoginFailure)}
    assert kept == {(None, "10.0.0.5"), ("li", "10.0.0.6")}  # the first four still count against their address
    assert [_status(bench, f"other{i}", "guessing away", "10.0.0.5") for i in range(17)] == [401] * 16 + [429]


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(bench: Bench) -> None:
    plain = _login(TestClient(bench.client.app))
    cookie = plain.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "secure" not in cookie
    with TestClient(bench.client.app, base_url="https://dudao.example.gov.cn") as https:
        secure = _login(https)
        cookie = secure.headers["set-cookie"].lower()  # type: ignore[attr-defined]
        assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert secure.headers["strict-transport-security"].startswith("max-age=")  # type: ignore[attr-defined]
    assert "strict-transport-security" not in plain.headers  # type: ignore[attr-defined]


def test_a_login_rotates_the_session_id_and_the_one_held_before_is_worth_nothing(bench: Bench) -> None:
    browser = TestClient(bench.client.app)
    browser.cookies.set("junheng_session", "planted-by-someone-else")  # fixation: an id the attacker knows
    first = _login(browser).cookies["junheng_session"]  # type: ignore[attr-defined]
    assert first != "planted-by-someone-else"
    second = _login(browser, "wang").cookies["junheng_session"]  # type: ignore[attr-defined]
    assert second != first
    old = TestClient(bench.client.app)
    old.cookies.set("junheng_session", first)
    stale = old.get("/api/me").status_code
    tally.attack(stale == 401)
    assert stale == 401  # the id from before the second login is gone
    assert browser.get("/api/me").json()["user"]["name"] == "wang"
    browser.delete("/api/session")
    after = TestClient(bench.client.app)
    after.cookies.set("junheng_session", second)
    assert after.get("/api/me").status_code == 401  # logged out: gone too
    with bench.wb.db.reading() as session:
        assert session.query(LoginSession).count() == 0


def test_a_session_ends_after_its_idle_time_and_lives_on_while_used(bench: Bench) -> None:
    accounts.limits(bench.wb).idle_seconds = 2
    browser = TestClient(bench.client.app)
    assert _login(browser).status_code == 200  # type: ignore[attr-defined]
    for _ in range(3):  # used every second for three seconds: longer than the idle time, and still there
        time.sleep(1.0)
        assert browser.get("/api/me").status_code == 200
    time.sleep(3.2)
    expired = browser.get("/api/me").status_code
    tally.attack(expired == 401)
    assert expired == 401
