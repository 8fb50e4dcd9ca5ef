"""Nobody in where they do not belong, on every route the application has — found by walking its routers, so that a
route added later is attacked too (``test_server_access.py`` holds server.md's table; this holds what no route may do):

- without credentials, every route but logging in is refused (401, or the login form for a page);
- a filer of another district never learns a filing exists: every route named with 南岸区's filing or district code
  answers 404 (403 or 422 for what is refused before any lookup) and no answer anywhere carries 南岸区's data;
- a write with the session cookie from another site's page is refused (403 ``cross_origin``) on every write route,
  whatever the browser says it came from (``Origin``, ``Origin: null``, ``Sec-Fetch-Site``, ``Referer``), and nothing
  is written;
- an API token counts only in the ``Authorization`` header;
- a reviewer never decides their own change, whatever credential of theirs they use; no one but an administrator
  reaches a route about users or tokens; a disabled user's session and tokens stop at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hostile import tally
from hostile.routes import PUBLIC, WRITES, every_route, url
from junheng.web.service import accounts
from junheng.web.store.models import AuditEntry, Change, Filing
from serverbench import BEIBEI, NANAN, Bench, TestClient, make_bench

PASSWORD = "correct horse battery staple"
FIN13 = [{"rule": "FIN-13", "param": "threshold", "value": 0.7}]  # what it is already: approving it changes no rule file
NANAN_NAMES = ("南岸区", "南坪实验小学")  # what only 南岸区's filing holds
CROSS_SITE = ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
              {"Referer": "https://evil.example/page.html"}, {"Origin": "http://testserver.evil.example"})


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """One bench for the module (SQLite): 南岸区's filing by its filer, 北碚区's by its own, a pending change by the
    officer and one by the reviewer, and two people who log in with passwords (the officer li, the reviewer wang)."""
    bench = make_bench(tmp_path_factory.mktemp("access") / "data", None)
    for key, person, path in (("nanan", "filer", NANAN), ("beibei", "filer2", BEIBEI)):
        response = bench.upload(person, path)
        assert response.status_code == 201, response.text
        bench.ids[key] = response.json()["id"]
    for key, person in (("change", "officer"), ("own_change", "reviewer")):
        made = bench.client.post("/api/changes", headers=bench.auth(person),
                                 json={"title": "FIN-13", "reason": "试点", "edits": FIN13})
        assert made.status_code == 201, made.text
        bench.ids[key] = made.json()["id"]
    accounts.add_user(bench.wb, "test", "li", "officer", None, PASSWORD)
    accounts.add_user(bench.wb, "test", "wang", "reviewer", None, PASSWORD)
    yield bench
    bench.client.close()
    bench.wb.close()


def _places(bench: Bench, filing: str = "nanan") -> dict[str, object]:
    return {"filing": bench.ids[filing], "change": bench.ids["change"], "code": "500108", "fmt": "json", "rule": "FIN-13",
            "default": "1"}


def _session(bench: Bench, name: str) -> TestClient:
    """A client of the same app logged in as ``name`` with the password form of the API: it holds the session cookie."""
    client = TestClient(bench.client.app)
    response = client.post("/api/session", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def _counts(bench: Bench) -> tuple[int, int, int]:
    with bench.wb.db.reading() as session:
        return (session.query(AuditEntry).count(), session.query(Filing).count(), session.query(Change).count())


def test_every_route_but_logging_in_refuses_a_request_without_credentials(bench: Bench) -> None:
    routes = every_route(bench.client.app)
    assert len(routes) >= 30, routes  # the walk found the routers
    anonymous = TestClient(bench.client.app)
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        response = anonymous.request(method, url(path, _places(bench)), json={}, follow_redirects=False)
        if path.startswith("/api/"):
            refused = response.status_code == 401
        else:  # a page: the login form, or the form token's refusal of a write
            refused = response.status_code in (401, 403) or (response.status_code in (302, 303, 307)
                                                              and response.headers["location"].startswith("/login"))
        tally.attack(refused and not any(n in response.text for n in NANAN_NAMES))
        assert refused, (method, path, response.status_code, response.text[:300])
        assert not any(n in response.text for n in NANAN_NAMES), (method, path)


@pytest.mark.parametrize("person", ["filer2", "filer"])
def test_a_filer_never_learns_that_another_districts_filing_exists(bench: Bench, person: str) -> None:
    """filer2 (北碚区) asks every route about 南岸区's filing and district; filer (南岸区) about 北碚区's."""
    other, names = ("nanan", NANAN_NAMES) if person == "filer2" else ("beibei", ("北碚区",))
    places = _places(bench, other) | {"code": "500108" if person == "filer2" else "500109"}
    for method, path in every_route(bench.client.app):
        if (method, path) in PUBLIC:
            continue
        response = bench.client.request(method, url(path, places), json={}, headers=bench.auth(person), follow_redirects=False)
        named = "{filing_id}" in path or "{code}" in path
        leaked = any(n in response.text for n in names) or (named and response.status_code < 300)
        tally.attack(not leaked)
        assert not leaked, (person, method, path, response.status_code, response.text[:300])
        if named and method not in WRITES:
            assert response.status_code == 404, (person, method, path, response.status_code, response.text[:300])


def test_a_write_from_another_sites_page_is_refused_on_every_write_route_and_writes_nothing(bench: Bench) -> None:
    writes = [(m, p) for m, p in every_route(bench.client.app) if m in WRITES]
    assert ("POST", "/api/filings") in writes and ("POST", "/api/changes/{change_id}/approve") in writes
    for person in ("li", "wang"):
        browser = _session(bench, person)
        before = _counts(bench)
        for method, path in writes:
            for said in CROSS_SITE:
                response = browser.request(method, url(path, _places(bench)), json={"title": "x", "reason": "x", "edits": []},
                                           headers=said, follow_redirects=False)
                refused = response.status_code == 403 and response.json()["error"]["code"] == "cross_origin"
                tally.attack(refused)
                assert refused, (person, method, path, said, response.status_code, response.text[:300])
        assert _counts(bench) == before  # not a line of the audit log, not a filing, not a change
        assert browser.get("/api/me").status_code == 200  # the session itself is fine: only the forged writes were refused
        same = browser.post("/api/filings", files={"file": ("nanan-2011.yaml", NANAN.read_bytes())}, headers={"Origin": "http://testserver"})
        assert same.status_code == 201, same.text  # the same write from the workbench's own page goes through


def test_an_api_token_counts_only_in_the_authorization_header(bench: Bench) -> None:
    token = bench.tokens["officer"]
    anonymous = TestClient(bench.client.app)
    attempts: list[tuple[str, dict[str, str], dict[str, str]]] = [
        (f"/api/me?token={token}", {}, {}), (f"/api/me?access_token={token}", {}, {}), (f"/api/me?authorization=Bearer%20{token}", {}, {}),
        ("/api/me", {}, {"junheng_session": token}), ("/api/me", {}, {"token": token}), ("/api/me", {"X-Api-Key": token}, {}),
        ("/api/me", {"Authorization": f"Token {token}"}, {}), ("/api/me", {"Authorization": token}, {}),
        ("/api/me", {"Authorization": f"Basic {token}"}, {}), ("/api/me", {"Cookie": f"junheng_session={token}"}, {}),
    ]
    for path, headers, cookies in attempts:
        anonymous.cookies.clear()
        for key, value in cookies.items():
            anonymous.cookies.set(key, value)
        response = anonymous.get(path, headers=headers)
        tally.attack(response.status_code == 401)
        assert response.status_code == 401, (path, headers, cookies, response.text)
    assert anonymous.get("/api/me", headers={"Authorization": f"bearer {token}"}).json()["user"]["name"] == "officer"


def test_a_reviewer_never_decides_their_own_change_whatever_credential_they_use(bench: Bench) -> None:
    own = bench.ids["own_change"]
    second_token = accounts.create_token(bench.wb, "test", "reviewer")  # a second token of their own
    proposed = bench.client.post("/api/changes", headers={"Authorization": f"Bearer {second_token}"},
                                 json={"title": "自己的", "reason": "x", "edits": FIN13})
    assert proposed.status_code == 201, proposed.text
    wang = _session(bench, "wang")
    wangs = wang.post("/api/changes", json={"title": "王的", "reason": "x", "edits": FIN13},
                      headers={"Origin": "http://testserver"})
    assert wangs.status_code == 201, wangs.text
    tries = [(own, {"Authorization": f"Bearer {bench.tokens['reviewer']}"}, bench.client),
             (own, {"Authorization": f"Bearer {second_token}"}, bench.client),
             (proposed.json()["id"], {"Authorization": f"Bearer {bench.tokens['reviewer']}"}, bench.client),
             (wangs.json()["id"], {"Origin": "http://testserver"}, wang)]
    for change, headers, client in tries:
        for decision, body in (("approve", None), ("reject", {"reason": "自己批自己"})):
            response = client.post(f"/api/changes/{change}/{decision}", json=body, headers=headers)
            tally.attack(response.status_code == 403)
            assert response.status_code == 403, (change, decision, response.text)
    admin = bench.client.post(f"/api/changes/{own}/approve", headers=bench.auth("admin"))
    assert admin.status_code == 403  # an administrator, who makes accounts, decides nothing
    decided = [own, proposed.json()["id"], wangs.json()["id"]]
    with bench.wb.db.reading() as session:
        assert {c.status for c in session.query(Change).where(Change.id.in_(decided))} == {"pending"}


def test_a_name_is_one_person_for_good_so_a_second_account_cannot_pass_as_another_reviewer(bench: Bench) -> None:
    """Only an administrator makes accounts (the command line on the server: no route makes one), and a name, once
    used, is never given again — not even after its user is disabled — so a change's author is one account for good."""
    for method, path in every_route(bench.client.app):
        if ("user" in path or "token" in path) and (method, path) not in PUBLIC:
            for person in ("filer", "officer", "reviewer"):
                response = bench.client.request(method, url(path, _places(bench)), json={"name": "x", "role": "reviewer"},
                                                headers=bench.auth(person), follow_redirects=False)
                tally.attack(response.status_code in (403, 404, 405))
                assert response.status_code in (403, 404, 405), (person, method, path, response.status_code)
    accounts.add_user(bench.wb, "test", "zhao", "reviewer", None, PASSWORD)
    accounts.disable_user(bench.wb, "test", "zhao")
    with pytest.raises(accounts.Refused) as taken:
        accounts.add_user(bench.wb, "test", "zhao", "reviewer", None, PASSWORD)
    assert taken.value.status == 409


