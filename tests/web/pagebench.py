"""What the page tests share: a live ``junheng serve`` (uvicorn on a free loopback port, in a thread, over a fresh data
folder with its people), the system Chromium driven by Playwright, and ``Browser.look``: the check every page gets —
it loads from this server only, breaks no rule of the Content-Security-Policy, has no serious or critical axe-core
violation, and is saved as a screenshot to look at.

Nothing is downloaded: Chromium is ``/usr/bin/chromium`` (Debian's package; ``.ci/run`` installs it), axe-core is the
copy ``.ci/run`` puts in ``tests/.cache/axe`` (or ``JUNHENG_AXE``). Without either, the tests skip saying which.
Screenshots go to the test's temporary folder, and also to ``JUNHENG_SCREENSHOTS`` when it names a folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from junheng.web.app import create_app
from junheng.web.service import accounts, filings
from junheng.web.roles import Principal
from junheng.web.settings import Settings
from junheng.web.workbench import Workbench, open_workbench
from shared import ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "tests" / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a long passphrase for tests"
START_SECONDS = 20
# The people of a live server: (name, role, district).
PEOPLE = (("filer", "filer", "500108"), ("filer2", "filer", "500109"), ("officer", "officer", None), ("reviewer", "reviewer", None),
          ("reviewer2", "reviewer", None))
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}

# Run in the page: axe-core's serious and critical violations, trimmed to what a failure message needs.
_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations'], iframes: false});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, summary: n.failureSummary}))}));
}"""


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not at {CHROMIUM} (apt-get install chromium; .ci/run does it): the page tests need a real browser")


def axe_source() -> str:
    given = os.environ.get("JUNHENG_AXE")
    path = Path(given) if given else AXE_SCRIPT
    if not path.is_file():
        pytest.skip(f"axe-core is not at {path}: .ci/run installs it (npm install axe-core into tests/.cache/axe)")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the server


@dataclass
class Live:
    """A running server: its origin, its workbench, and the uvicorn that serves it."""

    origin: str
    wb: Workbench
    server: Any
    thread: threading.Thread
    ids: dict[str, int] = field(default_factory=dict)  # stored filings by name

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.wb.close()


def start_server(data: Path) -> Live:
    """A fresh data folder with ``PEOPLE`` (passwords), served by uvicorn on a free port of 127.0.0.1."""
    import uvicorn  # here: only the page tests start a real server

    wb = open_workbench(Settings(data=data))
    for name, role, district in PEOPLE:
        accounts.add_user(wb, "test", name, role, district, password=PASSWORD)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held from now on: no race with another process
    server = uvicorn.Server(uvicorn.Config(create_app(wb.settings, wb), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            wb.close()
            raise RuntimeError(f"uvicorn did not start within {START_SECONDS} s")
        time.sleep(0.05)
    return Live(f"http://127.0.0.1:{sock.getsockname()[1]}", wb, server, thread)


def store(live: Live, person: str, path: Path, key: str) -> int:
    """A filing stored as ``person`` uploaded it (the service, not the browser: the set-up of a test)."""
    name, role, district = next(p for p in PEOPLE if p[0] == person)
    who = Principal(0, name, role, district)
    made = filings.upload_filing(live.wb, who, path.name, path.read_bytes())
    live.ids[key] = int(made["id"])
    return live.ids[key]


# ---------------------------------------------------------------- the browser


@dataclass
class Browser:
    """Chromium, the server it visits, axe-core, and where screenshots go."""

    chromium: Any
    live: Live
    axe: str
    shots: Path
    looked: list[str] = field(default_factory=list)

    @contextmanager
    def person(self, name: str | None, viewport: dict[str, int] = WIDE, lang: str = "zh-CN", script: bool = True) -> Iterator[Any]:
        """A page in a fresh browser context (its own cookies), logged in as ``name`` through the login form;
        ``script=False``: a browser that runs no script at all."""
        context = self.chromium.new_context(viewport=viewport, locale=lang, base_url=self.live.origin, java_script_enabled=script)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.requests = []
        page.csp = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("console", lambda m: page.csp.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            if name is not None:
                log_in(page, name)
            yield page
        finally:
            context.close()

    def look(self, page: Any, shot: str, full: bool = True) -> None:
        """The checks every page gets (see the module's docstring), and its screenshot ``shot``.png."""
        page.wait_for_load_state("load")
        foreign = [u for u in page.requests if not u.startswith(self.live.origin) and not u.startswith(("data:", "about:"))]
        assert not foreign, f"{page.url} loaded from another host: {foreign}"
        assert not page.csp, f"{page.url} broke the Content-Security-Policy: {page.csp}"
        page.evaluate(self.axe)  # run in the page by the browser's devtools: not an inline script the CSP would refuse
        serious = page.evaluate(_AXE_RUN)
        assert not serious, f"{page.url}: axe-core finds\n" + json.dumps(serious, ensure_ascii=False, indent=1)
        page.evaluate("document.activeElement && document.activeElement.blur()")  # the page as it reads, not where the test typed
        path = self.shots / f"{shot}.png"
        page.screenshot(path=str(path), full_page=full)
        self.looked.append(shot)
        extra = os.environ.get("JUNHENG_SCREENSHOTS")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(extra) / path.name)


def log_in(page: Any, name: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


@contextmanager
def browsing(live: Live, shots: Path) -> Iterator[Browser]:
    """Chromium launched for a module (one browser, a fresh context per person), closed at the end."""
    needs_chromium()
    axe = axe_source()
    from playwright.sync_api import sync_playwright  # here: only the page tests drive a browser

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield Browser(chromium, live, axe, shots)
        finally:
            chromium.close()
