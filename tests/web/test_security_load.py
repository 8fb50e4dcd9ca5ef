"""The server under load, and what it writes down meanwhile: a real ``junheng serve`` on 127.0.0.1, sixteen clients
sending 2,000 requests that mix uploads, report reads and rule pages, with no error, the 95th percentile latency
reported and the server's memory flat from after the warm-up to the end; its log JSON lines, one per request with the
request's id, and not a password, token or session id among them; behind an HTTPS proxy, its cookie Secure.

The server runs with ``MALLOC_ARENA_MAX=2``, as docs/security.md advises for production: glibc otherwise gives each of
the server's worker threads a heap of its own, which costs some 40 MiB more before it levels off and would hide a slow
leak in that noise. What may still grow is bounded by design: SQLite's page cache (2 MiB for each of up to fifteen
pooled connections, filling as the uploads add to the database). "Flat" is then: at most ``GROWTH`` more after the
2,000 requests, and at most half of that in the second thousand (observed: about 18 and 10 MiB)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hostile import tally
from hostile.process import Server, prepare
from serverbench import BEIBEI, NANAN
from shared import run

CLIENTS = 16
REQUESTS = 2000
WARM_UP = 300
GROWTH = 48 * 2**20
SEED = 2011
PASSWORD = "correct horse battery staple"
MiB = 2**20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, xlsx_filing: Path) -> Iterator[tuple[Server, dict[str, str], dict[str, int]]]:
    data = tmp_path_factory.mktemp("load") / "data"
    tokens = prepare(data, {"filer": ("filer", "500108"), "filer2": ("filer", "500109"), "officer": ("officer", None)})
    code, out, err = run("users", "add", "li", "--role", "officer", "--password-stdin", "--data", data, input=PASSWORD)
    assert code == 0, out + err
    server = Server(data, env={"MALLOC_ARENA_MAX": "2"}).start()
    ids = {}
    with server.client(tokens["officer"]) as client:
        for key, name, body in (("nanan", "nanan-2011.yaml", NANAN.read_bytes()), ("beibei", "beibei-2012.yaml", BEIBEI.read_bytes()),
                                ("xlsx", "nanan-2011.xlsx", xlsx_filing.read_bytes())):
            made = client.post("/api/filings", files={"file": (name, body)})
            assert made.status_code == 201, made.text
            ids[key] = made.json()["id"]
    yield server, tokens, ids
    server.stop()


def _mix(rng: random.Random, ids: dict[str, int], xlsx: bytes) -> tuple[str, str, str, dict[str, tuple[str, bytes]] | None, int]:
    """One request of the office's day: (who, method, path, files, the status it should get)."""
    roll = rng.random()
    if roll < 0.05:
        if rng.random() < 0.5:
            return "filer", "POST", "/api/filings", {"file": ("nanan-2011.yaml", NANAN.read_bytes())}, 201
        return "officer", "POST", "/api/filings", {"file": ("nanan-2011.xlsx", xlsx)}, 201
    if roll < 0.16:
        fid = ids[rng.choice(["nanan", "beibei", "xlsx"])]
        return "officer", "GET", rng.choice([f"/api/filings/{fid}/report.html", f"/api/filings/{fid}/letter.md",
                                              f"/api/filings/{fid}/report/json"]), None, 200
    if roll < 0.50:
        return rng.choice(["filer", "officer"]), "GET", rng.choice(["/api/rules", "/rules", "/rules/FIN-13", "/rules/STD-01"]), None, 200
    if roll < 0.75:
        return rng.choice(["filer", "filer2", "officer"]), "GET", "/api/filings", None, 200
    who = rng.choice(["filer", "officer"])
    return who, "GET", f"/api/filings/{ids['nanan']}", None, 200


