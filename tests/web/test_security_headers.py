"""What every response carries, and what a person's words become on the way back out.

- Every response — page, JSON, report, download, static file, error, refusal made before the application is reached —
  carries a Content-Security-Policy without inline script (``frame-ancestors 'none'`` on the pages, ``'self'`` on a
  report the pages may frame), ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy`` and a request id; everything
  but the static files ``Cache-Control: no-store``.
- ``<script>`` and template syntax (``{{7*7}}``, ``${7*7}``) put into every text a user can enter — the district's and
  the schools' names and the file name of a filing, a change's title, reason and rejection, a rule's text changed by
  an approved change, a user's name — come back inert: escaped in every HTML page and report, escaped in the letter
  and Markdown (which a renderer might turn into HTML), never evaluated (no ``49`` between the markers), and served
  with a type that is not HTML (and ``nosniff``) everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from hostile import tally
from hostile.routes import WRITES, every_route, url
from junheng.web.problems import Refused
from junheng.web.service import accounts
from serverbench import NANAN, Bench, TestClient, make_bench

SCRIPT = "甲<script>alert(1)</script>{{7*7}}乙"
IMAGE = "丙<img src=x onerror=alert(2)>${7*7}丁"
TEXT = "戊<script>alert(3)</script>己"  # a rule's text: its braces are the rule's own placeholders, so none here
LIVE = ("<script>alert(", "<img src=x onerror")  # what must never come back as markup
EVALUATED = ("甲49乙", "丙49丁", "甲{49}乙")  # what a template engine that ran the payload would leave
PASSWORD = "correct horse battery staple"
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def _hostile_filing() -> bytes:
    data: dict[str, Any] = yaml.safe_load(NANAN.read_text(encoding="utf-8"))
    data["district"]["name"] = SCRIPT
    data["schools"][0]["name"] = IMAGE
    data["schools"][1]["name"] = SCRIPT
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    """A bench (SQLite) holding the payloads: a filing named with them, a change titled with them and rejected with
    them, an approved change that writes one into STD-01's title; and li, an officer who logs in with a password."""
    bench = make_bench(tmp_path_factory.mktemp("xss") / "data", None)
    made = bench.client.post("/api/filings", files={"file": (f"{IMAGE}.yaml", _hostile_filing())}, headers=bench.auth("officer"))
    assert made.status_code == 201, made.text
    bench.ids["filing"] = made.json()["id"]
    edit = [{"rule": "FIN-13", "param": "threshold", "value": 0.7}]
    change = bench.client.post("/api/changes", json={"title": SCRIPT, "reason": IMAGE, "edits": edit}, headers=bench.auth("officer"))
    assert change.status_code == 201, change.text
    bench.ids["change"] = change.json()["id"]
    rejected = bench.client.post(f"/api/changes/{bench.ids['change']}/reject", json={"reason": SCRIPT}, headers=bench.auth("reviewer"))
    assert rejected.status_code == 200, rejected.text
    retitle = [{"rule": "STD-01", "field": "title", "zh": TEXT}]
    text = bench.client.post("/api/changes", json={"title": "标题", "reason": IMAGE, "edits": retitle}, headers=bench.auth("officer"))
    assert text.status_code == 201, text.text
    bench.ids["text_change"] = text.json()["id"]
    assert bench.client.post(f"/api/changes/{bench.ids['text_change']}/approve", headers=bench.auth("reviewer")).status_code == 200
    recheck = bench.client.post(f"/api/filings/{bench.ids['filing']}/recheck", headers=bench.auth("officer"))
    assert recheck.status_code == 200 and TEXT in recheck.text, recheck.text[:500]  # the new title is in the newest result
    accounts.add_user(bench.wb, "test", "li", "officer", None, PASSWORD)
    yield bench
    bench.client.close()
    bench.wb.close()


def _browser(bench: Bench) -> TestClient:
    client = TestClient(bench.client.app)
    assert client.post("/api/session", json={"name": "li", "password": PASSWORD}).status_code == 200
    return client


def _places(bench: Bench) -> dict[str, object]:
    return {"filing": bench.ids["filing"], "change": bench.ids["change"], "code": "500108", "fmt": "html", "rule": "STD-01"}


def _gets(bench: Bench) -> Iterator[tuple[str, Any]]:
    """Every GET route as li sees it (pages and API), every report format, and the text change's pages."""
    browser = _browser(bench)
    for method, path in every_route(bench.client.app):
        if method == "GET":
            yield path, browser.get(url(path, _places(bench)), follow_redirects=False)
    from junheng.web.service.filings import REPORT_FORMATS  # here: the formats the download route knows, as they are today

    for fmt in REPORT_FORMATS:
        yield f"report/{fmt}", browser.get(f"/api/filings/{bench.ids['filing']}/report/{fmt}")
    for extra in (f"/changes/{bench.ids['text_change']}", f"/api/changes/{bench.ids['text_change']}", "/api/audit", "/rules/STD-01",
                  "/api/rules", "/api/districts/500108/ledger/html?year=2011"):
        yield extra, browser.get(extra, follow_redirects=False)


