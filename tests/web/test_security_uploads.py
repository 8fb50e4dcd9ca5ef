"""Hostile uploads: whatever is sent, the answer is a refusal with its reasons — never a 500, never a hang, never the
server's memory — and the server keeps serving.

- The project's hostile-input corpus (``fixtures/invalid/`` and ``hostile/corpus.py``), uploaded: each a 422 whose
  problems are located in the uploaded file.
- ``.xlsx`` traps (``hostile/workbooks.py``) against a real server, its memory read from ``/proc``: a zip bomb, one
  whose directory lies about its sizes, 10⁶ rows, macros (an ``.xlsm`` renamed), links to other workbooks, XML entity
  bombs and an external entity — each refused within seconds, the server's peak memory growing by a bounded amount.
- Size (413, whether the body says its length or not), time (a body that stalls or trickles: 408; a request head that
  never ends: the connection closed), while the server answers others.
- A file name with folders, ``..``, control or direction characters is a label, cleaned, never a path.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostile import corpus, tally, workbooks
from hostile.process import Server, prepare
from hostile.routes import every_route, url
from junheng.web.settings import MAX_UNPACKED
from serverbench import NANAN, Bench, make_bench
from shared import INVALID

SECONDS = 5.0  # every trap is refused well within this
MEMORY = 96 * 2**20  # and the server's peak memory grows by less than this while it looks at one
MiB = 2**20


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    bench = make_bench(tmp_path_factory.mktemp("uploads") / "data", None)
    yield bench
    bench.client.close()
    bench.wb.close()


def _corpus() -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes()) for p in INVALID.iterdir() if p.is_file()) + list(corpus.texts())


def test_every_file_of_the_hostile_corpus_is_a_located_422_and_the_server_keeps_serving(bench: Bench) -> None:
    files = _corpus()
    assert len(files) >= 50
    for name, data in files:
        started = time.perf_counter()
        response = bench.client.post("/api/filings", files={"file": (name, data)}, headers=bench.auth("officer"))
        elapsed = time.perf_counter() - started
        ok = response.status_code == 422 and response.json()["error"]["code"] == "invalid_filing"
        tally.attack(ok)
        assert ok, (name, response.status_code, response.text[:500])
        problems = response.json()["error"]["problems"]
        assert problems, name
        for problem in problems:
            assert set(problem) >= {"code", "message", "file", "line", "column", "pointer", "cell"}, (name, problem)
            assert problem["file"] == name and problem["message"], (name, problem)
        assert elapsed < SECONDS, (name, elapsed)
        assert bench.client.get("/api/me", headers=bench.auth("officer")).status_code == 200
    assert bench.client.get("/api/filings", headers=bench.auth("officer")).json()["filings"] == []  # nothing stored


# ---------------------------------------------------------------- against a real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """``junheng serve`` with a one-second request timeout (so that the slow requests below take seconds, not minutes)."""
    data = tmp_path_factory.mktemp("serve") / "data"
    tokens = prepare(data, {"officer": ("officer", None)})
    server = Server(data, ("--request-timeout", "1")).start()
    yield server, tokens["officer"]
    server.stop()


@pytest.fixture(scope="module")
def traps(tmp_path_factory: pytest.TempPathFactory, xlsx_filing: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("traps")
    made: dict[str, Callable[[Path], Path]] = {
        "zip-bomb.xlsx": workbooks.zip_bomb, "lying-zip-bomb.xlsx": workbooks.lying_zip_bomb, "million-rows.xlsx": workbooks.million_rows,
        "macros.xlsx": lambda p: workbooks.macros(xlsx_filing, p),
        "external-links.xlsx": lambda p: workbooks.external_links(xlsx_filing, p),
        "entity-bomb.xlsx": lambda p: workbooks.entity_bomb(xlsx_filing, p),
        "xxe.xlsx": lambda p: workbooks.external_entity(xlsx_filing, p),
        "utf16-entity-bomb.xlsx": lambda p: workbooks.utf16_doctype(xlsx_filing, p)}
    return {name: make(folder / name) for name, make in made.items()}


def _upload(server: Server, token: str, name: str, data: bytes) -> httpx.Response:
    with server.client(token, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        return client.post("/api/filings", files={"file": (name, data)})


EXPECTED = {"zip-bomb.xlsx": (413, "too_large"), "million-rows.xlsx": (413, "too_large"),
            "lying-zip-bomb.xlsx": (422, "filing_parse_error"),
            "macros.xlsx": (422, "filing_macros"), "external-links.xlsx": (422, "filing_external_links"),
            "entity-bomb.xlsx": (422, "filing_xml_doctype"), "xxe.xlsx": (422, "filing_xml_doctype"),
            "utf16-entity-bomb.xlsx": (422, "filing_xml_doctype")}


def test_each_workbook_trap_is_refused_within_seconds_in_bounded_memory(server: tuple[Server, str], traps: dict[str, Path],
                                                                        xlsx_filing: Path) -> None:
    serve, token = server
    assert _upload(serve, token, "nanan-2011.xlsx", xlsx_filing.read_bytes()).status_code == 201  # warm, and the real form passes
    most = 0
    for name, path in traps.items():
        data = path.read_bytes()
        serve.reset_peak()
        before = serve.status("VmRSS")
        started = time.perf_counter()
        response = _upload(serve, token, name, data)
        elapsed, grew = time.perf_counter() - started, serve.status("VmHWM") - before
        error = response.json()["error"]
        code = error["problems"][0]["code"] if response.status_code == 422 else error["code"]
        refused = (response.status_code, code) == EXPECTED[name]
        tally.attack(refused and elapsed < SECONDS and grew < MEMORY)
        assert refused, (name, response.status_code, response.text[:500])
        assert elapsed < SECONDS, f"{name}: {elapsed:.1f} s"
        assert grew < MEMORY, f"{name}: the server's peak memory grew by {grew / MiB:.0f} MiB"
        assert _upload(serve, token, "nanan-2011.xlsx", xlsx_filing.read_bytes()).status_code == 201  # still serving
        most = max(most, grew)
    tally.note("upload_peak_mib", most / MiB)
    assert workbooks.zip_bomb.__defaults__ == (256 * MiB,) and 256 * MiB > MAX_UNPACKED  # the bomb is past the limit indeed


def test_every_route_that_takes_a_workbook_refuses_the_traps_too(tmp_path: Path, traps: dict[str, Path]) -> None:
    """The same traps through every upload route the application has (a filing, a filled 核查表), in the process."""
    bench = make_bench(tmp_path / "data", None)
    try:
        made = bench.upload("officer", NANAN)
        assert made.status_code == 201, made.text
        uploads = [path for method, path in every_route(bench.client.app) if method == "POST" and path.startswith("/api/")
                   and (path.endswith("/filings") or "verification" in path)]
        assert "/api/filings" in uploads and len(uploads) >= 2, uploads
        for path in uploads:
            for name, trap in traps.items():
                response = bench.client.post(url(path, {"filing": made.json()["id"]}), files={"file": (name, trap.read_bytes())},
                                             headers=bench.auth("officer"))
                refused = response.status_code in (413, 422)
                tally.attack(refused)
                assert refused, (path, name, response.status_code, response.text[:300])
    finally:
        bench.client.close()
        bench.wb.close()


def test_a_body_over_the_limit_is_413_whether_it_says_its_length_or_not(server: tuple[Server, str]) -> None:
    serve, token = server
    head = (f"POST /api/filings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", serve.port), timeout=5) as sock:
        sock.sendall(head)  # the length alone is refused: not a byte of the body is waited for
        answer = sock.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]

    def endless() -> Iterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.yaml\"\r\n\r\n"
        for _ in range(30):  # 30 MiB, chunked: no Content-Length to refuse it by
            yield b"#" * MiB
    with serve.client(token) as client:
        response = client.post("/api/filings", content=endless(), headers={"Content-Type": "multipart/form-data; boundary=x"})
    tally.attack(response.status_code == 413, n=2)
    assert response.status_code == 413, response.text[:300]


def _raw(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(data)
    return sock


def _answer(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and the seconds until its first byte (or the close)."""
    started, first, got = time.perf_counter(), None, b""
    while True:
        try:
            chunk = sock.recv(65536)
        except OSError:
            chunk = b""
        first = first if first is not None else time.perf_counter() - started
        if not chunk:
            return got, first
        got += chunk