def _drive(server: Server, tokens: dict[str, str], ids: dict[str, int], count: int, xlsx: bytes,
           seed: int) -> tuple[list[float], list[str]]:
    """``count`` requests from CLIENTS threads; their latencies (seconds) and what went wrong."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per = [count // CLIENTS + (1 if i < count % CLIENTS else 0) for i in range(CLIENTS)]

    def client(n: int, rng: random.Random) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for _ in range(n):
                who, method, path, files, expected = _mix(rng, ids, xlsx)
                started = time.perf_counter()
                try:
                    response = http.request(method, path, files=files, headers={"Authorization": f"Bearer {tokens[who]}"})
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status = 0
                    said = repr(exc)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status != expected:
                        errors.append(f"{method} {path} as {who}: {status} {said if status == 0 else response.text[:200]}")
    threads = [threading.Thread(target=client, args=(n, random.Random(seed + i))) for i, n in enumerate(per)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return latencies, errors


def test_sixteen_clients_and_two_thousand_requests_without_an_error_in_flat_memory(
        server: tuple[Server, dict[str, str], dict[str, int]], xlsx_filing: Path) -> None:
    serve, tokens, ids = server
    xlsx = xlsx_filing.read_bytes()
    _, errors = _drive(serve, tokens, ids, WARM_UP, xlsx, SEED)
    assert not errors, errors[:5]
    warm = serve.status("VmRSS")
    started = time.perf_counter()
    latencies, errors = _drive(serve, tokens, ids, REQUESTS // 2, xlsx, SEED + 100)
    mid = serve.status("VmRSS")
    more, more_errors = _drive(serve, tokens, ids, REQUESTS - REQUESTS // 2, xlsx, SEED + 200)
    took = time.perf_counter() - started
    end = serve.status("VmRSS")
    latencies = sorted(latencies + more)
    errors += more_errors
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    tally.requests(len(latencies), len(errors))
    tally.note("p95_ms", p95)
    tally.note("rss_start_mib", warm / MiB)
    tally.note("rss_end_mib", end / MiB)
    print(f"\nload: {len(latencies)} requests from {CLIENTS} clients in {took:.1f} s, {len(errors)} errors, "
          f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
          f"RSS {warm / MiB:.0f} → {mid / MiB:.0f} → {end / MiB:.0f} MiB")
    assert len(latencies) == REQUESTS and not errors, errors[:10]
    assert end - warm <= GROWTH and end - mid <= GROWTH / 2, f"RSS {warm / MiB:.0f} → {mid / MiB:.0f} → {end / MiB:.0f} MiB"
    assert took < 120, took  # about 30 s on two idle cores


def test_the_log_is_json_lines_with_a_request_id_and_no_secret(server: tuple[Server, dict[str, str], dict[str, int]]) -> None:
    serve, tokens, _ = server
    with serve.client() as client:
        login = client.post("/api/session", json={"name": "li", "password": PASSWORD}, headers={"X-Request-ID": "trace-me-1"})
        assert login.status_code == 200 and login.headers["x-request-id"] == "trace-me-1"
        cookie = login.cookies["junheng_session"]
        assert client.get("/api/me").status_code == 200
        wrong = client.post("/api/session", json={"name": "li", "password": PASSWORD[::-1]})
        assert wrong.status_code == 401
        assert client.get(f"/api/me?token={tokens['officer']}").status_code == 200  # the query string is never logged
    time.sleep(0.3)  # the log lines are written as the responses go
    lines = serve.lines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON document
    requests = [e for e in entries if e["logger"] == "junheng.access"]
    assert len(requests) >= WARM_UP and all(len(e["request_id"]) >= 8 and e["http"]["status"] for e in requests)
    traced = [e for e in requests if e["request_id"] == "trace-me-1"]
    assert len(traced) == 1 and traced[0]["http"]["path"] == "/api/session" and traced[0]["http"]["user"] is None
    assert any(e["http"]["user"] == "officer" for e in requests)  # a user's name is there: the log says who did what
    text = "\n".join(lines)
    for secret in (PASSWORD, PASSWORD[::-1], cookie, *tokens.values()):
        tally.attack(secret not in text)
        assert secret not in text, "a secret in the server's log"
    assert "token=" not in text and "?" not in "".join(e["http"]["path"] for e in requests)


def test_behind_an_https_proxy_the_cookie_is_secure_and_strict_transport_is_asked_for(
        server: tuple[Server, dict[str, str], dict[str, int]]) -> None:
    serve, _, _ = server
    with serve.client() as client:  # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, where the proxy runs
        login = client.post("/api/session", json={"name": "li", "password": PASSWORD}, headers={"X-Forwarded-Proto": "https"})
        plain = client.post("/api/session", json={"name": "li", "password": PASSWORD})
    assert login.status_code == 200 and "; secure" in login.headers["set-cookie"].lower(), login.headers
    assert login.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" not in plain.headers["set-cookie"].lower() and "strict-transport-security" not in plain.headers