def _policy(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_every_response_carries_the_security_headers(bench: Bench) -> None:
    responses = list(_gets(bench))
    anonymous = TestClient(bench.client.app)
    responses += [("401", anonymous.get("/api/filings")), ("404", anonymous.get("/no/such/page")),
                  ("413", anonymous.post("/api/filings", headers={"Content-Length": str(10**9)}, content=b"x")),
                  ("403 cross-site", bench.client.post("/api/filings", headers=bench.auth("officer") | {"Origin": "https://x.example"})),
                  ("422", bench.client.post("/api/changes", json={}, headers=bench.auth("officer"))),
                  ("405", bench.client.put("/api/filings", headers=bench.auth("officer")))]
    from junheng.web.templating import STATIC  # here: the package's static files, as they are today

    responses += [(f"/static/{p.name}", anonymous.get(f"/static/{p.name}")) for p in sorted(STATIC.glob("*.*"))]
    assert len(responses) > 40
    for where, response in responses:
        headers = response.headers
        policy = _policy(headers.get("content-security-policy", ""))
        scripts = policy.get("script-src", policy.get("default-src", []))
        assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (where, headers)
        assert policy.get("frame-ancestors") in (["'none'"], ["'self'"]), (where, policy)
        if headers.get("content-type", "").startswith("text/html") and "report" not in where and "overview.html" not in where:
            assert policy["frame-ancestors"] == ["'none'"], where
        assert headers.get("x-content-type-options") == "nosniff", where
        assert headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where
        assert re.fullmatch(r"[0-9a-f]{16}", headers.get("x-request-id", "")), where
        if not where.startswith("/static/"):
            assert headers.get("cache-control") == "no-store", (where, headers.get("cache-control"))


def test_a_request_id_from_the_proxy_is_echoed_and_a_forged_one_replaced(bench: Bench) -> None:
    kept = bench.client.get("/api/me", headers=bench.auth("officer") | {"X-Request-ID": "nginx-4f2a.9"})
    assert kept.headers["x-request-id"] == "nginx-4f2a.9"
    for forged in ("a\nfake log line", "x" * 65, '"}{"level":"error'):
        replaced = bench.client.get("/api/me", headers=bench.auth("officer") | {"X-Request-ID": forged.replace("\n", " ")})
        assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["x-request-id"]), forged


def test_what_people_type_comes_back_inert_in_every_page_report_and_document(bench: Bench) -> None:
    seen = 0
    for where, response in _gets(bench):
        if response.status_code >= 300:
            continue
        kind = response.headers.get("content-type", "")
        body = response.text if not kind.startswith(("application/vnd", "application/octet-stream")) else ""
        evaluated = [e for e in EVALUATED if e in body]
        live = [m for m in LIVE if m in body] if kind.startswith(("text/html", "text/markdown")) else []
        tally.attack(not evaluated and not live)
        assert not evaluated and not live, (where, kind, evaluated, live)
        if kind.startswith("text/html"):
            for attributes, inline in _SCRIPT_TAG.findall(body):  # the page's own scripts: files, never inline code
                assert "src=" in attributes and not inline.strip(), (where, attributes, inline[:200])
            assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", body, re.I), where  # no inline event handlers either
        else:
            assert response.headers["x-content-type-options"] == "nosniff", where
        seen += any(marker in body for marker in ("甲", "丙", "戊"))
    assert seen >= 15, seen  # the payloads were there to be escaped: in the reports, the pages, the JSON


def test_the_html_report_and_the_letter_show_the_names_escaped(bench: Bench) -> None:
    html = bench.client.get(f"/api/filings/{bench.ids['filing']}/report.html", headers=bench.auth("officer")).text
    assert "甲&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}乙" in html and "丙&lt;img src=x onerror=alert(2)&gt;${7*7}丁" in html
    letter = bench.client.get(f"/api/filings/{bench.ids['filing']}/letter.md", headers=bench.auth("officer")).text
    assert "甲&lt;script" in letter and "<script" not in letter
    made = bench.client.get(f"/api/filings/{bench.ids['filing']}", headers=bench.auth("officer")).json()
    assert made["district_name"] == SCRIPT and made["filename"] == f"{IMAGE}.yaml"  # JSON keeps the text as typed: it is data


def test_a_user_name_cannot_carry_markup_at_all(bench: Bench) -> None:
    for name in (SCRIPT, IMAGE, "{{7*7}}", "li<b>", "a\nb", "../admin"):
        with pytest.raises(Refused) as refused:
            accounts.add_user(bench.wb, "test", name, "officer", None, PASSWORD)
        tally.attack(refused.value.status == 422)
        assert refused.value.status == 422


def test_no_write_route_is_reachable_by_a_get(bench: Bench) -> None:
    """A state change only ever answers to a write method (SameSite=Lax lets a cross-site GET carry the cookie): a GET
    of every write route's URL is refused, or lands on a route that only reads, and nothing is written."""
    from junheng.web.store.models import AuditEntry  # here: the one place this module looks into the store

    routes = every_route(bench.client.app)
    with bench.wb.db.reading() as session:
        before = session.query(AuditEntry).count()
    for path in {path for method, path in routes if method in WRITES}:
        if ("GET", path) not in routes:
            response = bench.client.get(url(path, _places(bench)), headers=bench.auth("officer"), follow_redirects=False)
            assert response.status_code in (404, 405, 422), (path, response.status_code)
    with bench.wb.db.reading() as session:
        assert session.query(AuditEntry).count() == before