def test_a_disabled_users_session_and_tokens_stop_at_once(bench_factory: Any) -> None:
    bench: Bench = bench_factory()
    accounts.add_user(bench.wb, "test", "sun", "officer", None, PASSWORD)
    tokens = [accounts.create_token(bench.wb, "test", "sun") for _ in range(2)]
    browser = _session(bench, "sun")
    assert browser.get("/api/me").status_code == 200
    assert all(bench.client.get("/api/me", headers={"Authorization": f"Bearer {t}"}).status_code == 200 for t in tokens)
    accounts.disable_user(bench.wb, "test", "sun")
    after = [browser.get("/api/me").status_code] + [bench.client.get("/api/me", headers={"Authorization": f"Bearer {t}"}).status_code
                                                    for t in tokens]
    refused = after == [401, 401, 401]
    tally.attack(refused, n=3)
    assert refused, after
    assert browser.post("/api/session", json={"name": "sun", "password": PASSWORD}).status_code == 401


def test_the_walk_finds_the_routes_the_roles_table_names(bench: Bench) -> None:
    """The route walk is what every test above rests on: it must see server.md's routes, pages and API."""
    found = set(every_route(bench.client.app))
    for route in (("GET", "/api/filings/{filing_id}"), ("POST", "/api/changes/{change_id}/approve"), ("GET", "/api/audit"),
                  ("GET", "/api/rules"), ("POST", "/api/filings")):
        assert route in found, sorted(found)