def test_a_body_that_stalls_or_trickles_is_cut_off_and_a_head_that_never_ends_is_closed(server: tuple[Server, str]) -> None:
    serve, token = server
    head = (f"POST /api/filings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n").encode()
    stalled = _raw(serve.port, head)
    others = [_raw(serve.port, b"GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ") for _ in range(20)]  # heads that never end
    with serve.client(token) as client:  # meanwhile, everyone else is served at once
        assert client.get("/api/me").status_code == 200
    got, waited = _answer(stalled)
    assert got.startswith(b"HTTP/1.1 408") and b"body_timeout" in got and waited < 6, (got[:200], waited)
    for sock in others:
        closed, waited = _answer(sock)
        assert closed == b"" and waited < 6, (closed[:100], waited)  # closed without an answer, within the deadline
        sock.close()
    trickle = _raw(serve.port, head)
    started, answer = time.perf_counter(), b""
    while time.perf_counter() - started < 25 and not answer:  # a byte every half second: never idle for a whole second
        try:
            trickle.sendall(b"a")
            trickle.settimeout(0.5)
            answer = trickle.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
    assert answer.startswith(b"HTTP/1.1 408") and time.perf_counter() - started < 20, answer[:200]  # ten seconds in all, and some slack
    stalled.close()
    trickle.close()
    tally.attack(True, n=22)
    with serve.client(token) as client:
        assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize("sent", ["../../../../etc/passwd.yaml", "..\\..\\Windows\\win.ini.yaml", "/etc/cron.d/x.yaml",
                                  "nanan\r\nX-Injected: 1.yaml", "na\x00nan.yaml", "\u202elmay.exe.yaml", "a/../../b/..yaml",
                                  "....//....//x.yaml", "%2e%2e%2fx.yaml", "con.yaml"])
