"""A real ``junheng serve`` on 127.0.0.1, for what a test client in the same process cannot show: a request that
stalls, a SIGKILL at a random moment, the server's own memory (``/proc/PID/status``), its log on stderr."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shared import EXE, run

START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def command(*args: object) -> list[str]:
    """``junheng ARGS…`` as a command line: the installed script, else the module."""
    exe = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "junheng.cli.main"]
    return [*exe, *(str(a) for a in args)]


def prepare(data: Path, people: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """A data folder with ``people`` (name → (role, district)) and a token each."""
    tokens = {}
    for name, (role, district) in people.items():
        code, out, err = run("users", "add", name, "--role", role, *(["--district", district] if district else []), "--data", data)
        assert code == 0, out + err
        code, out, err = run("users", "token", name, "--data", data)
        assert code == 0, out + err
        tokens[name] = out.strip()
    return tokens


@dataclass
class Server:
    """One ``junheng serve`` process; its stderr goes to ``log``."""

    data: Path
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = free_port()
        self.starts += 1
        self.log = self.data.parent / f"{self.data.name}-serve-{self.starts}.log"
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(command("serve", "--data", self.data, "--port", self.port, *self.args),
                                         stdout=subprocess.DEVNULL, stderr=err, env=os.environ | {"PYTHONUNBUFFERED": "1"} | self.env)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                httpx.get(f"{self.url}/api/me", timeout=2)
                return self
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()  # never left running behind a failed test
                    raise RuntimeError(f"junheng serve did not start: {self.log.read_text(errors='replace')[-3000:]}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut or the OOM killer."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def status(self, key: str) -> int:
        """A line of ``/proc/PID/status`` in bytes (VmRSS: memory now, VmHWM: the most since the last ``reset_peak``)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(key)

    def reset_peak(self) -> None:
        """Start VmHWM again from the memory now (``/proc/PID/clear_refs``)."""
        assert self.proc is not None
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines() if self.log else []

    def client(self, token: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=kw.pop("timeout", 30), **kw)
