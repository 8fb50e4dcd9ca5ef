"""Who may do what, as server.md's roles table says: every route × every role × own or other district → its status.

The cases are data (``CASES``): a route, then the status each person gets. ``filer`` files for 南岸区 (500108), whose
filing ``nanan`` is; ``filer2`` files for 北碚区 (500109), whose filing ``beibei`` is: for ``filer2`` the nanan routes
are another district's, so 404 (its existence is not revealed), and for ``filer`` the beibei ones are.
"""

from __future__ import annotations

from typing import Any

import pytest

from serverbench import BEIBEI, NANAN, Bench

PERSONS = (None, "filer", "filer2", "officer", "reviewer", "admin")

# (method, path, body) → status for anonymous, filer, filer2, officer, reviewer, admin.
CASES: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", "/api/me", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/filings", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/filings?district=500108&year=2011", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{beibei}", None, (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/report.html", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/letter.md", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{beibei}/letter.md", None, (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/report/json", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/original", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/recheck", None, (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/999999", None, (401, 404, 404, 404, 404, 404)),
    ("POST", "/api/filings", "nanan", (401, 201, 403, 201, 201, 201)),
    ("POST", "/api/filings", "beibei", (401, 403, 201, 201, 201, 201)),
    # no 2010 filing of 南岸区: 404 naming that year (the ledger's own matrix is in test_server_followup.py)
    ("GET", "/api/districts/500108/ledger?year=2011", None, (401, 404, 404, 404, 404, 404)),
    ("GET", "/api/rules", None, (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/changes", None, (401, 403, 403, 200, 200, 200)),
    ("POST", "/api/changes", {"title": "t", "reason": "r", "edits": [{"rule": "FIN-13", "param": "threshold", "value": 0.75}]},
     (401, 403, 403, 201, 201, 201)),
    ("POST", "/api/changes/preview", {"edits": [{"rule": "FIN-13", "param": "threshold", "value": 0.75}]},
     (401, 403, 403, 200, 200, 200)),
    ("GET", "/api/changes/{change}", None, (401, 403, 403, 200, 200, 200)),
    ("GET", "/api/changes/999999", None, (401, 403, 403, 404, 404, 404)),
    ("POST", "/api/changes/{change}/approve", None, (401, 403, 403, 403, 200, 403)),
    ("POST", "/api/changes/{own_change}/approve", None, (401, 403, 403, 403, 403, 403)),
    ("POST", "/api/changes/{own_change}/reject", {"reason": "不行"}, (401, 403, 403, 403, 403, 403)),
    ("GET", "/api/audit", None, (401, 403, 403, 200, 200, 200)),
    ("GET", "/api/users", None, (401, 403, 403, 403, 403, 200)),
]


def _changes(bench: Bench) -> dict[str, int]:
    """Two pending change requests written straight into the store: one by the officer, one by the reviewer
    (``own_change``: the reviewer may not decide it). Their edit sets FIN-13 to the 70% it has: approving it changes
    no rule file, so the module's other tests see the rules unchanged."""
    from junheng.web.store.models import Change  # here: the store's model, for this setup only

    ids: dict[str, int] = {}
    with bench.wb.db.writing() as session:
        for key, author in (("change", "officer"), ("own_change", "reviewer")):
            change = Change(title="FIN-13 70%", reason="试点", author=author, status="pending", based_on=bench.wb.rules.version(),
                            edits=[{"rule": "FIN-13", "param": "threshold", "value": 0.70}], impact={"filings": 0, "changed": []},
                            diff="", created_at="2025-01-01T00:00:00Z")
            session.add(change)
            session.flush()
            ids[key] = change.id
    return ids


@pytest.fixture(scope="module")
def places(seeded: Bench) -> dict[str, int]:
    return seeded.ids | _changes(seeded)


@pytest.mark.parametrize(("method", "path", "body", "expected"), CASES, ids=[f"{m} {p}" + (f" {b}" if isinstance(b, str) else "")
                                                                            for m, p, b, _ in CASES])
def test_every_role_gets_the_status_the_roles_table_gives(seeded: Bench, places: dict[str, int], method: str, path: str, body: Any,
                                                          expected: tuple[int, ...]) -> None:
    url = path.format(**places)
    got = []
    for person in PERSONS:
        if isinstance(body, str):  # an upload of a named filing
            response = seeded.upload(person, {"nanan": NANAN, "beibei": BEIBEI}[body])
        else:
            response = seeded.client.request(method, url, json=body, headers=seeded.auth(person))
        got.append(response.status_code)
        if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
            error = response.json()["error"]
            assert error["code"] and error["message"], response.text
    assert tuple(got) == expected, dict(zip(PERSONS, got, strict=True))


def test_a_filer_lists_only_their_own_district_whatever_they_ask_for(seeded: Bench) -> None:
    for person, district in (("filer", "500108"), ("filer2", "500109")):
        for query in ("", "?district=500108", "?district=500109"):
            listed = seeded.client.get(f"/api/filings{query}", headers=seeded.auth(person)).json()["filings"]
            assert all(f["district"] == district for f in listed), (person, query, listed)
    everything = seeded.client.get("/api/filings", headers=seeded.auth("officer")).json()["filings"]
    assert {f["district"] for f in everything} >= {"500108", "500109"}
    assert [f["id"] for f in everything] == sorted((f["id"] for f in everything), reverse=True)  # newest first


def test_a_wrong_or_unknown_token_is_401_like_no_token(seeded: Bench) -> None:
    for headers in ({"Authorization": "Bearer jh_not-a-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {}):
        response = seeded.client.get("/api/filings", headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


def test_errors_are_in_english_when_the_request_asks_for_it(seeded: Bench) -> None:
    zh = seeded.client.get("/api/audit", headers=seeded.auth("filer")).json()["error"]["message"]
    en = seeded.client.get("/api/audit", headers=seeded.auth("filer") | {"Accept-Language": "en-GB,en;q=0.9"}).json()["error"]["message"]
    assert "无权" in zh and "may not" in en


def test_a_write_from_another_site_is_refused_before_anything_happens(seeded: Bench) -> None:
    response = seeded.upload("officer", NANAN, Origin="https://evil.example")
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_origin"
    same = seeded.upload("officer", NANAN, Origin="http://testserver")
    assert same.status_code == 201, same.text