def test_a_file_name_is_a_label_cleaned_of_folders_and_control_characters_never_a_path(bench: Bench, sent: str) -> None:
    # The bench's first stored result also keeps its rule version under the data folder, once: upload a plainly named
    # filing first, so that the comparison below holds when this test runs alone too.
    assert bench.client.post("/api/filings", files={"file": ("plain.yaml", NANAN.read_bytes())},
                             headers=bench.auth("officer")).status_code == 201
    before = sorted(p.relative_to(bench.data) for p in bench.data.rglob("*") if "junheng.db" not in p.name)
    response = bench.client.post("/api/filings", files={"file": (sent, NANAN.read_bytes())}, headers=bench.auth("officer"))
    assert response.status_code in (201, 422), response.text
    if response.status_code == 201:
        stored = response.json()["filename"]
        assert "/" not in stored and "\\" not in stored and stored not in ("", ".", "..")
        hidden = "\u202e\u202d\u200f\u2066\u2067\u2068\u2069"  # direction overrides and isolates
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in hidden for ch in stored), stored
        original = bench.client.get(f"/api/filings/{response.json()['id']}/original", headers=bench.auth("officer"))
        disposition = original.headers["content-disposition"]
        assert disposition.startswith("attachment; filename*=UTF-8''") and "\r" not in disposition and "\n" not in disposition
        assert original.content == NANAN.read_bytes()
    after = sorted(p.relative_to(bench.data) for p in bench.data.rglob("*") if "junheng.db" not in p.name)
    assert after == before  # nothing was written anywhere in the data folder but the database
    assert not any(Path(p).exists() for p in ("/etc/passwd.yaml", "/etc/cron.d/x.yaml"))
    tally.attack(True)


def test_raw_control_bytes_in_a_multipart_file_name_are_cleaned(bench: Bench) -> None:
    """The same through a hand-made multipart body: what a browser or a client library would have escaped."""
    for raw in (b"evil\x1b[31m.yaml", b"tab\there.yaml", b"bell\x07.yaml", "右\u202e.yaml".encode()):
        body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + raw + b"\"\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n" + NANAN.read_bytes() + b"\r\n--b--\r\n")
        headers = bench.auth("officer") | {"Content-Type": "multipart/form-data; boundary=b"}
        response = bench.client.post("/api/filings", content=body, headers=headers)
        assert response.status_code in (201, 422), response.text
        if response.status_code == 201:
            stored: Any = response.json()["filename"]
            assert all(ord(ch) >= 32 and ch != "\u202e" and not 0x7F <= ord(ch) < 0xA0 for ch in stored), repr(stored)
        tally.attack(True)
